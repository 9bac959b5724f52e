"""Bitget v2 private REST of USDT-M futures (``/api/v2/mix``) for the fake exchange: one-way
mode, isolated margin, demo trading, as CCXT's ``bitget`` client calls it.

Requests are authenticated as Bitget does it: ACCESS-KEY, ACCESS-PASSPHRASE, ACCESS-TIMESTAMP
(epoch ms, within 30 s of the wall clock) and ACCESS-SIGN = base64 HMAC-SHA256 of timestamp +
METHOD + path (+ "?" + the query, unescaped) + body; a demo key answers only requests with the
``paptrading: 1`` header (40099 otherwise, and a live key refuses it). Sizes are base coin.

Orders: ``place-order`` (market only), ``detail``, ``orders-pending``, ``cancel-order``,
``fills`` and ``fill-history``; stops and take-profits are TP/SL plan orders
(``place-tpsl-order``, ``loss_plan`` / ``profit_plan`` sized, ``pos_loss`` / ``pos_profit`` for
the whole position), which Bitget cancels when their position closes, lists by
``planType=profit_loss`` in ``orders-plan-pending`` / ``orders-plan-history`` (the order it
placed on triggering is ``executeOrderId``) and cancels in ``cancel-plan-order`` only when
asked with their own ``planType`` (default ``normal_plan``). The account endpoints are in
tests/support/fake_bitget_account.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tests.support.fake_accounts import FakeAccount, Order, Rejection, clean
from tests.support.fake_bitget_account import BitgetAccountApi
from tests.support.fake_bitget_rows import (
    SPECS,
    TAKER_FEE,
    BitgetError,
    Row,
    between,
    bitget_id,
    check_product,
    listing,
    n,
    ok,
    page,
)
from tests.support.fake_venues import Listing

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange, PrivateRoute, Request

Handler = Callable[[FakeAccount, Row], Any]

_PREFIX = "/api/v2/mix/"
_REJECTIONS = {  # Rejection.reason -> (code, msg)
    "insufficient_funds": ("40762", "The order amount exceeds the balance"),
    "invalid_order": ("40808", "Parameter verification exception size checkBDScale error"),
    "duplicate_client_order_id": ("40786", "Duplicate clientOid"),
    "no_position": ("22002", "No position to close"),
    "order_not_found": ("40768", "Order does not exist"),
    "not_cancelable": ("40768", "Order does not exist"),
}
_TPSL = {"loss_plan", "profit_plan", "pos_loss", "pos_profit"}
_PLAN_STATUS = {"open": "live", "triggered": "executed", "failed": "fail_execute",
                "canceled": "cancelled"}  # fmt: skip


def _refused(rejection: Rejection) -> BitgetError:
    return BitgetError(400, *_REJECTIONS[rejection.reason])


class BitgetTrading:
    """The private routes, keyed by (method, path)."""

    order_paths = frozenset(
        {("POST", "/api/v2/mix/order/place-order"), ("POST", "/api/v2/mix/order/place-tpsl-order")}
    )

    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake

    def routes(self) -> dict[tuple[str, str], PrivateRoute]:
        handlers: dict[tuple[str, str], Handler] = {
            ("POST", "order/place-order"): self.place,
            ("POST", "order/place-tpsl-order"): self.place_tpsl,
            ("GET", "order/detail"): self.detail,
            ("GET", "order/orders-pending"): self.orders_pending,
            ("POST", "order/cancel-order"): self.cancel,
            ("GET", "order/orders-plan-pending"): self.plans_pending,
            ("GET", "order/orders-plan-history"): self.plans_history,
            ("POST", "order/cancel-plan-order"): self.cancel_plans,
            ("GET", "order/fills"): self.fills,
            ("GET", "order/fill-history"): self.fills,
            **BitgetAccountApi(self.fake).handlers(),
        }
        return {
            (method, _PREFIX + path): self._private(handler)
            for (method, path), handler in handlers.items()
        }

    # -- authentication ------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> FakeAccount:
        headers = request.headers
        for header, code in (
            ("access-key", "40001"),
            ("access-sign", "40003"),
            ("access-timestamp", "40005"),
            ("access-passphrase", "40011"),
        ):
            if not headers.get(header):
                raise BitgetError(400, code, f"{header.upper().replace('-', '_')} cannot be empty")
        try:
            late = time.time() * 1000 - int(headers["access-timestamp"])
        except ValueError:
            raise BitgetError(400, "40005", "Invalid ACCESS_TIMESTAMP") from None
        if abs(late) > 30_000:
            raise BitgetError(400, "40008", "Request timestamp expired")
        account = self.fake.trading.accounts.get(headers["access-key"])
        if account is None:
            raise BitgetError(400, "40006", "Invalid ACCESS_KEY")
        if headers["access-passphrase"] != account.passphrase:
            raise BitgetError(400, "40012", "apikey/password is incorrect")
        path = request.path + (f"?{unquote(request.query)}" if request.query else "")
        prehash = headers["access-timestamp"] + request.method + path + request.body
        digest = hmac.new(account.secret.encode(), prehash.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), headers["access-sign"]):
            raise BitgetError(400, "40009", "sign signature error")
        if (headers.get("paptrading") == "1") != account.demo:
            raise BitgetError(400, "40099", "exchange environment is incorrect")
        return account

    def _private(self, handler: Handler) -> PrivateRoute:
        def route(request: Request) -> tuple[int, Any]:
            now = self.fake.now_ms
            try:
                account = self._authenticate(request)
                if request.method == "GET":
                    params: Row = dict(request.params)
                else:
                    try:
                        params = json.loads(request.body) if request.body else {}
                    except ValueError:
                        raise BitgetError(400, "40017", "Parameter verification failed") from None
                return 200, ok(handler(account, params), now)
            except BitgetError as error:
                return error.status, error.body(now)
            except Rejection as rejection:
                refusal = _refused(rejection)
                return refusal.status, refusal.body(now)

        return route

    # -- orders --------------------------------------------------------------------------------

    def _checked(self, account: FakeAccount, params: Row) -> tuple[Listing, float]:
        """What every order shares: product, symbol, margin coin, one-way mode, size."""
        check_product(params)
        item = listing(str(params.get("symbol", "")))
        if params.get("marginCoin", "").upper() != "USDT":
            raise BitgetError(400, "40017", "Parameter verification failed: marginCoin")
        if account.hedged:
            raise BitgetError(
                400, "40774",
                "The order type for unilateral position must also be the unilateral position "
                "type.",
            )  # fmt: skip
        kind = self.fake.take_order_rejection()
        if kind is not None:
            raise _refused(Rejection(kind))
        return item, _size(item, params.get("size"))

    def place(self, account: FakeAccount, params: Row) -> Row:
        item, size = self._checked(account, params)
        side = params.get("side")
        if side not in ("buy", "sell") or params.get("tradeSide"):
            raise BitgetError(400, "40017", "Parameter verification failed: side")
        if params.get("orderType") != "market":
            raise BitgetError(400, "40017", "orderType (this fake fills market orders only)")
        if params.get("marginMode") != "isolated":
            raise BitgetError(400, "40017", "marginMode (this fake trades isolated margin only)")
        reduce_only = str(params.get("reduceOnly", "NO")).upper() == "YES"
        price = self.fake.price_now(item.symbol)
        if not reduce_only and size * price < 5:
            raise BitgetError(400, "45110", "less than the minimum amount 5 USDT")
        fraction = self.fake.take_partial_fill()
        fill = None
        if fraction is not None:
            step = float(SPECS[item.base][2])
            fill = clean(math.floor(size * fraction / step + 1e-9) * step)
        order = self.fake.trading.market_order(
            account, item.symbol, str(side), size, now=self.fake.now_ms, price=price,
            fee_rate=TAKER_FEE, client_order_id=str(params.get("clientOid") or ""),
            reduce_only=reduce_only, fill_quantity=fill, extras={"source": "API"},
        )  # fmt: skip
        return {"orderId": order.order_id, "clientOid": order.client_order_id}

    def place_tpsl(self, account: FakeAccount, params: Row) -> Row:
        plan = params.get("planType")
        if plan not in _TPSL:
            raise BitgetError(400, "40017", f"planType {plan} (this fake places TP/SL plans)")
        whole = plan in ("pos_loss", "pos_profit")
        if whole:  # the position's own TP/SL: no size, it closes the whole position
            params = {**params, "size": params.get("size") or "1"}
        item, size = self._checked(account, params)
        hold = params.get("holdSide")
        if hold not in ("buy", "sell"):
            raise BitgetError(400, "40017", "holdSide (one-way mode: buy or sell)")
        position = account.positions.get(item.symbol)
        if position is None or (position.quantity > 0) != (hold == "buy"):
            raise _refused(Rejection("no_position"))
        if str(params.get("executePrice") or "0") not in ("0", ""):
            raise BitgetError(400, "40017", "executePrice (this fake executes at market only)")
        try:
            level = float(params.get("triggerPrice", ""))
        except ValueError:
            raise BitgetError(400, "40017", "Parameter verification failed: triggerPrice") from None
        stop = plan in ("loss_plan", "pos_loss")
        mark = self.fake.price_now(item.symbol)
        if stop and (level >= mark if hold == "buy" else level <= mark):
            if hold == "buy":
                raise BitgetError(400, "40917", f"Stop price for long positions please < mark "
                                  f"price {n(mark)}")  # fmt: skip
            raise BitgetError(400, "45122", f"Short position stop loss price please > mark "
                              f"price {n(mark)}")  # fmt: skip
        order = self.fake.trading.conditional_order(
            account, item.symbol, "sell" if hold == "buy" else "buy", 0.0 if whole else size,
            now=self.fake.now_ms, fee_rate=TAKER_FEE, stop_price=level if stop else None,
            take_profit_price=None if stop else level,
            client_order_id=str(params.get("clientOid") or ""), reduce_only=True,
            close_position=whole, cancel_when_flat=True,
            extras={"planType": str(plan), "triggerType": str(params.get("triggerType")
                                                             or "fill_price")},
        )  # fmt: skip
        return {"orderId": order.order_id, "clientOid": order.client_order_id}

    def detail(self, account: FakeAccount, params: Row) -> Row:
        check_product(params)
        item = listing(str(params.get("symbol", "")))
        order = _find(account, params)
        if order is None or order.kind != "market" or order.symbol != item.symbol:
            raise BitgetError(
                400, "40109", "The data of the order cannot be found, please confirm the order "
                "number",
            )  # fmt: skip
        return self._order_row(account, order)

    def orders_pending(self, account: FakeAccount, params: Row) -> Row:
        check_product(params)
        return {"entrustedList": None, "endId": None}  # market orders never rest

    def cancel(self, account: FakeAccount, params: Row) -> Row:
        check_product(params)
        listing(str(params.get("symbol", "")))
        raise _refused(Rejection("order_not_found"))  # filled or canceled at once

    # -- TP/SL plans -------------------------------------------------------------------------

    def plans_pending(self, account: FakeAccount, params: Row) -> Row:
        return self._plans(account, params, ("open",))

    def plans_history(self, account: FakeAccount, params: Row) -> Row:
        return self._plans(account, params, ("triggered", "failed", "canceled"))

    def _plans(self, account: FakeAccount, params: Row, states: tuple[str, ...]) -> Row:
        check_product(params)
        kind = params.get("planType")
        if not kind:
            raise BitgetError(400, "40019", "Parameter planType cannot be empty")
        chosen = [
            order
            for order in account.orders.values()
            if order.kind == "conditional"
            and order.status in states
            and (kind == "profit_loss") == (order.extras.get("planType") in _TPSL)
            and params.get("symbol") in (None, "", bitget_id(order.symbol))
            and params.get("orderId") in (None, "", order.order_id)
            and params.get("clientOid") in (None, "", order.client_order_id)
            and between(order.created_ms, params)
        ]
        rows, end = page(chosen, params, "order_id")
        return {"entrustedList": [self._plan_row(o) for o in rows] or None, "endId": end or None}

    def cancel_plans(self, account: FakeAccount, params: Row) -> Row:
        check_product(params)
        kind = params.get("planType") or "normal_plan"
        wanted = params.get("orderIdList")
        if not isinstance(wanted, list) or not wanted:
            raise BitgetError(400, "40017", "orderIdList (this fake cancels listed orders only)")
        if not params.get("symbol"):
            raise BitgetError(400, "40019", "Parameter symbol cannot be empty")
        item = listing(str(params["symbol"]))
        done, failed = [], []
        for entry in wanted:
            order = _find(account, entry if isinstance(entry, dict) else {})
            row = {"orderId": order.order_id if order else str(entry.get("orderId") or ""),
                   "clientOid": order.client_order_id if order else ""}  # fmt: skip
            if (
                order is None
                or order.kind != "conditional"
                or order.symbol != item.symbol
                or order.extras.get("planType") != kind
                or not order.is_open
            ):
                failed.append({**row, "errorMsg": "notExistend"})
                continue
            self.fake.trading.cancel(account, order, self.fake.now_ms)
            done.append(row)
        return {"successList": done, "failureList": failed}

    # -- fills ---------------------------------------------------------------------------------

    def fills(self, account: FakeAccount, params: Row) -> Row:
        check_product(params)
        chosen = [
            fill
            for fill in account.fills
            if params.get("symbol") in (None, "", bitget_id(fill.symbol))
            and params.get("orderId") in (None, "", fill.order_id)
            and between(fill.ts, params)
        ]
        rows, end = page(chosen, params, "trade_id")
        return {
            "fillList": [
                {
                    "tradeId": fill.trade_id,
                    "symbol": bitget_id(fill.symbol),
                    "orderId": fill.order_id,
                    "price": n(fill.price),
                    "baseVolume": n(fill.quantity),
                    "feeDetail": [
                        {
                            "deduction": "no",
                            "feeCoin": "USDT",
                            "totalDeductionFee": "0",
                            "totalFee": n(-fill.fee),
                        }
                    ],
                    "side": fill.side,
                    "quoteVolume": n(fill.quantity * fill.price),
                    "profit": n(fill.realized_pnl),
                    "enterPointSource": "api",
                    "tradeSide": f"{fill.side}_single",
                    "posMode": "one_way_mode",
                    "tradeScope": "taker",
                    "cTime": str(fill.ts),
                }
                for fill in rows
            ]
            or None,
            "endId": end or None,
        }

    # -- rows ----------------------------------------------------------------------------------

    def _order_row(self, account: FakeAccount, order: Order) -> Row:
        state = {"filled": "filled", "canceled": "canceled"}.get(order.status, "live")
        return {
            "symbol": bitget_id(order.symbol),
            "size": n(order.quantity),
            "orderId": order.order_id,
            "clientOid": order.client_order_id,
            "baseVolume": n(order.filled),
            "fee": n(-order.fee),
            "price": "",
            "priceAvg": n(order.average_price) if order.filled else "",
            "state": state,
            "side": order.side,
            "force": "gtc",
            "totalProfits": n(order.realized_pnl),
            "posSide": "net",
            "marginCoin": "USDT",
            "presetStopSurplusPrice": "",
            "presetStopLossPrice": "",
            "quoteVolume": n(order.filled * order.average_price),
            "orderType": "market",
            "leverage": n(account.leverage_of(order.symbol)),
            "marginMode": "isolated",
            "reduceOnly": "YES" if order.reduce_only else "NO",
            "enterPointSource": order.extras.get("source", "SYS"),
            "tradeSide": f"{order.side}_single",
            "posMode": "one_way_mode",
            "orderSource": "market",
            "cancelReason": order.cancel_reason if state == "canceled" else "",
            "cTime": str(order.created_ms),
            "uTime": str(order.updated_ms),
        }

    def _plan_row(self, order: Order) -> Row:
        fired = order.status == "triggered"
        return {
            "planType": order.extras.get("planType", "normal_plan"),
            "symbol": bitget_id(order.symbol),
            "size": n(order.quantity) if order.quantity else "",
            "orderId": order.order_id,
            "executeOrderId": order.child_id or "",
            "clientOid": order.client_order_id,
            "planStatus": _PLAN_STATUS[order.status],
            "price": "0",
            "executePrice": "0",
            "priceAvg": n(order.average_price) if fired and order.filled else "",
            "baseVolume": n(order.filled) if fired else "",
            "callbackRatio": "",
            "triggerPrice": n(order.stop_price or order.take_profit_price or 0.0),
            "triggerType": order.extras.get("triggerType", "fill_price"),
            "side": order.side,
            "posSide": "net",
            "marginCoin": "USDT",
            "marginMode": "isolated",
            "enterPointSource": "API",
            "tradeSide": f"{order.side}_single",
            "posMode": "one_way_mode",
            "orderType": "market",
            "orderSource": "market",
            "cTime": str(order.created_ms),
            "uTime": str(order.updated_ms),
            "stopSurplusExecutePrice": "",
            "stopSurplusTriggerPrice": "",
            "stopSurplusTriggerType": "",
            "stopLossExecutePrice": "",
            "stopLossTriggerPrice": "",
            "stopLossTriggerType": "",
        }


def _find(account: FakeAccount, params: Row) -> Order | None:
    """By ``orderId``, else ``clientOid`` (Bitget: orderId prevails)."""
    if params.get("orderId"):
        return account.orders.get(str(params["orderId"]))
    if params.get("clientOid"):
        return account.order_by_client_id(str(params["clientOid"]))
    raise BitgetError(400, "40017", "Either orderId or clientOid is required")


def _size(item: Listing, raw: Any) -> float:
    """A size in base coin, a multiple of the contract's ``sizeMultiplier``."""
    try:
        size = float(raw)
    except (TypeError, ValueError):
        raise BitgetError(400, "40017", "Parameter verification failed: size") from None
    step = float(SPECS[item.base][2])
    if size < step:
        raise BitgetError(400, "45111", f"less than the minimum order quantity {n(step)}")
    if abs(round(size / step) * step - size) > 1e-9:
        code, msg = _REJECTIONS["invalid_order"]
        raise BitgetError(400, code, f"{msg} value={raw} checkScale={SPECS[item.base][1]}")
    return clean(size)
