"""Regimes, per-regime scores from backtest equity, weights, and the blended target."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.agents.portfolio import (
    RegimePortfolio,
    RegimePortfolioParams,
    RunReturns,
    portfolio_warning,
    regime_scores,
    regime_weights,
)
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.marketdata.sources.sample import read_candles
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import StrategyInput
from alpha_arena.strategies.regime import REGIMES, UNKNOWN, regime_labels, trailing_percentile
from tests.support.sample import SAMPLE

CANDLES = read_candles(SAMPLE / "binance_usdm_BTCUSDT_1h.csv.gz").slice(0, 3000)
LABELS = regime_labels(CANDLES)


def test_regimes_are_causal_and_cover_every_bar() -> None:
    assert set(np.unique(LABELS)) <= {*REGIMES, UNKNOWN}
    assert (LABELS[:20] == UNKNOWN).all() and (LABELS[100:] != UNKNOWN).all()
    for cut in (500, 1234, 2999):
        assert (regime_labels(CANDLES.slice(0, cut)) == LABELS[:cut]).all()


def test_trailing_percentile_by_hand() -> None:
    values = np.array([np.nan, 1.0, 3.0, 2.0, 5.0])
    assert np.isnan(trailing_percentile(values, 3)[0])
    # at index 3 the window is [1, 3, 2]: two of three at or below 2
    assert trailing_percentile(values, 3)[3] == pytest.approx(200 / 3)
    assert trailing_percentile(values, 3)[4] == 100.0


def test_scores_split_returns_by_the_regime_of_each_bar() -> None:
    # A run that gains 1% per bar in trending bars and loses 1% elsewhere.
    returns = np.where(LABELS[1:] == "trending", 0.01, -0.01) + np.linspace(
        0, 1e-4, len(LABELS) - 1
    )
    equity = 1000 * np.concatenate(([1.0], np.cumprod(1 + returns)))
    scores = regime_scores([RunReturns("ema_trend", equity, CANDLES)])
    assert scores["trending"]["ema_trend"] > 0 > scores["ranging"]["ema_trend"]


def test_a_run_that_never_traded_is_not_scored() -> None:
    returns = np.where(LABELS[1:] == "trending", 0.01, -0.01)
    traded = RunReturns("ema_trend", 1000 * np.concatenate(([1.0], np.cumprod(1 + returns))),
                        CANDLES)  # fmt: skip
    flat = RunReturns("ema_trend", np.full(len(CANDLES), 1000.0), CANDLES)
    assert regime_scores([flat]) == {regime: {} for regime in REGIMES}
    assert regime_scores([traded, flat]) == regime_scores([traded])


def test_weights_keep_the_top_positive_scores_normalized() -> None:
    scores = {"trending": {"a": 2.0, "b": 1.0, "c": 1.0, "d": -1.0}, "ranging": {"a": -0.5}}
    weights = dict(regime_weights(scores, top_n=2))
    assert weights["trending"] == (("a", 2 / 3), ("b", 1 / 3))  # ties broken by name
    assert weights["ranging"] == ()
    with pytest.raises(InvalidInputError):
        regime_weights(scores, top_n=0)


def test_weights_empty_in_every_regime_warn_that_the_portfolio_never_trades() -> None:
    empty = regime_weights({"trending": {"a": -1.0}}, top_n=2)
    warning = portfolio_warning(empty)
    assert warning is not None
    assert "learned no weights" in warning and "never trade" in warning
    assert "arena backtest run" in warning


def test_weights_empty_in_some_regimes_name_them() -> None:
    weights = regime_weights({"trending": {"ema_trend": 1.0}}, top_n=2)
    assert portfolio_warning(weights) == (
        "the portfolio agent holds nothing in the squeeze, ranging regimes: no strategy scored "
        "above zero there in the stored backtests, so it stays flat then; run backtests that "
        "trade in those markets (`arena backtest run`) before creating the season"
    )
    full = regime_weights({regime: {"ema_trend": 1.0} for regime in REGIMES}, top_n=1)
    assert portfolio_warning(full) is None


def test_the_blend_holds_the_chosen_strategies_targets_in_their_regime() -> None:
    params = RegimePortfolioParams(
        (("trending", (("ema_trend", 1.0),)), ("ranging", (("buy_and_hold", 0.5),)))
    )
    portfolio = RegimePortfolio(params)
    data = StrategyInput("BTC/USDT:USDT", "1h", CANDLES, np.full(len(CANDLES), np.nan))
    blended = portfolio.targets(data)
    ema = np.nan_to_num(registry.create("ema_trend").targets(data))
    trending, ranging = LABELS == "trending", LABELS == "ranging"
    assert np.array_equal(blended[trending], ema[trending])
    assert (blended[ranging] == 0.5).all()
    assert (blended[LABELS == "squeeze"] == 0).all()
    assert "regime" in portfolio.explain(data, 2000, blended)


def test_unknown_regimes_and_strategies_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="unknown regime"):
        RegimePortfolioParams((("sideways", ()),))
    with pytest.raises(InvalidInputError, match="unknown strategy"):
        RegimePortfolioParams((("trending", (("no_such_strategy", 1.0),)),))
