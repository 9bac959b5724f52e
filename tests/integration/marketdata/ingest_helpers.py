"""Constants and helpers shared by the ingestion tests (the CLI tests use them too)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import parse_ts, timeframe_ms
from alpha_arena.services.context import AppContext
from alpha_arena.storage.market_store import MarketStore
from tests.support.fake_exchange import FakeExchange

SINCE = parse_ts("2024-01-01")
#: Half an hour into a bar: the bars opened at 00:00 (1h, 4h and 1d alike) are still open.
NOW = parse_ts("2024-03-15T00:30")
VENUE = {"okx": "okx", "binanceusdm": "binance"}


def pointed_at(context: AppContext, fake: FakeExchange, **settings: Any) -> AppContext:
    """``context`` with its exchange calls sent to ``fake``, no back-off delays, no throttling,
    and a simulated clock reading the fake's time."""
    values = {
        "exchange_base_url": fake.url,
        "exchange_max_retries": 2,
        "exchange_retry_base_s": 0.0,
        "exchange_rate_limit_ms": 0,
        "exchange_timeout_s": 5.0,
        **settings,
    }
    return dataclasses.replace(
        context,
        settings=context.settings.model_copy(update=values),
        clock=SimClock(fake.now_ms),
    )


def advance(arena: AppContext, fake: FakeExchange, now_ms: int) -> None:
    """Move the fake exchange and the ingestor's clock to ``now_ms`` together."""
    fake.now_ms = now_ms
    assert isinstance(arena.clock, SimClock)
    arena.clock.advance_to(now_ms)


def assert_stored(
    market: MarketStore, venue: str, symbol: str, timeframe: str, expected: np.ndarray
) -> None:
    """The stored series is exactly ``expected`` (rows of ts, open, high, low, close, volume)."""
    stored = market.read_candles(venue, symbol, timeframe)
    assert len(stored) == len(expected) > 0
    np.testing.assert_array_equal(stored.ts, expected[:, 0].astype(np.int64))
    for column, name in enumerate(("open", "high", "low", "close", "volume"), start=1):
        np.testing.assert_array_equal(getattr(stored, name), expected[:, column], err_msg=name)


def closed(fake: FakeExchange, symbol: str, timeframe: str, ts_from: int = SINCE) -> np.ndarray:
    return fake.closed_bars(symbol, timeframe_ms(timeframe), ts_from)
