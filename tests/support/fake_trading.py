"""The exchange side of the fake exchange's private API: accounts, orders, positions, fills,
funding and the matching of conditional orders on the sample's 1h bars.

It knows nothing of any wire format: quantities are base units, money is USDT, prices and
times come from the caller. The wire formats (tests/support/fake_okx_trading.py and
fake_binance_trading.py) turn requests into these calls and the results into answers.

Rules:
- A market order fills at once, whole, at the price it is given (the fake gives the open of the
  1h bar containing its clock), taker fee = notional x the rate it is given.
- Margin is isolated per position: opening ``q`` at ``p`` moves ``q * p / leverage`` from cash
  into the position's margin; reducing releases margin pro rata and books the realized PnL into
  cash. Equity = cash + margins + unrealized PnL.
- An order whose opening part needs more margin + fee than the cash is refused whole.
- Reduce-only: never more than the position, refused (market) or failed (conditional) when
  there is no position to reduce.
- Conditional orders carry a stop and/or a take-profit trigger (both: one-cancels-the-other
  inside one order). A sell's stop triggers at or below its level and its take-profit at or
  above; a buy's the other way round. A triggered order places a market order (its child).
- A bar is walked open -> adverse extreme -> favourable extreme -> close (a long, or no
  position, sees the low first; a short the high). Levels the open already passed fill at the
  open, the adverse side first; others at their level, in the order the path meets them.
  The liquidation price is a level too (ties go to the order): the position closes there and
  its whole margin is lost.
- Orders that close the whole position (``close_position``), or are tied to it
  (``cancel_when_flat``), are canceled when it goes flat.
- Funding: ``-quantity * mark * rate`` per position, from cash first, then from its margin."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

from tests.support.fake_accounts import (
    EPSILON,
    Bill,
    Exits,
    FakeAccount,
    Fill,
    Order,
    Position,
    Rejection,
    clean,
    sign,
)


class Trading:
    """Every account of the fake exchange and the ids they share. Thread-safe: each public
    method holds ``lock`` (a re-entrant lock the server also holds around a whole request)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, FakeAccount] = {}
        self._order_ids: Iterator[int] = itertools.count(2_000_000_000_000_000_001)
        self._trade_ids: Iterator[int] = itertools.count(500_000_001)
        self._bill_ids: Iterator[int] = itertools.count(3_000_000_000_000_000_001)
        self._position_ids: Iterator[int] = itertools.count(4_000_000_000_000_000_001)

    def add_account(
        self, api_key: str, secret: str, passphrase: str = "", usdt: float = 10_000.0,
        demo: bool = True,
    ) -> FakeAccount:  # fmt: skip
        with self.lock:
            account = FakeAccount(api_key, secret, passphrase, usdt, demo)
            self.accounts[api_key] = account
            return account

    def next_order_id(self) -> str:
        return str(next(self._order_ids))

    # -- orders --------------------------------------------------------------------------------

    def market_order(
        self,
        account: FakeAccount,
        symbol: str,
        side: str,
        quantity: float,
        *,
        now: int,
        price: float,
        fee_rate: float,
        client_order_id: str = "",
        reduce_only: bool = False,
        fill_quantity: float | None = None,
        exits: Exits | None = None,
        extras: dict[str, str] | None = None,
    ) -> Order:
        """Place and fill a market order (``fill_quantity`` of it when given: the rest is
        canceled, as an exchange cancels what an IOC order could not fill)."""
        with self.lock:
            self._check_new(account, client_order_id, quantity)
            position = account.positions.get(symbol)
            if reduce_only:
                if position is None or position.quantity * sign(side) > 0:
                    raise Rejection("no_position", f"no position in {symbol} to reduce")
                quantity = min(quantity, position.size)
            executed = quantity if fill_quantity is None else min(fill_quantity, quantity)
            self._check_funds(account, symbol, side, executed, price, fee_rate)
            order = Order(
                self.next_order_id(), client_order_id, symbol, side, quantity, now,
                reduce_only=reduce_only, fee_rate=fee_rate, updated_ms=now, exits=exits,
                extras=dict(extras or {}),
            )  # fmt: skip
            account.orders[order.order_id] = order
            if executed > EPSILON:
                self._execute(account, order, executed, price, now)
            if order.filled < order.quantity - EPSILON:
                order.status = "canceled"
                order.cancel_reason = "the remainder of an immediate-or-cancel order"
            return order

    def conditional_order(
        self,
        account: FakeAccount,
        symbol: str,
        side: str,
        quantity: float,
        *,
        now: int,
        fee_rate: float,
        stop_price: float | None = None,
        take_profit_price: float | None = None,
        client_order_id: str = "",
        reduce_only: bool = False,
        close_position: bool = False,
        extras: dict[str, str] | None = None,
        parent_id: str | None = None,
        cancel_when_flat: bool = False,
    ) -> Order:
        """Place a stop-loss, take-profit or both (one cancels the other)."""
        with self.lock:
            if stop_price is None and take_profit_price is None:
                raise Rejection("invalid_order", "a conditional order needs a trigger price")
            if close_position:
                quantity = 1.0  # checked as any order, then the size is the position's
            self._check_new(account, client_order_id, quantity)
            if close_position:
                quantity = 0.0
            order = Order(
                self.next_order_id(), client_order_id, symbol, side, quantity, now,
                kind="conditional", reduce_only=reduce_only or close_position,
                close_position=close_position, stop_price=stop_price,
                take_profit_price=take_profit_price, fee_rate=fee_rate, updated_ms=now,
                extras=dict(extras or {}), parent_id=parent_id,
                cancel_when_flat=cancel_when_flat or close_position,
            )  # fmt: skip
            account.orders[order.order_id] = order
            return order

    def cancel(self, account: FakeAccount, order: Order, now: int, reason: str = "") -> Order:
        with self.lock:
            if not order.is_open:
                raise Rejection("not_cancelable", f"order {order.order_id} is {order.status}")
            order.status, order.updated_ms = "canceled", now
            order.cancel_reason = reason or "canceled by the user"
            return order

    def close_position(
        self, account: FakeAccount, symbol: str, *, now: int, price: float, fee_rate: float,
        client_order_id: str = "", extras: dict[str, str] | None = None,
    ) -> Order:  # fmt: skip
        """Close the whole position of ``symbol`` with a reduce-only market order."""
        with self.lock:
            position = account.positions.get(symbol)
            if position is None:
                raise Rejection("no_position", f"no position in {symbol}")
            side = "sell" if position.quantity > 0 else "buy"
            return self.market_order(
                account, symbol, side, position.size, now=now, price=price, fee_rate=fee_rate,
                client_order_id=client_order_id, reduce_only=True, extras=extras,
            )  # fmt: skip

    def set_leverage(self, account: FakeAccount, symbol: str, leverage: float) -> None:
        """Set the leverage of new margin in ``symbol`` (an open position keeps its margin)."""
        with self.lock:
            account.leverage[symbol] = leverage
            if symbol in account.positions:
                account.positions[symbol].leverage = leverage

    def open_position_by_hand(
        self, account: FakeAccount, symbol: str, quantity: float, price: float, now: int
    ) -> Position:
        """Open (or add to) a position as if by hand on the exchange's website: margin moves
        from cash, no fee, no order or fill of the API."""
        with self.lock:
            leverage = account.leverage_of(symbol)
            order = Order(
                self.next_order_id(), "", symbol, "buy" if quantity > 0 else "sell",
                abs(quantity), now, updated_ms=now, extras={"source": "web"},
            )  # fmt: skip
            self._open(account, order, quantity, price, leverage, now)
            return account.positions[symbol]

    # -- market data in ------------------------------------------------------------------------

    def run_bar(
        self, symbol: str, ts: int, open_: float, high: float, low: float, close: float
    ) -> None:
        """Run one closed bar of ``symbol``, opened at ``ts``, through every account (its fills
        are stamped ``ts``, or the order's own time if later: the paper venue's stamp too)."""
        with self.lock:
            for account in self.accounts.values():
                if account.positions.get(symbol) or account.open_orders(symbol):
                    self._walk(account, symbol, ts, open_, high, low, close)

    def settle_funding(self, symbol: str, ts: int, rate: float, mark: float) -> None:
        """Pay or receive funding on every open position of ``symbol``."""
        with self.lock:
            for account in self.accounts.values():
                position = account.positions.get(symbol)
                if position is None:
                    continue
                amount = -position.quantity * mark * rate
                if amount < 0:
                    from_cash = min(account.cash, -amount)
                    from_margin = min(position.margin, -amount - from_cash)
                    amount = -(from_cash + from_margin)
                    account.cash -= from_cash
                    position.margin -= from_margin
                else:
                    account.cash += amount
                position.funding += amount
                position.realized_pnl += amount
                account.bills.append(
                    Bill(
                        str(next(self._bill_ids)), "funding", symbol, amount,
                        account.cash + account.margin, ts, quantity=position.quantity,
                        price=mark, rate=rate,
                    )
                )  # fmt: skip

    # -- internals -----------------------------------------------------------------------------

    def _check_new(self, account: FakeAccount, client_order_id: str, quantity: float) -> None:
        if client_order_id and account.order_by_client_id(client_order_id) is not None:
            raise Rejection("duplicate_client_order_id", client_order_id)
        if not quantity > 0:
            raise Rejection("invalid_order", "the quantity must be positive")

    def _check_funds(
        self, account: FakeAccount, symbol: str, side: str, quantity: float, price: float,
        fee_rate: float,
    ) -> None:  # fmt: skip
        position = account.positions.get(symbol)
        opening, freed = quantity, 0.0
        if position is not None and position.quantity * sign(side) < 0:
            closing = min(quantity, position.size)
            opening = quantity - closing
            freed = position.margin * closing / position.size + closing * (
                price - position.entry_price
            ) * (1 if position.quantity > 0 else -1)
        needed = opening * price / account.leverage_of(symbol) + quantity * price * fee_rate
        if needed > account.cash + freed + EPSILON:
            raise Rejection(
                "insufficient_funds", f"needs {needed:.4f} USDT, has {account.cash + freed:.4f}"
            )

    def _execute(
        self, account: FakeAccount, order: Order, quantity: float, price: float, now: int
    ) -> Fill:
        """Fill ``quantity`` of ``order`` at ``price``: reduce, then open with the rest."""
        symbol, direction = order.symbol, sign(order.side)
        fee = quantity * price * order.fee_rate
        position = account.positions.get(symbol)
        realized, reduced, opening = 0.0, False, quantity
        if position is not None and position.quantity * direction < 0:
            closing = min(quantity, position.size)
            opening = quantity - closing
            reduced = True
            realized = (
                closing * (price - position.entry_price) * (1 if position.quantity > 0 else -1)
            )
            released = position.margin * closing / position.size
            position.margin -= released
            position.quantity = clean(position.quantity + closing * direction)
            position.realized_pnl += realized
            position.updated_ms = now
            account.cash += released + realized
            if abs(position.quantity) <= EPSILON:
                account.cash += position.margin  # what rounding left behind
                del account.positions[symbol]
        if opening > EPSILON:
            self._open(account, order, opening * direction, price, account.leverage_of(symbol), now)
        account.cash -= fee
        if symbol in account.positions:
            account.positions[symbol].fees += fee
            account.positions[symbol].realized_pnl -= fee
        total = order.filled + quantity
        order.average_price = (order.average_price * order.filled + price * quantity) / total
        order.filled = clean(total)
        order.fee += fee
        order.realized_pnl += realized
        order.fill_ms = order.updated_ms = now
        if order.filled >= order.quantity - EPSILON:
            order.status = "filled"
        fill = Fill(
            str(next(self._trade_ids)), order.order_id, order.client_order_id, symbol,
            order.side, quantity, price, fee, order.fee_rate, realized, now, reduced,
        )  # fmt: skip
        account.fills.append(fill)
        account.bills.append(
            Bill(
                str(next(self._bill_ids)), "trade", symbol, realized - fee,
                account.cash + account.margin, now, order.order_id, order.client_order_id,
                fill.trade_id, order.side, quantity, price, fee, realized, reduced=reduced,
            )
        )  # fmt: skip
        if symbol not in account.positions:
            for other in account.open_orders(symbol):
                if other.cancel_when_flat:
                    self.cancel(account, other, now, "the position was closed")
        if order.exits is not None and symbol in account.positions:
            self._place_exits(account, order, quantity, now)
        return fill

    def _open(
        self, account: FakeAccount, order: Order, signed: float, price: float, leverage: float,
        now: int,
    ) -> None:  # fmt: skip
        margin = abs(signed) * price / leverage
        account.cash -= margin
        position = account.positions.get(order.symbol)
        if position is None:
            account.positions[order.symbol] = Position(
                order.symbol, clean(signed), price, margin, leverage, now, now,
                str(next(self._position_ids)),
            )  # fmt: skip
            return
        total = position.size + abs(signed)
        position.entry_price = (position.entry_price * position.size + price * abs(signed)) / total
        position.quantity = clean(position.quantity + signed)
        position.margin += margin
        position.leverage = leverage
        position.updated_ms = now

    def _place_exits(self, account: FakeAccount, entry: Order, quantity: float, now: int) -> None:
        exits = entry.exits
        assert exits is not None
        self.conditional_order(
            account, entry.symbol, "sell" if entry.side == "buy" else "buy", quantity, now=now,
            fee_rate=entry.fee_rate, stop_price=exits.stop_price,
            take_profit_price=exits.take_profit_price, client_order_id=exits.client_order_id,
            reduce_only=True, extras=exits.extras, parent_id=entry.order_id,
        )  # fmt: skip

    def _trigger(
        self, account: FakeAccount, order: Order, leg: str, price: float, now: int
    ) -> None:
        """Fire ``order``'s ``leg``: place its child market order and fill it at ``price``."""
        now = max(now, order.created_ms)
        order.triggered_leg, order.updated_ms = leg, now
        position = account.positions.get(order.symbol)
        quantity = order.quantity
        if order.reduce_only:
            if position is None or position.quantity * sign(order.side) > 0:
                order.status, order.cancel_reason = "failed", "no position to reduce"
                return
            quantity = position.size if order.close_position else min(quantity, position.size)
        try:
            self._check_funds(account, order.symbol, order.side, quantity, price, order.fee_rate)
        except Rejection as rejection:
            order.status, order.cancel_reason = "failed", rejection.detail
            return
        child = Order(
            self.next_order_id(), "", order.symbol, order.side, quantity, now,
            reduce_only=order.reduce_only, fee_rate=order.fee_rate, updated_ms=now,
            parent_id=order.order_id, extras={"trigger": leg},
        )  # fmt: skip
        account.orders[child.order_id] = child
        order.status, order.child_id = "triggered", child.order_id
        order.quantity = order.quantity or quantity
        self._execute(account, child, quantity, price, now)
        order.filled, order.average_price, order.fee = child.filled, price, child.fee

    def _liquidate(self, account: FakeAccount, symbol: str, price: float, now: int) -> None:
        position = account.positions[symbol]
        order = Order(
            self.next_order_id(), "", symbol, "sell" if position.quantity > 0 else "buy",
            position.size, now, reduce_only=True, updated_ms=now, liquidation=True,
            extras={"category": "full_liquidation"},
        )  # fmt: skip
        account.orders[order.order_id] = order
        margin = position.margin
        self._execute(account, order, position.size, price, now)
        # The whole margin is lost: whatever the close returned to cash goes as the penalty.
        returned = margin + order.realized_pnl
        account.cash -= max(returned, 0.0)
        order.extras["liquidation_penalty"] = repr(max(returned, 0.0))

    def _levels(
        self, account: FakeAccount, symbol: str, falling: bool
    ) -> list[tuple[float, Order | None, str]]:
        """Every trigger level of ``symbol`` that fires with the price moving down
        (``falling``) or up: (level, order, leg); order ``None`` is the liquidation."""
        levels: list[tuple[float, Order | None, str]] = []
        for order in account.open_orders(symbol):
            legs = (("stop", order.stop_price), ("take_profit", order.take_profit_price))
            for leg, level in legs:
                if level is None:
                    continue
                down = (leg == "stop") == (order.side == "sell")
                if down == falling:
                    levels.append((level, order, leg))
        position = account.positions.get(symbol)
        if position is not None and (position.quantity > 0) == falling:
            levels.append((position.liquidation_price, None, "liquidation"))
        return levels

    def _next_hit(
        self, account: FakeAccount, symbol: str, current: float, target: float, falling: bool
    ) -> tuple[float, Order | None, str] | None:
        """The first level met moving from ``current`` to ``target`` (inclusive)."""
        best: tuple[float, Order | None, str] | None = None
        for level, order, leg in self._levels(account, symbol, falling):
            inside = target <= level <= current if falling else current <= level <= target
            if not inside:
                continue
            if (
                best is None
                or (level > best[0] if falling else level < best[0])
                or (level == best[0] and best[1] is None)  # ties go to the order
            ):
                best = (level, order, leg)
        return best

    def _fire(
        self, account: FakeAccount, symbol: str, hit: tuple[float, Order | None, str],
        price: float, now: int,
    ) -> None:  # fmt: skip
        if hit[1] is None:  # at its own price even past a gap: the margin is all it loses
            self._liquidate(account, symbol, hit[0], now)
        else:
            self._trigger(account, hit[1], hit[2], price, now)

    def _walk(
        self, account: FakeAccount, symbol: str, ts: int, open_: float, high: float, low: float,
        close: float,
    ) -> None:  # fmt: skip
        position = account.positions.get(symbol)
        path = (
            (open_, high, low, close)
            if position and position.quantity < 0
            else (open_, low, high, close)
        )
        # Levels the open already passed (a gap) fill at the open, the adverse side first.
        first_falling = path[1] <= open_
        for falling in (first_falling, not first_falling):
            far = float("inf") if falling else -float("inf")
            while (hit := self._next_hit(account, symbol, far, open_, falling)) is not None:
                self._fire(account, symbol, hit, open_, ts)
        current = open_
        for target in path[1:]:
            falling = target <= current
            while (hit := self._next_hit(account, symbol, current, target, falling)) is not None:
                self._fire(account, symbol, hit, hit[0], ts)
                current = hit[0]
            current = target
