"""The paper venue: a simulated exchange account for USDT-margined linear perpetuals.

Rules (each one is tested):
- Market orders fill through the plugged-in fill model: at the next bar's open in a replay,
  at the latest price in a live paper season; buys pay ``slippage_bps`` above, sells below;
  the taker fee is charged on the notional.
- Inside a bar the price is assumed to travel open -> adverse extreme -> favourable extreme ->
  close (a long sees the low first, a short the high): an order whose trigger the open has
  already passed fills at the open; otherwise levels fill in the order the path meets them.
  So when a stop-loss and a take-profit could both trigger in one bar, the stop wins.
- Limit orders fill at their price (or the better open) with the maker fee.
- Margin is isolated per position. A position is liquidated when its margin falls to the
  maintenance requirement: it closes at its liquidation price and loses its whole margin (the
  remainder is the liquidation fee), never more, so no balance goes negative.
- Funding settles at each funding timestamp: ``-quantity * mark * rate`` (longs pay a positive
  rate), from cash first, then from the position's margin.
- An entry may carry an exit plan: when it fills, its stop-loss and take-profit are placed as
  reduce-only orders at once (so they guard the rest of the very bar the entry filled in).
  Exits given as fractions are placed at the fill price x (1 -/+ fraction), on the price tick.
  Closing a position cancels its remaining reduce-only orders (the stop and the take-profit
  are one-cancels-the-other).
- An order is filled whole, or shrunk to what can be executed (a reduce-only order to the
  position, an entry to what free cash affords): a shrunk order ends ``filled`` with the
  executed quantity, its one fill event saying what was dropped and why."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from alpha_arena.domain.fills import Fill, Liquidity
from alpha_arena.domain.instrument import Instrument
from alpha_arena.domain.orders import Order, OrderAction, OrderEvent, OrderType, Side
from alpha_arena.domain.positions import AccountSnapshot, ExitPlan, Position

_EPSILON = 1e-12


@dataclass(frozen=True, slots=True)
class PaperVenueConfig:
    initial_cash: float
    slippage_bps: float = 0.0
    fee_rate: float | None = None  # overrides the instruments' maker and taker fees when set

    def __post_init__(self) -> None:
        if not self.initial_cash > 0:
            raise ValueError("initial cash must be positive")
        if not 0 <= self.slippage_bps < 10_000:
            raise ValueError("slippage must be in [0, 10000) bps")
        if self.fee_rate is not None and not 0 <= self.fee_rate < 0.1:
            raise ValueError("fee rate must be in [0, 0.1)")


class MarketFillModel(Protocol):
    """When a market order fills: the one thing replay and live paper trading do differently."""

    def fills_on_submit(self) -> bool: ...


class NextBarOpen:
    """Replay: a market order fills at the open of its symbol's next bar."""

    def fills_on_submit(self) -> bool:
        return False


class LatestPrice:
    """Live paper trading: a market order fills at once at the latest price."""

    def fills_on_submit(self) -> bool:
        return True


