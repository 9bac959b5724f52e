"""The exchange venue: one real exchange account (testnet, demo or mainnet) behind the Venue
port, so that a live season runs the same engine as a replay.

How it keeps the ledger (each rule is tested against the loopback exchange):
- Orders go to the exchange at once: market entries and closes, and an entry's stop-loss and
  take-profit as reduce-only trigger orders resting on the exchange (so they hold while this
  process is down). The stop and the take-profit are one-cancels-the-other: when one fills, the
  venue cancels the other.
- Every order carries a client order id derived from its own id (``ids.ClientIds``); before
  sending, the venue asks the exchange for that id, so re-executing a tick after a crash finds
  the order placed before and never places it twice. A network failure is retried the same way
  (look up, then re-send), a bounded number of times; an exchange refusal is a recorded
  rejection.
- What happened on the exchange in a bar is booked when the bar closes (``on_bar``), from the
  exchange's own records: its executions (price, quantity and fee as the exchange charged them)
  and, at funding times, its funding payments. A market order sent at a bar's close is so booked
  with the next bar, as the paper venue fills it at that bar's open; the two venues give the same
  ledger for the same executions.
- Only executions before the bar's close count for that bar, so re-executing stored ticks later
  books exactly what was booked then."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from alpha_arena.core.errors import OrderRejectedError, SourceUnavailableError, TemporaryError
from alpha_arena.domain.fills import Fill, Liquidity
from alpha_arena.domain.instrument import Instrument
from alpha_arena.domain.orders import Order, OrderAction, OrderEvent, OrderType, Side
from alpha_arena.domain.positions import AccountSnapshot, ExitPlan, Position
from alpha_arena.execution.exchange.book import Book
from alpha_arena.execution.exchange.gateway import ExchangeOrder, ExchangeTrade
from alpha_arena.execution.exchange.ids import ClientIds
from alpha_arena.execution.exchange.reconcile import (
    Reconciliation,
    order_differences,
    position_differences,
)
from alpha_arena.execution.exchange.records import ExchangeRecords
from alpha_arena.execution.paper import exit_levels

logger = logging.getLogger(__name__)

#: Attempts at an idempotent call that failed on the network before the failure is recorded.
SEND_ATTEMPTS = 3
#: A funding payment is matched to the funding time it is within this much of.
FUNDING_TOLERANCE_MS = 60_000
#: Ledger and exchange positions agree within this fraction (the exchange's contract rounding).
RECONCILE_TOLERANCE = 1e-6
_TRIGGERS = (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)


@dataclass
class _Placed:
    """One of our orders that the exchange holds."""

    order: Order
    exchange: ExchangeOrder
    sibling: str = ""  # the other leg of a stop-loss / take-profit pair
    exits: list[tuple[Order, ExchangeOrder]] = field(default_factory=list)  # an entry's guards
    plan: ExitPlan | None = None


class ExchangeVenue:
    """One isolated exchange account, read through ``records`` (which may outlive this venue);
    ``step_ms``: the season's bar length."""

    def __init__(
        self,
        records: ExchangeRecords,
        instruments: Mapping[str, Instrument],
        initial_cash: float,
        client_ids: ClientIds,
        step_ms: int,
    ) -> None:
        self._records = records
        self._gateway = records.gateway
        self._instruments = dict(instruments)
        self._ids = client_ids
        self._step_ms = step_ms
        self._book = Book(initial_cash)
        self._marks: dict[str, float] = {}
        self._open: dict[str, _Placed] = {}  # by our client order id
        self._by_exchange_id: dict[str, str] = {}
        self._booked_trades: set[str] = set()
        self._strangers: set[str] = set()  # executions of orders not known (yet) to be ours
        self._submitted: list[Order] = []
        self._events: list[OrderEvent] = []
        self._fills: list[Fill] = []

    # -- the Venue port: orders ------------------------------------------------------------

    @property
    def cash(self) -> float:
        return self._book.cash

    def submit(self, order: Order, ts: int, exits: ExitPlan | None = None) -> Order:
        self._submitted.append(order)
        reason = self._rejection(order)
        placed: ExchangeOrder | None = None
        if not reason:
            try:
                placed = self._place(order)
            except (OrderRejectedError, TemporaryError, SourceUnavailableError) as error:
                reason = str(error)  # not accepted: a recorded rejection
        if placed is None:
            rejected, event = order.apply(OrderAction.REJECT, ts, reason=reason)
            self._events.append(event)
            return rejected
        accepted, event = order.apply(OrderAction.ACCEPT, ts)
        self._events.append(event)
        entry = _Placed(accepted, placed)
        self._track(entry)
        if exits is not None and not order.reduce_only:
            entry.plan = exits
            self._guard(entry, ts)
        return accepted

    def cancel(self, client_order_id: str, ts: int, reason: str = "") -> None:
        placed = self._open.get(client_order_id)
        if placed is None:
            return
        self._gateway.cancel_order(
            placed.order.symbol, placed.exchange, placed.order.type in _TRIGGERS
        )
        self._forget(placed)
        event = placed.order.apply(OrderAction.CANCEL, ts, reason=reason)[1]
        self._events.append(event)

    def close_all(self, ts: int, reason: str) -> None:
        for client_order_id in list(self._open):
            if self._open[client_order_id].order.type in _TRIGGERS:
                self.cancel(client_order_id, ts, reason)
        for symbol, position in list(self._book.positions.items()):
            side = Side.SELL if position.quantity > 0 else Side.BUY
            self.submit(
                Order(f"{reason}-{symbol}-{ts}", symbol, side, OrderType.MARKET, position.size,
                      ts, reduce_only=True, leverage=position.leverage, tag=reason),
                ts,
            )  # fmt: skip

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [
            placed.order
            for placed in self._open.values()
            if symbol is None or placed.order.symbol == symbol
        ]

    def has_open_orders(self) -> bool:
        return bool(self._open)

    # -- the Venue port: the account --------------------------------------------------------

    def positions(self) -> Mapping[str, Position]:
        return self._book.positions

    def account(self, ts: int) -> AccountSnapshot:
        book = self._book
        margin = sum(position.margin for position in book.positions.values())
        unrealized = sum(
            position.unrealized_pnl(self._marks.get(symbol, position.entry_price))
            for symbol, position in book.positions.items()
        )
        return AccountSnapshot(
            ts, book.cash, margin, unrealized, book.realized_pnl, book.fees, book.funding
        )

    def equity(self) -> float:
        return self._book.equity(self._marks)

    def valuation(self) -> tuple[float, float, float, bool]:
        gross = sum(
            position.size * self._marks.get(symbol, position.entry_price)
            for symbol, position in self._book.positions.items()
        )
        news = bool(self._events or self._fills or self._submitted)
        return self.equity(), gross, self._book.cash, news

    def liquidation_price(self, symbol: str) -> float:
        return self._book.positions[symbol].liquidation_price()

    def mark(self, symbol: str) -> float | None:
        return self._marks.get(symbol)

    def taker_fee(self, symbol: str) -> float:
        return self._instruments[symbol].taker_fee

    # -- the Venue port: market and time in -------------------------------------------------

    def set_mark(self, symbol: str, price: float) -> None:
        self._marks[symbol] = price

    def on_bar(
        self, symbol: str, ts: int, open_: float, high: float, low: float, close: float
    ) -> None:
        if any(placed.order.symbol == symbol for placed in self._open.values()):
            for trade in self._executions(symbol, ts + self._step_ms):
                self._book_trade(trade, ts)
            self._end_unfilled_markets(symbol, ts)
        self._marks[symbol] = close

    def settle_funding(self, symbol: str, ts: int, rate: float, mark: float) -> float:
        if symbol not in self._book.positions:
            return 0.0
        amount = sum(
            payment.amount
            for payment in self._records.funding(ts + FUNDING_TOLERANCE_MS)
            if payment.symbol == symbol and abs(payment.ts - ts) <= FUNDING_TOLERANCE_MS
        )
        self._book.receive_funding(amount)
        return amount

    def reconcile(self, ts: int) -> Reconciliation:
        """Read the exchange's account and compare it with the ledger (plus what this entry
        executed that is not booked yet): a live season does so at every tick."""
        total, free = self._gateway.balance()
        held = self._gateway.positions()
        expected = {symbol: p.quantity for symbol, p in self._book.positions.items()}
        for symbol in sorted({*expected, *(p.symbol for p in held), *self._records.symbols()}):
            for trade in self._executions(symbol, before=ts + self._step_ms):
                expected[symbol] = expected.get(symbol, 0.0) + trade.quantity * trade.side.sign
        resting = {
            self._ids.exchange_id(order.client_order_id): exchange_order
            for order, exchange_order in self._resting()
        }
        differences = position_differences(expected, held, RECONCILE_TOLERANCE)
        differences += order_differences(resting, self._gateway.open_orders(), self._ids.prefix)
        return Reconciliation(ts, total, free, self.equity(), tuple(held), tuple(differences))

    def _resting(self) -> list[tuple[Order, ExchangeOrder]]:
        """Our trigger orders resting on the exchange: armed, and an unbooked entry's."""
        armed = [(p.order, p.exchange) for p in self._open.values() if p.order.type in _TRIGGERS]
        return armed + [leg for placed in self._open.values() for leg in placed.exits]

    def drain(self) -> tuple[list[Order], list[OrderEvent], list[Fill]]:
        orders, events, fills = self._submitted, self._events, self._fills
        self._submitted, self._events, self._fills = [], [], []
        return orders, events, fills

    # -- sending -----------------------------------------------------------------------------

    def _rejection(self, order: Order) -> str:
        if order.symbol not in self._instruments:
            return f"unknown symbol {order.symbol}"
        if order.type is not OrderType.MARKET:
            return f"{order.type.value} orders are not sent to exchanges; use market orders"
        if order.reduce_only and order.symbol not in self._book.positions:
            return "reduce-only order without an open position"
        return ""

    def _place(self, order: Order, trigger_stop: bool | None = None) -> ExchangeOrder:
        """Send ``order`` unless the exchange already has it (a re-executed tick, a retry after
        a lost answer); a market order, or a trigger order when ``trigger_stop`` is given."""
        client_id = self._ids.exchange_id(order.client_order_id)
        trigger = trigger_stop is not None
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                found = self._records.placed(order.symbol, client_id, trigger)
                if found is not None:
                    return found
                self._gateway.prepare(order.symbol, order.leverage)
                if trigger_stop is None:
                    sent = self._gateway.market_order(
                        order.symbol, order.side, order.quantity, client_id, order.reduce_only
                    )
                    self._records.remember(sent)
                    return sent
                assert order.trigger_price is not None
                sent = self._gateway.trigger_order(
                    order.symbol, order.side, order.quantity, client_id, order.trigger_price,
                    trigger_stop,
                )  # fmt: skip
                self._records.remember(sent)
                return sent
            except TemporaryError as error:
                if attempt == SEND_ATTEMPTS:
                    raise
                logger.warning(
                    "order %s: %s; looking it up and retrying (%d of %d)",
                    order.client_order_id, error, attempt, SEND_ATTEMPTS,
                )  # fmt: skip
        raise AssertionError("unreachable")

    def _guard(self, entry: _Placed, ts: int) -> None:
        """Place the entry's stop-loss and take-profit on the exchange now, at levels from the
        price the entry filled at; they enter the ledger when the entry is booked."""
        order = entry.order
        tape = self._records.trades(order.symbol, ts + self._step_ms)
        trades = [t for t in tape if t.order_id == entry.exchange.order_id]
        filled = sum(trade.quantity for trade in trades)
        if entry.plan is None or filled <= 0:
            return
        price = sum(trade.price * trade.quantity for trade in trades) / filled
        held = self._book.positions.get(order.symbol)
        size = filled + (
            held.size if held is not None and held.quantity * order.side.sign > 0 else 0
        )
        plan = exit_levels(
            entry.plan, price, order.side is Side.BUY, self._instruments[order.symbol]
        )
        entry.plan = plan
        side = order.side.opposite
        legs = []
        for kind, level, tag in (
            (OrderType.STOP_MARKET, plan.stop_loss, "stop_loss"),
            (OrderType.TAKE_PROFIT_MARKET, plan.take_profit, "take_profit"),
        ):
            if level is None:
                continue
            leg = Order(
                f"{order.client_order_id}-{tag}", order.symbol, side, kind, size, ts,
                trigger_price=level, reduce_only=True, leverage=order.leverage, tag=tag,
            )  # fmt: skip
            try:
                legs.append((leg, self._place(leg, trigger_stop=tag == "stop_loss")))
            except (OrderRejectedError, TemporaryError, SourceUnavailableError) as error:
                logger.error(
                    "order %s: its %s was not placed: %s", order.client_order_id, tag, error
                )
                self._submitted.append(leg)
                self._events.append(leg.apply(OrderAction.REJECT, ts, reason=str(error))[1])
        entry.exits = legs

    # -- booking what the exchange did ------------------------------------------------------

    def _executions(self, symbol: str, before: int) -> list[ExchangeTrade]:
        """This account's executions in ``symbol`` of our open orders not yet booked, that
        happened before ``before``."""
        fresh = [
            trade
            for trade in self._records.trades(symbol, before)
            if trade.ts < before and trade.trade_id not in self._booked_trades
        ]
        strangers = {t.trade_id for t in fresh if t.order_id not in self._by_exchange_id}
        if strangers - self._strangers:
            self._strangers |= strangers
            self._find_triggered(symbol)
        return [trade for trade in fresh if trade.order_id in self._by_exchange_id]

    def _find_triggered(self, symbol: str) -> None:
        """A triggered stop or take-profit executes as a new order of the exchange's: learn
        which, so that its executions are booked as the exit's (armed or still waiting for
        its entry to be booked)."""
        waiting = [leg for placed in self._open.values() for leg, _ in placed.exits]
        armed = [placed.order for placed in self._open.values()]
        for order in [*armed, *waiting]:
            if order.symbol != symbol or order.type not in _TRIGGERS:
                continue
            client_id = self._ids.exchange_id(order.client_order_id)
            found = self._gateway.find_order(symbol, client_id, trigger=True)
            if found is not None:
                for child in found.children:
                    self._by_exchange_id[child] = order.client_order_id

    def _book_trade(self, trade: ExchangeTrade, ts: int) -> None:
        placed = self._open.get(self._by_exchange_id[trade.order_id])
        if placed is None:
            return
        self._booked_trades.add(trade.trade_id)
        order = placed.order
        instrument = self._instruments[order.symbol]
        signed = trade.quantity * trade.side.sign
        if order.reduce_only:
            held = self._book.positions.get(order.symbol)
            if held is None:
                return
            signed = max(min(signed, held.size), -held.size)
        realized = self._book.execute(
            order.symbol, signed, trade.price, trade.fee, order.leverage,
            instrument.maintenance_margin_rate, ts,
        )  # fmt: skip
        quantity = abs(signed)
        done = order.filled_quantity + quantity >= order.quantity * (1 - 1e-9)
        action = OrderAction.FILL if done else OrderAction.PARTIAL_FILL
        placed.order, event = order.apply(action, ts, quantity, trade.price)
        self._events.append(event)
        self._fills.append(
            Fill(order.client_order_id, order.symbol, order.side, quantity, trade.price,
                 trade.fee, Liquidity.TAKER, ts, realized, order.tag)
        )  # fmt: skip
        if not done:
            return
        self._forget(placed)
        if placed.exits:
            self._arm(placed, ts)
        if placed.sibling:
            self.cancel(placed.sibling, ts, "the other exit filled")
        if order.symbol not in self._book.positions:
            for other in [p for p in self._open.values() if p.order.symbol == order.symbol]:
                if other.order.reduce_only:
                    self.cancel(other.order.client_order_id, ts, "position closed")

    def _end_unfilled_markets(self, symbol: str, ts: int) -> None:
        """A market order the exchange ended short of its quantity (it fills what the book
        offers and cancels the rest) ends canceled here too, with what it executed."""
        for placed in [p for p in self._open.values() if p.order.symbol == symbol]:
            order = placed.order
            if order.type is not OrderType.MARKET:
                continue
            client_id = self._ids.exchange_id(order.client_order_id)
            found = self._gateway.find_order(symbol, client_id, trigger=False)
            booked = order.filled_quantity * (1 + 1e-9)
            if found is None or found.status == "open" or found.filled > booked:
                continue  # executions after this bar's close are booked with a later bar
            self._forget(placed)
            reason = f"the exchange executed {order.filled_quantity:g} of {order.quantity:g}"
            placed.order, event = order.apply(OrderAction.CANCEL, ts, reason=reason)
            self._events.append(event)
            if placed.exits and order.filled_quantity > 0:
                self._arm(placed, ts)  # they guard what was executed

    def _arm(self, entry: _Placed, ts: int) -> None:
        """The entry is booked: its exits, resting on the exchange since it filled, join the
        ledger."""
        position = self._book.positions.get(entry.order.symbol)
        if position is not None and entry.plan is not None:
            self._book.positions[position.symbol] = replace(position, exit_plan=entry.plan)
        legs = []
        for leg, exchange_order in entry.exits:
            self._submitted.append(leg)
            accepted, event = leg.apply(OrderAction.ACCEPT, ts)
            self._events.append(event)
            legs.append(_Placed(accepted, exchange_order))
        for placed in legs:
            self._track(placed)
        if len(legs) == 2:
            legs[0].sibling = legs[1].order.client_order_id
            legs[1].sibling = legs[0].order.client_order_id

    def _track(self, placed: _Placed) -> None:
        self._open[placed.order.client_order_id] = placed
        self._by_exchange_id[placed.exchange.order_id] = placed.order.client_order_id

    def _forget(self, placed: _Placed) -> None:
        self._open.pop(placed.order.client_order_id, None)
