"""The exchange-side records of the fake exchange's private API: accounts by API key, with their
orders, positions, fills and bills, in base units and USDT (tests/support/fake_trading.py
matches orders on them; the wire formats read them)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

EPSILON = 1e-12
#: Maintenance margin rate of the first tier of BTC and ETH USDT perpetuals on OKX and Binance.
MAINTENANCE_MARGIN_RATE = 0.004
DEFAULT_LEVERAGE = 1.0


class Rejection(Exception):  # noqa: N818 - the exchange's answer, not a bug
    """The exchange refuses a request; ``reason`` says why (each wire maps it to its code)."""

    REASONS = (
        "insufficient_funds",
        "invalid_order",
        "duplicate_client_order_id",
        "no_position",  # a reduce-only order with nothing to reduce
        "order_not_found",
        "not_cancelable",  # already filled or canceled
    )

    def __init__(self, reason: str, detail: str = "") -> None:
        assert reason in self.REASONS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


def sign(side: str) -> float:
    return 1.0 if side == "buy" else -1.0


def clean(value: float) -> float:
    """Drop float noise from unit conversions (0.0003 / 0.01 -> 0.03, not 0.029999999999999995)."""
    return round(value, 12)


@dataclass(frozen=True, slots=True)
class Exits:
    """A stop-loss and/or take-profit to place (reduce-only, for the filled size) when an
    entry fills: OKX's ``attachAlgoOrds``."""

    stop_price: float | None
    take_profit_price: float | None
    client_order_id: str = ""
    extras: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Order:
    """An order as the exchange keeps it. ``kind`` is ``market`` or ``conditional``.

    status: ``open`` (a conditional order waiting), ``filled``, ``canceled`` (a market order
    whose remainder was canceled has ``filled > 0``), ``triggered`` (a conditional order that
    placed its child market order) or ``failed`` (triggered but could not execute)."""

    order_id: str
    client_order_id: str
    symbol: str
    side: str
    quantity: float  # base units; 0 for a close-position order until it triggers
    created_ms: int
    kind: str = "market"
    reduce_only: bool = False
    close_position: bool = False
    cancel_when_flat: bool = False  # canceled when its position closes (Bitget's TP/SL)
    stop_price: float | None = None
    take_profit_price: float | None = None
    fee_rate: float = 0.0
    status: str = "open"
    filled: float = 0.0
    average_price: float = 0.0
    fee: float = 0.0
    realized_pnl: float = 0.0
    updated_ms: int = 0
    fill_ms: int | None = None
    triggered_leg: str | None = None  # "stop" or "take_profit"
    child_id: str | None = None  # the market order a triggered conditional order placed
    parent_id: str | None = None  # the conditional order that placed this one, or the entry
    exits: Exits | None = None  # placed when this order fills
    cancel_reason: str = ""
    liquidation: bool = False
    extras: dict[str, str] = field(default_factory=dict)  # wire fields echoed back

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class Fill:
    trade_id: str
    order_id: str
    client_order_id: str
    symbol: str
    side: str
    quantity: float
    price: float
    fee: float  # paid, positive
    fee_rate: float
    realized_pnl: float  # before the fee
    ts: int
    reduced: bool  # the fill reduced a position (close), else it opened or added


@dataclass(frozen=True, slots=True)
class Bill:
    """One change of the USDT balance: a trade (realized PnL and fee) or a funding payment."""

    bill_id: str
    kind: str  # "trade" or "funding"
    symbol: str
    amount: float  # the balance change (realized PnL - fee, or the funding received)
    balance: float  # cash + margins after it
    ts: int
    order_id: str = ""
    client_order_id: str = ""
    trade_id: str = ""
    side: str = ""
    quantity: float = 0.0
    price: float = 0.0
    fee: float = 0.0
    realized_pnl: float = 0.0
    rate: float = 0.0  # funding rate
    reduced: bool = False


@dataclass(slots=True)
class Position:
    symbol: str
    quantity: float  # signed base units: > 0 long, < 0 short
    entry_price: float
    margin: float
    leverage: float
    opened_ms: int
    updated_ms: int
    position_id: str
    realized_pnl: float = 0.0  # since opened: closed PnL - fees + funding
    fees: float = 0.0
    funding: float = 0.0

    @property
    def size(self) -> float:
        return abs(self.quantity)

    def unrealized(self, mark: float) -> float:
        return self.quantity * (mark - self.entry_price)

    @property
    def liquidation_price(self) -> float:
        """Where margin + unrealized PnL falls to the maintenance margin."""
        size = self.size
        if self.quantity > 0:
            price = (size * self.entry_price - self.margin) / (size * (1 - MAINTENANCE_MARGIN_RATE))
        else:
            price = (self.margin + size * self.entry_price) / (size * (1 + MAINTENANCE_MARGIN_RATE))
        return max(price, 0.0)


class FakeAccount:
    """One API key's isolated account: USDT, positions by symbol, every order, fills, bills."""

    def __init__(
        self, api_key: str, secret: str, passphrase: str, usdt: float, demo: bool = True
    ) -> None:
        self.api_key, self.secret, self.passphrase, self.demo = api_key, secret, passphrase, demo
        self.uid = str(int(hashlib.sha256(api_key.encode()).hexdigest()[:14], 16))
        self.cash = usdt  # USDT not held as position margin
        self.positions: dict[str, Position] = {}
        self.orders: dict[str, Order] = {}  # every order ever placed, by id, oldest first
        self.fills: list[Fill] = []
        self.bills: list[Bill] = []
        self.leverage: dict[str, float] = {}
        self.margin_mode: dict[str, str] = {}  # as set; the accounting is isolated whatever
        self.hedged = False

    def order_by_client_id(self, client_order_id: str) -> Order | None:
        return next((o for o in self.orders.values() if o.client_order_id == client_order_id), None)

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self.orders.values() if o.is_open and symbol in (None, o.symbol)]

    def leverage_of(self, symbol: str) -> float:
        return self.leverage.get(symbol, DEFAULT_LEVERAGE)

    @property
    def margin(self) -> float:
        return sum(position.margin for position in self.positions.values())

    def equity(self, marks: dict[str, float]) -> float:
        """Cash + margins + unrealized PnL at ``marks``."""
        return self.cash + sum(
            p.margin + p.unrealized(marks[p.symbol]) for p in self.positions.values()
        )
