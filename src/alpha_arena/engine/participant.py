"""What the engine asks of every trader: a decision when a step closes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from alpha_arena.core.time import timeframe_ms
from alpha_arena.core.values import quick_init
from alpha_arena.domain.decisions import Decision
from alpha_arena.domain.market import IntArray
from alpha_arena.domain.orders import Order
from alpha_arena.domain.positions import Position


@quick_init
@dataclass(frozen=True, slots=True)
class StepView:
    """The moment a participant decides at: ``ts`` (a bar close), the index of each symbol's
    bar that just closed (absent when the symbol has no bar at this step), and its account.

    ``equities``: every entrant's ``(name, equity)`` at this moment, itself included, in the
    engine's order: what an agent is shown of its rivals' standing. The engine fills it for the
    participants it asks asynchronously (LLM and remote agents, which show it to a model); the
    rule strategies asked inline get it empty, their hot path spared the valuations.

    ``orders``: the account's open orders (resting limits, exits), which a grid reads its
    ladder's state from. ``liquidations``: each open position's (key, liquidation price) as
    the venue judges it (under cross margin, the account's level along that coin), filled
    like ``equities`` for the participants that show it to a model."""

    step: int
    ts: int
    bars: Mapping[str, int]
    equity: float
    cash: float
    positions: Mapping[str, Position]
    equities: tuple[tuple[str, float], ...] = ()
    orders: tuple[Order, ...] = ()
    liquidations: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Cadence:
    """An agent of a longer timeframe in a run of shorter bars (a 4h LLM in a 1h season): it
    decides at the bar closes that are also closes of its own bars (UTC multiples of its
    timeframe, where ``marketdata.resample`` ends a bar), so at the moments a run of its own
    timeframe would ask it. Its exit orders still act on every bar of the run."""

    bar_ms: int  # the run's step
    every_ms: int  # the agent's timeframe

    @classmethod
    def of(cls, run_timeframe: str, agent_timeframe: str) -> Cadence:
        return cls(timeframe_ms(run_timeframe), timeframe_ms(agent_timeframe))

    @property
    def every_bar(self) -> bool:
        return self.every_ms == self.bar_ms

    def steps(self, timeline: IntArray) -> IntArray | None:
        """The steps of ``timeline`` (bar open times) at which the agent decides; None when it
        decides at every one."""
        if self.every_bar:
            return None
        return np.flatnonzero((timeline + self.bar_ms) % self.every_ms == 0).astype(np.int64)


class Participant(Protocol):
    """A trader the engine can ask: a strategy agent, a baseline, an LLM agent."""

    @property
    def name(self) -> str: ...

    def decide(self, view: StepView) -> Decision | None:
        """Return what to do now, or None to leave everything as it is."""
        ...

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        """The steps (indices into ``timeline``, the bar open times) at which this participant
        may decide anything, when it knows them in advance (a rule whose signal is computed
        ahead); None means "ask me at every step of the cadence"."""
        ...


@runtime_checkable
class AsyncParticipant(Participant, Protocol):
    """A participant that thinks asynchronously (an LLM agent): the engine asks all of them
    together at a step, each within the decision deadline."""

    async def decide_async(self, view: StepView) -> Decision | None: ...
