"""The CCXT source on its own (no database) against the fake exchange: instruments, candle
ranges, funding paging, back-off and throttling."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from alpha_arena.core.errors import SourceUnavailableError
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.domain.instrument import MarketType
from alpha_arena.marketdata.sources.ccxt_source import CcxtSource, ExchangeConfig
from tests.integration.marketdata.ingest_helpers import NOW, SINCE, closed
from tests.support.fake_exchange import FakeExchange

BTC = "BTC/USDT:USDT"


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with FakeExchange(NOW) as server:
        yield server


def _source(fake: FakeExchange, exchange: str = "okx", **config: float) -> CcxtSource:
    values = {"max_retries": 2, "retry_base_s": 0.0, "rate_limit_ms": 0, **config}
    return CcxtSource(ExchangeConfig(exchange, base_url=fake.url, **values))  # type: ignore[arg-type]


@pytest.mark.parametrize(("exchange", "venue"), [("okx", "okx"), ("binanceusdm", "binance")])
def test_binance_usdm_data_is_stored_under_binance(
    fake: FakeExchange, exchange: str, venue: str
) -> None:
    with _source(fake, exchange) as source:
        assert (source.name, source.venue) == (exchange, venue)
        (listed,) = source.load_instruments([BTC])
    assert listed.instrument.exchange == venue


def test_a_spot_market_has_no_leverage_margin_or_settlement(fake: FakeExchange) -> None:
    with _source(fake) as source:
        (listed,) = source.load_instruments(["BTC/USDT"])
    spot = listed.instrument
    assert (spot.market_type, spot.settle, spot.max_leverage) == (MarketType.SPOT, None, 1.0)
    assert (spot.maintenance_margin_rate, spot.contract_size) == (0.0, 1.0)
    assert (spot.price_tick, spot.amount_step, spot.min_amount) == (0.1, 1e-08, 1e-05)
    assert (spot.maker_fee, spot.taker_fee) == (0.001, 0.0015)  # OKX's spot schedule
    assert listed.estimated == frozenset()


@pytest.mark.parametrize("exchange", ["okx", "binanceusdm"])
def test_a_candle_range_is_exactly_the_closed_bars_inside_it(
    fake: FakeExchange, exchange: str
) -> None:
    ts_from, ts_to = parse_ts("2024-02-10T07:00"), parse_ts("2024-03-20")  # ends after now
    with _source(fake, exchange) as source:
        candles = source.fetch_candle_range(BTC, "1h", ts_from, ts_to, NOW)

    expected = closed(fake, BTC, "1h", ts_from)
    assert int(expected[0, 0]) == ts_from and int(expected[-1, 0]) == NOW - HOUR_MS - 30 * 60_000
    np.testing.assert_array_equal(candles.ts, expected[:, 0].astype(np.int64))
    np.testing.assert_array_equal(candles.close, expected[:, 4])


def test_a_range_off_the_bar_grid_starts_at_the_next_bar(fake: FakeExchange) -> None:
    with _source(fake, "binanceusdm") as source:
        candles = source.fetch_candle_range(
            BTC, "4h", parse_ts("2024-02-01T01:00"), parse_ts("2024-02-02T00:00"), NOW
        )
    assert candles.ts.tolist() == [parse_ts("2024-02-01T04:00") + i * 4 * HOUR_MS for i in range(6)]


def test_okx_funding_is_paged_backwards_from_the_newest(fake: FakeExchange) -> None:
    with _source(fake) as source:
        batches = list(source.fetch_funding_history(BTC, SINCE))

    assert len(batches) == 1  # collected newest-first, delivered oldest-first in one batch
    expected = fake.funding(BTC, SINCE)
    np.testing.assert_array_equal(batches[0].ts, expected[:, 0].astype(np.int64))
    pages = [params for path, params in fake.log if path.endswith("funding-rate-history")]
    assert [params.get("after") for params in pages] == [
        None,
        str(int(expected[-100, 0])),
        str(int(expected[-200, 0])),
    ]


def test_retries_back_off_exponentially(fake: FakeExchange) -> None:
    delays: list[float] = []
    config = ExchangeConfig("okx", base_url=fake.url, max_retries=3, retry_base_s=0.5)
    fake.fail_next(429, count=3)
    with CcxtSource(config, sleep=delays.append) as source:
        source.load_instruments([BTC])
    assert delays == [0.5, 1.0, 2.0]

    fake.fail_next(503, count=4)
    with CcxtSource(config, sleep=delays.append) as source, pytest.raises(SourceUnavailableError):
        source.load_instruments([BTC])
    assert delays[3:] == [0.5, 1.0, 2.0]


def test_requests_are_spaced_by_the_rate_limit(fake: FakeExchange) -> None:
    with _source(fake, "okx", rate_limit_ms=100) as source:
        source.fetch_candle_range(BTC, "1h", SINCE, NOW, NOW)
    gaps = np.diff(fake.arrivals)
    assert len(gaps) >= 6  # markets (spot, swap) and six candle pages
    # Unthrottled, requests follow each other within milliseconds; arrival times jitter a
    # little, so the bound leaves room for that.
    assert gaps.min() >= 0.07 and gaps.mean() >= 0.09
