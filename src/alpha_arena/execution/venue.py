"""The Venue port: what the engine needs from wherever orders are executed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from alpha_arena.domain.fills import Fill
from alpha_arena.domain.orders import Order, OrderEvent
from alpha_arena.domain.positions import AccountSnapshot, ExitPlan, Position


class Venue(Protocol):
    """One isolated account at one venue."""

    def submit(self, order: Order, ts: int, exits: ExitPlan | None = None) -> Order:
        """Accept or reject an order; return it in its new state."""
        ...

    def cancel(self, client_order_id: str, ts: int, reason: str = "") -> None: ...

    def open_orders(self, symbol: str | None = None) -> list[Order]: ...

    def positions(self) -> Mapping[str, Position]: ...

    def account(self, ts: int) -> AccountSnapshot: ...

    def drain(self) -> tuple[list[Order], list[OrderEvent], list[Fill]]:
        """Return and forget the orders submitted, order events and fills since the last call
        (for recording)."""
        ...