class PaperVenue:
    """One isolated paper account."""

    def __init__(
        self,
        config: PaperVenueConfig,
        instruments: Mapping[str, Instrument],
        fill_model: MarketFillModel,
    ) -> None:
        self._config = config
        self._fee_override = config.fee_rate
        self._instruments = dict(instruments)
        self._fill_on_submit = fill_model.fills_on_submit()
        self._slippage = config.slippage_bps / 10_000
        self.cash = config.initial_cash
        self.realized_pnl = 0.0
        self.fees = 0.0
        self.funding = 0.0
        self._positions: dict[str, Position] = {}
        self._liquidation: dict[str, float] = {}
        self._orders: dict[str, Order] = {}  # open orders (pending market orders included)
        self._marks: dict[str, float] = {}
        self._events: list[OrderEvent] = []
        self._fills: list[Fill] = []
        self._exit_plans: dict[str, ExitPlan] = {}  # by entry order id, until it fills
        self._submitted: list[Order] = []

    # -- the Venue port ----------------------------------------------------------------------

    def submit(self, order: Order, ts: int, exits: ExitPlan | None = None) -> Order:
        self._submitted.append(order)
        reason = self._rejection(order)
        if reason:
            rejected, event = order.apply(OrderAction.REJECT, ts, reason=reason)
            self._events.append(event)
            return rejected
        accepted, event = order.apply(OrderAction.ACCEPT, ts)
        self._events.append(event)
        self._orders[accepted.client_order_id] = accepted
        if exits is not None and not order.reduce_only:
            self._exit_plans[order.client_order_id] = exits
        if accepted.type is OrderType.MARKET and self._fill_on_submit:
            mark = self._marks.get(accepted.symbol)
            if mark is not None:
                return self._fill_market(accepted, mark, ts, updated=True) or accepted
        return accepted

    def cancel(self, client_order_id: str, ts: int, reason: str = "") -> None:
        self._cancel(client_order_id, ts, reason)

    def close_all(self, ts: int, reason: str) -> None:
        """Cancel every open order and close every position at once at its mark (a taker fill
        with slippage): how an eliminated account is frozen."""
        for client_order_id in list(self._orders):
            self._cancel(client_order_id, ts, reason)
        for symbol, position in list(self._positions.items()):
            side = Side.SELL if position.quantity > 0 else Side.BUY
            order = Order(
                f"{reason}-{symbol}-{ts}", symbol, side, OrderType.MARKET, position.size, ts,
                reduce_only=True, leverage=position.leverage, tag=reason,
            )  # fmt: skip
            self._submitted.append(order)
            accepted, event = order.apply(OrderAction.ACCEPT, ts)
            self._events.append(event)
            self._orders[accepted.client_order_id] = accepted
            self._fill_market(accepted, self._marks[symbol], ts)

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self._orders.values() if symbol is None or o.symbol == symbol]

    def has_open_orders(self) -> bool:
        return bool(self._orders)

    def positions(self) -> Mapping[str, Position]:
        return self._positions

    def account(self, ts: int) -> AccountSnapshot:
        margin = 0.0
        unrealized = 0.0
        for symbol, position in self._positions.items():
            margin += position.margin
            unrealized += position.quantity * (self._marks[symbol] - position.entry_price)
        return AccountSnapshot(
            ts, self.cash, margin, unrealized, self.realized_pnl, self.fees, self.funding
        )

    def equity(self) -> float:
        """Cash + margin + unrealized PnL at the latest marks (the fast path of ``account``)."""
        total = self.cash
        for symbol, position in self._positions.items():
            total += position.margin + position.quantity * (
                self._marks[symbol] - position.entry_price
            )
        return total

    def valuation(self) -> tuple[float, float, float, bool]:
        """Equity, gross exposure (the positions' notionals) at the latest marks, cash, and
        whether ``drain`` has anything: what the engine records at every step, in one call."""
        cash = self.cash
        equity = cash
        gross = 0.0
        for symbol, position in self._positions.items():
            mark = self._marks[symbol]
            quantity = position.quantity
            equity += position.margin + quantity * (mark - position.entry_price)
            gross += (quantity if quantity > 0 else -quantity) * mark
        return equity, gross, cash, bool(self._events or self._fills or self._submitted)

    def drain(self) -> tuple[list[Order], list[OrderEvent], list[Fill]]:
        orders, events, fills = self._submitted, self._events, self._fills
        self._submitted, self._events, self._fills = [], [], []
        return orders, events, fills

    def liquidation_price(self, symbol: str) -> float:
        """The liquidation price of the open position in ``symbol``."""
        return self._liquidation[symbol]

    def mark(self, symbol: str) -> float | None:
        return self._marks.get(symbol)

    def taker_fee(self, symbol: str) -> float:
        """The fee rate a market order on ``symbol`` pays here."""
        return self._fee_rate(symbol, Liquidity.TAKER)

    # -- market data in ----------------------------------------------------------------------

    def set_mark(self, symbol: str, price: float) -> None:
        """Live paper trading: the latest price of ``symbol``."""
        self._marks[symbol] = price

    def on_bar(
        self, symbol: str, ts: int, open_: float, high: float, low: float, close: float
    ) -> None:
        """Run one bar of ``symbol`` (stamped ``ts``) through the account: pending market
        orders, then triggers along the bar's path, then the close becomes the mark."""
        orders = self._orders
        if orders:
            for order in [o for o in orders.values() if o.symbol == symbol]:
                # An earlier fill of this loop may have canceled it (a reduce-only order whose
                # position another order closed): never fill it after that.
                if order.type is OrderType.MARKET and order.client_order_id in orders:
                    self._fill_market(order, open_, ts)
            resting = any(o.symbol == symbol for o in orders.values())
            # Walking a bar whose low and high are not its extremes can meet a liquidation
            # level at the close that its low does not reach: the walk decides then.
            if resting or (
                symbol in self._positions and not (low <= open_ <= high and low <= close <= high)
            ):
                self._walk_bar(symbol, ts, open_, high, low, close)
                self._marks[symbol] = close
                return
        # No order rests on the symbol (the common case): at most a position, which only
        # liquidation moves, exactly when the bar's adverse extreme reaches its level.
        position = self._positions.get(symbol)
        if position is not None:
            level = self._liquidation[symbol]
            if (low <= level) if position.quantity > 0 else (high >= level):
                self._liquidate(symbol, ts)
        self._marks[symbol] = close

    def settle_funding(self, symbol: str, ts: int, rate: float, mark: float) -> float:
        """Pay or receive funding on the open position of ``symbol``; return the amount
        received (negative when paid)."""
        position = self._positions.get(symbol)
        if position is None:
            return 0.0
        amount = -position.quantity * mark * rate
        if amount < 0:
            from_cash = min(self.cash, -amount)
            from_margin = min(position.margin, -amount - from_cash)
            amount = -(from_cash + from_margin)
            self.cash -= from_cash
            if from_margin > 0:
                self._set_position(replace(position, margin=position.margin - from_margin))
        else:
            self.cash += amount
        self.funding += amount
        return amount

    # -- internals ---------------------------------------------------------------------------

    def _rejection(self, order: Order) -> str:
        if order.symbol not in self._instruments:
            return f"unknown symbol {order.symbol}"
        if not order.quantity > 0 or not math.isfinite(order.quantity):
            return "quantity must be positive"
        if order.type is OrderType.LIMIT and not (order.price and order.price > 0):
            return "a limit order needs a positive price"
        if order.type in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET) and not (
            order.trigger_price and order.trigger_price > 0
        ):
            return "a stop or take-profit order needs a positive trigger price"
        if order.reduce_only and order.symbol not in self._positions:
            return "reduce-only order without an open position"
        if not order.leverage > 0:
            return "leverage must be positive"
        return ""

    def _fee_rate(self, symbol: str, liquidity: Liquidity) -> float:
        if self._fee_override is not None:
            return self._fee_override
        instrument = self._instruments[symbol]
        return instrument.maker_fee if liquidity is Liquidity.MAKER else instrument.taker_fee

    def _fill_market(
        self, order: Order, price: float, ts: int, updated: bool = False
    ) -> Order | None:
        slipped = price * (1 + self._slippage * order.side.sign)
        return self._fill(order, slipped, Liquidity.TAKER, ts, updated)

    def _walk_bar(
        self, symbol: str, ts: int, open_: float, high: float, low: float, close: float
    ) -> None:
        # Adverse extreme first: conservative for whoever holds the position.
        position = self._positions.get(symbol)
        path = (
            (open_, high, low, close)
            if position and position.quantity < 0
            else (open_, low, high, close)
        )
        # Levels the open has already passed (a gap) fill at the open, whichever way they
        # trigger: those on the adverse side first, so a stop still beats a take-profit.
        falling = path[1] <= open_
        self._fill_passed(symbol, ts, open_, falling)
        self._fill_passed(symbol, ts, open_, not falling)
        current = open_
        at_open = True
        for target in path[1:]:
            while True:
                hit = self._next_hit(symbol, current, target, at_open)
                if hit is None:
                    break
                level, order = hit
                # A level the open had already passed fills at the open (a gap), else at itself.
                fill_price = min(level, current) if target <= current else max(level, current)
                if order is None:
                    self._liquidate(symbol, ts)
                else:
                    self._fill_resting(order, fill_price, ts)
                current = fill_price
            at_open = False
            current = target

    def _fill_passed(self, symbol: str, ts: int, open_: float, falling: bool) -> None:
        """Fill at the open every level of one direction that the open has already passed."""
        while (hit := self._next_hit(symbol, open_, open_, True, falling)) is not None:
            if hit[1] is None:
                self._liquidate(symbol, ts)
            else:
                self._fill_resting(hit[1], open_, ts)

    def _next_hit(
        self,
        symbol: str,
        current: float,
        target: float,
        at_open: bool,
        falling: bool | None = None,
    ) -> tuple[float, Order | None] | None:
        """The first level the price meets moving from ``current`` to ``target`` (in the
        ``falling`` direction when given); at the open, levels the open has already passed
        count as met. ``None`` order means liquidation."""
        if falling is None:
            falling = target <= current
        best: tuple[float, Order | None] | None = None
        for order in self._orders.values():
            if order.symbol != symbol or order.type is OrderType.MARKET:
                continue
            level = order.price if order.type is OrderType.LIMIT else order.trigger_price
            assert level is not None
            if _triggers_falling(order) != falling:
                continue
            if _within(level, current, target, falling, at_open) and _earlier(level, best, falling):
                best = (level, order)
        liquidation = self._liquidation.get(symbol)
        position = self._positions.get(symbol)
        # Ties go to the order: a stop at the liquidation price fills as a stop.
        if (
            liquidation is not None
            and position is not None
            and (position.quantity > 0) == falling
            and _within(liquidation, current, target, falling, at_open)
            and _earlier(liquidation, best, falling)
        ):
            best = (liquidation, None)
        return best

    def _fill_resting(self, order: Order, price: float, ts: int) -> None:
        if order.type is OrderType.LIMIT:
            better = (
                min(price, order.price or price)
                if order.side is Side.BUY
                else max(price, order.price or price)
            )
            self._fill(order, better, Liquidity.MAKER, ts)
            return
        slipped = price * (1 + self._slippage * order.side.sign)
        self._fill(order, slipped, Liquidity.TAKER, ts)

    def _fill(
        self, order: Order, price: float, liquidity: Liquidity, ts: int, updated: bool = False
    ) -> Order | None:
        """Execute the whole remaining quantity of ``order`` at ``price``; return the order in
        its new state when ``updated`` (None otherwise, unless it was canceled)."""
        symbol = order.symbol
        position = self._positions.get(symbol)
        remaining = quantity = order.remaining
        sign = order.side.sign
        if order.reduce_only:
            if position is None or position.quantity * sign > 0:
                return self._cancel(order.client_order_id, ts, "nothing left to reduce") or order
            quantity = min(quantity, position.size)
        fee_rate = self._fee_rate(symbol, liquidity)
        signed = quantity * sign
        realized = 0.0
        fee = 0.0
        if position is not None and position.quantity * signed < 0:
            closing = min(quantity, position.size)
            realized, fee = self._reduce(position, closing, price, fee_rate)
            signed -= closing * sign
        if abs(signed) > _EPSILON and not order.reduce_only:
            opened, open_fee = self._increase(symbol, signed, price, fee_rate, order, ts)
            if opened == 0.0 and quantity == abs(signed):  # nothing affordable at all
                return self._cancel(order.client_order_id, ts, "insufficient margin") or order
            quantity -= abs(signed) - opened
            fee += open_fee
        # Shrunk to the position or to the free margin: the order ends filled with what was
        # executed (never "canceled" with a fill), and its event says what was dropped.
        dropped = remaining - quantity
        reason = ""
        if dropped > remaining * 1e-9:
            why = "the position's size" if order.reduce_only else "what free cash affords"
            reason = f"shrunk to {why}: {quantity:g} of {remaining:g} executed"
        filled = None
        if updated:
            filled, event = order.apply(OrderAction.FILL, ts, quantity, price, reason)
        else:
            event = order.event(OrderAction.FILL, ts, quantity, price, reason)
        self._orders.pop(order.client_order_id, None)
        self._events.append(event)
        self._fills.append(
            Fill(order.client_order_id, symbol, order.side, quantity, price, fee, liquidity, ts,
                 realized, order.tag)
        )  # fmt: skip
        if symbol not in self._positions:
            self._cancel_reduce_only(symbol, ts)
        plan = self._exit_plans.pop(order.client_order_id, None)
        if plan is not None and symbol in self._positions:
            self._place_exits(order, plan, price, ts)
        return filled

    def _place_exits(self, entry: Order, plan: ExitPlan, price: float, ts: int) -> None:
        """Guard the position ``entry`` opened (filled at ``price``) with its stop-loss and
        take-profit; exits given as fractions are placed that far from ``price``."""
        position = self._positions[entry.symbol]
        plan = exit_levels(plan, price, position.quantity > 0, self._instruments[entry.symbol])
        self._set_position(replace(position, exit_plan=plan))
        side = Side.SELL if position.quantity > 0 else Side.BUY
        for kind, level, tag in (
            (OrderType.STOP_MARKET, plan.stop_loss, "stop_loss"),
            (OrderType.TAKE_PROFIT_MARKET, plan.take_profit, "take_profit"),
        ):
            if level is not None:
                exit_order = Order(
                    f"{entry.client_order_id}-{tag}", entry.symbol, side, kind, position.size,
                    ts, trigger_price=level, reduce_only=True, leverage=entry.leverage, tag=tag,
                )  # fmt: skip
                self.submit(exit_order, ts)

    def _reduce(
        self, position: Position, closing: float, price: float, fee_rate: float
    ) -> tuple[float, float]:
        """Close ``closing`` of ``position`` at ``price``; return (realized PnL, fee)."""
        released, realized, rest = position.reduced(closing, price)
        available = self.cash + released + realized
        fee = min(closing * price * fee_rate, available)
        # A fee that takes all that is left leaves exactly zero, not a rounding residue below it.
        self.cash = 0.0 if fee >= available else self.cash + released + realized - fee
        self.realized_pnl += realized
        self.fees += fee
        if rest is None:
            self._remove_position(position.symbol)
        else:
            self._set_position(rest)
        return realized, fee

    def _increase(
        self, symbol: str, signed: float, price: float, fee_rate: float, order: Order, ts: int
    ) -> tuple[float, float]:
        """Open or add ``signed`` quantity, shrunk to what free cash affords; return the
        quantity opened and the fee."""
        per_unit = price / order.leverage + price * fee_rate
        affordable = self.cash / per_unit if per_unit > 0 else 0.0
        size = min(abs(signed), affordable)
        step = self._instruments[symbol].amount_step
        if size < abs(signed) and step > 0:
            size = math.floor(size / step) * step
        if size <= 0:
            return 0.0, 0.0
        margin = size * price / order.leverage
        fee = size * price * fee_rate
        if margin + fee >= self.cash:  # all the free cash: rounding must not leave it at -1e-16
            fee = max(self.cash - margin, 0.0)
            margin = self.cash - fee
            self.cash = 0.0
        else:
            self.cash -= margin + fee
        self.fees += fee
        direction = 1.0 if signed > 0 else -1.0
        position = self._positions.get(symbol)
        if position is None:
            instrument = self._instruments[symbol]
            position = Position(
                symbol, direction * size, price, margin, order.leverage,
                instrument.maintenance_margin_rate, ts,
            )  # fmt: skip
        else:
            position = position.grown(size, price, margin)
        self._set_position(position)
        return size, fee

    def _liquidate(self, symbol: str, ts: int) -> None:
        position = self._positions[symbol]
        price = self._liquidation[symbol]
        side = Side.SELL if position.quantity > 0 else Side.BUY
        realized = max(position.unrealized_pnl(price), -position.margin)
        fee = position.margin + realized  # what is left of the margin goes as liquidation fee
        self.realized_pnl += realized
        self.fees += fee
        order_id = f"liquidation-{symbol}-{ts}"
        self._fills.append(
            Fill(order_id, symbol, side, position.size, price, fee, Liquidity.TAKER, ts,
                 realized, "liquidation")
        )  # fmt: skip
        self._remove_position(symbol)
        self._cancel_reduce_only(symbol, ts)

    def _cancel(self, client_order_id: str, ts: int, reason: str) -> Order | None:
        """Cancel an open order; return it canceled (None when it was not open)."""
        order = self._orders.pop(client_order_id, None)
        self._exit_plans.pop(client_order_id, None)
        if order is None:
            return None
        canceled, event = order.apply(OrderAction.CANCEL, ts, reason=reason)
        self._events.append(event)
        return canceled

    def _cancel_reduce_only(self, symbol: str, ts: int) -> None:
        if not self._orders:
            return
        for order in [o for o in self._orders.values() if o.symbol == symbol and o.reduce_only]:
            self.cancel(order.client_order_id, ts, "position closed")

    def _set_position(self, position: Position) -> None:
        self._positions[position.symbol] = position
        self._liquidation[position.symbol] = position.liquidation_price()

    def _remove_position(self, symbol: str) -> None:
        self._positions.pop(symbol, None)
        self._liquidation.pop(symbol, None)


