"""The Venue port: what the engine needs from wherever orders are executed.

Two implementations: ``PaperVenue`` (a simulated account: backtests, replay and paper seasons)
and ``ExchangeVenue`` (a real exchange account through CCXT: live seasons). The engine drives
both the same way and never asks which one it has: at each step it runs every closed bar
through the account (``on_bar``), settles funding that fell due, reads the account's valuation,
submits what the risk checks approved and drains what happened for the record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from alpha_arena.domain.fills import Fill
from alpha_arena.domain.orders import Order, OrderEvent
from alpha_arena.domain.positions import AccountSnapshot, ExitPlan, Position
from alpha_arena.execution.exchange.reconcile import Reconciliation


class Venue(Protocol):
    """One isolated account at one venue."""

    @property
    def cash(self) -> float:
        """Free cash: what is not held as margin."""
        ...

    # -- orders ------------------------------------------------------------------------------

    def submit(self, order: Order, ts: int, exits: ExitPlan | None = None) -> Order:
        """Accept or reject an order; return it in its new state. ``exits`` guard the position
        an entry opens (stop-loss and take-profit, one cancels the other)."""
        ...

    def cancel(self, client_order_id: str, ts: int, reason: str = "") -> None: ...

    def close_all(self, ts: int, reason: str) -> None:
        """Cancel every open order and close every position at once."""
        ...

    def open_orders(self, symbol: str | None = None) -> list[Order]: ...

    def has_open_orders(self) -> bool: ...

    # -- the account -------------------------------------------------------------------------

    def positions(self) -> Mapping[str, Position]: ...

    def account(self, ts: int) -> AccountSnapshot: ...

    def equity(self) -> float:
        """Cash + margin + unrealized PnL at the latest marks."""
        ...

    def valuation(self) -> tuple[float, float, float, bool]:
        """Equity, gross exposure at the latest marks, cash, and whether ``drain`` has
        anything: what the engine records at every step, in one call."""
        ...

    def liquidation_price(self, symbol: str) -> float:
        """The liquidation price of the open position in ``symbol``."""
        ...

    def mark(self, symbol: str) -> float | None: ...

    def taker_fee(self, symbol: str) -> float:
        """The fee rate a market order on ``symbol`` pays here."""
        ...

    # -- market and time in ------------------------------------------------------------------

    def set_mark(self, symbol: str, price: float) -> None: ...

    def on_bar(
        self, symbol: str, ts: int, open_: float, high: float, low: float, close: float
    ) -> None:
        """The bar of ``symbol`` opened at ``ts`` has closed: account for what happened in it
        (fills, triggered exits, liquidation); its close becomes the mark."""
        ...

    def settle_funding(self, symbol: str, ts: int, rate: float, mark: float) -> float:
        """Funding at ``ts`` on the position in ``symbol``; return the amount received
        (negative when paid)."""
        ...

    def drain(self) -> tuple[list[Order], list[OrderEvent], list[Fill]]:
        """Return and forget the orders submitted, order events and fills since the last call
        (for recording)."""
        ...


@runtime_checkable
class Reconciling(Protocol):
    """A venue whose account lives elsewhere (an exchange) and can be compared with the
    ledger; a paper account is its own truth and has nothing to reconcile."""

    def reconcile(self, ts: int) -> Reconciliation: ...
