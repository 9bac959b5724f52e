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
- Isolated margin (the default): a position is liquidated when its margin falls to the
  maintenance requirement: it closes at its liquidation price and loses its whole margin (the
  remainder is the liquidation fee), never more, so no balance goes negative.
- Cross margin: every position draws on the whole account. A position's margin is still set
  aside from free cash when it opens (so what an entry may open is the same), but a loss is not
  capped by it: free cash, then the other positions' margin pay the rest. The account is
  liquidated when its equity (cash + margin + unrealized PnL) falls to the sum of its
  positions' maintenance requirements (as Binance liquidates a cross account when its margin
  balance falls to its maintenance margin). It is judged along each held symbol's bar, the
  other positions at their latest marks: equity and requirement are linear in that symbol's
  price ``p`` (``A + Q p`` and ``B + R p``, ``Q`` its signed quantity, ``R`` its quantity
  times the maintenance rate), so the level is ``p = (B - A) / (Q - R)``, met falling when
  ``Q > R`` and rising otherwise. Then every position closes: the bar's symbol at that level
  (as an isolated position closes at its liquidation price), the others at their marks; what
  equity is left (the maintenance margin) is the liquidation fee, spread over the fills by
  their maintenance requirement. The account ends with nothing, never less.
- Net positions (the default): one signed position per symbol; an opposite order reduces it
  and may flip it. Hedge mode (``long_short``): a long and a short of one symbol side by side,
  keyed by ``position_key``. An order opens the side it trades (a buy the long, a sell the
  short) or, reduce-only, closes the other (a sell closes the long, a buy the short), as an
  exchange's hedge mode names the position side; exits attach to the side their entry opened;
  funding settles on each side. Along a bar, the side whose liquidation is nearer by the net
  quantity (long: the low first) is walked adversely first.
- Funding settles at each funding timestamp: ``-quantity * mark * rate`` (longs pay a positive
  rate), from cash first, then from the position's margin.
- An entry may carry an exit plan: when it fills, its stop-loss and take-profit are placed as
  reduce-only orders at once (so they guard the rest of the very bar the entry filled in).
  Exits given as fractions are placed at the fill price x (1 -/+ fraction), on the price tick.
  Closing a position cancels its remaining reduce-only orders (the stop and the take-profit
  are one-cancels-the-other).
- A limit entry may carry a take-profit limit of its own (a grid rung): when it fills, a
  reduce-only limit order for the quantity it filled rests at that level.
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
from alpha_arena.domain.positions import (
    AccountSnapshot,
    ExitPlan,
    MarginMode,
    Position,
    PositionMode,
    position_key,
)

_EPSILON = 1e-12
#: What a cross-margin liquidation hit closes: the whole account (not one position's key).
_ACCOUNT = ""


