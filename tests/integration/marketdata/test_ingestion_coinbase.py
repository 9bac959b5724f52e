"""Ingestion from Coinbase (spot) through CCXT's real ``coinbase`` client against a loopback
server speaking its Advanced Trade public API, on SQLite and PostgreSQL: candles paged by
Coinbase's rules, prices with the top of the public book, specs, and no funding asked."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import numpy as np
import pytest

from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import DataIntegrityError, InvalidInputError, NotFoundError
from alpha_arena.core.time import DAY_MS, HOUR_MS
from alpha_arena.domain.instrument import MarketType
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import ingest
from tests.integration.marketdata.ingest_helpers import NOW, SINCE, assert_stored
from tests.support.fake_coinbase_public import MARKET, MAX_CANDLES, FakeCoinbase

BTC, ETH = "BTC/USD", "ETH/USD"
PRODUCT = {BTC: "BTC-USD", ETH: "ETH-USD"}
STEP = {"1h": HOUR_MS, "2h": 2 * HOUR_MS, "1d": DAY_MS}


@pytest.fixture
def fake() -> Iterator[FakeCoinbase]:
    with FakeCoinbase(NOW) as server:
        yield server


@pytest.fixture
def arena(context: AppContext, fake: FakeCoinbase) -> AppContext:
    values = {
        "exchange_base_url": fake.url,
        "exchange_max_retries": 2,
        "exchange_retry_base_s": 0.0,
        "exchange_rate_limit_ms": 0,
        "exchange_timeout_s": 5.0,
    }
    return dataclasses.replace(
        context, settings=context.settings.model_copy(update=values), clock=SimClock(NOW)
    )


def _closed(fake: FakeCoinbase, symbol: str, timeframe: str) -> np.ndarray:
    return fake.closed_bars(PRODUCT[symbol], STEP[timeframe], SINCE)


def test_candles_prices_and_specs_are_stored_and_no_funding_is_asked(
    arena: AppContext, fake: FakeCoinbase
) -> None:
    report = ingest(arena, "coinbase", [BTC, ETH], ["1h", "2h", "1d"], since=SINCE)

    assert report.source == report.venue == "coinbase"
    for symbol in (BTC, ETH):
        for timeframe in ("1h", "2h", "1d"):
            assert_stored(
                arena.market, "coinbase", symbol, timeframe, _closed(fake, symbol, timeframe)
            )
        price = arena.market.latest_price("coinbase", symbol, as_of=NOW)
        assert price is not None and price.ts == NOW  # Coinbase's products carry no time
        assert (price.last, price.bid, price.ask) == (
            fake.last_price(PRODUCT[symbol]),
            *fake.book(PRODUCT[symbol]),
        )
        instrument = arena.market.instrument("coinbase", symbol)
        assert instrument is not None and instrument.market_type is MarketType.SPOT
        assert (instrument.base, instrument.quote, instrument.settle) == (symbol[:3], "USD", None)
        assert (instrument.price_tick, instrument.amount_step) == (0.01, 0.00000001)
        assert (instrument.min_notional, instrument.max_leverage) == (1, 1)
        # No key, no fee tier: CCXT's published base tier of Coinbase Advanced.
        assert (instrument.maker_fee, instrument.taker_fee) == (0.006, 0.012)
    # Spot: no funding, no open interest, and nothing but the public market endpoints asked.
    assert report.inserted("funding") == report.inserted("open_interest") == 0
    asked = {path for path, _ in fake.log}
    assert all(path.startswith((MARKET, "/v2/currencies", "/v2/exchange-rates")) for path in asked)
    run = arena.runs.get(report.run_id)
    assert run is not None and run.status == "succeeded"


def test_candles_are_paged_three_hundred_at_a_time_within_coinbases_limit(
    arena: AppContext, fake: FakeCoinbase
) -> None:
    ingest(arena, "coinbase", [BTC], ["1h"], since=SINCE)

    requests = fake.candle_requests()
    bars = len(_closed(fake, BTC, "1h"))
    assert len(requests) == math.ceil(bars / 300) > 1
    starts = [int(params["start"]) for params in requests]
    assert starts == [SINCE // 1000 + i * 300 * 3600 for i in range(len(requests))]
    # Each window ends on the last second of its 300th bar: under Coinbase's 350 candles.
    spans = [(int(p["end"]) - int(p["start"])) // 3600 for p in requests]
    assert spans[:-1] == [299] * (len(requests) - 1) and max(spans) < MAX_CANDLES
    assert {params["granularity"] for params in requests} == {"ONE_HOUR"}


def test_a_later_run_fetches_only_the_new_bars(arena: AppContext, fake: FakeCoinbase) -> None:
    ingest(arena, "coinbase", [BTC], ["1h"], since=SINCE)
    fake.now_ms = NOW + 5 * HOUR_MS
    assert isinstance(arena.clock, SimClock)
    arena.clock.advance_to(fake.now_ms)

    report = ingest(arena, "coinbase", [BTC], ["1h"], since=SINCE)

    assert report.inserted("candles") == 5
    assert_stored(arena.market, "coinbase", BTC, "1h", _closed(fake, BTC, "1h"))


def test_rate_limits_are_retried_until_they_pass(arena: AppContext, fake: FakeCoinbase) -> None:
    fake.fail_next(429, count=2, path="/candles")  # settings allow 2 retries

    ingest(arena, "coinbase", [BTC], ["1d"], since=SINCE)

    assert_stored(arena.market, "coinbase", BTC, "1d", _closed(fake, BTC, "1d"))
    assert len(fake.candle_requests()) == 3


def test_a_timeframe_coinbase_lacks_is_refused_with_what_it_offers(
    arena: AppContext, fake: FakeCoinbase
) -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"^coinbase does not offer 4h candles; accepted: 1m, 5m, 15m, 30m, 1h, 2h, 1d$",
    ):
        ingest(arena, "coinbase", [BTC], ["4h"], since=SINCE)
    assert fake.candle_requests() == []


def test_a_perpetual_symbol_is_not_a_coinbase_spot_market(
    arena: AppContext, fake: FakeCoinbase
) -> None:
    with pytest.raises(NotFoundError, match=r"^coinbase: unknown symbol 'BTC/USD:USD'"):
        ingest(arena, "coinbase", ["BTC/USD:USD"], ["1h"], since=SINCE)


def test_a_broken_candle_is_rejected_in_one_line_and_its_page_is_not_stored(
    arena: AppContext, fake: FakeCoinbase
) -> None:
    broken = {"start": str(SINCE // 1000), "low": "50000", "high": "40000", "open": "45000",
              "close": "45000", "volume": "1"}  # fmt: skip
    fake.garbage_next({"candles": [broken]}, path="/candles")

    with pytest.raises(DataIntegrityError, match=r"^coinbase BTC/USD 1d: rejected, ohlc_violation"):
        ingest(arena, "coinbase", [BTC], ["1d"], since=SINCE)

    assert len(arena.market.read_candles("coinbase", BTC, "1d")) == 0
