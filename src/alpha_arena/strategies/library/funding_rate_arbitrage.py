"""Collect funding: hold the side that the perpetual's funding pays."""

from __future__ import annotations

import math
from dataclasses import dataclass

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams
from alpha_arena.strategies.library.checks import check_less, check_number
from alpha_arena.strategies.library.signals import latch, side


@dataclass(frozen=True, slots=True)
class FundingRateArbitrageParams(StrategyParams):
    entry_rate: float = 0.0005
    exit_rate: float = 0.0001

    def __post_init__(self) -> None:
        check_number("entry_rate", self.entry_rate)
        check_number("exit_rate", self.exit_rate)
        if self.exit_rate < 0:
            raise InvalidInputError(f"exit_rate must not be negative, got {self.exit_rate}")
        check_less("exit_rate", self.exit_rate, "entry_rate", self.entry_rate)


class FundingRateArbitrage(Strategy):
    """Take the side that receives funding while the latest funding rate is extreme.

    Rates are per funding interval as fractions (0.0005 = 0.05%). A positive rate means longs
    pay shorts: short when the rate >= entry_rate, long when it is <= -entry_rate. Hold until
    funding stops paying that side enough (short: rate <= exit_rate, long: rate >= -exit_rate,
    which includes |rate| <= exit_rate), then flat; the gap between the two rates keeps the
    position from flickering. Flat until a funding rate is known."""

    name = "funding_rate_arbitrage"
    params_type = FundingRateArbitrageParams
    params: FundingRateArbitrageParams

    def targets(self, data: StrategyInput) -> FloatArray:
        rate = data.funding_rate
        entry, exit_ = self.params.entry_rate, self.params.exit_rate
        # A NaN rate (none settled yet) satisfies no condition, so the position is held.
        return latch(
            enter_long=rate <= -entry,
            enter_short=rate >= entry,
            exit_long=rate >= -exit_,
            exit_short=rate <= exit_,
            start=0,
        )

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        rate = float(data.funding_rate[index])
        target = targets[index]
        if math.isnan(rate):
            return f"{self.name}: no funding rate known yet -> {side(target)}"
        entry, exit_ = self.params.entry_rate, self.params.exit_rate
        shown = f"funding rate {_percent(rate)}"
        if target < 0:
            rule = (
                f"{shown} >= {_percent(entry)}, longs pay shorts"
                if rate >= entry
                else f"{shown} still above {_percent(exit_)}, hold"
            )
        elif target > 0:
            rule = (
                f"{shown} <= {_percent(-entry)}, shorts pay longs"
                if rate <= -entry
                else f"{shown} still below {_percent(-exit_)}, hold"
            )
        else:
            rule = f"{shown} within the entry rates +/-{entry * 100:.4f}%"
        return f"{self.name}: {rule} -> {side(target)}"


def _percent(rate: float) -> str:
    return f"{rate * 100:+.4f}%"
