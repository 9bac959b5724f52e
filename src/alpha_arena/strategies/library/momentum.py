"""Time-series momentum on the rate of change."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray
from alpha_arena.indicators import roc
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams
from alpha_arena.strategies.library.checks import check_flag, check_number, check_period
from alpha_arena.strategies.library.signals import side, warming_up


@dataclass(frozen=True, slots=True)
class MomentumParams(StrategyParams):
    period: int = 24
    threshold: float = 0.0
    allow_short: bool = True

    def __post_init__(self) -> None:
        check_period("period", self.period, 1)
        check_number("threshold", self.threshold)
        if self.threshold < 0:
            raise InvalidInputError(f"threshold must not be negative, got {self.threshold}")
        check_flag("allow_short", self.allow_short)


class Momentum(Strategy):
    """Follow the recent rate of change of the close.

    ROC(period), in percent, above threshold -> long; below -threshold -> short (flat instead
    when allow_short is false); in between -> flat. The threshold is in percent (1.0 = 1%)."""

    name = "momentum"
    params_type = MomentumParams
    params: MomentumParams

    @property
    def warmup(self) -> int:
        return self.params.period

    def targets(self, data: StrategyInput) -> FloatArray:
        change = roc(data.candles.close, self.params.period)
        threshold = self.params.threshold
        down = -1.0 if self.params.allow_short else 0.0
        # NaN during warm-up passes neither test: the target stays 0.
        targets = np.where(change > threshold, 1.0, np.where(change < -threshold, down, 0.0))
        return np.asarray(targets, dtype=np.float64)

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        if index < self.warmup:
            return warming_up(self.name, index, self.warmup)
        change = self._cached(data, self._roc)[index]
        threshold = self.params.threshold
        shown = f"ROC{self.params.period} {change:+.2f}%"
        if change > threshold:
            rule = f"{shown} above +{threshold:.2f}%"
        elif change < -threshold:
            rule = f"{shown} below -{threshold:.2f}%"
        else:
            rule = f"{shown} within +/-{threshold:.2f}%"
        return f"{self.name}: {rule} -> {side(targets[index])}"

    def _roc(self, data: StrategyInput) -> FloatArray:
        return roc(data.candles.close, self.params.period)
