"""Donchian channel breakout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.domain.market import FloatArray
from alpha_arena.indicators import donchian
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams
from alpha_arena.strategies.library.checks import check_flag, check_period
from alpha_arena.strategies.library.signals import hold_last, number, side, warming_up


@dataclass(frozen=True, slots=True)
class BreakoutParams(StrategyParams):
    period: int = 20
    allow_short: bool = True

    def __post_init__(self) -> None:
        check_period("period", self.period, 2)
        check_flag("allow_short", self.allow_short)


class Breakout(Strategy):
    """Trade breakouts of the Donchian channel of the previous bars.

    Long when the close breaks above the highest high of the prior `period` bars (the current
    bar excluded); short when it breaks below their lowest low (flat instead when allow_short
    is false); otherwise hold the last position. Flat until the first breakout."""

    name = "breakout"
    params_type = BreakoutParams
    params: BreakoutParams

    @property
    def warmup(self) -> int:
        return self.params.period

    def targets(self, data: StrategyInput) -> FloatArray:
        close = data.candles.close
        upper, lower = self._cached(data, self._prior_channel)
        down = -1.0 if self.params.allow_short else 0.0
        # NaN marks "no breakout on this bar": the previous target carries over.
        signal = np.where(close > upper, 1.0, np.where(close < lower, down, np.nan))
        return hold_last(np.asarray(signal, dtype=np.float64))

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        if index < self.warmup:
            return warming_up(self.name, index, self.warmup)
        upper, lower = self._prior_channel(data)
        close = data.candles.close[index]
        bars = self.params.period
        if close > upper[index]:
            rule = f"close {number(close)} above prior {bars}-bar high {number(upper[index])}"
        elif close < lower[index]:
            rule = f"close {number(close)} below prior {bars}-bar low {number(lower[index])}"
        else:
            rule = (
                f"close {number(close)} inside prior {bars}-bar channel "
                f"{number(lower[index])} .. {number(upper[index])}, hold"
            )
        return f"{self.name}: {rule} -> {side(targets[index])}"

    def _prior_channel(self, data: StrategyInput) -> tuple[FloatArray, FloatArray]:
        """Return the channel of the ``period`` bars before each bar (shifted by one)."""
        channel = donchian(data.candles.high, data.candles.low, self.params.period)
        return _shift(channel.upper), _shift(channel.lower)


def _shift(values: FloatArray) -> FloatArray:
    shifted = np.full(len(values), np.nan, dtype=np.float64)
    shifted[1:] = values[:-1]
    return shifted
