"""Orders and their lifecycle. The lifecycle is a transition table: every legal move is a row,
anything else raises ``IllegalTransitionError``; each move emits an ``OrderEvent``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from alpha_arena.core.errors import ArenaError
from alpha_arena.core.values import quick_init


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"  # a stop-loss: triggers when the price moves against the position
    TAKE_PROFIT_MARKET = "take_profit_market"


class OrderStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


class OrderAction(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    PARTIAL_FILL = "partial_fill"
    FILL = "fill"
    CANCEL = "cancel"
    EXPIRE = "expire"


_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)

#: The order lifecycle: (status, action) -> next status. Nothing else is allowed.
TRANSITIONS: dict[tuple[OrderStatus, OrderAction], OrderStatus] = {
    (OrderStatus.NEW, OrderAction.ACCEPT): OrderStatus.OPEN,
    (OrderStatus.NEW, OrderAction.REJECT): OrderStatus.REJECTED,
    (OrderStatus.OPEN, OrderAction.PARTIAL_FILL): OrderStatus.PARTIALLY_FILLED,
    (OrderStatus.OPEN, OrderAction.FILL): OrderStatus.FILLED,
    (OrderStatus.OPEN, OrderAction.CANCEL): OrderStatus.CANCELED,
    (OrderStatus.OPEN, OrderAction.EXPIRE): OrderStatus.EXPIRED,
    (OrderStatus.PARTIALLY_FILLED, OrderAction.PARTIAL_FILL): OrderStatus.PARTIALLY_FILLED,
    (OrderStatus.PARTIALLY_FILLED, OrderAction.FILL): OrderStatus.FILLED,
    (OrderStatus.PARTIALLY_FILLED, OrderAction.CANCEL): OrderStatus.CANCELED,
    (OrderStatus.PARTIALLY_FILLED, OrderAction.EXPIRE): OrderStatus.EXPIRED,
}


_FILLING = frozenset({OrderAction.FILL, OrderAction.PARTIAL_FILL})


class IllegalTransitionError(ArenaError):
    """A lifecycle move that the transition table does not allow (a bug, never user input)."""


@quick_init
@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One lifecycle move of an order."""

    client_order_id: str
    ts: int
    action: OrderAction
    status_from: OrderStatus
    status_to: OrderStatus
    quantity: float = 0.0  # filled by this event
    price: float = 0.0  # fill price of this event
    reason: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class Order:
    """An order as the venue knows it. Quantities are in base currency (contracts of size 1)."""

    client_order_id: str
    symbol: str
    side: Side
    type: OrderType
    quantity: float
    ts_created: int
    price: float | None = None  # limit price
    trigger_price: float | None = None  # stop-market / take-profit-market trigger
    reduce_only: bool = False
    leverage: float = 1.0
    tag: str = ""  # why the order exists: entry, close, stop_loss, take_profit, liquidation
    status: OrderStatus = OrderStatus.NEW
    filled_quantity: float = 0.0
    average_price: float = 0.0
    ts_updated: int = 0

    @property
    def remaining(self) -> float:
        return self.quantity - self.filled_quantity

    def event(
        self,
        action: OrderAction,
        ts: int,
        quantity: float = 0.0,
        price: float = 0.0,
        reason: str = "",
    ) -> OrderEvent:
        """Return the event recording ``action``, or raise IllegalTransitionError: ``apply``
        for a caller that has no use for the order's next state."""
        target = TRANSITIONS.get((self.status, action))
        if target is None:
            raise IllegalTransitionError(
                f"order {self.client_order_id}: cannot {action.value} when {self.status.value}"
            )
        return OrderEvent(
            self.client_order_id, ts, action, self.status, target, quantity, price, reason
        )

    def apply(
        self,
        action: OrderAction,
        ts: int,
        quantity: float = 0.0,
        price: float = 0.0,
        reason: str = "",
    ) -> tuple[Order, OrderEvent]:
        """Return the order after ``action`` and the event recording it, or raise
        IllegalTransitionError. A fill adds ``quantity`` at ``price`` to the filled amount."""
        event = self.event(action, ts, quantity, price, reason)
        filled = self.filled_quantity
        average = self.average_price
        if action in _FILLING:
            total = filled + quantity
            average = (average * filled + price * quantity) / total if total > 0 else 0.0
            filled = total
        updated = Order(  # the constructor: several times faster than dataclasses.replace
            self.client_order_id, self.symbol, self.side, self.type, self.quantity,
            self.ts_created, self.price, self.trigger_price, self.reduce_only, self.leverage,
            self.tag, event.status_to, filled, average, ts,
        )  # fmt: skip
        return updated, event
