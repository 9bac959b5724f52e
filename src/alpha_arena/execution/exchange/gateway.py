"""What the exchange venue needs from an exchange account, in our units (base quantities,
USDT, epoch ms): the port ``CcxtGateway`` implements over CCXT's unified API.

Every call either answers or raises one of our errors: ``OrderRejectedError`` when the exchange
refused the order (recorded as a rejection), ``TemporaryError`` when it may succeed later (the
venue retries what is idempotent), ``ConfigurationError`` when a person must act."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from alpha_arena.domain.orders import Side


@dataclass(frozen=True, slots=True)
class ExchangeOrder:
    """An order as the exchange reports it."""

    order_id: str
    client_id: str
    symbol: str
    status: str  # CCXT's: open, closed, canceled, expired, rejected
    filled: float  # base units
    children: tuple[str, ...] = ()  # orders a trigger order placed when it triggered
    trigger: bool = False  # a stop or take-profit resting until its price


@dataclass(frozen=True, slots=True)
class ExchangeTrade:
    """One execution as the exchange reports it."""

    trade_id: str
    order_id: str
    symbol: str
    side: Side
    quantity: float  # base units
    price: float
    fee: float  # paid in USDT (negative: a rebate)
    ts: int


@dataclass(frozen=True, slots=True)
class FundingPayment:
    payment_id: str
    symbol: str
    amount: float  # received when positive, paid when negative
    ts: int


@dataclass(frozen=True, slots=True)
class ExchangePosition:
    symbol: str
    quantity: float  # signed base units
    entry_price: float
    leverage: float


class ExchangeGateway(Protocol):
    def server_time(self) -> int:
        """The exchange's clock, epoch ms."""
        ...

    def prepare(self, symbol: str, leverage: float) -> None:
        """Make ``symbol`` ready for an order at ``leverage``: one-way positions, isolated
        margin, the leverage set (each only when it changed)."""
        ...

    def market_order(
        self, symbol: str, side: Side, quantity: float, client_id: str, reduce_only: bool
    ) -> ExchangeOrder: ...

    def trigger_order(
        self,
        symbol: str,
        side: Side,
        quantity: float,
        client_id: str,
        trigger_price: float,
        stop_loss: bool,
    ) -> ExchangeOrder:
        """A reduce-only market order resting on the exchange until the price reaches
        ``trigger_price``: a stop-loss (``stop_loss``) or a take-profit."""
        ...

    def find_order(self, symbol: str, client_id: str, trigger: bool) -> ExchangeOrder | None:
        """The order placed with ``client_id``, or None when the exchange has none."""
        ...

    def cancel_order(self, symbol: str, order: ExchangeOrder, trigger: bool) -> None:
        """Cancel ``order``; an order already gone is not an error."""
        ...

    def trades(self, symbol: str, since: int) -> list[ExchangeTrade]:
        """This account's executions in ``symbol`` from ``since`` on, oldest first."""
        ...

    def funding(self, since: int) -> list[FundingPayment]:
        """Funding this account paid or received from ``since`` on, oldest first."""
        ...

    def positions(self) -> list[ExchangePosition]: ...

    def balance(self) -> tuple[float, float]:
        """USDT (total, free)."""
        ...

    def open_orders(self) -> list[ExchangeOrder]:
        """Every open order of the account, trigger orders included."""
        ...
