"""The TA-Lib layer against independent textbook implementations, on real Binance BTC bars.

Each reference below is written from the indicator's definition (the recursion, the rolling
window) in plain numpy, not with TA-Lib, and compared value by value, warm-up NaNs included."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from numpy.testing import assert_allclose

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import Candles, FloatArray
from alpha_arena.indicators import (
    adx,
    atr,
    bollinger,
    donchian,
    ema,
    macd,
    roc,
    rsi,
    sma,
    volume_average,
)
from alpha_arena.marketdata.sources.sample import read_candles, sample_dir

RTOL = 1e-9


@cache
def btc() -> Candles:
    """600 hourly BTC/USDT perpetual bars from February 2024 (rallies and pullbacks)."""
    return read_candles(sample_dir() / "binance_usdm_BTCUSDT_1h.csv.gz").slice(1000, 1600)


def nan_prefix(count: int, values: FloatArray) -> FloatArray:
    return np.concatenate([np.full(count, np.nan), values])


def ema_from(values: FloatArray, period: int, seed_end: int) -> FloatArray:
    """EMA with k = 2 / (period + 1), seeded at ``seed_end`` with the mean of the ``period``
    values ending there."""
    result = np.full(len(values), np.nan)
    result[seed_end] = values[seed_end - period + 1 : seed_end + 1].mean()
    k = 2.0 / (period + 1)
    for index in range(seed_end + 1, len(values)):
        result[index] = result[index - 1] + k * (values[index] - result[index - 1])
    return result


def wilder(values: FloatArray, period: int, seed: float, seed_index: int) -> FloatArray:
    """Wilder smoothing: avg = (avg * (period - 1) + value) / period after the seed."""
    result = np.full(len(values), np.nan)
    result[seed_index] = seed
    for index in range(seed_index + 1, len(values)):
        result[index] = (result[index - 1] * (period - 1) + values[index]) / period
    return result


def true_range(candles: Candles) -> FloatArray:
    previous_close = np.concatenate([[np.nan], candles.close[:-1]])
    ranges = [
        candles.high - candles.low,
        np.abs(candles.high - previous_close),
        np.abs(candles.low - previous_close),
    ]
    return np.asarray(np.fmax.reduce(ranges), dtype=np.float64)


@pytest.mark.parametrize("period", [1, 5, 12, 26])
def test_ema_matches_recursion_seeded_with_sma(period: int) -> None:
    close = btc().close
    assert_allclose(ema(close, period), ema_from(close, period, period - 1), rtol=RTOL)


@pytest.mark.parametrize("period", [1, 7, 20])
def test_sma_matches_convolution(period: int) -> None:
    close = btc().close
    expected = nan_prefix(period - 1, np.convolve(close, np.ones(period) / period, "valid"))
    assert_allclose(sma(close, period), expected, rtol=RTOL)


@pytest.mark.parametrize("period", [2, 14])
def test_rsi_matches_wilder_smoothed_gains_and_losses(period: int) -> None:
    close = btc().close
    change = np.concatenate([[np.nan], np.diff(close)])
    gains, losses = np.clip(change, 0, None), np.clip(-change, 0, None)
    average_gain = wilder(gains, period, gains[1 : period + 1].mean(), period)
    average_loss = wilder(losses, period, losses[1 : period + 1].mean(), period)
    expected = 100 * average_gain / (average_gain + average_loss)
    assert_allclose(rsi(close, period), expected, rtol=RTOL)
    assert np.nanmin(expected) >= 0
    assert np.nanmax(expected) <= 100


def test_macd_matches_difference_of_emas_started_on_the_same_bar() -> None:
    close = btc().close
    fast, slow, signal = 12, 26, 9
    # TA-Lib starts the fast EMA on the slow EMA's first bar (seeded with the SMA of the last
    # `fast` closes there), so its MACD is not EMA12 - EMA26 of separately started averages.
    line = ema_from(close, fast, slow - 1) - ema_from(close, slow, slow - 1)
    signal_line = ema_from(line, signal, slow + signal - 2)
    start = slow + signal - 2
    line[:start] = np.nan
    result = macd(close, fast, slow, signal)
    assert_allclose(result.macd, line, rtol=RTOL)
    assert_allclose(result.signal, signal_line, rtol=RTOL)
    assert_allclose(result.histogram, line - signal_line, rtol=1e-7)


@pytest.mark.parametrize(("period", "stddev"), [(20, 2.0), (10, 1.5)])
def test_bollinger_matches_rolling_mean_and_population_std(period: int, stddev: float) -> None:
    close = btc().close
    windows = sliding_window_view(close, period)
    middle = nan_prefix(period - 1, windows.mean(axis=1))
    spread = nan_prefix(period - 1, windows.std(axis=1, ddof=0)) * stddev
    bands = bollinger(close, period, stddev)
    assert_allclose(bands.middle, middle, rtol=RTOL)
    assert_allclose(bands.upper, middle + spread, rtol=RTOL)
    assert_allclose(bands.lower, middle - spread, rtol=RTOL)
    # The width is a small difference of two large bands: relative error grows by their ratio.
    assert_allclose(bands.width, 2 * spread / middle, rtol=1e-8)


@pytest.mark.parametrize("period", [1, 14])
def test_atr_matches_wilder_smoothed_true_range(period: int) -> None:
    candles = btc()
    ranges = true_range(candles)
    expected = wilder(ranges, period, ranges[1 : period + 1].mean(), period)
    assert_allclose(atr(candles.high, candles.low, candles.close, period), expected, rtol=RTOL)


@pytest.mark.parametrize("period", [5, 14])
def test_adx_matches_wilder_directional_movement(period: int) -> None:
    candles = btc()
    up = np.concatenate([[np.nan], np.diff(candles.high)])
    down = np.concatenate([[np.nan], -np.diff(candles.low)])
    plus_dm = np.where((up > down) & (up > 0), up, 0.0)
    minus_dm = np.where((down > up) & (down > 0), down, 0.0)
    ranges = true_range(candles)

    def smoothed_sum(values: FloatArray) -> FloatArray:
        # Wilder's running sum, seeded (as TA-Lib does) with bars 1..period-1 and then
        # S = S - S / period + value from bar `period` on.
        result = np.full(len(values), np.nan)
        total = values[1:period].sum()
        for index in range(period, len(values)):
            total = total - total / period + values[index]
            result[index] = total
        return result

    plus_di = 100 * smoothed_sum(plus_dm) / smoothed_sum(ranges)
    minus_di = 100 * smoothed_sum(minus_dm) / smoothed_sum(ranges)
    dx = 100 * np.abs(plus_di - minus_di) / (plus_di + minus_di)
    first = 2 * period - 1
    expected = wilder(dx, period, dx[period : first + 1].mean(), first)
    assert_allclose(adx(candles.high, candles.low, candles.close, period), expected, rtol=RTOL)


def test_volume_average_is_the_sma_of_volume() -> None:
    volume = btc().volume
    expected = nan_prefix(19, np.convolve(volume, np.ones(20) / 20, "valid"))
    assert_allclose(volume_average(volume, 20), expected, rtol=RTOL)


@pytest.mark.parametrize("period", [1, 24])
def test_roc_is_percent_change_over_period(period: int) -> None:
    close = btc().close
    expected = nan_prefix(period, (close[period:] / close[:-period] - 1) * 100)
    assert_allclose(roc(close, period), expected, rtol=RTOL)


def test_donchian_matches_rolling_highest_high_and_lowest_low() -> None:
    candles = btc()
    channel = donchian(candles.high, candles.low, 20)
    assert_allclose(channel.upper, nan_prefix(19, sliding_window_view(candles.high, 20).max(1)))
    assert_allclose(channel.lower, nan_prefix(19, sliding_window_view(candles.low, 20).min(1)))


def _outputs(candles: Candles) -> dict[str, tuple[FloatArray, int]]:
    """Every indicator's output on ``candles`` with the NaN warm-up TA-Lib documents."""
    high, low, close = candles.high, candles.low, candles.close
    bands = bollinger(close, 20)
    channel = donchian(high, low, 20)
    lines = macd(close, 12, 26, 9)
    return {
        "ema": (ema(close, 10), 9),
        "sma": (sma(close, 10), 9),
        "rsi": (rsi(close, 14), 14),
        "macd": (lines.macd, 33),
        "macd_signal": (lines.signal, 33),
        "macd_histogram": (lines.histogram, 33),
        "bollinger_upper": (bands.upper, 19),
        "bollinger_width": (bands.width, 19),
        "atr": (atr(high, low, close, 14), 14),
        "adx": (adx(high, low, close, 14), 27),
        "volume_average": (volume_average(candles.volume, 20), 19),
        "roc": (roc(close, 24), 24),
        "donchian_upper": (channel.upper, 19),
        "donchian_lower": (channel.lower, 19),
    }


