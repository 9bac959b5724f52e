"""The Strategy contract.

A strategy is vectorized and causal: given a whole series it returns, for every bar, the target
position to hold once that bar has closed (+1 long, -1 short, 0 flat; fractions allowed), and
the value at bar ``i`` depends only on bars ``0..i``. The engine reads the target when the bar
closes and trades the change at the next bar's open, so no future data can leak in; a test
checks causality for every strategy by recomputing on truncated series."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, cast

import numpy as np

from alpha_arena.domain.market import Candles, FloatArray

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StrategyInput:
    """What a strategy sees: closed candles, and per bar the newest funding rate settled by
    that bar's close (NaN when none is known yet)."""

    symbol: str
    timeframe: str
    candles: Candles
    funding_rate: FloatArray


@dataclass(frozen=True, slots=True)
class StrategyParams:
    """Base of every strategy's parameters: frozen, validated in ``__post_init__``."""


class Strategy(ABC):
    """A rule over market data. Subclasses set ``name`` and ``params_type`` and document their
    rule in the class docstring (shown by ``arena strategies list``)."""

    name: ClassVar[str]
    params_type: ClassVar[type[StrategyParams]]
    #: False for a rule live seasons refuse (a cautionary example); ``live_refusal`` says why.
    live_trading: ClassVar[bool] = True
    live_refusal: ClassVar[str] = "a cautionary example that live seasons refuse"
    #: False for a rule that trades through resting orders (a grid) rather than by a target
    #: position: its ``targets`` are flat, so selectors and portfolios cannot weigh it.
    trades_targets: ClassVar[bool] = True

    def __init__(self, params: StrategyParams) -> None:
        if not isinstance(params, self.params_type):
            raise TypeError(f"{self.name} needs {self.params_type.__name__}")
        self.params = params

    @property
    def warmup(self) -> int:
        """Bars needed before the first meaningful target (targets are 0 before)."""
        return 0

    @abstractmethod
    def targets(self, data: StrategyInput) -> FloatArray:
        """Target position per bar, in [-1, 1]; 0 during warm-up."""

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        """One line naming the rule that set ``targets[index]`` (the decision's justification)."""
        return f"{self.name}: target {targets[index]:+.2f}"

    def _cached(self, data: StrategyInput, compute: Callable[[StrategyInput], T]) -> T:
        """``compute(data)``, computed once per input: ``explain`` runs at every decision and
        would otherwise recompute indicators over the whole series each time. One input is
        kept per symbol: a season that follows the market replaces its inputs bar by bar."""
        memo: dict[tuple[str, str], tuple[StrategyInput, Any]] | None = self.__dict__.get("_memo")
        if memo is None:
            memo = self.__dict__["_memo"] = {}
        key = (data.symbol, compute.__name__)
        found = memo.get(key)
        if found is None or found[0] is not data:
            found = memo[key] = (data, compute(data))
        return cast(T, found[1])


def flat(length: int) -> FloatArray:
    return np.zeros(length, dtype=np.float64)
