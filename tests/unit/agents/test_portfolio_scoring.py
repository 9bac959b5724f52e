"""The portfolio agent's scoring knobs ([portfolio] min_score and weighting) on hand-computed
scores, and its regime thresholds reaching the blend."""

from __future__ import annotations

import numpy as np

from alpha_arena.agents.portfolio import (
    PortfolioScoring,
    RegimePortfolio,
    RegimePortfolioParams,
    regime_weights,
)
from alpha_arena.domain.market import Candles
from alpha_arena.strategies.base import StrategyInput
from alpha_arena.strategies.regime import RegimeThresholds

SCORES = {"trending": {"ema_trend": 0.375, "breakout": 0.125, "momentum": -0.2},
          "ranging": {"bollinger_range": 0.0625}}  # fmt: skip


def weights_of(scoring: PortfolioScoring) -> dict[str, dict[str, float]]:
    return {regime: dict(chosen) for regime, chosen in regime_weights(SCORES, 3, scoring)}


def test_by_default_positive_scores_weigh_in_proportion() -> None:
    weights = weights_of(PortfolioScoring())
    assert weights["trending"] == {"ema_trend": 0.75, "breakout": 0.25}  # 0.375 and 0.125 of 0.5
    assert weights["ranging"] == {"bollinger_range": 1.0}
    assert weights["squeeze"] == {}


def test_a_minimum_score_leaves_weaker_strategies_out() -> None:
    weights = weights_of(PortfolioScoring(min_score=0.2))
    assert weights["trending"] == {"ema_trend": 1.0}
    assert weights["ranging"] == {}  # 0.0625 is not above 0.2


def test_equal_weighting_splits_evenly() -> None:
    weights = weights_of(PortfolioScoring(weighting="equal"))
    assert weights["trending"] == {"ema_trend": 0.5, "breakout": 0.5}


def test_the_blend_reads_regimes_by_its_own_thresholds() -> None:
    # A close swinging around 100 ever less (10 x 0.95^i): its band width narrows every bar
    # (a squeeze) and its ADX stays between 2 and 4 (tests/unit/strategies/test_regime.py).
    n = 40
    i = np.arange(n)
    close = 100.0 + 10.0 * 0.95**i * (-1.0) ** i
    candles = Candles(i.astype(np.int64) * 3_600_000, close.copy(), close + 0.5, close - 0.5,
                      close, np.ones(n))  # fmt: skip
    data = StrategyInput("BTC/USDT:USDT", "1h", candles, np.zeros(n))
    weights = (("squeeze", (("buy_and_hold", 1.0),)),)  # long in a squeeze, flat otherwise
    default = RegimePortfolio(RegimePortfolioParams(weights)).targets(data)
    assert default[-1] == 1.0
    low_trend = RegimePortfolio(RegimePortfolioParams(weights, RegimeThresholds(trend_adx=2.0)))
    assert low_trend.targets(data)[-1] == 0.0  # trending now: nothing held in that regime
