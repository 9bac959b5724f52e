"""Resampling is checked against the real thing: Binance publishes spot 4h and 1d candles, and
the bundled sample holds them beside the 1h candles they must be rebuilt from."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.domain.market import Candles
from alpha_arena.marketdata.resample import bars_per_bucket, can_resample, resample
from alpha_arena.marketdata.sources.sample import read_candles
from tests.support.sample import SAMPLE

BASES = ("BTC", "ETH", "SOL", "BNB", "DOGE", "XRP")
T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z


def spot(base: str, timeframe: str) -> Candles:
    return read_candles(SAMPLE / f"binance_spot_{base}USDT_{timeframe}.csv.gz")


def at(candles: Candles, ts: np.ndarray) -> Candles:
    index = np.searchsorted(candles.ts, ts)
    assert np.array_equal(candles.ts[index], ts)
    return Candles(
        candles.ts[index],
        candles.open[index],
        candles.high[index],
        candles.low[index],
        candles.close[index],
        candles.volume[index],
    )


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize(("target", "per_bucket"), [("4h", 4), ("1d", 24)])
def test_resampled_spot_1h_equals_binance_published_candles_where_no_hour_is_missing(
    base: str, target: str, per_bucket: int
) -> None:
    hourly, published = spot(base, "1h"), spot(base, target)
    built = resample(hourly, "1h", target)
    counts = bars_per_bucket(hourly, "1h", target)
    assert len(counts) == len(built)
    # Buckets that lost 1h bars to an outage may differ: Binance's own 4h/1d bars still hold
    # the trades of hours for which it published no 1h bar (see the sample README).
    complete = built.ts[counts == per_bucket]
    common = np.intersect1d(complete, published.ts)
    assert len(common) > 0.95 * len(published)  # the comparison covers nearly every bar
    ours, theirs = at(built, common), at(published, common)
    for column in ("open", "high", "low", "close"):
        assert np.array_equal(getattr(ours, column), getattr(theirs, column)), column
    np.testing.assert_allclose(ours.volume, theirs.volume, rtol=1e-9, atol=0)


def test_the_4h_bucket_of_the_2023_03_24_outage_is_short_and_differs_from_binance() -> None:
    hourly, published = spot("BTC", "1h"), spot("BTC", "4h")
    built = resample(hourly, "1h", "4h")
    counts = bars_per_bucket(hourly, "1h", "4h")
    index = int(np.searchsorted(built.ts, parse_ts("2023-03-24T12:00Z")))
    assert built.ts[index] == parse_ts("2023-03-24T12:00Z")
    assert counts[index] < 4
    ours, theirs = (
        at(built, built.ts[index : index + 1]),
        at(published, built.ts[index : index + 1]),
    )
    assert (ours.open, ours.high, ours.low, ours.close) != (
        theirs.open,
        theirs.high,
        theirs.low,
        theirs.close,
    )


def test_resample_takes_first_open_highest_high_lowest_low_last_close_summed_volume() -> None:
    hourly = Candles.from_rows(
        [
            [T0 + 0 * HOUR_MS, 10.0, 12.0, 9.0, 11.0, 1.5],
            [T0 + 1 * HOUR_MS, 11.0, 15.0, 10.0, 14.0, 2.0],
            [T0 + 2 * HOUR_MS, 14.0, 14.5, 8.0, 9.0, 0.25],
            [T0 + 3 * HOUR_MS, 9.0, 10.0, 8.5, 9.5, 4.0],
            [T0 + 4 * HOUR_MS, 9.5, 9.75, 9.25, 9.5, 1.0],
        ]
    )
    four_hourly = resample(hourly, "1h", "4h")
    assert four_hourly.ts.tolist() == [T0, T0 + 4 * HOUR_MS]
    assert four_hourly.open.tolist() == [10.0, 9.5]
    assert four_hourly.high.tolist() == [15.0, 9.75]
    assert four_hourly.low.tolist() == [8.0, 9.25]
    assert four_hourly.close.tolist() == [9.5, 9.5]
    assert four_hourly.volume.tolist() == [7.75, 1.0]


def test_bucket_with_missing_hours_is_built_from_the_bars_that_exist() -> None:
    # 01:00-03:00 and 06:00 are missing; nothing is invented for them.
    hourly = Candles.from_rows(
        [
            [T0 + 0 * HOUR_MS, 10.0, 11.0, 9.0, 10.5, 1.0],
            [T0 + 5 * HOUR_MS, 20.0, 21.0, 19.0, 20.5, 2.0],
            [T0 + 7 * HOUR_MS, 30.0, 31.0, 29.0, 30.5, 3.0],
            [T0 + 8 * HOUR_MS, 40.0, 41.0, 39.0, 40.5, 4.0],
        ]
    )
    built = resample(hourly, "1h", "4h")
    assert built.ts.tolist() == [T0, T0 + 4 * HOUR_MS, T0 + 8 * HOUR_MS]
    assert built.open.tolist() == [10.0, 20.0, 40.0]
    assert built.close.tolist() == [10.5, 30.5, 40.5]
    assert built.volume.tolist() == [1.0, 5.0, 4.0]
    assert bars_per_bucket(hourly, "1h", "4h").tolist() == [1, 2, 1]


def test_buckets_are_aligned_to_utc_midnight_for_1d() -> None:
    hourly = Candles.from_rows(
        [[T0 + hour * HOUR_MS, 1.0, 2.0, 0.5, 1.5, 1.0] for hour in range(13, 37)]
    )
    daily = resample(hourly, "1h", "1d")
    assert daily.ts.tolist() == [T0, T0 + 24 * HOUR_MS]
    assert bars_per_bucket(hourly, "1h", "1d").tolist() == [11, 13]


def test_resampling_nothing_gives_empty_typed_columns() -> None:
    empty = resample(Candles.empty(), "1h", "4h")
    assert len(empty) == 0
    assert empty.ts.dtype == np.int64
    assert empty.close.dtype == np.float64


@pytest.mark.parametrize(
    ("source", "target"),
    [("8h", "12h"), ("1h", "30m"), ("4h", "4h"), ("1d", "12h"), ("12h", "8h")],
)
def test_resample_rejects_a_target_that_is_not_a_longer_multiple(source: str, target: str) -> None:
    assert not can_resample(source, target)
    with pytest.raises(InvalidInputError, match=f"cannot resample {source} candles to {target}"):
        resample(spot("BTC", "4h").slice(0, 10), source, target)


@pytest.mark.parametrize(
    ("source", "target"), [("1h", "4h"), ("1h", "1d"), ("8h", "1d"), ("15m", "1h"), ("4h", "12h")]
)
def test_can_resample_into_longer_multiples(source: str, target: str) -> None:
    assert can_resample(source, target)


def test_resample_rejects_an_unknown_timeframe() -> None:
    with pytest.raises(InvalidInputError, match="unknown timeframe '3h'"):
        resample(Candles.empty(), "1h", "3h")
