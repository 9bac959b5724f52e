"""Volatility breakout: a close that moves more than k average true ranges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray
from alpha_arena.indicators import atr
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams
from alpha_arena.strategies.library.checks import check_flag, check_number, check_period
from alpha_arena.strategies.library.signals import hold_last, number, side, warming_up

#: Beyond this many ATRs a bar-to-bar move practically never happens: the rule would never trade.
MAX_MULTIPLIER = 10.0


@dataclass(frozen=True, slots=True)
class VolatilityBreakoutParams(StrategyParams):
    period: int = 14
    multiplier: float = 1.0
    allow_short: bool = True

    def __post_init__(self) -> None:
        check_period("period", self.period, 1)
        check_number("multiplier", self.multiplier)
        if not 0 < self.multiplier <= MAX_MULTIPLIER:
            raise InvalidInputError(
                f"multiplier must be in (0, {MAX_MULTIPLIER:g}], got {self.multiplier}"
            )
        check_flag("allow_short", self.allow_short)


class VolatilityBreakout(Strategy):
    """Trade closes that move more than multiplier x ATR(period) from the previous close.

    With ATR the Wilder average true range of the `period` bars up to the previous bar (so the
    band is known before the bar opens): long when close > previous close + multiplier x ATR;
    short when close < previous close - multiplier x ATR (flat instead when allow_short is
    false); otherwise hold the last position. Flat until the first breakout; period >= 1,
    0 < multiplier <= 10."""

    name = "volatility_breakout"
    params_type = VolatilityBreakoutParams
    params: VolatilityBreakoutParams

    @property
    def warmup(self) -> int:
        # ATR(period) first exists at bar `period` (it needs a previous close); the band uses
        # the previous bar's ATR.
        return self.params.period + 1

    def targets(self, data: StrategyInput) -> FloatArray:
        close = data.candles.close
        upper, lower = self._cached(data, self._bands)
        down = -1.0 if self.params.allow_short else 0.0
        # NaN marks "no breakout on this bar" (and the warm-up): the previous target carries over.
        signal = np.where(close > upper, 1.0, np.where(close < lower, down, np.nan))
        return hold_last(np.asarray(signal, dtype=np.float64))

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        if index < self.warmup:
            return warming_up(self.name, index, self.warmup)
        upper, lower = self._bands(data)
        close = data.candles.close[index]
        k = f"{self.params.multiplier:g}"
        if close > upper[index]:
            rule = f"close {number(close)} above previous close + {k} ATR {number(upper[index])}"
        elif close < lower[index]:
            rule = f"close {number(close)} below previous close - {k} ATR {number(lower[index])}"
        else:
            rule = (
                f"close {number(close)} inside previous close +/- {k} ATR "
                f"{number(lower[index])} .. {number(upper[index])}, hold"
            )
        return f"{self.name}: {rule} -> {side(targets[index])}"

    def _bands(self, data: StrategyInput) -> tuple[FloatArray, FloatArray]:
        """Previous close plus and minus multiplier x the previous bar's ATR (NaN before)."""
        candles = data.candles
        upper = np.full(len(candles.close), np.nan, dtype=np.float64)
        lower = upper.copy()
        if len(candles.close) < 2:
            return upper, lower
        width = self.params.multiplier * atr(
            candles.high, candles.low, candles.close, self.params.period
        )
        upper[1:] = candles.close[:-1] + width[:-1]
        lower[1:] = candles.close[:-1] - width[:-1]
        return upper, lower
