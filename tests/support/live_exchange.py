"""A live season against the loopback exchange: two agents on two demo accounts, with the
exchange's clock moved one bar at a time, each move once the runner has committed the tick
before it (so fills happen at the same bars whatever the machine's speed)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from alpha_arena.core.settings import Settings
from alpha_arena.core.time import HOUR_MS, parse_ts, timeframe_ms
from alpha_arena.domain.accounts import ExchangeCredentials
from alpha_arena.services.accounts import add_account
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import ingest
from alpha_arena.services.seasons import create_season
from alpha_arena.storage.exchange_accounts import new_master_key
from tests.support.fake_exchange import FakeExchange
from tests.support.fake_hyperliquid_sign import address_of

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
#: Hyperliquid testnet accounts: the API wallet's address and private key (what CCXT signs with).
HYPERLIQUID_KEYS = {"fast": "0x" + "5a" * 32, "slow": "0x" + "6b" * 32}
HYPERLIQUID_ACCOUNTS = {
    agent: (f"hyperliquid-testnet-{agent}", ExchangeCredentials(address_of(key), key))
    for agent, key in HYPERLIQUID_KEYS.items()
}
#: Per exchange: the perpetual traded (the fake serves the sample's BTC rows under each) and the
#: accounts of the two agents.
LIVE = {
    "okx": (BTC, ACCOUNTS),
    "hyperliquid": ("BTC/USDC:USDC", HYPERLIQUID_ACCOUNTS),
}


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


def prepare_live(
    context: AppContext, fake: FakeExchange, tag: str = "", exchange: str = "okx",
    timeframe: str = "1h",
) -> None:  # fmt: skip
    """Load the exchange's market; register two demo accounts and two agents trading
    ``timeframe`` bars (``tag`` ends their names, for a second season in one database)."""
    symbol, accounts = LIVE[exchange]
    since = START - 200 * timeframe_ms(timeframe)
    ingest(context, exchange, [symbol], [timeframe], since=since)
    for agent, (account, credentials) in accounts.items():
        fake.add_account(credentials.api_key, credentials.secret, credentials.passphrase or "",
                         usdt=CAPITAL * 2)  # fmt: skip
        add_account(context, account + tag, exchange, credentials)
        fast, slow = ("3", "8") if agent == "fast" else ("5", "13")
        add_agent(context, agent + tag, {"kind": "strategy", "strategy": "ema_trend",
                                         "params": {"fast": fast, "slow": slow},
                                         "timeframe": timeframe})  # fmt: skip


def season_values(
    ticks: int = TICKS, tag: str = "", exchange: str = "okx", timeframe: str = "1h"
) -> dict[str, Any]:
    """The live season of the two agents, as `arena season create` takes it (times in ms)."""
    symbol, accounts = LIVE[exchange]
    end = START + ticks * timeframe_ms(timeframe)
    return {
        "name": "live", "mode": "live", "exchange": exchange, "symbols": [symbol],
        "timeframe": timeframe, "start": START, "end": end, "capital": CAPITAL, "baselines": False,
        "participants": [agent + tag for agent in accounts], "decision_timeout_s": 10,
        "accounts": {agent + tag: account + tag for agent, (account, _) in accounts.items()},
        "risk": {"max_leverage": 3, "max_position_notional": 8_000,
                 "max_total_exposure": 8_000, "daily_loss_limit": 0.5},
    }  # fmt: skip


def live_season(
    context: AppContext, fake: FakeExchange, ticks: int = TICKS, tag: str = "",
    exchange: str = "okx", timeframe: str = "1h",
) -> int:  # fmt: skip
    """``prepare_live``, then create the season; return its id."""
    prepare_live(context, fake, tag, exchange, timeframe)
    return create_season(context, season_values(ticks, tag, exchange, timeframe)).id


def drive(
    fake: FakeExchange,
    ticks_done: Callable[[], int],
    ticks: int,
    stop: threading.Event,
    step_ms: int = HOUR_MS,
) -> None:
    """Move the exchange's clock to just after each bar's close once the runner has committed
    the tick before it."""
    for tick in range(ticks):
        fake.advance_to(START + (tick + 1) * step_ms + LAG_MS)
        deadline = time.monotonic() + 60
        while ticks_done() <= tick:
            if stop.is_set() or time.monotonic() > deadline:
                return
            time.sleep(0.02)
