"""A live season against the loopback exchange: two agents on two demo accounts, with the
exchange's clock moved one bar at a time, each move once the runner has committed the tick
before it (so fills happen at the same bars whatever the machine's speed)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from alpha_arena.core.settings import Settings
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.domain.accounts import ExchangeCredentials
from alpha_arena.services.accounts import add_account
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import ingest
from alpha_arena.services.seasons import create_season
from alpha_arena.storage.exchange_accounts import new_master_key
from tests.support.fake_exchange import FakeExchange

BTC = "BTC/USDT:USDT"
START = parse_ts("2024-02-01")
TICKS = 30
#: The runner asks for a bar this long after its close (seasons.runner.PAPER_LAG_MS).
LAG_MS = 5_000
CAPITAL = 5_000.0
ACCOUNTS = {
    "fast": ("okx-demo-fast", ExchangeCredentials("live-key-fast-0001", "live-secret-fast-0001",
                                                  "Live-pass-fast-1")),
    "slow": ("okx-demo-slow", ExchangeCredentials("live-key-slow-0002", "live-secret-slow-0002",
                                                  "Live-pass-slow-2")),
}  # fmt: skip


class ExchangeClock:
    """The loopback exchange's clock: a live season's wall clock in these tests."""

    def __init__(self, fake: FakeExchange) -> None:
        self._fake = fake

    def now_ms(self) -> int:
        return self._fake.now_ms


def live_settings(database_url: str, fake: FakeExchange, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url, "exchange_base_url": fake.url,
        "exchange_max_retries": 1, "exchange_retry_base_s": 0, "exchange_rate_limit_ms": 0,
        "exchange_timeout_s": 5, "trading_enabled": True, "secret_key": new_master_key(),
    }  # fmt: skip
    return Settings(**(values | changes))


def prepare_live(context: AppContext, fake: FakeExchange, tag: str = "") -> None:
    """Load the exchange's market; register two demo accounts and two agents (``tag`` ends
    their names, for a second season in one database)."""
    ingest(context, "okx", [BTC], ["1h"], since=START - 200 * HOUR_MS)
    for agent, (account, credentials) in ACCOUNTS.items():
        fake.add_account(credentials.api_key, credentials.secret, credentials.passphrase or "",
                         usdt=CAPITAL * 2)  # fmt: skip
        add_account(context, account + tag, "okx", credentials)
        fast, slow = ("3", "8") if agent == "fast" else ("5", "13")
        add_agent(context, agent + tag, {"kind": "strategy", "strategy": "ema_trend",
                                         "params": {"fast": fast, "slow": slow}})  # fmt: skip


def season_values(ticks: int = TICKS, tag: str = "") -> dict[str, Any]:
    """The live season of the two agents, as `arena season create` takes it (times in ms)."""
    return {
        "name": "live", "mode": "live", "exchange": "okx", "symbols": [BTC], "start": START,
        "end": START + ticks * HOUR_MS, "capital": CAPITAL, "baselines": False,
        "participants": [agent + tag for agent in ACCOUNTS], "decision_timeout_s": 10,
        "accounts": {agent + tag: account + tag for agent, (account, _) in ACCOUNTS.items()},
        "risk": {"max_leverage": 3, "max_position_notional": 8_000,
                 "max_total_exposure": 8_000, "daily_loss_limit": 0.5},
    }  # fmt: skip


def live_season(context: AppContext, fake: FakeExchange, ticks: int = TICKS, tag: str = "") -> int:
    """``prepare_live``, then create the season; return its id."""
    prepare_live(context, fake, tag)
    return create_season(context, season_values(ticks, tag)).id


def drive(
    fake: FakeExchange, ticks_done: Callable[[], int], ticks: int, stop: threading.Event
) -> None:
    """Move the exchange's clock to just after each bar's close once the runner has committed
    the tick before it."""
    for tick in range(ticks):
        fake.advance_to(START + (tick + 1) * HOUR_MS + LAG_MS)
        deadline = time.monotonic() + 60
        while ticks_done() <= tick:
            if stop.is_set() or time.monotonic() > deadline:
                return
            time.sleep(0.02)
