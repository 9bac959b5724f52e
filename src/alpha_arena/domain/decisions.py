"""Decisions: the structured output of every kind of agent (strategy, baseline, LLM)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Signal(StrEnum):
    BUY_TO_ENTER = "buy_to_enter"
    SELL_TO_ENTER = "sell_to_enter"
    HOLD = "hold"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class SymbolDecision:
    """What to do with one symbol. Size is either a quantity or a USD notional (not both);
    with neither, entries use the participant's default sizing."""

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


@dataclass(frozen=True, slots=True)
class Decision:
    """A participant's decision at ``ts``; actions run in order (a close may precede an entry
    on the same symbol, which is how a strategy flips from short to long)."""

    ts: int
    actions: tuple[SymbolDecision, ...] = ()
    reasoning: str = ""
