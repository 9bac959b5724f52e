"""Mean reversion on the relative strength index."""

from __future__ import annotations

from dataclasses import dataclass

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray
from alpha_arena.indicators import rsi
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams
from alpha_arena.strategies.library.checks import check_less, check_number, check_period
from alpha_arena.strategies.library.signals import latch, number, side, warming_up


@dataclass(frozen=True, slots=True)
class RsiMeanReversionParams(StrategyParams):
    period: int = 14
    oversold: float = 30.0
    overbought: float = 70.0
    exit_level: float = 50.0

    def __post_init__(self) -> None:
        check_period("period", self.period, 2)
        for name in ("oversold", "overbought", "exit_level"):
            check_number(name, getattr(self, name))
        if not self.oversold > 0:
            raise InvalidInputError(f"oversold must be above 0, got {self.oversold}")
        if not self.overbought < 100:
            raise InvalidInputError(f"overbought must be below 100, got {self.overbought}")
        check_less("oversold", self.oversold, "exit_level", self.exit_level)
        check_less("exit_level", self.exit_level, "overbought", self.overbought)


class RsiMeanReversion(Strategy):
    """Buy oversold and sell overbought RSI, exit when it returns to the middle.

    Enter long when RSI(period) < oversold and short when RSI > overbought; hold until RSI
    crosses exit_level (long: RSI >= exit_level, short: RSI <= exit_level), then flat. An RSI
    beyond the opposite extreme on the exit bar enters the other way at once."""

    name = "rsi_mean_reversion"
    params_type = RsiMeanReversionParams
    params: RsiMeanReversionParams

    @property
    def warmup(self) -> int:
        return self.params.period

    def targets(self, data: StrategyInput) -> FloatArray:
        strength = rsi(data.candles.close, self.params.period)
        return latch(
            enter_long=strength < self.params.oversold,
            enter_short=strength > self.params.overbought,
            exit_long=strength >= self.params.exit_level,
            exit_short=strength <= self.params.exit_level,
            start=self.warmup,
        )

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        if index < self.warmup:
            return warming_up(self.name, index, self.warmup)
        value = self._cached(data, self._rsi)[index]
        shown = f"RSI{self.params.period} {value:.1f}"
        params = self.params
        target = targets[index]
        previous = targets[index - 1] if index > 0 else 0.0
        if target > 0 and previous <= 0:
            rule = f"{shown} below oversold {number(params.oversold)}"
        elif target < 0 and previous >= 0:
            rule = f"{shown} above overbought {number(params.overbought)}"
        elif target == 0 and previous != 0:
            rule = f"{shown} crossed exit level {number(params.exit_level)}"
        elif target != 0:
            rule = f"{shown} has not reached exit level {number(params.exit_level)}, hold"
        else:
            rule = (
                f"{shown} between oversold {number(params.oversold)} "
                f"and overbought {number(params.overbought)}"
            )
        return f"{self.name}: {rule} -> {side(target)}"

    def _rsi(self, data: StrategyInput) -> FloatArray:
        return rsi(data.candles.close, self.params.period)
