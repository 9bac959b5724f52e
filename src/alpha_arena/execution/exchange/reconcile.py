"""Reconciliation: the exchange's own account (balance, positions, open orders) against the
ledger the venue keeps, at every live tick. A difference is reported, never repaired: a
position the engine did not open is neither adopted nor closed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from alpha_arena.execution.exchange.gateway import ExchangeOrder, ExchangePosition


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # unknown_position, position_mismatch, missing_position, unknown_order, missing_order
    symbol: str
    detail: str


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What the exchange reported at ``ts`` and how it differs from the ledger."""

    ts: int
    balance_total: float
    balance_free: float
    ledger_equity: float
    positions: tuple[ExchangePosition, ...]
    differences: tuple[Difference, ...]


def position_differences(
    expected: Mapping[str, float], exchange: Iterable[ExchangePosition], tolerance: float
) -> list[Difference]:
    """Positions (signed base quantities) that differ by more than ``tolerance``, relative to
    the larger. ``expected``: the ledger's, with this entry's executions not booked yet."""
    held = {position.symbol: position.quantity for position in exchange}
    found = []
    for symbol in sorted(set(expected) | set(held)):
        quantity, actual = expected.get(symbol, 0.0), held.get(symbol, 0.0)
        if abs(quantity - actual) <= tolerance * max(abs(quantity), abs(actual)):
            continue
        if quantity == 0.0:
            kind, detail = "unknown_position", f"not opened by this entry: {actual:g}; left alone"
        elif actual == 0.0:
            kind, detail = "missing_position", f"the ledger holds {quantity:g}, the exchange none"
        else:
            kind, detail = (
                "position_mismatch",
                f"the ledger holds {quantity:g}, the exchange {actual:g}",
            )
        found.append(Difference(kind, symbol, detail))
    return found


def order_differences(
    ours: Mapping[str, ExchangeOrder], exchange: Iterable[ExchangeOrder], prefix: str
) -> list[Difference]:
    """``ours``: the orders the ledger expects to rest on the exchange, by client id. Orders of
    this entry (client ids with its ``prefix``) open on the exchange but not in the ledger, and
    the other way round."""
    open_there = {order.client_id: order for order in exchange}
    found = [
        Difference("unknown_order", order.symbol, f"order {order.order_id} ({client_id}) is "
                   "open on the exchange, not in the ledger")
        for client_id, order in sorted(open_there.items())
        if client_id.startswith(prefix) and client_id not in ours
    ]  # fmt: skip
    found += [
        Difference("missing_order", order.symbol,
                   f"order {order.order_id} ({client_id}) is not open on the exchange")
        for client_id, order in sorted(ours.items())
        if client_id not in open_there
    ]  # fmt: skip
    return found
