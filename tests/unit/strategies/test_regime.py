"""The regime classifier's thresholds, from a TOML file, on hand-computed cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alpha_arena.domain.market import Candles
from alpha_arena.indicators import adx, bollinger
from alpha_arena.seasons.profile import read_file, resolve
from alpha_arena.strategies.regime import DEFAULT_THRESHOLDS, RegimeThresholds, regime_labels

BARS = 40
FIRST_KNOWN = 27  # ADX(14) needs 2 x 14 - 1 bars; the band width (20) is known from bar 19


def quieting_zigzag() -> Candles:
    """A close swinging around 100 by 10 x 0.95^i, alternately up and down: each window of
    20 closes is the previous one mirrored and scaled by 0.95, so every bar's band width is
    the narrowest so far (each width the lowest of any window looking back)."""
    i = np.arange(BARS)
    close = 100.0 + 10.0 * 0.95**i * (-1.0) ** i
    return Candles(i.astype(np.int64) * 3_600_000, close.copy(), close + 0.5, close - 0.5,
                   close, np.ones(BARS))  # fmt: skip


def thresholds_from(tmp_path: Path, text: str) -> RegimeThresholds:
    path = tmp_path / "arena.toml"
    path.write_text(text)
    return resolve([("file", read_file(path))]).regime.thresholds()


def test_the_case_is_what_it_claims() -> None:
    candles = quieting_zigzag()
    width = bollinger(candles.close, 20, 2.0).width
    assert (np.diff(width[19:]) < 0).all()
    strength = adx(candles.high, candles.low, candles.close, 14)[FIRST_KNOWN:]
    assert (strength > 2.0).all() and (strength < 4.0).all()  # no trend to speak of


def test_a_files_window_and_percentile_move_the_squeeze_line(tmp_path: Path) -> None:
    candles = quieting_zigzag()
    known = slice(FIRST_KNOWN, BARS)
    # Defaults: at bar 27 nine widths are known and it is the lowest, so its percentile is
    # 1/9 = 11.1% (later ones lower still), at or below 20: a squeeze.
    labels = regime_labels(candles, DEFAULT_THRESHOLDS)
    assert (labels[:FIRST_KNOWN] == "unknown").all()
    assert (labels[known] == "squeeze").all()
    # A window of 5: each width is the lowest of its last five, percentile exactly 1/5 = 20%.
    at_20 = thresholds_from(tmp_path, "[regime]\nwindow = 5\nsqueeze_percentile = 20.0\n")
    assert (regime_labels(candles, at_20)[known] == "squeeze").all()
    below_20 = thresholds_from(tmp_path, "[regime]\nwindow = 5\nsqueeze_percentile = 19.9\n")
    assert (regime_labels(candles, below_20)[known] == "ranging").all()


def test_a_files_trend_adx_turns_a_quiet_market_into_a_trend(tmp_path: Path) -> None:
    candles = quieting_zigzag()
    # The ADX stays between 2 and 4 (checked above): at or above 2 every known bar trends.
    low_bar = thresholds_from(tmp_path, "[regime]\ntrend_adx = 2\n")
    labels = regime_labels(candles, low_bar)
    assert (labels[FIRST_KNOWN:] == "trending").all()
    high_bar = thresholds_from(tmp_path, "[regime]\ntrend_adx = 4\n")
    assert (regime_labels(candles, high_bar)[FIRST_KNOWN:] == "squeeze").all()
