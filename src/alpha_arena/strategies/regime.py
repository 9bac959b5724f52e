"""Market regimes per bar, from ADX and Bollinger band width (causal: bar i reads bars <= i).

- ``trending``: ADX(14) >= ``trend_adx`` (25).
- ``squeeze``: not trending, and the band width (20, 2) is at or below the
  ``squeeze_percentile`` (20th) percentile of its last ``window`` (200) values: a quiet market
  that often precedes a breakout.
- ``ranging``: everything else with a known ADX.
- ``unknown``: the indicators are still warming up.

The thresholds are a ``RegimeThresholds`` (a season's ``[regime]`` settings); the defaults are
the values above."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from alpha_arena.domain.market import Candles
from alpha_arena.indicators import adx, bollinger

REGIMES = ("trending", "squeeze", "ranging")
UNKNOWN = "unknown"
TREND_ADX = 25.0
SQUEEZE_PERCENTILE = 20.0
WINDOW = 200


@dataclass(frozen=True, slots=True)
class RegimeThresholds:
    """Where one regime ends and the next begins (validated where configuration is read)."""

    trend_adx: float = TREND_ADX
    squeeze_percentile: float = SQUEEZE_PERCENTILE
    window: int = WINDOW  # the bars the band-width percentile looks back over


DEFAULT_THRESHOLDS = RegimeThresholds()


def trailing_percentile(values: npt.NDArray[np.float64], window: int) -> npt.NDArray[np.float64]:
    """Per bar, the percentage of the last ``window`` known values (itself included) that are
    at or below it; NaN where the value is unknown."""
    padded = np.concatenate((np.full(window - 1, np.nan), values))
    windows = sliding_window_view(padded, window)  # row i: the window ending at bar i
    known = ~np.isnan(windows)
    with np.errstate(invalid="ignore"):
        at_or_below = ((windows <= values[:, None]) & known).sum(axis=1)
        result = at_or_below / known.sum(axis=1) * 100.0
    result[np.isnan(values)] = np.nan
    return np.asarray(result, dtype=np.float64)


def regime_labels(
    candles: Candles, thresholds: RegimeThresholds = DEFAULT_THRESHOLDS
) -> npt.NDArray[np.str_]:
    """The regime of every bar."""
    strength = adx(candles.high, candles.low, candles.close, 14)
    width = bollinger(candles.close, 20, 2.0).width
    squeeze = trailing_percentile(width, thresholds.window) <= thresholds.squeeze_percentile
    labels = np.where(
        strength >= thresholds.trend_adx, "trending", np.where(squeeze, "squeeze", "ranging")
    ).astype("<U8")
    labels[np.isnan(strength)] = UNKNOWN
    return labels
