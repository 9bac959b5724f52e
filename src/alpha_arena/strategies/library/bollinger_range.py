"""Mean reversion inside Bollinger bands."""

from __future__ import annotations

from dataclasses import dataclass

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray
from alpha_arena.indicators import BollingerBands, bollinger
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams
from alpha_arena.strategies.library.checks import check_flag, check_number, check_period
from alpha_arena.strategies.library.signals import latch, number, side, warming_up


@dataclass(frozen=True, slots=True)
class BollingerRangeParams(StrategyParams):
    period: int = 20
    stddev: float = 2.0
    allow_short: bool = True

    def __post_init__(self) -> None:
        check_period("period", self.period, 2)
        check_number("stddev", self.stddev)
        if self.stddev <= 0:
            raise InvalidInputError(f"stddev must be positive, got {self.stddev}")
        check_flag("allow_short", self.allow_short)


class BollingerRange(Strategy):
    """Fade moves outside the Bollinger bands back to their middle.

    Enter long when the close is below the lower band (SMA(period) - stddev standard
    deviations) and short when it is above the upper band (no shorts when allow_short is
    false); hold until the close crosses the middle band (long: close >= middle, short:
    close <= middle), then flat. A close beyond the opposite band on the exit bar enters the
    other way at once."""

    name = "bollinger_range"
    params_type = BollingerRangeParams
    params: BollingerRangeParams

    @property
    def warmup(self) -> int:
        return self.params.period - 1

    def targets(self, data: StrategyInput) -> FloatArray:
        close = data.candles.close
        bands = self._bands(data)
        return latch(
            enter_long=close < bands.lower,
            enter_short=(close > bands.upper) & self.params.allow_short,
            exit_long=close >= bands.middle,
            exit_short=close <= bands.middle,
            start=self.warmup,
        )

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        if index < self.warmup:
            return warming_up(self.name, index, self.warmup)
        bands = self._cached(data, self._bands)
        close = data.candles.close[index]
        target = targets[index]
        previous = targets[index - 1] if index > 0 else 0.0
        if target > 0 and previous <= 0:
            rule = f"close {number(close)} below lower band {number(bands.lower[index])}"
        elif target < 0 and previous >= 0:
            rule = f"close {number(close)} above upper band {number(bands.upper[index])}"
        elif target == 0 and previous != 0:
            rule = f"close {number(close)} crossed middle band {number(bands.middle[index])}"
        elif target > 0:
            rule = f"close {number(close)} still below middle band {number(bands.middle[index])}"
        elif target < 0:
            rule = f"close {number(close)} still above middle band {number(bands.middle[index])}"
        else:
            rule = (
                f"close {number(close)} inside bands {number(bands.lower[index])}"
                f" .. {number(bands.upper[index])}"
            )
        return f"{self.name}: {rule} -> {side(target)}"

    def _bands(self, data: StrategyInput) -> BollingerBands:
        return bollinger(data.candles.close, self.params.period, self.params.stddev)
