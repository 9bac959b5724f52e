"""A grid strategy as a participant: at each bar's close it tops up its ladder of buy limits.

The ladder's state lives where it would on an exchange: in the account's open orders (a buy
resting at a level, or a bought rung's sell resting one level up, which the venue placed when
the buy filled). So the agent needs no memory of its fills beyond the range it fixed, and a
denied or shrunk order never leaves it believing something the account does not show."""

from __future__ import annotations

from collections.abc import Mapping

from alpha_arena.agents.strategy_agent import Sizing, require_same_symbols
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.market import IntArray
from alpha_arena.engine.participant import Cadence, StepView
from alpha_arena.strategies.base import StrategyInput
from alpha_arena.strategies.library.grid import Grid


class GridAgent:
    """Runs a ``Grid`` over ``inputs`` (one per symbol, the engine's bars after ``offsets``
    warm-up bars, as for ``StrategyAgent``); each rung is a limit entry carrying its own
    take-profit one level up, checked by the risk rules like any entry."""

    def __init__(
        self,
        name: str,
        strategy: Grid,
        inputs: Mapping[str, StrategyInput],
        sizing: Sizing,
        offsets: Mapping[str, int] | None = None,
        cadence: Cadence | None = None,
    ) -> None:
        self._name = name
        self._strategy = strategy
        self._inputs = dict(inputs)
        self._sizing = sizing
        self._offsets = dict(offsets or {})
        self._cadence = cadence
        self._share = 1.0 / max(len(self._inputs), 1)
        self._prices: dict[str, tuple[float, ...]] = {}  # fixed once known: the grid stays put
        #: What ``StrategyAgent`` records of target changes: a grid has no target, so nothing.
        self.targets_decided: list[tuple[int, str, float]] = []

    @property
    def name(self) -> str:
        return self._name

    def extend(self, inputs: Mapping[str, StrategyInput]) -> None:
        """Go on with ``inputs``, the same symbols with newly closed bars at their end."""
        require_same_symbols(self._name, self._inputs, inputs)
        self._inputs = dict(inputs)

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        """None (every step of its cadence): whether to place a buy depends on fills."""
        return None if self._cadence is None else self._cadence.steps(timeline)

    def decide(self, view: StepView) -> Decision | None:
        actions: list[SymbolDecision] = []
        for symbol, bar in view.bars.items():
            data = self._inputs.get(symbol)
            if data is None:
                continue
            index = bar + self._offsets.get(symbol, 0)
            prices = self._prices.get(symbol) or self._strategy.prices(data, index)
            if prices is None:
                continue
            self._prices[symbol] = prices
            close = float(data.candles.close[index])
            orders = [order for order in view.orders if order.symbol == symbol]
            rungs = self._strategy.ladder(prices, close, orders)
            fraction = self._strategy.params.level_fraction
            notional = fraction * self._share * view.equity * self._sizing.leverage
            for rung in rungs:
                reason = (
                    f"{self._strategy.name}: buy at {rung.buy:g} below the close {close:g}, "
                    f"sell one level up at {rung.sell:g}"
                )
                actions.append(
                    SymbolDecision(
                        symbol,
                        Signal.BUY_TO_ENTER,
                        notional=notional,
                        leverage=self._sizing.leverage,
                        justification=reason,
                        limit_price=rung.buy,
                        counter_price=rung.sell,
                    )
                )
        if not actions:
            return None
        return Decision(view.ts, tuple(actions))
