"""Following the market: a feed may only add to the steps already run. New bars and funding
after them are taken; a changed bar, a funding settlement that appeared inside them or a
strategy whose past targets move is refused (the season is then rebuilt)."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.agents.strategy_agent import extended_targets, signal_targets
from alpha_arena.core.errors import DataIntegrityError
from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.market import Candles, FloatArray, FundingRates
from alpha_arena.engine.feed import ReplayFeed, changes_before
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams

BTC = "BTC/USDT:USDT"


def candles(count: int, bump_at: int | None = None) -> Candles:
    close = 100.0 + np.sin(np.arange(count) / 3.0) * 5
    if bump_at is not None:
        close[bump_at] += 1.0
    ts = np.arange(count, dtype=np.int64) * HOUR_MS
    return Candles(ts, close, close + 1, close - 1, close, np.ones(count))


def feed(count: int, funding_at: tuple[int, ...] = (), bump_at: int | None = None) -> ReplayFeed:
    stamps = np.array([hour * HOUR_MS for hour in funding_at], dtype=np.int64)
    rates = FundingRates(stamps, np.full(len(stamps), 0.0001))
    return ReplayFeed("1h", {BTC: candles(count, bump_at)}, {BTC: rates})


def test_new_bars_and_later_funding_only_add_to_the_steps_run() -> None:
    assert changes_before(feed(10, (8,)), feed(12, (8, 11)), steps=10) == ""


def test_a_changed_bar_or_a_late_settlement_inside_the_steps_run_is_refused() -> None:
    assert changes_before(feed(10), feed(12, bump_at=4), steps=10) == f"bars of {BTC}"
    assert changes_before(feed(10), feed(12, bump_at=11), steps=10) == ""  # not run yet
    assert changes_before(feed(10), feed(12, funding_at=(5,)), steps=10) == f"funding of {BTC}"
    assert changes_before(feed(10), feed(8), steps=10) == "its timeline"


class Hindsight(Strategy):
    """Long when the bar closes above the mean of the whole series: not causal."""

    name = "hindsight"
    params_type = StrategyParams

    def targets(self, data: StrategyInput) -> FloatArray:
        close = data.candles.close
        return np.where(close > close.mean(), 1.0, 0.0)


def inputs(count: int) -> StrategyInput:
    return StrategyInput(BTC, "1h", candles(count), np.full(count, np.nan))


def test_a_causal_strategy_extends_and_one_that_is_not_is_refused() -> None:
    trend = registry.create("ema_trend", {"fast": "3", "slow": "8"})
    old = signal_targets(trend, inputs(60))
    assert np.array_equal(extended_targets("trend", trend, old, inputs(80))[:60], old)

    hindsight = Hindsight(StrategyParams())
    old = signal_targets(hindsight, inputs(10))  # the mean of a rising start
    with pytest.raises(DataIntegrityError, match="targets of bars already traded changed"):
        extended_targets("peeker", hindsight, old, inputs(80))
