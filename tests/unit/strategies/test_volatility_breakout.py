"""The ATR volatility breakout on a candle series small enough to compute by hand."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_array_equal

from alpha_arena.domain.market import Candles
from alpha_arena.strategies.base import StrategyInput
from alpha_arena.strategies.registry import create

HOUR_MS = 3_600_000
# high, low, close per bar. With period 2, Wilder's ATR: TR1 = 3, TR2 = 2 -> ATR2 = 2.5;
# TR3 = 3 -> ATR3 = 2.75; TR4 = 4 -> ATR4 = 3.375; TR5 = 2 -> ATR5 = 2.6875; TR6 = 4.
BARS = [
    (10.0, 8.0, 9.0),
    (12.0, 9.0, 11.0),
    (11.0, 9.0, 10.0),
    (13.0, 10.0, 12.0),  # band 10 +/- 2.5 = 7.5 .. 12.5: inside, still flat
    (16.0, 12.0, 15.5),  # band 12 +/- 2.75 = 9.25 .. 14.75: above -> long
    (16.0, 14.0, 15.0),  # band 15.5 +/- 3.375 = 12.125 .. 18.875: inside, hold long
    (15.0, 11.0, 11.5),  # band 15 +/- 2.6875 = 12.3125 .. 17.6875: below -> short
    (13.0, 11.0, 12.5),  # band 11.5 +/- 3.34375 = 8.15625 .. 14.84375: inside, hold short
]


def hand_series() -> StrategyInput:
    rows = [(i * HOUR_MS, low, high, low, close, 1.0) for i, (high, low, close) in enumerate(BARS)]
    return StrategyInput("BTC/USDT:USDT", "1h", Candles.from_rows(rows), np.full(len(BARS), np.nan))


def test_targets_match_the_hand_computed_bands() -> None:
    strategy = create("volatility_breakout", {"period": "2", "multiplier": "1"})
    assert strategy.warmup == 3
    targets = strategy.targets(hand_series())
    assert_array_equal(targets, [0, 0, 0, 0, 1, 1, -1, -1])


def test_long_only_goes_flat_where_long_short_goes_short() -> None:
    strategy = create("volatility_breakout", {"period": "2", "allow_short": "false"})
    assert_array_equal(strategy.targets(hand_series()), [0, 0, 0, 0, 1, 1, 0, 0])


def test_a_wider_multiplier_needs_a_bigger_move() -> None:
    # 1.5 ATR: bar 4 needs a close above 12 + 4.125 = 16.125, bar 6 one below 15 - 4.03125.
    strategy = create("volatility_breakout", {"period": "2", "multiplier": "1.5"})
    assert_array_equal(strategy.targets(hand_series()), [0, 0, 0, 0, 0, 0, 0, 0])


def test_explain_names_the_band_that_was_crossed() -> None:
    strategy = create("volatility_breakout", {"period": "2"})
    data = hand_series()
    targets = strategy.targets(data)
    assert strategy.explain(data, 1, targets) == (
        "volatility_breakout: warming up (bar 2 of 3) -> flat"
    )
    assert strategy.explain(data, 4, targets) == (
        "volatility_breakout: close 15.5 above previous close + 1 ATR 14.75 -> long"
    )
    assert strategy.explain(data, 6, targets) == (
        "volatility_breakout: close 11.5 below previous close - 1 ATR 12.3125 -> short"
    )
    assert strategy.explain(data, 5, targets).endswith("12.125 .. 18.875, hold -> long")
