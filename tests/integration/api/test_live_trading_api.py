"""A live season through the HTTP API of a real `arena serve` (its embedded runner drives the
season on the loopback exchange's clock): created with its accounts, started, ranked as real,
reconciled tick by tick, and flattened with the token; no key, secret or passphrase in any
response or in the server's output."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from alpha_arena.core.time import to_iso
from alpha_arena.services.context import open_context
from tests.support.arena_process import arena_env, served
from tests.support.fake_exchange import FakeExchange
from tests.support.live_exchange import (
    ACCOUNTS,
    LAG_MS,
    START,
    ExchangeClock,
    drive,
    live_settings,
    prepare_live,
    season_values,
)

TOKEN = "live-api-token-7f3e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: Long enough for both agents to enter, exit and enter again (ticks 0 and 14).
TICKS = 18
ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.usefixtures("database_url")


def test_a_live_season_runs_and_is_flattened_through_the_api(database_url: str) -> None:
    with FakeExchange(START + LAG_MS) as fake:
        settings = live_settings(database_url, fake)
        context = open_context(settings, clock=ExchangeClock(fake))
        try:
            prepare_live(context, fake)
        finally:
            context.close()
        assert settings.secret_key is not None
        env = arena_env(
            database_url, exchange_base_url=fake.url, api_token=TOKEN, trading_enabled="true",
            secret_key=settings.secret_key.get_secret_value(), exchange_rate_limit_ms="0",
            exchange_clock_sync_s="0", exchange_max_retries="1", exchange_retry_base_s="0",
        )  # fmt: skip
        responses: list[str] = []
        log: list[str] = []
        env["ARENA_LOG_LEVEL"] = "DEBUG"  # everything the server logs is scanned too
        with served(env, ROOT, log) as (client, _):
            body = season_values(TICKS) | {"start": to_iso(START),
                                      "end": to_iso(START + TICKS * 3_600_000)}  # fmt: skip
            created = client.post("/api/v1/seasons", json=body, headers=AUTH)
            assert created.status_code == 201, created.text
            season_id = created.json()["id"]
            started = client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH)
            assert started.status_code == 200, started.text

            def ticks_done() -> int:
                return int(client.get(f"/api/v1/seasons/{season_id}").json()["ticks_done"])

            stop = threading.Event()
            driver = threading.Thread(target=drive, args=(fake, ticks_done, TICKS, stop))
            driver.start()
            driver.join(timeout=240)
            stop.set()
            deadline = time.monotonic() + 30  # the end is stored just after the last tick
            while (season := client.get(f"/api/v1/seasons/{season_id}").json())[
                "status"
            ] == "running" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert (season["status"], season["ticks_done"]) == ("finished", TICKS), season

            board = client.get(f"/api/v1/seasons/{season_id}/leaderboard")
            assert board.json()["real"] is True
            reconciliation = client.get(f"/api/v1/seasons/{season_id}/reconciliation")
            assert reconciliation.json()["snapshots"] == TICKS * len(ACCOUNTS)
            assert reconciliation.json()["events"] == []
            refused = client.post(f"/api/v1/seasons/{season_id}/flatten")
            assert refused.status_code == 401
            flattened = client.post(f"/api/v1/seasons/{season_id}/flatten", headers=AUTH)
            assert flattened.status_code == 200, flattened.text
            assert {(f["remaining_positions"], f["remaining_orders"])
                    for f in flattened.json()} == {(0, 0)}  # fmt: skip
            responses += [r.text for r in (created, started, board, reconciliation, flattened)]
            responses.append(client.get("/api/v1/accounts").text)
        for _, credentials in ACCOUNTS.values():
            assert fake.account(credentials.api_key).positions == {}
            assert fake.account(credentials.api_key).open_orders() == []
        assert any(fake.account(c.api_key).fills for _, c in ACCOUNTS.values())
        secrets = [s for _, c in ACCOUNTS.values() for s in c.secrets()]
        secrets.append(settings.secret_key.get_secret_value())
        assert "flattened fast on okx-demo-fast" in log[0]  # the log is there to be scanned
        for text in [*responses, *log]:
            for secret in secrets:
                assert secret not in text