def exit_levels(plan: ExitPlan, price: float, long: bool, instrument: Instrument) -> ExitPlan:
    """``plan`` with its fractional exits turned into levels from the fill ``price``."""
    stop, take = plan.stop_loss, plan.take_profit
    down, up = (-1.0, 1.0) if long else (1.0, -1.0)
    if plan.stop_loss_fraction is not None:
        stop = instrument.on_tick(price * (1 + down * plan.stop_loss_fraction))
    if plan.take_profit_fraction is not None:
        take = instrument.on_tick(price * (1 + up * plan.take_profit_fraction))
    return ExitPlan(take, stop, plan.invalidation)


def _triggers_falling(order: Order) -> bool:
    """Whether ``order`` is met by a falling price (a sell stop, a buy limit, a buy TP)."""
    if order.type is OrderType.STOP_MARKET:
        return order.side is Side.SELL
    return order.side is Side.BUY  # limit and take-profit buys wait for a lower price


def _within(level: float, current: float, target: float, falling: bool, at_open: bool) -> bool:
    if falling:
        return target <= level and (at_open or level <= current)
    return level <= target and (at_open or current <= level)


def _earlier(level: float, best: tuple[float, Order | None] | None, falling: bool) -> bool:
    if best is None:
        return True
    return level > best[0] if falling else level < best[0]
