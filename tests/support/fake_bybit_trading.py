"""Bybit v5 private REST for the fake exchange: a unified trading account trading USDT linear
perpetuals in one-way mode with isolated margin, as CCXT's ``bybit`` client calls it (demo
trading).

Requests are signed as Bybit does it (headers ``X-BAPI-API-KEY``, ``X-BAPI-TIMESTAMP``,
``X-BAPI-RECV-WINDOW`` and ``X-BAPI-SIGN``, the hex HMAC-SHA256 of timestamp + key + recv window
+ the query string (GET) or the JSON body (POST); the timestamp within the window of the wall
clock) and every answer, refusals too, is HTTP 200 with Bybit's ``retCode``. Quantities are base
units, multiples of the lot step.

A conditional order (``triggerPrice`` with ``triggerDirection`` 1: rising to it, 2: falling to
it) stays the same order once triggered: its executions carry its own ``orderId`` and
``orderLinkId``. Funding settles as executions of ``execType`` ``Funding`` whose ``execFee`` is
what the account paid (negative when it received). Lists are newest first and paged by an
opaque ``cursor``; executions cover at most 7 days per request, as on Bybit.

Served under ``/v5/``: ``order/create``, ``order/cancel``, ``order/realtime``,
``order/history``, ``execution/list``; the account endpoints are in
tests/support/fake_bybit_account.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.support.fake_accounts import FakeAccount, Fill, Order, Rejection
from tests.support.fake_bybit_account import (
    TAKER_FEE,
    BybitAccountApi,
    BybitError,
    linear_listing,
    listing_of,
)
from tests.support.fake_bybit_public import QTY_STEPS, qty_text
from tests.support.fake_venues import PERPS, Listing, num

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange, PrivateRoute, Request

Body = dict[str, Any]
Handler = Callable[[FakeAccount, Body], Any]

_WEEK_MS = 7 * 24 * 3_600_000
_RECENT_ORDERS = 500  # order/realtime keeps the newest 500 orders of any status
_REJECTIONS = {  # Rejection.reason -> (retCode, retMsg)
    "insufficient_funds": (110007, "ab not enough for new order"),
    "invalid_order": (10001, "params error: Qty invalid"),
    "duplicate_client_order_id": (110072, "OrderLinkedID is duplicate"),
    "no_position": (110017, "current position is zero, cannot fix reduce-only order qty"),
    "order_not_found": (110001, "order not exists or too late to cancel"),
    "not_cancelable": (110001, "order not exists or too late to cancel"),
}
_STATUS = {  # (kind, core status) -> Bybit orderStatus
    ("market", "filled"): "Filled",
    ("market", "canceled"): "Cancelled",
    ("market", "open"): "New",
    ("conditional", "open"): "Untriggered",
    ("conditional", "triggered"): "Filled",  # the same order, executed once triggered
    ("conditional", "canceled"): "Deactivated",
    ("conditional", "failed"): "Rejected",
}


def _refused(rejection: Rejection) -> BybitError:
    return BybitError(*_REJECTIONS[rejection.reason])


def _uuid(core_id: str) -> str:
    """Bybit's ids are UUIDs; the core's are integers."""
    return str(uuid.UUID(int=int(core_id)))


def _core_id(bybit_id: str) -> str:
    try:
        return str(uuid.UUID(bybit_id).int)
    except ValueError:
        return ""


class BybitTrading:
    """The private routes, keyed by (method, path)."""

    order_paths = frozenset({("POST", "/v5/order/create")})

    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake

    def routes(self) -> dict[tuple[str, str], PrivateRoute]:
        handlers: dict[tuple[str, str], Handler] = {
            ("POST", "order/create"): self.create,
            ("POST", "order/cancel"): self.cancel,
            ("GET", "order/realtime"): self.realtime,
            ("GET", "order/history"): self.history,
            ("GET", "execution/list"): self.executions,
            **BybitAccountApi(self.fake).handlers(),
        }
        return {
            (method, f"/v5/{path}"): self._private(handler)
            for (method, path), handler in handlers.items()
        }

    # -- authentication ------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> FakeAccount:
        headers = request.headers
        key = headers.get("x-bapi-api-key", "")
        stamp, sign = headers.get("x-bapi-timestamp", ""), headers.get("x-bapi-sign", "")
        if not (key and stamp and sign):
            raise BybitError(
                10001,
                f"empty value: apiTimestamp[{stamp}] apiKey[{key}] apiSignature[{sign}]: "
                "openapi sign params error!",
            )
        account = self.fake.trading.accounts.get(key)
        if account is None:
            raise BybitError(10003, "API key is invalid.")
        window = int(headers.get("x-bapi-recv-window") or 5000)
        now = int(time.time() * 1000)
        if not now - window <= int(stamp) < now + 1000:
            raise BybitError(
                10002,
                "invalid request, please check your server timestamp or recv_window param. "
                f"req_timestamp[{stamp}],server_timestamp[{now}],recv_window[{window}]",
            )
        payload = request.body if request.method == "POST" else request.query
        signed = f"{stamp}{key}{headers.get('x-bapi-recv-window', '')}{payload}"
        digest = hmac.new(account.secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(digest, sign):
            raise BybitError(10004, f"error sign! origin_string[{signed}]")
        return account

    def _private(self, handler: Handler) -> PrivateRoute:
        def route(request: Request) -> tuple[int, Any]:
            now = self.fake.now_ms
            try:
                account = self._authenticate(request)
                result = handler(account, _body(request))
                return 200, {"retCode": 0, "retMsg": "OK", "result": result,
                             "retExtInfo": {}, "time": now}  # fmt: skip
            except Rejection as rejection:
                error = _refused(rejection)
            except BybitError as refusal:
                error = refusal
            return 200, {"retCode": error.code, "retMsg": error.msg, "result": {},
                         "retExtInfo": {}, "time": now}  # fmt: skip

        return route

    # -- orders --------------------------------------------------------------------------------

    def create(self, account: FakeAccount, body: Body) -> Body:
        listing = linear_listing(body)
        side = {"Buy": "buy", "Sell": "sell"}.get(str(body.get("side")))
        if side is None:
            raise BybitError(10001, "params error: side invalid")
        if body.get("orderType") != "Market":
            raise BybitError(10001, "params error: orderType invalid (this fake fills Market only)")
        if account.hedged or int(body.get("positionIdx") or 0) != 0:
            raise BybitError(10001, "position idx not match position mode")
        client_id = str(body.get("orderLinkId") or "")
        if len(client_id) > 36:
            raise BybitError(10001, "params error: orderLinkId is too long")
        kind = self.fake.take_order_rejection()
        if kind is not None:
            raise _refused(Rejection(kind))
        quantity = _quantity(listing, body)
        reduce_only = body.get("reduceOnly") in (True, "true")
        trading, now = self.fake.trading, self.fake.now_ms
        if body.get("triggerPrice") not in (None, "", "0"):
            direction = str(body.get("triggerDirection"))
            if direction not in ("1", "2"):
                raise BybitError(10001, "params error: triggerDirection invalid")
            level = float(body["triggerPrice"])
            stop = (side == "sell") == (direction == "2")  # a stop is met against the position
            order = trading.conditional_order(
                account, listing.symbol, side, quantity, now=now, fee_rate=TAKER_FEE,
                stop_price=level if stop else None, take_profit_price=None if stop else level,
                client_order_id=client_id, reduce_only=reduce_only,
                extras={"triggerDirection": direction},
            )  # fmt: skip
            return {"orderId": _uuid(order.order_id), "orderLinkId": order.client_order_id}
        price = self.fake.price_now(listing.symbol)
        if not reduce_only and quantity * price < 5:
            raise BybitError(110094, "Order does not meet minimum order value 5USDT")
        fraction = self.fake.take_partial_fill()
        step = float(QTY_STEPS[listing.base])
        fill = None if fraction is None else math.floor(quantity * fraction / step + 1e-9) * step
        order = trading.market_order(
            account, listing.symbol, side, quantity, now=now, price=price, fee_rate=TAKER_FEE,
            client_order_id=client_id, reduce_only=reduce_only, fill_quantity=fill,
        )  # fmt: skip
        return {"orderId": _uuid(order.order_id), "orderLinkId": order.client_order_id}

    def cancel(self, account: FakeAccount, body: Body) -> Body:
        listing = linear_listing(body)
        order = self._find(account, body)
        if order is None or order.symbol != listing.symbol or not order.is_open:
            raise _refused(Rejection("order_not_found"))
        self.fake.trading.cancel(account, order, self.fake.now_ms)
        return {"orderId": _uuid(order.order_id), "orderLinkId": order.client_order_id}

    def _find(self, account: FakeAccount, query: Body) -> Order | None:
        if query.get("orderId"):
            return account.orders.get(_core_id(str(query["orderId"])))
        if query.get("orderLinkId"):
            return account.order_by_client_id(str(query["orderLinkId"]))
        raise BybitError(10001, "params error: orderId or orderLinkId is required")

    def realtime(self, account: FakeAccount, query: Body) -> Body:
        """Open orders; by id, or with ``openOnly=1``, also the closed among the newest 500."""
        orders = self._listed(account, query)
        recent = set(list(account.orders)[-_RECENT_ORDERS:])
        if query.get("orderId") or query.get("orderLinkId"):
            found = self._find(account, query)
            orders = [o for o in orders if o is found and o.order_id in recent]
        elif str(query.get("openOnly") or "0") == "1":
            orders = [o for o in orders if not o.is_open and o.order_id in recent]
        else:
            orders = [o for o in orders if o.is_open]
        return self._page(account, orders, query, default=20, most=50)

    def history(self, account: FakeAccount, query: Body) -> Body:
        """Closed orders: by id, else those created in the (at most 7-day) time window."""
        orders = [o for o in self._listed(account, query) if not o.is_open]
        if query.get("orderId") or query.get("orderLinkId"):
            found = self._find(account, query)
            orders = [o for o in orders if o is found]
        else:
            start, end = self._window(query)
            orders = [o for o in orders if start <= o.created_ms <= end]
        return self._page(account, orders, query, default=20, most=50)

    def _listed(self, account: FakeAccount, query: Body) -> list[Order]:
        """The orders Bybit lists for ``query``'s symbol (or settle coin) and order filter: no
        market order a triggered conditional order placed (it executes as that order)."""
        if query.get("category") != "linear":
            raise BybitError(10001, "params error: Category is invalid")
        if query.get("symbol"):
            symbols = {linear_listing(query).symbol}
        elif query.get("settleCoin") == "USDT" or query.get("baseCoin"):
            symbols = {o.symbol for o in account.orders.values()}
        else:
            raise BybitError(10001, "params error: symbol, baseCoin or settleCoin is required")
        kinds = {"Order": {"market"}, "StopOrder": {"conditional"}}.get(
            str(query.get("orderFilter") or ""), {"market", "conditional"}
        )
        return [
            order
            for order in account.orders.values()
            if order.symbol in symbols and order.kind in kinds and not _is_child(account, order)
        ]

    def _page(
        self, account: FakeAccount, orders: list[Order], query: Body, default: int, most: int
    ) -> Body:
        rows, cursor = _paged(orders[::-1], query, default, most)
        return {"category": "linear", "list": [self._order_row(account, o) for o in rows],
                "nextPageCursor": cursor}  # fmt: skip

    def _order_row(self, account: FakeAccount, order: Order) -> Body:
        listing = listing_of(order.symbol)
        conditional = order.kind == "conditional"
        level = order.stop_price if order.stop_price is not None else order.take_profit_price
        filled = order.filled
        leaves = 0.0 if not order.is_open else order.quantity - filled
        return {
            "orderId": _uuid(order.order_id),
            "orderLinkId": order.client_order_id,
            "blockTradeId": "",
            "symbol": listing.binance_id,
            "price": "0",
            "qty": qty_text(listing, order.quantity),
            "side": order.side.capitalize(),
            "isLeverage": "",
            "positionIdx": 0,
            "orderStatus": _STATUS[(order.kind, order.status)],
            "createType": "CreateByUser",
            "cancelType": "CancelByUser" if order.status == "canceled" else "UNKNOWN",
            "rejectReason": "EC_NoError",
            "avgPrice": num(order.average_price) if filled else "",
            "leavesQty": qty_text(listing, leaves),
            "leavesValue": "0",
            "cumExecQty": qty_text(listing, filled),
            "cumExecValue": num(filled * order.average_price),
            "cumExecFee": f"{order.fee:.8f}",
            "timeInForce": "IOC",
            "orderType": "Market",
            "stopOrderType": "Stop" if conditional else "",
            "orderIv": "",
            "marketUnit": "",
            "triggerPrice": num(level) if conditional and level is not None else "0",
            "takeProfit": "",
            "stopLoss": "",
            "tpslMode": "",
            "tpTriggerBy": "",
            "slTriggerBy": "",
            "tpLimitPrice": "",
            "slLimitPrice": "",
            "triggerDirection": int(order.extras.get("triggerDirection", 0)),
            "triggerBy": "LastPrice" if conditional else "",
            "lastPriceOnCreated": "",
            "reduceOnly": order.reduce_only,
            "closeOnTrigger": False,
            "placeType": "",
            "smpType": "None",
            "smpGroup": 0,
            "smpOrderId": "",
            "createdTime": str(order.created_ms),
            "updatedTime": str(order.updated_ms),
        }

    # -- executions ----------------------------------------------------------------------------

    def executions(self, account: FakeAccount, query: Body) -> Body:
        """Trades (``execType`` Trade) and funding (Funding), in a window of at most 7 days."""
        if query.get("category") != "linear":
            raise BybitError(10001, "params error: Category is invalid")
        symbol = linear_listing(query).symbol if query.get("symbol") else None
        start, end = self._window(query)
        rows = [self._fill_row(account, fill) for fill in account.fills]
        rows += [
            self._funding_row(bill.bill_id, bill.symbol, bill.quantity, bill.price, bill.rate,
                              bill.amount, bill.ts)
            for bill in account.bills if bill.kind == "funding"
        ]  # fmt: skip
        wanted = {
            key: str(query[key]) for key in ("orderId", "orderLinkId", "execType") if query.get(key)
        }
        rows = [
            row
            for row in rows
            if symbol in (None, PERPS[row["symbol"]].symbol)
            and start <= int(row["execTime"]) <= end
            and all(row[key] == value for key, value in wanted.items())
        ]
        rows.sort(key=lambda row: (int(row["execTime"]), int(row["seq"])), reverse=True)
        page, cursor = _paged(rows, query, default=50, most=100)
        return {"category": "linear", "list": page, "nextPageCursor": cursor}

    def _window(self, query: Body) -> tuple[int, int]:
        """Bybit's time window: 7 days back from now, or from ``startTime``, or up to
        ``endTime``; both given may span at most 7 days."""
        start, end = query.get("startTime"), query.get("endTime")
        if start and end:
            if int(end) - int(start) > _WEEK_MS:
                raise BybitError(
                    10001, "params error: The time range between startTime and endTime "
                    "cannot exceed 7 days",
                )  # fmt: skip
            return int(start), int(end)
        if start:
            return int(start), int(start) + _WEEK_MS
        if end:
            return int(end) - _WEEK_MS, int(end)
        return self.fake.now_ms - _WEEK_MS, self.fake.now_ms

    def _fill_row(self, account: FakeAccount, fill: Fill) -> Body:
        listing = listing_of(fill.symbol)
        order = account.orders[fill.order_id]
        parent = account.orders.get(order.parent_id or "")
        if parent is not None and _is_child(account, order):
            order = parent  # a triggered conditional order executes as itself
        return {
            "symbol": listing.binance_id,
            "orderId": _uuid(order.order_id),
            "orderLinkId": order.client_order_id,
            "side": fill.side.capitalize(),
            "orderPrice": num(fill.price),
            "orderQty": qty_text(listing, order.quantity),
            "leavesQty": "0",
            "createType": "CreateByStopOrder" if order.kind == "conditional" else "CreateByUser",
            "orderType": "Market",
            "stopOrderType": "Stop" if order.kind == "conditional" else "UNKNOWN",
            "execFee": f"{fill.fee:.8f}",
            "execId": _uuid(fill.trade_id),
            "execPrice": num(fill.price),
            "execQty": qty_text(listing, fill.quantity),
            "execType": "Trade",
            "execValue": num(fill.quantity * fill.price),
            "execTime": str(fill.ts),
            "feeCurrency": "USDT",
            "isMaker": False,
            "feeRate": num(fill.fee_rate),
            "tradeIv": "",
            "markIv": "",
            "markPrice": num(fill.price),
            "indexPrice": "",
            "underlyingPrice": "",
            "blockTradeId": "",
            "closedSize": qty_text(listing, fill.quantity if fill.reduced else 0.0),
            "seq": int(fill.trade_id),
            "extraFees": "",
        }

    def _funding_row(
        self, bill_id: str, symbol: str, quantity: float, mark: float, rate: float,
        received: float, ts: int,
    ) -> Body:  # fmt: skip
        listing = listing_of(symbol)
        return {
            "symbol": listing.binance_id,
            "orderId": "",
            "orderLinkId": "",
            "side": "Buy" if quantity > 0 else "Sell",
            "orderPrice": "0",
            "orderQty": "0",
            "leavesQty": "0",
            "createType": "",
            "orderType": "UNKNOWN",
            "stopOrderType": "UNKNOWN",
            "execFee": f"{-received:.8f}",  # a fee: what the account paid
            "execId": _uuid(bill_id),
            "execPrice": num(mark),
            "execQty": qty_text(listing, abs(quantity)),
            "execType": "Funding",
            "execValue": num(abs(quantity) * mark),
            "execTime": str(ts),
            "feeCurrency": "USDT",
            "isMaker": False,
            "feeRate": f"{rate:.8f}",
            "tradeIv": "",
            "markIv": "",
            "markPrice": num(mark),
            "indexPrice": "",
            "underlyingPrice": "",
            "blockTradeId": "",
            "closedSize": "0",
            "seq": int(bill_id) % 10**15,
            "extraFees": "",
        }


def _is_child(account: FakeAccount, order: Order) -> bool:
    parent = account.orders.get(order.parent_id or "")
    return parent is not None and parent.kind == "conditional" and parent.child_id == order.order_id


def _paged(rows: list[Any], query: Body, default: int, most: int) -> tuple[list[Any], str]:
    """One page of ``rows`` (already in the exchange's order) from ``cursor``; the cursor of
    the next page, empty after the last."""
    limit = min(max(int(query.get("limit") or default), 1), most)
    cursor = str(query.get("cursor") or "")
    try:
        # Bybit's cursors are URL-encoded ("%3D"); a query string decodes them once.
        offset = int(cursor.replace("%3D", "=").removeprefix("page=")) if cursor else 0
    except ValueError:
        raise BybitError(10001, "params error: cursor invalid") from None
    page = rows[offset : offset + limit]
    more = offset + limit < len(rows)
    return page, f"page%3D{offset + limit}" if more else ""


def _quantity(listing: Listing, body: Body) -> float:
    try:
        quantity = float(body.get("qty", ""))
    except (TypeError, ValueError):
        raise BybitError(10001, "params error: qty invalid") from None
    step = float(QTY_STEPS[listing.base])
    if quantity <= 0 or abs(round(quantity / step) * step - quantity) > 1e-9:
        raise BybitError(10001, "params error: Qty invalid")
    if quantity > 1190:
        raise BybitError(10001, "The number of contracts exceeds maximum limit allowed: too large")
    return quantity


def _body(request: Request) -> Body:
    if request.method != "POST":
        return dict(request.params)
    try:
        parsed = json.loads(request.body or "{}")
    except json.JSONDecodeError:
        raise BybitError(10001, "params error: the request body is not JSON") from None
    if not isinstance(parsed, dict):
        raise BybitError(10001, "params error: the request body is not a JSON object")
    return parsed
