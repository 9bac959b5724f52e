"""DataService over a real database holding real Binance data. Expected values come from the
sample files themselves (read straight from disk) or from pandas, never from the service."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.time import HOUR_MS, floor_ts, parse_ts, timeframe_ms
from alpha_arena.domain.market import Candles, FundingRates, PriceSnapshot
from alpha_arena.marketdata.service import DataService
from alpha_arena.marketdata.sources.sample import read_candles, read_funding, sample_instruments
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import SAMPLE, sample_subset

BTC, ETH, SPOT = "BTC/USDT:USDT", "ETH/USDT:USDT", "BTC/USDT"
FILES = {
    BTC: "binance_usdm_BTCUSDT_1h.csv.gz",
    ETH: "binance_usdm_ETHUSDT_1h.csv.gz",
    SPOT: "binance_spot_BTCUSDT_1h.csv.gz",
}
FUNDING_FILES = {
    BTC: "binance_usdm_BTCUSDT_funding_8h.csv.gz",
    ETH: "binance_usdm_ETHUSDT_funding_8h.csv.gz",
}
HOURLY = {symbol: read_candles(SAMPLE / name) for symbol, name in FILES.items()}
FUNDING = {symbol: read_funding(SAMPLE / name) for symbol, name in FUNDING_FILES.items()}


@dataclass
class Loaded:
    context: AppContext
    service: DataService


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    """Two perpetuals with funding and the BTC spot 1h series, loaded once per backend; the
    tests only read."""
    folder = sample_subset(
        tmp_path_factory.mktemp("subset"), [*FILES.values(), *FUNDING_FILES.values()]
    )
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url))
        try:
            load_sample(context, folder)
            yield Loaded(context, DataService(context.market, "binance"))
        finally:
            context.close()


def rows_between(candles: Candles, start: int, end: int) -> Candles:
    index = np.flatnonzero((candles.ts >= start) & (candles.ts <= end))
    return candles.slice(int(index[0]), int(index[-1]) + 1) if len(index) else Candles.empty()


def assert_same(actual: Candles, expected: Candles) -> None:
    assert actual.ts.dtype == np.int64
    assert np.array_equal(actual.ts, expected.ts)
    for column in ("open", "high", "low", "close"):
        assert np.array_equal(getattr(actual, column), getattr(expected, column)), column
    np.testing.assert_allclose(actual.volume, expected.volume, rtol=1e-12)


def pandas_resample(candles: Candles, timeframe: str) -> Candles:
    """An independent resampler: pandas, buckets anchored at the epoch (UTC midnight)."""
    frame = candles.to_frame()[["open", "high", "low", "close", "volume"]]
    frame.index = pd.DatetimeIndex(frame.index).tz_localize(None)  # naive UTC: origin applies
    rule = {"4h": "4h", "1d": "1D"}[timeframe]
    grouped = frame.resample(rule, origin="epoch", label="left", closed="left").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    )
    grouped = grouped.dropna(subset=["open"])  # buckets with no bar at all are not bars
    ts = pd.DatetimeIndex(grouped.index).as_unit("ms").asi8.astype(np.int64)
    return Candles(ts, *(grouped[c].to_numpy(dtype=np.float64) for c in grouped.columns))


# -- plain reads -------------------------------------------------------------------------------


def test_candles_in_a_range_are_the_bars_opened_inside_it(loaded: Loaded) -> None:
    start, end = parse_ts("2025-03-01"), parse_ts("2025-03-07T23:00")
    bars = loaded.service.candles(BTC, "1h", start, end)
    assert len(bars) == 7 * 24
    assert_same(bars, rows_between(HOURLY[BTC], start, end))


def test_last_returns_the_newest_bars_oldest_first(loaded: Loaded) -> None:
    bars = loaded.service.candles(ETH, "1h", last=48)
    assert_same(bars, HOURLY[ETH].slice(len(HOURLY[ETH]) - 48, len(HOURLY[ETH])))
    assert int(bars.ts[-1]) == parse_ts("2026-05-17T07:00")


def test_candles_frame_is_indexed_by_aware_utc_open_time(loaded: Loaded) -> None:
    frame = loaded.service.candles_frame(
        BTC, "1h", parse_ts("2024-01-01"), parse_ts("2024-01-01T02:00")
    )
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert str(frame.index.tz) == "UTC"
    assert list(frame.index) == [
        pd.Timestamp("2024-01-01T00:00", tz="UTC"),
        pd.Timestamp("2024-01-01T01:00", tz="UTC"),
        pd.Timestamp("2024-01-01T02:00", tz="UTC"),
    ]
    assert list(frame.columns) == ["ts", "open", "high", "low", "close", "volume"]
    assert frame["ts"].tolist() == HOURLY[BTC].ts[:3].tolist()
    assert frame["close"].tolist() == HOURLY[BTC].close[:3].tolist()


@pytest.mark.parametrize("timeframe", ["4h", "1d"])
def test_longer_perpetual_timeframes_are_resampled_from_1h(loaded: Loaded, timeframe: str) -> None:
    expected = pandas_resample(HOURLY[BTC], timeframe)
    assert_same(loaded.service.candles(BTC, timeframe), expected)


@pytest.mark.parametrize("timeframe", ["4h", "1d"])
def test_a_resampled_range_starting_mid_bucket_holds_only_whole_buckets_opened_inside(
    loaded: Loaded, timeframe: str
) -> None:
    step = timeframe_ms(timeframe)
    start, end = parse_ts("2025-02-10T02:00"), parse_ts("2025-03-20T05:00")
    bars = loaded.service.candles(BTC, timeframe, start, end)
    expected = rows_between(pandas_resample(HOURLY[BTC], timeframe), start, end)
    assert int(bars.ts[0]) == floor_ts(start, step) + step  # the bucket opened before start is out
    assert_same(bars, expected)


@pytest.mark.parametrize("timeframe", ["4h", "1d"])
def test_the_newest_resampled_bars_are_whole(loaded: Loaded, timeframe: str) -> None:
    end = parse_ts("2025-06-30T13:00")
    bars = loaded.service.candles(BTC, timeframe, end=end, last=5)
    expected = rows_between(pandas_resample(HOURLY[BTC], timeframe), 0, end)
    assert_same(bars, expected.slice(len(expected) - 5, len(expected)))


def test_unknown_timeframe_is_rejected_listing_the_accepted_ones(loaded: Loaded) -> None:
    with pytest.raises(InvalidInputError, match="accepted: 1m, 5m"):
        loaded.service.candles(BTC, "3h")


def test_a_timeframe_shorter_than_any_stored_names_what_is_stored(loaded: Loaded) -> None:
    with pytest.raises(NotFoundError, match=r"no 15m candles .*stored: 1h"):
        loaded.service.candles(BTC, "15m")


def test_an_unknown_symbol_is_not_found(loaded: Loaded) -> None:
    with pytest.raises(NotFoundError, match="SOL/USDT:USDT"):
        loaded.service.candles("SOL/USDT:USDT", "1h")


# -- a real exchange outage --------------------------------------------------------------------


def test_reading_across_the_2019_05_15_outage_returns_the_bars_around_it_and_no_others(
    loaded: Loaded,
) -> None:
    bars = loaded.service.candles(SPOT, "1h", parse_ts("2019-05-15"), parse_ts("2019-05-15T15:00"))
    hours = [(int(ts) - parse_ts("2019-05-15")) // HOUR_MS for ts in bars.ts]
    assert hours == [0, 1, 2, 13, 14, 15]  # Binance published nothing for 03:00-12:00
    assert_same(
        bars, rows_between(HOURLY[SPOT], parse_ts("2019-05-15"), parse_ts("2019-05-15T15:00"))
    )


def test_resampling_across_the_outage_builds_no_bar_for_the_empty_buckets(loaded: Loaded) -> None:
    bars = loaded.service.candles(SPOT, "4h", parse_ts("2019-05-15"), parse_ts("2019-05-15T23:00"))
    assert [int(ts) for ts in bars.ts] == [
        parse_ts("2019-05-15T00:00"),
        parse_ts("2019-05-15T12:00"),
        parse_ts("2019-05-15T16:00"),
        parse_ts("2019-05-15T20:00"),
    ]
    hourly = rows_between(HOURLY[SPOT], parse_ts("2019-05-15T12:00"), parse_ts("2019-05-15T15:00"))
    assert bars.open[1] == hourly.open[0]  # the 13:00 bar's open: nothing made up for 12:00
    assert bars.volume[1] == pytest.approx(hourly.volume.sum(), rel=1e-12)


def test_a_snapshot_inside_the_outage_holds_the_last_bar_before_it(loaded: Loaded) -> None:
    as_of = parse_ts("2019-05-15T08:30")
    snapshot = loaded.service.snapshot(SPOT, as_of, "1h", lookback=3)
    assert [int(ts) for ts in snapshot.candles.ts] == [
        parse_ts("2019-05-15T00:00"),
        parse_ts("2019-05-15T01:00"),
        parse_ts("2019-05-15T02:00"),
    ]
    assert snapshot.price is not None
    assert snapshot.price.ts == parse_ts("2019-05-15T03:00")
    assert snapshot.price.last == snapshot.candles.close[-1]


# -- the as-of guarantee -----------------------------------------------------------------------

FIRST, LAST = int(HOURLY[BTC].ts[0]), int(HOURLY[BTC].ts[-1])


@settings(max_examples=40, deadline=None)
@given(
    as_of=st.integers(FIRST - 2 * 24 * HOUR_MS, LAST + 3 * 24 * HOUR_MS),
    timeframe=st.sampled_from(["1h", "4h", "1d"]),
    on_grid=st.booleans(),
)
def test_a_snapshot_never_holds_anything_stamped_after_as_of(
    loaded: Loaded, as_of: int, timeframe: str, on_grid: bool
) -> None:
    step = timeframe_ms(timeframe)
    if on_grid:
        as_of = floor_ts(as_of, step)
    snapshot = loaded.service.snapshot(BTC, as_of, timeframe, lookback=30)
    candles = snapshot.candles
    assert np.all(candles.ts + step <= as_of)
    assert snapshot.ts_funding is None or snapshot.ts_funding <= as_of
    assert snapshot.price is None or snapshot.price.ts <= as_of
    # ...and it does hold the newest bar that had closed by then.
    newest_closed = floor_ts(as_of, step) - step
    if newest_closed < floor_ts(FIRST, step):
        assert len(candles) == 0
    else:
        assert int(candles.ts[-1]) == min(newest_closed, floor_ts(LAST, step))
        assert len(candles) == min(30, (int(candles.ts[-1]) - floor_ts(FIRST, step)) // step + 1)
    funding = FUNDING[BTC]
    settled = funding.ts[funding.ts <= as_of]
    assert snapshot.ts_funding == (int(settled[-1]) if len(settled) else None)


@pytest.mark.parametrize("timeframe", ["1h", "4h", "1d"])
def test_the_bar_closing_exactly_at_as_of_is_in_the_snapshot(
    loaded: Loaded, timeframe: str
) -> None:
    step = timeframe_ms(timeframe)
    close = parse_ts("2025-01-15")
    at_close = loaded.service.snapshot(BTC, close, timeframe, lookback=2)
    assert int(at_close.candles.ts[-1]) == close - step
    just_before = loaded.service.snapshot(BTC, close - 1, timeframe, lookback=2)
    assert int(just_before.candles.ts[-1]) == close - 2 * step


def test_snapshot_bars_equal_the_published_rows(loaded: Loaded) -> None:
    as_of = parse_ts("2025-01-15T10:17")
    snapshot = loaded.service.snapshot(ETH, as_of, "1h", lookback=24)
    assert snapshot.symbol == ETH
    assert snapshot.ts == as_of
    assert_same(
        snapshot.candles,
        rows_between(HOURLY[ETH], parse_ts("2025-01-14T10:00"), parse_ts("2025-01-15T09:00")),
    )
    assert snapshot.open_interest is None


# -- funding and prices ------------------------------------------------------------------------


def test_latest_funding_is_the_settlement_at_or_before_as_of(loaded: Loaded) -> None:
    funding: FundingRates = FUNDING[BTC]
    settlement = int(funding.ts[100])
    assert loaded.service.latest_funding(BTC, settlement) == (settlement, float(funding.rate[100]))
    before = loaded.service.latest_funding(BTC, settlement - 1)
    assert before == (int(funding.ts[99]), float(funding.rate[99]))
    assert loaded.service.latest_funding(BTC, int(funding.ts[0]) - 1) is None
    assert loaded.service.latest_funding(SPOT, parse_ts("2024-01-01")) is None


def test_funding_range_is_inclusive(loaded: Loaded) -> None:
    funding = FUNDING[ETH]
    got = loaded.service.funding(ETH, int(funding.ts[10]), int(funding.ts[20]))
    assert np.array_equal(got.ts, funding.ts[10:21])
    assert np.array_equal(got.rate, funding.rate[10:21])


def test_latest_prices_fall_back_to_the_close_of_the_last_closed_candle(loaded: Loaded) -> None:
    as_of = parse_ts("2025-01-15T10:17")
    prices = loaded.service.latest_prices([BTC, ETH], as_of)
    assert set(prices) == {BTC, ETH}
    for symbol in (BTC, ETH):
        bar = rows_between(
            HOURLY[symbol], parse_ts("2025-01-15T09:00"), parse_ts("2025-01-15T09:00")
        )
        assert prices[symbol] == PriceSnapshot(symbol, parse_ts("2025-01-15T10:00"), bar.close[0])


def test_latest_prices_prefer_a_snapshot_newer_than_the_last_close(context: AppContext) -> None:
    context.market.upsert_instruments(sample_instruments(), 0)
    context.market.write_candles("binance", BTC, "1h", HOURLY[BTC].slice(0, 48))
    service = DataService(context.market, "binance")
    close_ts = parse_ts("2024-01-01T10:00")  # the 09:00 bar closes then
    newer = PriceSnapshot(BTC, close_ts + 60_000, 42_424.5, mark=42_425.0)
    older = PriceSnapshot(BTC, close_ts - 60_000, 41_000.0)
    context.market.write_price_snapshots("binance", [older, newer])
    assert service.latest_prices([BTC], close_ts + 30_000)[BTC] == PriceSnapshot(
        BTC, close_ts, float(HOURLY[BTC].close[9])
    )
    assert service.latest_prices([BTC], close_ts + 60_000)[BTC] == newer
    assert service.snapshot(BTC, close_ts + 90_000).price == newer


def test_latest_prices_leave_out_a_symbol_with_nothing_known_yet(loaded: Loaded) -> None:
    assert loaded.service.latest_prices([BTC], parse_ts("2023-12-31")) == {}
