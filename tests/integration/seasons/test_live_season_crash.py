"""``kill -9`` of ``arena season run`` on a live season after an order reached the exchange but
before the tick that sent it was committed: the restarted runner finds the order by its client
order id, places nothing twice, and ends with the ledger of an uninterrupted run (on each
database). The runner follows the loopback exchange's clock, as it follows a real one's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from alpha_arena.core.settings import Settings
from alpha_arena.domain.seasons import SeasonEvent
from alpha_arena.services import seasons
from alpha_arena.services.context import open_context
from alpha_arena.storage.exchange_accounts import new_master_key
from alpha_arena.storage.season_store import SeasonStore
from tests.support.arena_process import ARENA
from tests.support.fake_exchange import FakeExchange
from tests.support.live_exchange import (
    ACCOUNTS,
    LAG_MS,
    START,
    ExchangeClock,
    drive,
    live_season,
    live_settings,
)

ROOT = Path(__file__).resolve().parents[3]
#: Long enough for both agents to enter, exit and enter again (ticks 0 and 14).
TICKS = 18


def runner(settings: Settings, season_id: int) -> subprocess.Popen[str]:
    assert settings.secret_key is not None and settings.exchange_base_url is not None
    env = os.environ | {
        "ARENA_DATABASE_URL": settings.database_url,
        "ARENA_EXCHANGE_BASE_URL": settings.exchange_base_url,
        "ARENA_SECRET_KEY": settings.secret_key.get_secret_value(),
        "ARENA_TRADING_ENABLED": "true", "ARENA_EXCHANGE_RATE_LIMIT_MS": "0",
        "ARENA_EXCHANGE_MAX_RETRIES": "1", "ARENA_EXCHANGE_RETRY_BASE_S": "0",
        "ARENA_EXCHANGE_TIMEOUT_S": "60", "ARENA_EXCHANGE_CLOCK_SYNC_S": "0",
    }  # fmt: skip
    return subprocess.Popen(
        [ARENA, "season", "run", str(season_id), "--json"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def orders_placed(fake: FakeExchange) -> int:
    return sum(len(fake.account(c.api_key).orders) for _, c in ACCOUNTS.values())


def run_live(database_url: str, crash: bool, secret_key: str) -> dict[str, Any]:
    """Run the two-agent live season to its end in runner processes; with ``crash``, kill the
    runner while the exchange holds back its answer to the first order."""
    with FakeExchange(START + LAG_MS) as fake:
        settings = live_settings(database_url, fake, exchange_timeout_s=60, secret_key=secret_key)
        context = open_context(settings, clock=ExchangeClock(fake))
        try:
            tag = "-crash" if crash else ""
            season_id = live_season(context, fake, ticks=TICKS, tag=tag)
            seasons.transition(context, season_id, SeasonEvent.START)
            store = SeasonStore(context.engine)
            if crash:
                fake.drop_response_after_accept_next(stall_s=120)
            stop = threading.Event()
            driver = threading.Thread(
                target=drive, args=(fake, lambda: store.get(season_id).ticks_done, TICKS, stop)
            )
            driver.start()
            process = runner(settings, season_id)
            try:
                if crash:
                    deadline = time.monotonic() + 60
                    while orders_placed(fake) == 0 and time.monotonic() < deadline:
                        time.sleep(0.02)
                    assert orders_placed(fake) == 1, "the first order should be waiting"
                    uncommitted = store.get(season_id).ticks_done
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait()
                    assert store.get(season_id).ticks_done == uncommitted
                    process = runner(settings, season_id)
                out, err = process.communicate(timeout=180)
                assert process.returncode == 0, err[-2_000:]
                report = json.loads(out)
                assert (report["status"], report["ticks_done"]) == ("finished", TICKS)
                assert report["leaderboard"]["real"] is True
            finally:
                stop.set()
                driver.join()
                if process.poll() is None:
                    process.kill()
            ledger = {}
            for entry in store.entries(season_id):
                fills = [(f.ts, f.side, f.quantity, f.price, f.fee, f.tag)
                         for f in store.fills(entry.id)]  # fmt: skip
                equity = [row["equity"] for row in store.equity(entry.id)]
                ledger[entry.name.removesuffix(tag)] = (fills, equity)
            client_ids = [
                order.client_order_id
                for _, credentials in ACCOUNTS.values()
                for order in fake.account(credentials.api_key).orders.values()
                if order.client_order_id
            ]
            return {"ledger": ledger, "client_ids": client_ids, "orders": orders_placed(fake)}
        finally:
            context.close()


def test_a_killed_live_runner_resumes_without_placing_an_order_twice(database_url: str) -> None:
    key = new_master_key()  # both seasons' accounts in one database: one master key
    uninterrupted = run_live(database_url, crash=False, secret_key=key)
    assert all(fills for fills, _ in uninterrupted["ledger"].values()), "both should trade"

    crashed = run_live(database_url, crash=True, secret_key=key)

    assert len(set(crashed["client_ids"])) == len(crashed["client_ids"])
    assert crashed["orders"] == uninterrupted["orders"]
    assert crashed["ledger"] == uninterrupted["ledger"]
