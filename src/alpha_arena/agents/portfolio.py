"""The portfolio agent: in each market regime, hold a score-weighted blend of the library
strategies that did best in that regime in the stored backtests.

Scoring: every stored backtest's per-bar returns are split by the regime of each bar (from the
run's own candles, ``strategies.regime``); a strategy's score in a regime is the Sharpe-like
mean / standard deviation of its per-bar returns there, over all its runs that traded.
Weights: in each regime, the ``top_n`` strategies with a score above ``min_score`` (0),
weighted in proportion to their scores, or equally (``weighting``), summing to 1. The blend's
target at a bar is the weighted sum of the chosen strategies' own targets for the bar's
regime; the position size is capped by the agent's leverage. ``PortfolioScoring`` holds these
knobs (a season's ``[portfolio]`` settings); the regimes' thresholds are ``RegimeThresholds``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import Candles, FloatArray
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams
from alpha_arena.strategies.regime import (
    DEFAULT_THRESHOLDS,
    REGIMES,
    RegimeThresholds,
    regime_labels,
)

Weights = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # regime -> (strategy, weight)


@dataclass(frozen=True, slots=True)
class PortfolioScoring:
    """How learned scores become weights (validated where configuration is read)."""

    min_score: float = 0.0  # a strategy joins a regime's blend only with a score above it
    weighting: Literal["score", "equal"] = "score"  # in proportion to the scores, or equally


DEFAULT_SCORING = PortfolioScoring()


@dataclass(frozen=True, slots=True)
class RunReturns:
    """One stored backtest seen by the scorer: its strategy, its per-bar equity and the candles
    of the same bars (for their regimes)."""

    strategy: str
    equity: FloatArray
    candles: Candles


def regime_scores(
    runs: Sequence[RunReturns], thresholds: RegimeThresholds = DEFAULT_THRESHOLDS
) -> dict[str, dict[str, float]]:
    """Score of each strategy in each regime (see the module docstring)."""
    collected: dict[str, dict[str, list[FloatArray]]] = {r: {} for r in REGIMES}
    for run in runs:
        if len(run.equity) < 3 or len(run.equity) != len(run.candles):
            continue
        if (run.equity == run.equity[0]).all():
            continue  # never traded (every entry denied, say): its flat line would dilute
        returns = np.diff(run.equity) / run.equity[:-1]
        labels = regime_labels(run.candles, thresholds)[
            1:
        ]  # the return of bar i belongs to bar i's regime
        for regime in REGIMES:
            chosen = returns[labels == regime]
            if len(chosen):
                collected[regime].setdefault(run.strategy, []).append(chosen)
    scores: dict[str, dict[str, float]] = {}
    for regime, by_strategy in collected.items():
        scores[regime] = {}
        for strategy, parts in by_strategy.items():
            joined = np.concatenate(parts)
            spread = float(joined.std(ddof=1)) if len(joined) > 1 else 0.0
            scores[regime][strategy] = float(joined.mean()) / spread if spread > 0 else 0.0
    return scores


def regime_weights(
    scores: Mapping[str, Mapping[str, float]],
    top_n: int,
    scoring: PortfolioScoring = DEFAULT_SCORING,
) -> Weights:
    """The ``top_n`` strategies of each regime scoring above ``scoring.min_score``, weighted
    by ``scoring.weighting``."""
    if top_n < 1:
        raise InvalidInputError("top_n must be at least 1")
    floor = max(scoring.min_score, 0.0)  # a negative score never earns a (negative) weight
    weights = []
    for regime in REGIMES:
        ranked = sorted(
            ((name, score) for name, score in scores.get(regime, {}).items() if score > floor),
            key=lambda item: (-item[1], item[0]),
        )[:top_n]
        if scoring.weighting == "equal":
            ranked = [(name, 1.0) for name, _ in ranked]
        total = sum(score for _, score in ranked)
        weights.append((regime, tuple((name, score / total) for name, score in ranked)))
    return tuple(weights)


def portfolio_warning(weights: Weights) -> str | None:
    """Say when learned ``weights`` leave the portfolio flat in some or every regime (no
    strategy scored above zero there in the stored backtests); None when every regime holds
    something."""
    chosen = dict(weights)
    empty = [regime for regime in REGIMES if not chosen.get(regime)]
    if not empty:
        return None
    advice = (
        "run backtests that trade in those markets (`arena backtest run`) before creating "
        "the season"
    )
    if len(empty) == len(REGIMES):
        return (
            "the portfolio agent learned no weights: no strategy scored above zero in any "
            f"regime of the stored backtests, so it will never trade; {advice}"
        )
    return (
        f"the portfolio agent holds nothing in the {', '.join(empty)} regime"
        f"{'' if len(empty) == 1 else 's'}: no strategy scored above zero there in the stored "
        f"backtests, so it stays flat then; {advice}"
    )


@dataclass(frozen=True, slots=True)
class RegimePortfolioParams(StrategyParams):
    weights: Weights = field(default=())
    thresholds: RegimeThresholds = field(default=DEFAULT_THRESHOLDS)

    def __post_init__(self) -> None:
        for regime, chosen in self.weights:
            if regime not in REGIMES:
                raise InvalidInputError(f"unknown regime {regime!r}; known: {', '.join(REGIMES)}")
            for name, weight in chosen:
                registry.strategy_type(name)
                if not 0 < weight <= 1:
                    raise InvalidInputError(f"weight of {name} in {regime} must be in (0, 1]")


class RegimePortfolio(Strategy):
    """Blend library strategies by market regime, with weights learned from stored backtests.

    In each bar's regime (trending, squeeze, ranging; see strategies.regime) the target is the
    weighted sum of the chosen strategies' targets; flat in a regime with no chosen strategy."""

    name = "regime_portfolio"
    params_type = RegimePortfolioParams
    params: RegimePortfolioParams

    def __init__(self, params: RegimePortfolioParams) -> None:
        super().__init__(params)
        names = {name for _, chosen in params.weights for name, _ in chosen}
        self._members = {name: registry.create(name) for name in sorted(names)}

    @property
    def warmup(self) -> int:
        return max([s.warmup for s in self._members.values()] + [WARMUP_FOR_REGIMES])

    def targets(self, data: StrategyInput) -> FloatArray:
        labels = regime_labels(data.candles, self.params.thresholds)
        member_targets = {
            name: np.nan_to_num(strategy.targets(data)) for name, strategy in self._members.items()
        }
        blended = np.zeros(len(data.candles))
        for regime, chosen in self.params.weights:
            in_regime = labels == regime
            for name, weight in chosen:
                blended[in_regime] += weight * member_targets[name][in_regime]
        return np.clip(blended, -1.0, 1.0)

    def _labels(self, data: StrategyInput) -> np.ndarray:
        return regime_labels(data.candles, self.params.thresholds)

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        regime = str(self._cached(data, self._labels)[index])
        chosen = dict(self.params.weights).get(regime, ())
        mix = ", ".join(f"{name} {weight:.0%}" for name, weight in chosen) or "nothing"
        return f"{self.name}: regime {regime}, holding {mix} -> target {targets[index]:+.2f}"


#: ADX(14) needs about 28 bars; the squeeze test looks back further but starts at once.
WARMUP_FOR_REGIMES = 30