def test_every_indicator_keeps_length_and_has_documented_warmup_nans() -> None:
    candles = btc()
    for name, (values, warmup) in _outputs(candles).items():
        assert values.dtype == np.float64, name
        assert len(values) == len(candles), name
        assert np.isnan(values[:warmup]).all(), name
        assert not np.isnan(values[warmup:]).any(), name


def test_series_shorter_than_warmup_gives_all_nan_of_same_length() -> None:
    candles = btc().slice(0, 10)
    for name, (values, _) in _outputs(candles).items():
        if name in {"ema", "sma"}:
            continue  # period 10 fits in 10 bars
        assert len(values) == 10, name
        assert np.isnan(values).all(), name


def test_accepts_plain_lists_and_returns_float64() -> None:
    result = sma([1, 2, 3, 4], 2)
    assert result.dtype == np.float64
    assert_allclose(result, [np.nan, 1.5, 2.5, 3.5])


InvalidCall = Callable[[FloatArray], object]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: ema(x, 0), "period must be a whole number from 1 to 100000, got 0"),
        (lambda x: sma(x, -3), "period must be a whole number from 1 to 100000, got -3"),
        (lambda x: rsi(x, 1), "period must be a whole number from 2 to 100000, got 1"),
        (lambda x: bollinger(x, 1), "period must be a whole number from 2 to 100000, got 1"),
        (lambda x: bollinger(x, 20, 0.0), "stddev must be a positive number, got 0.0"),
        (lambda x: atr(x, x, x, 0), "period must be a whole number from 1 to 100000, got 0"),
        (lambda x: adx(x, x, x, 1), "period must be a whole number from 2 to 100000, got 1"),
        (lambda x: roc(x, 0), "period must be a whole number from 1 to 100000, got 0"),
        (lambda x: donchian(x, x, 1), "period must be a whole number from 2 to 100000, got 1"),
        (lambda x: macd(x, 26, 12), "fast (26) must be less than slow (12)"),
        (lambda x: macd(x, 12, 26, 0), "signal must be a whole number from 1 to 100000, got 0"),
        (lambda x: ema(x, 2.5), "period must be a whole number from 1 to 100000, got 2.5"),  # type: ignore[arg-type]
        (lambda x: ema(x, True), "period must be a whole number from 1 to 100000, got True"),
        (lambda x: ema(x, 100_001), "from 1 to 100000, got 100001"),
    ],
)
def test_invalid_period_is_rejected_with_one_line_message(call: InvalidCall, message: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        call(btc().close)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_series_of_different_lengths_are_rejected() -> None:
    candles = btc()
    with pytest.raises(InvalidInputError, match="series lengths differ: high 600, low 599"):
        atr(candles.high, candles.low[1:], candles.close)


def test_two_dimensional_input_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="one-dimensional"):
        ema(np.ones((3, 3)), 2)
