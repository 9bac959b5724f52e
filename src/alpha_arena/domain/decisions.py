"""Decisions: the structured output of every kind of agent (strategy, baseline, LLM)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from alpha_arena.core.errors import ArenaError
from alpha_arena.core.values import quick_init


class DecisionOutcome(StrEnum):
    """How a decision came about: what the leaderboard counts apart."""

    VALID = "valid"  # the agent's answer, as given
    REPAIRED = "repaired"  # the first answer did not parse; the answer to the repair request did
    INVALID = "invalid"  # nothing valid came back: a hold
    DEADLINE = "deadline"  # cut off at the decision deadline: a hold


class Signal(StrEnum):
    BUY_TO_ENTER = "buy_to_enter"
    SELL_TO_ENTER = "sell_to_enter"
    HOLD = "hold"
    CLOSE = "close"


@quick_init
@dataclass(frozen=True, slots=True)
class SymbolDecision:
    """What to do with one symbol. Size is either a quantity or a USD notional (not both);
    with neither, entries use the participant's default sizing. Exits are price levels
    (``stop_loss``, ``take_profit``) or distances from the entry's fill price as fractions
    (``stop_loss_fraction``, ``take_profit_fraction``: placed when the entry fills), not both.

    An entry with a ``limit_price`` rests as a limit order at that price instead of filling at
    market (a rung of a grid's ladder); its ``counter_price`` is the take-profit of that rung
    alone: when it fills, a reduce-only limit order for the filled quantity rests there."""

    symbol: str
    signal: Signal
    quantity: float | None = None
    notional: float | None = None
    leverage: float = 1.0
    take_profit: float | None = None
    stop_loss: float | None = None
    invalidation: str = ""
    confidence: float = 1.0
    justification: str = ""
    stop_loss_fraction: float | None = None
    take_profit_fraction: float | None = None
    limit_price: float | None = None
    counter_price: float | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Decision:
    """A participant's decision at ``ts``; actions run in order (a close may precede an entry
    on the same symbol, which is how a strategy flips from short to long)."""

    ts: int
    actions: tuple[SymbolDecision, ...] = ()
    reasoning: str = ""
    outcome: DecisionOutcome = DecisionOutcome.VALID


def missed_deadline(ts: int, deadline_s: float | None) -> Decision:
    """Return the hold recorded for a participant cut off at the decision deadline: the one
    place it is built, so that a live miss and its replay from the cache are the same."""
    limit = "decision" if deadline_s is None else f"{deadline_s:g} s"
    return Decision(ts, (), f"missed the {limit} deadline: hold", DecisionOutcome.DEADLINE)


class DeadlineMissedError(ArenaError, TimeoutError):
    """A participant replays a decision that was cut off at the deadline when it ran: the
    engine records ``missed_deadline`` for it, exactly as for a live miss."""