@dataclass(frozen=True, slots=True)
class PaperVenueConfig:
    initial_cash: float
    slippage_bps: float = 0.0
    fee_rate: float | None = None  # overrides the instruments' maker and taker fees when set
    margin_mode: MarginMode = MarginMode.ISOLATED
    position_mode: PositionMode = PositionMode.NET

    @property
    def plain(self) -> bool:
        """Isolated margin and net positions: the account quiet spans model (engine.quiet)."""
        return self.margin_mode is MarginMode.ISOLATED and self.position_mode is PositionMode.NET

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
    """One paper account: isolated or cross margin, net or hedged positions."""

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
        self._cross = config.margin_mode is MarginMode.CROSS
        self._hedged = config.position_mode is PositionMode.LONG_SHORT
        self._plain = config.plain
        self.cash = config.initial_cash
        self.realized_pnl = 0.0
        self.fees = 0.0
        self.funding = 0.0
        self._positions: dict[str, Position] = {}  # by position_key
        self._liquidation: dict[str, float] = {}  # isolated margin: each position's level
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
        for key, position in list(self._positions.items()):
            symbol = position.symbol
            side = Side.SELL if position.quantity > 0 else Side.BUY
            order = Order(
                f"{reason}-{symbol}-{ts}{self._side_suffix(key)}", symbol, side,
                OrderType.MARKET, position.size, ts, reduce_only=True,
                leverage=position.leverage, tag=reason,
            )  # fmt: skip
            self._submitted.append(order)
            accepted, event = order.apply(OrderAction.ACCEPT, ts)
            self._events.append(event)
            self._orders[accepted.client_order_id] = accepted
            self._fill_market(accepted, self._marks[symbol], ts)

    @property
    def config(self) -> PaperVenueConfig:
        return self._config

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self._orders.values() if symbol is None or o.symbol == symbol]

    def has_open_orders(self) -> bool:
        return bool(self._orders)

    def positions(self) -> Mapping[str, Position]:
        return self._positions

    def account(self, ts: int) -> AccountSnapshot:
        margin = 0.0
        unrealized = 0.0
        for position in self._positions.values():
            margin += position.margin
            unrealized += position.quantity * (self._marks[position.symbol] - position.entry_price)
        return AccountSnapshot(
            ts, self.cash, margin, unrealized, self.realized_pnl, self.fees, self.funding
        )

    def equity(self) -> float:
        """Cash + margin + unrealized PnL at the latest marks (the fast path of ``account``)."""
        total = self.cash
        for position in self._positions.values():
            total += position.margin + position.quantity * (
                self._marks[position.symbol] - position.entry_price
            )
        return total

    def valuation(self) -> tuple[float, float, float, bool]:
        """Equity, gross exposure (the positions' notionals) at the latest marks, cash, and
        whether ``drain`` has anything: what the engine records at every step, in one call."""
        cash = self.cash
        equity = cash
        gross = 0.0
        for position in self._positions.values():
            mark = self._marks[position.symbol]
            quantity = position.quantity
            equity += position.margin + quantity * (mark - position.entry_price)
            gross += (quantity if quantity > 0 else -quantity) * mark
        return equity, gross, cash, bool(self._events or self._fills or self._submitted)

    def drain(self) -> tuple[list[Order], list[OrderEvent], list[Fill]]:
        orders, events, fills = self._submitted, self._events, self._fills
        self._submitted, self._events, self._fills = [], [], []
        return orders, events, fills

    def liquidation_price(self, symbol: str) -> float:
        """The liquidation price of the open position keyed ``symbol`` (a ``position_key``);
        under cross margin, the account's level along that position's symbol now."""
        if self._cross:
            level = self._cross_level(self._positions[symbol].symbol)
            return math.nan if level is None else level[0]
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
        if not self._plain:
            self._on_bar_walked(symbol, ts, open_, high, low, close)
            return
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
        """Pay or receive funding on the open position of ``symbol`` (each side of it in hedge
        mode); return the amount received (negative when paid)."""
        if self._hedged:
            total = 0.0
            for key in self._keys(symbol):
                if key in self._positions:
                    total += self._settle_funding(key, rate, mark)
            return total
        if symbol not in self._positions:
            return 0.0
        return self._settle_funding(symbol, rate, mark)

    def _settle_funding(self, key: str, rate: float, mark: float) -> float:
        position = self._positions[key]
        amount = -position.quantity * mark * rate
        if amount < 0:
            from_cash = min(self.cash, -amount)
            from_margin = min(position.margin, -amount - from_cash)
            amount = -(from_cash + from_margin)
            self.cash -= from_cash
            if from_margin > 0:
                self._set_position(key, replace(position, margin=position.margin - from_margin))
        else:
            self.cash += amount
        self.funding += amount
        return amount

    # -- internals ---------------------------------------------------------------------------

    def _on_bar_walked(
        self, symbol: str, ts: int, open_: float, high: float, low: float, close: float
    ) -> None:
        """``on_bar`` under cross margin or hedge mode: a held symbol's bar is always walked
        (the cross level moves with every mark, a hedged symbol has two levels)."""
        orders = self._orders
        for order in [o for o in orders.values() if o.symbol == symbol]:
            if order.type is OrderType.MARKET and order.client_order_id in orders:
                self._fill_market(order, open_, ts)
        if any(o.symbol == symbol for o in orders.values()) or self._holds(symbol):
            self._walk_bar(symbol, ts, open_, high, low, close)
        self._marks[symbol] = close

    def _key(self, order: Order) -> str:
        """The position ``order`` acts on: its symbol in net mode; in hedge mode the side it
        opens (a buy the long), or, reduce-only, the side it closes (a sell the long)."""
        if not self._hedged:
            return order.symbol
        return position_key(order.symbol, (order.side is Side.BUY) != order.reduce_only, True)

    def _keys(self, symbol: str) -> tuple[str, ...]:
        """Every key a position in ``symbol`` may have here."""
        if not self._hedged:
            return (symbol,)
        return (position_key(symbol, True, True), position_key(symbol, False, True))

    def _holds(self, symbol: str) -> bool:
        return any(key in self._positions for key in self._keys(symbol))

    def _side_suffix(self, key: str) -> str:
        """What tells apart the ids of orders made for the two sides of a symbol (hedge mode)."""
        return "-" + key.rsplit("#", 1)[1] if self._hedged else ""

    def _cross_level(self, symbol: str) -> tuple[float, bool] | None:
        """Cross margin: the price of ``symbol`` at which the account's equity meets its
        maintenance requirement, the other positions at their latest marks, and whether a
        falling price meets it; None when nothing is held in ``symbol``."""
        constant = self.cash  # A: the equity that does not move with the symbol's price
        requirement = 0.0  # B: the maintenance requirement that does not
        slope = 0.0  # Q: how equity moves with the price
        requirement_slope = 0.0  # R: how the requirement does
        held = False
        for position in self._positions.values():
            constant += position.margin
            rate = position.maintenance_margin_rate
            if position.symbol == symbol:
                held = True
                constant -= position.quantity * position.entry_price
                slope += position.quantity
                requirement_slope += rate * position.size
            else:
                mark = self._marks.get(position.symbol, position.entry_price)
                constant += position.quantity * (mark - position.entry_price)
                requirement += rate * position.size * mark
        net = slope - requirement_slope
        if not held or net == 0.0:  # with a rate below 1, net is 0 only by exact accident
            return None
        if net > 0:
            return (requirement - constant) / net, True
        return (constant - requirement) / -net, False

    def _liquidation_levels(self, symbol: str) -> list[tuple[float, bool, str]]:
        """(level, met falling, what it liquidates) of each liquidation along ``symbol``."""
        if self._cross:
            level = self._cross_level(symbol)
            return [] if level is None else [(level[0], level[1], _ACCOUNT)]
        levels = []
        for key in self._keys(symbol):
            position = self._positions.get(key)
            if position is not None:
                levels.append((self._liquidation[key], position.quantity > 0, key))
        return levels

    def _adverse_rises(self, symbol: str) -> bool:
        """Whether a rising price is the adverse one for what is held in ``symbol``."""
        if self._plain:
            position = self._positions.get(symbol)
            return position is not None and position.quantity < 0
        if self._cross:
            level = self._cross_level(symbol)
            return level is not None and not level[1]
        net = sum(self._positions[key].quantity for key in self._keys(symbol)
                  if key in self._positions)  # fmt: skip
        return net < 0

    def _hit(self, symbol: str, what: Order | str, level: float, price: float, ts: int) -> None:
        """Act on a level met at ``price``: fill the order, or liquidate."""
        if isinstance(what, Order):
            self._fill_resting(what, price, ts)
        elif what == _ACCOUNT:
            self._liquidate_account(symbol, level if level > 0 else price, ts)
        else:
            self._liquidate(what, ts)

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
        if order.reduce_only and self._key(order) not in self._positions:
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
        path = (
            (open_, high, low, close) if self._adverse_rises(symbol) else (open_, low, high, close)
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
                level, what = hit
                # A level the open had already passed fills at the open (a gap), else at itself.
                fill_price = min(level, current) if target <= current else max(level, current)
                self._hit(symbol, what, level, fill_price, ts)
                current = fill_price
            at_open = False
            current = target

    def _fill_passed(self, symbol: str, ts: int, open_: float, falling: bool) -> None:
        """Fill at the open every level of one direction that the open has already passed."""
        while (hit := self._next_hit(symbol, open_, open_, True, falling)) is not None:
            self._hit(symbol, hit[1], hit[0], open_, ts)

    def _next_hit(
        self,
        symbol: str,
        current: float,
        target: float,
        at_open: bool,
        falling: bool | None = None,
    ) -> tuple[float, Order | str] | None:
        """The first level the price meets moving from ``current`` to ``target`` (in the
        ``falling`` direction when given); at the open, levels the open has already passed
        count as met. A key instead of an order means that position's liquidation (``_ACCOUNT``:
        the cross account's)."""
        if falling is None:
            falling = target <= current
        best: tuple[float, Order | str] | None = None
        for order in self._orders.values():
            if order.symbol != symbol or order.type is OrderType.MARKET:
                continue
            level = order.price if order.type is OrderType.LIMIT else order.trigger_price
            assert level is not None
            if _triggers_falling(order) != falling:
                continue
            if _within(level, current, target, falling, at_open) and _earlier(level, best, falling):
                best = (level, order)
        # Ties go to the order: a stop at the liquidation price fills as a stop.
        if not self._plain:
            for level, met_falling, what in self._liquidation_levels(symbol):
                if (
                    met_falling == falling
                    and _within(level, current, target, falling, at_open)
                    and _earlier(level, best, falling)
                ):
                    best = (level, what)
            return best
        liquidation = self._liquidation.get(symbol)
        position = self._positions.get(symbol)
        if (
            liquidation is not None
            and position is not None
            and (position.quantity > 0) == falling
            and _within(liquidation, current, target, falling, at_open)
            and _earlier(liquidation, best, falling)
        ):
            best = (liquidation, symbol)
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
        key = self._key(order)
        position = self._positions.get(key)
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
            realized, fee = self._reduce(key, position, closing, price, fee_rate)
            signed -= closing * sign
        if abs(signed) > _EPSILON and not order.reduce_only:
            opened, open_fee = self._increase(key, symbol, signed, price, fee_rate, order, ts)
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
        if key not in self._positions:
            self._cancel_reduce_only(key, ts)
        plan = self._exit_plans.pop(order.client_order_id, None)
        if plan is not None and key in self._positions:
            if plan.take_profit_limit is not None:
                self._place_take_profit_limit(order, plan.take_profit_limit, quantity, ts)
            else:
                self._place_exits(order, key, plan, price, ts)
        return filled

    def _place_take_profit_limit(
        self, entry: Order, level: float, quantity: float, ts: int
    ) -> None:
        """Take profit on what ``entry`` (a grid rung) bought or sold, and only that: a
        reduce-only limit order for its ``quantity`` at ``level``, so each rung of a ladder
        sells one level up on its own while the position's own plan stays as it is."""
        exit_order = Order(
            f"{entry.client_order_id}-take_profit", entry.symbol, entry.side.opposite,
            OrderType.LIMIT, quantity, ts, price=level, reduce_only=True,
            leverage=entry.leverage, tag="take_profit",
        )  # fmt: skip
        self.submit(exit_order, ts)

    def _place_exits(self, entry: Order, key: str, plan: ExitPlan, price: float, ts: int) -> None:
        """Guard the position ``entry`` opened (filled at ``price``) with its stop-loss and
        take-profit; exits given as fractions are placed that far from ``price``."""
        position = self._positions[key]
        plan = exit_levels(plan, price, position.quantity > 0, self._instruments[entry.symbol])
        self._set_position(key, replace(position, exit_plan=plan))
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
        self, key: str, position: Position, closing: float, price: float, fee_rate: float
    ) -> tuple[float, float]:
        """Close ``closing`` of ``position`` at ``price``; return (realized PnL, fee)."""
        if self._cross:
            return self._reduce_cross(key, position, closing, price, fee_rate)
        released, realized, rest = position.reduced(closing, price)
        available = self.cash + released + realized
        fee = min(closing * price * fee_rate, available)
        # A fee that takes all that is left leaves exactly zero, not a rounding residue below it.
        self.cash = 0.0 if fee >= available else self.cash + released + realized - fee
        self.realized_pnl += realized
        self.fees += fee
        if rest is None:
            self._remove_position(key)
        else:
            self._set_position(key, rest)
        return realized, fee

    def _reduce_cross(
        self, key: str, position: Position, closing: float, price: float, fee_rate: float
    ) -> tuple[float, float]:
        """``_reduce`` under cross margin: the whole loss is realized, paid by the released
        margin, then free cash, then the other positions' margin; never beyond the account's
        balance (the rest would be the exchange's insurance fund's)."""
        released, realized, rest = position.reduced(closing, price, isolated=False)
        others = sum(p.margin for k, p in self._positions.items() if k != key)
        realized = max(realized, -(self.cash + released + others))
        left = self.cash + released + realized
        fee = max(min(closing * price * fee_rate, left + others), 0.0)  # no rounding residue
        left -= fee
        self.realized_pnl += realized
        self.fees += fee
        if rest is None:
            self._remove_position(key)
        else:
            self._set_position(key, rest)
        if left < 0:
            self._draw_margin(-left, key)
            left = 0.0
        self.cash = left
        return realized, fee

    def _draw_margin(self, amount: float, spare: str) -> None:
        """Take ``amount`` from the margin of the positions other than ``spare`` (cross margin:
        the account's whole balance backs each of them), in the order they were opened."""
        for key, position in list(self._positions.items()):
            if amount <= 0:
                return
            if key != spare:
                taken = min(position.margin, amount)
                amount -= taken
                self._set_position(key, replace(position, margin=position.margin - taken))

    def _increase(
        self,
        key: str,
        symbol: str,
        signed: float,
        price: float,
        fee_rate: float,
        order: Order,
        ts: int,
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
        position = self._positions.get(key)
        if position is None:
            instrument = self._instruments[symbol]
            position = Position(
                symbol, direction * size, price, margin, order.leverage,
                instrument.maintenance_margin_rate, ts,
            )  # fmt: skip
        else:
            position = position.grown(size, price, margin)
        self._set_position(key, position)
        return size, fee

    def _liquidate(self, key: str, ts: int) -> None:
        """Isolated margin: liquidate the position keyed ``key`` at its liquidation price."""
        position = self._positions[key]
        symbol = position.symbol
        price = self._liquidation[key]
        side = Side.SELL if position.quantity > 0 else Side.BUY
        realized = max(position.unrealized_pnl(price), -position.margin)
        fee = position.margin + realized  # what is left of the margin goes as liquidation fee
        self.realized_pnl += realized
        self.fees += fee
        order_id = f"liquidation-{symbol}-{ts}{self._side_suffix(key)}"
        self._fills.append(
            Fill(order_id, symbol, side, position.size, price, fee, Liquidity.TAKER, ts,
                 realized, "liquidation")
        )  # fmt: skip
        self._remove_position(key)
        self._cancel_reduce_only(key, ts)

    def _liquidate_account(self, symbol: str, price: float, ts: int) -> None:
        """Cross margin: close every position, those in ``symbol`` at ``price`` (the account's
        level), the others at their marks; what equity is left goes as the liquidation fee,
        spread over the fills by their maintenance requirement."""
        closes = []
        equity = self.cash
        requirement = 0.0
        for key, position in self._positions.items():
            at = price if position.symbol == symbol else self._marks.get(position.symbol, price)
            realized = position.unrealized_pnl(at)
            equity += position.margin + realized
            share = position.maintenance_margin_rate * position.size * at
            requirement += share
            closes.append((key, position, at, realized, share))
        fee_total = max(equity, 0.0)
        beyond = min(equity, 0.0)  # a loss past the balance (a gap): not the account's
        fee_left = fee_total
        for index, (key, position, at, pnl, share) in enumerate(closes):
            last = index == len(closes) - 1
            if last:
                fee = max(fee_left, 0.0)  # not a rounding residue below zero
            else:
                fee = fee_total * share / requirement if requirement else 0.0
            fee_left -= fee
            realized = pnl - beyond if last else pnl
            self.realized_pnl += realized
            self.fees += fee
            side = Side.SELL if position.quantity > 0 else Side.BUY
            self._fills.append(
                Fill(f"liquidation-{position.symbol}-{ts}{self._side_suffix(key)}",
                     position.symbol, side, position.size, at, fee, Liquidity.TAKER, ts,
                     realized, "liquidation")
            )  # fmt: skip
            self._remove_position(key)
            self._cancel_reduce_only(key, ts)
        self.cash = 0.0

    def _cancel(self, client_order_id: str, ts: int, reason: str) -> Order | None:
        """Cancel an open order; return it canceled (None when it was not open)."""
        order = self._orders.pop(client_order_id, None)
        self._exit_plans.pop(client_order_id, None)
        if order is None:
            return None
        canceled, event = order.apply(OrderAction.CANCEL, ts, reason=reason)
        self._events.append(event)
        return canceled

    def _cancel_reduce_only(self, key: str, ts: int) -> None:
        """Cancel the reduce-only orders left on the position keyed ``key`` (it is closed)."""
        if not self._orders:
            return
        if self._hedged:
            closing = [o for o in self._orders.values() if o.reduce_only and self._key(o) == key]
        else:
            closing = [o for o in self._orders.values() if o.symbol == key and o.reduce_only]
        for order in closing:
            self.cancel(order.client_order_id, ts, "position closed")

    def _set_position(self, key: str, position: Position) -> None:
        self._positions[key] = position
        if not self._cross:
            self._liquidation[key] = position.liquidation_price()

    def _remove_position(self, key: str) -> None:
        self._positions.pop(key, None)
        self._liquidation.pop(key, None)


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


def _earlier(level: float, best: tuple[float, Order | str] | None, falling: bool) -> bool:
    if best is None:
        return True
    return level > best[0] if falling else level < best[0]
