"""An LLM trader as an engine participant: at each step it builds the as-of decision context
from the DataService, its account and the season's standings, and asks its model
asynchronously."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from alpha_arena.agents.context import (
    DecisionContext,
    account_context,
    build_context,
    rank_standings,
)
from alpha_arena.agents.llm.trader import TraderOutcome
from alpha_arena.core.errors import AgentError
from alpha_arena.domain.decisions import Decision
from alpha_arena.domain.llm import LlmCall
from alpha_arena.domain.market import IntArray
from alpha_arena.engine.participant import Cadence, StepView
from alpha_arena.marketdata.service import DataService


class Trader(Protocol):
    """What a participant asks: an LLM trader, or a remote agent (agents/remote)."""

    async def decide(
        self, context: DecisionContext, calls: list[LlmCall] | None = None
    ) -> TraderOutcome: ...


class LlmParticipant:
    def __init__(
        self,
        name: str,
        trader: Trader,
        data: DataService,
        symbols: Sequence[str],
        initial_capital: float,
        fee_rate: float,
        timeframe: str = "1h",
        cadence: Cadence | None = None,
    ) -> None:
        """``timeframe``: the bars its prompt shows; ``cadence``: when it decides, where the
        run steps through shorter bars than that (None: at every step)."""
        self._name = name
        self._trader = trader
        self._data = data
        self._symbols = list(symbols)
        self._initial_capital = initial_capital
        self._fee_rate = fee_rate
        self._timeframe = timeframe
        self._cadence = cadence
        self.calls: list[LlmCall] = []  # the audit trail, for the caller to store
        self._equity_seen: list[float] = []  # at each decision, for the Sharpe ratio so far

    @property
    def name(self) -> str:
        return self._name

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        # A model may change its mind at any step of its cadence.
        return None if self._cadence is None else self._cadence.steps(timeline)

    def decide(self, view: StepView) -> Decision | None:
        raise AgentError(f"{self._name} is asked asynchronously (decide_async)")

    async def decide_async(self, view: StepView) -> Decision | None:
        # Reading the market is blocking I/O: do it in a thread so that other agents' requests
        # to their models proceed meanwhile.
        context = await asyncio.to_thread(self._context, view)
        # The trader appends to our trail as it goes: a call cut off at the deadline (the
        # engine cancels this coroutine) is recorded there too.
        outcome = await self._trader.decide(context, self.calls)
        return outcome.decision

    def _context(self, view: StepView) -> DecisionContext:
        held = list(dict.fromkeys(p.symbol for p in view.positions.values()))
        marks = {s: p.last for s, p in self._data.latest_prices(held, view.ts).items() if p.last}
        self._equity_seen.append(view.equity)
        account = account_context(
            self._initial_capital, view.equity, view.cash, view.positions, marks,
            self._fee_rate, sharpe_so_far(self._equity_seen), dict(view.liquidations),
        )  # fmt: skip
        # Asked on its own (no rivals' equities given), it stands alone.
        equities = view.equities or ((self._name, view.equity),)
        standings = rank_standings(equities, self._name, self._initial_capital)
        return build_context(
            self._data, self._symbols, view.ts, account, self._timeframe, standings=standings
        )


def sharpe_so_far(equity: Sequence[float]) -> float | None:
    """Mean over standard deviation of the returns between decisions (not annualized); None
    until there are three decisions or while the returns do not vary."""
    if len(equity) < 3:
        return None
    values = np.asarray(equity, dtype=np.float64)
    returns = np.diff(values) / values[:-1]
    spread = float(returns.std(ddof=1))
    return float(returns.mean()) / spread if spread > 0 else None
