"""Trend following on two exponential moving averages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.domain.market import FloatArray
from alpha_arena.indicators import ema
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams
from alpha_arena.strategies.library.checks import check_flag, check_less, check_period
from alpha_arena.strategies.library.signals import number, side, warming_up


@dataclass(frozen=True, slots=True)
class EmaTrendParams(StrategyParams):
    fast: int = 12
    slow: int = 26
    allow_short: bool = True

    def __post_init__(self) -> None:
        check_period("fast", self.fast, 1)
        check_period("slow", self.slow, 2)
        check_less("fast", self.fast, "slow", self.slow)
        check_flag("allow_short", self.allow_short)


class EmaTrend(Strategy):
    """Follow the trend of two EMAs of the close.

    Long while EMA(fast) is above EMA(slow); short while it is below (flat instead when
    allow_short is false); flat when they are equal. Flat until EMA(slow) exists."""

    name = "ema_trend"
    params_type = EmaTrendParams
    params: EmaTrendParams

    @property
    def warmup(self) -> int:
        return self.params.slow - 1

    def targets(self, data: StrategyInput) -> FloatArray:
        fast, slow = self._averages(data)
        # NaN during warm-up compares as neither above nor below: the target stays 0.
        targets = np.where(fast > slow, 1.0, np.where(fast < slow, -1.0, 0.0))
        if not self.params.allow_short:
            targets = np.maximum(targets, 0.0)
        return np.asarray(targets, dtype=np.float64)

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        if index < self.warmup:
            return warming_up(self.name, index, self.warmup)
        averages = self._cached(data, self._averages)
        fast, slow = float(averages[0][index]), float(averages[1][index])
        relation = "above" if fast > slow else "below"
        if fast == slow:
            relation = "equal to"
        return (
            f"{self.name}: EMA{self.params.fast} {number(fast)} {relation} "
            f"EMA{self.params.slow} {number(slow)} -> {side(float(targets[index]))}"
        )

    def _averages(self, data: StrategyInput) -> tuple[FloatArray, FloatArray]:
        close = data.candles.close
        return ema(close, self.params.fast), ema(close, self.params.slow)
