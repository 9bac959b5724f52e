"""Baselines every other trader is measured against."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.domain.market import FloatArray
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams


@dataclass(frozen=True, slots=True)
class NoParams(StrategyParams):
    """Parameters of a strategy that takes none."""


class BuyAndHold(Strategy):
    """Buy on the first bar and hold to the end.

    Long (+1) on every bar: the market's own return, the benchmark to beat."""

    name = "buy_and_hold"
    params_type = NoParams

    def targets(self, data: StrategyInput) -> FloatArray:
        return np.ones(len(data.candles), dtype=np.float64)

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        return f"{self.name}: always long -> long"


class Flat(Strategy):
    """Never trade.

    Flat (0) on every bar: the result of doing nothing, which pays no fees and no funding."""

    name = "flat"
    params_type = NoParams

    def targets(self, data: StrategyInput) -> FloatArray:
        return np.zeros(len(data.candles), dtype=np.float64)

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        return f"{self.name}: never trades -> flat"
