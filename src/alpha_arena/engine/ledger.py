"""Everything one participant did in a run, kept in columns for cheap appends."""

from __future__ import annotations

from dataclasses import dataclass, field

from alpha_arena.core.values import quick_init
from alpha_arena.domain.decisions import Decision, SymbolDecision
from alpha_arena.domain.fills import Fill
from alpha_arena.domain.orders import Order, OrderEvent
from alpha_arena.domain.positions import Position
from alpha_arena.risk.checks import RiskLevel


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """A risk verdict that denied or adjusted an action."""

    ts: int
    symbol: str
    action: SymbolDecision
    approved: bool
    reason: str
    adjustments: tuple[str, ...] = ()
    rule: str = ""  # the RiskRule that denied it ("" when approved with adjustments)

    @property
    def level(self) -> RiskLevel:
        """Deny when the action was refused, warn when it went through clamped, info else."""
        if not self.approved:
            return RiskLevel.DENY
        return RiskLevel.WARN if self.adjustments else RiskLevel.INFO


@quick_init
@dataclass(frozen=True, slots=True)
class PositionChange:
    """A symbol's position as the fills of one step left it (None: closed), stamped with the
    last of those fills, whose tag says what changed it (entry, close, stop_loss, ...)."""

    ts: int
    symbol: str
    position: Position | None
    tag: str


@dataclass
class Ledger:
    participant: str
    equity_ts: list[int] = field(default_factory=list)
    equity: list[float] = field(default_factory=list)
    cash: list[float] = field(default_factory=list)
    exposure: list[float] = field(default_factory=list)  # gross notional / equity
    decisions: list[Decision] = field(default_factory=list)
    decision_latency_ms: list[float] = field(default_factory=list)  # one per decision
    orders: dict[str, Order] = field(default_factory=dict)  # as submitted, by client order id
    order_events: list[OrderEvent] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    risk_events: list[RiskEvent] = field(default_factory=list)
    positions: list[PositionChange] = field(default_factory=list)  # the path of every position
    funding: list[tuple[int, str, float]] = field(default_factory=list)  # ts, symbol, amount
    eliminated_at: int | None = None  # the step close at which the account was eliminated
