"""Typed wrappers over TA-Lib.

Every function takes one-dimensional float series (oldest first) and returns float64 arrays of
the same length, NaN during the warm-up exactly where TA-Lib leaves them. TA-Lib does the
arithmetic; this layer only validates the arguments, fixes the types and names the outputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import talib

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray

MAX_PERIOD = 100_000  # TA-Lib's upper bound for every period below


@dataclass(frozen=True, slots=True)
class Macd:
    """MACD line (fast EMA minus slow EMA), its signal EMA and their difference."""

    macd: FloatArray
    signal: FloatArray
    histogram: FloatArray


@dataclass(frozen=True, slots=True)
class BollingerBands:
    """Bands ``stddev`` population standard deviations around an SMA; ``width`` is
    ``(upper - lower) / middle``."""

    upper: FloatArray
    middle: FloatArray
    lower: FloatArray
    width: FloatArray


@dataclass(frozen=True, slots=True)
class DonchianChannel:
    """Highest high and lowest low over the last ``period`` bars, the current bar included."""

    upper: FloatArray
    lower: FloatArray


def ema(values: npt.ArrayLike, period: int) -> FloatArray:
    """Return the exponential moving average, seeded with the SMA of the first ``period`` values."""
    _check_period("period", period, 1)
    return _floats(talib.EMA(_series(values, "values"), timeperiod=period))


def sma(values: npt.ArrayLike, period: int) -> FloatArray:
    """Return the simple moving average over ``period`` values."""
    _check_period("period", period, 1)
    return _floats(talib.SMA(_series(values, "values"), timeperiod=period))


def rsi(close: npt.ArrayLike, period: int = 14) -> FloatArray:
    """Return Wilder's relative strength index (0 to 100)."""
    _check_period("period", period, 2)
    return _floats(talib.RSI(_series(close, "close"), timeperiod=period))


def macd(close: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> Macd:
    """Return MACD with its signal line and histogram."""
    _check_period("fast", fast, 2)
    _check_period("slow", slow, 2)
    _check_period("signal", signal, 1)
    if fast >= slow:
        # TA-Lib would silently swap them; a caller who wrote them backwards should hear so.
        raise InvalidInputError(f"fast ({fast}) must be less than slow ({slow})")
    line, signal_line, histogram = talib.MACD(
        _series(close, "close"), fastperiod=fast, slowperiod=slow, signalperiod=signal
    )
    return Macd(_floats(line), _floats(signal_line), _floats(histogram))


def bollinger(close: npt.ArrayLike, period: int = 20, stddev: float = 2.0) -> BollingerBands:
    """Return Bollinger bands: SMA(``period``) plus and minus ``stddev`` standard deviations."""
    _check_period("period", period, 2)
    if not (isinstance(stddev, int | float) and 0 < stddev < float("inf")):
        raise InvalidInputError(f"stddev must be a positive number, got {stddev!r}")
    # matype is left at TA-Lib's default, the SMA (its typed stubs and runtime disagree on it).
    upper, middle, lower = talib.BBANDS(
        _series(close, "close"), timeperiod=period, nbdevup=stddev, nbdevdn=stddev
    )
    upper, middle, lower = _floats(upper), _floats(middle), _floats(lower)
    with np.errstate(divide="ignore", invalid="ignore"):
        width = (upper - lower) / middle
    return BollingerBands(upper, middle, lower, _floats(width))


def atr(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """Return Wilder's average true range."""
    _check_period("period", period, 1)
    highs, lows, closes = _bars(high, low, close)
    return _floats(talib.ATR(highs, lows, closes, timeperiod=period))


def adx(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14
) -> FloatArray:
    """Return Wilder's average directional index (trend strength, 0 to 100)."""
    _check_period("period", period, 2)
    highs, lows, closes = _bars(high, low, close)
    return _floats(talib.ADX(highs, lows, closes, timeperiod=period))


def volume_average(volume: npt.ArrayLike, period: int = 20) -> FloatArray:
    """Return the simple moving average of volume."""
    _check_period("period", period, 1)
    return _floats(talib.SMA(_series(volume, "volume"), timeperiod=period))


def roc(close: npt.ArrayLike, period: int = 10) -> FloatArray:
    """Return the rate of change in percent: ``(close / close[period bars ago] - 1) * 100``."""
    _check_period("period", period, 1)
    return _floats(talib.ROC(_series(close, "close"), timeperiod=period))


def donchian(high: npt.ArrayLike, low: npt.ArrayLike, period: int = 20) -> DonchianChannel:
    """Return the Donchian channel: highest high and lowest low over ``period`` bars."""
    _check_period("period", period, 2)
    highs = _series(high, "high")
    lows = _series(low, "low")
    _same_length(("high", highs), ("low", lows))
    return DonchianChannel(
        _floats(talib.MAX(highs, timeperiod=period)), _floats(talib.MIN(lows, timeperiod=period))
    )


def _check_period(name: str, value: int, minimum: int) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not minimum <= value <= MAX_PERIOD
    ):
        raise InvalidInputError(
            f"{name} must be a whole number from {minimum} to {MAX_PERIOD}, got {value!r}"
        )


def _series(values: npt.ArrayLike, name: str) -> FloatArray:
    # TA-Lib accepts only C-contiguous float64; converting here also accepts lists and ints.
    array = np.ascontiguousarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InvalidInputError(f"{name} must be a one-dimensional series, got shape {array.shape}")
    return array


def _bars(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    highs, lows, closes = _series(high, "high"), _series(low, "low"), _series(close, "close")
    _same_length(("high", highs), ("low", lows), ("close", closes))
    return highs, lows, closes


def _same_length(*named: tuple[str, FloatArray]) -> None:
    lengths = {len(array) for _, array in named}
    if len(lengths) > 1:
        described = ", ".join(f"{name} {len(array)}" for name, array in named)
        raise InvalidInputError(f"series lengths differ: {described}")


def _floats(values: object) -> FloatArray:
    return np.asarray(values, dtype=np.float64)
