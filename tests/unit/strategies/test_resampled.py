"""A rule of a longer timeframe run on a season's shorter bars (strategies.resampled), on real
Binance BTC perpetual 1h bars: its targets are the rule's own on the 4h bars, taking effect at
each 4h bar's close, causal at every cut, and explained on the 4h bars."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from alpha_arena.marketdata.resample import resample
from alpha_arena.strategies.base import StrategyInput
from alpha_arena.strategies.registry import create
from alpha_arena.strategies.resampled import ResampledStrategy
from tests.unit.strategies.test_library import BARS, HOUR_MS, btc, truncated

FOUR_HOURS = 4 * HOUR_MS


def trend() -> ResampledStrategy:
    return ResampledStrategy(create("ema_trend", {"fast": "5", "slow": "20"}), "4h", "1h")


def test_each_target_is_the_rules_own_on_the_newest_4h_bar_closed_by_then() -> None:
    data = btc()
    wrapped, inner = trend(), create("ema_trend", {"fast": "5", "slow": "20"})
    targets = wrapped.targets(data)
    four = resample(data.candles, "1h", "4h")
    own = inner.targets(StrategyInput(data.symbol, "4h", four, np.full(len(four), np.nan)))
    closes = data.candles.ts + HOUR_MS
    for index in (0, 1, 2, 3, 4, 5, 100, 101, 102, 103, BARS - 2, BARS - 1):
        closed = np.flatnonzero(four.ts + FOUR_HOURS <= closes[index])
        expected = own[closed[-1]] if len(closed) else 0.0
        assert targets[index] == expected, index
    # It changes only where a 4h bar closes.
    changed = np.flatnonzero(np.diff(targets)) + 1
    assert len(changed) > 10 and np.all(closes[changed] % FOUR_HOURS == 0)


@settings(max_examples=20, deadline=None)
@given(stop=st.integers(min_value=1, max_value=BARS))
def test_targets_on_a_series_cut_at_any_bar_equal_the_full_targets_so_far(stop: int) -> None:
    full = trend().targets(btc())
    assert_array_equal(trend().targets(truncated(btc(), stop)), full[:stop])


def test_its_warmup_covers_the_rules_on_long_bars_and_it_explains_on_them() -> None:
    wrapped = trend()
    assert wrapped.warmup == (wrapped.inner.warmup + 4) * 4
    data = btc()
    targets = wrapped.targets(data)
    index = int(np.flatnonzero(targets)[0])
    assert wrapped.explain(data, index, targets).endswith("(4h bars)")
    assert "ema_trend" in wrapped.explain(data, index, targets)
    assert wrapped.explain(data, 0, targets) == "ema_trend (4h): no 4h bar closed yet"


def test_a_rule_cannot_be_shorter_than_the_bars_it_is_fed() -> None:
    with pytest.raises(ValueError, match="cannot run a 1h rule on 4h bars"):
        ResampledStrategy(create("ema_trend"), "1h", "4h")
