"""OKX v5 private REST for the fake exchange: a unified account trading USDT-margined swaps in
net (one-way) mode with isolated margin, as CCXT's ``okx`` client calls it (demo trading).

Requests are authenticated as OKX does it (OK-ACCESS-KEY / -SIGN / -TIMESTAMP / -PASSPHRASE,
the sign being base64 HMAC-SHA256 of timestamp + method + path?query + body) and answered with
OKX's error codes and HTTP statuses. Sizes are contracts (``ctVal`` base units each, multiples
of ``lotSz``); the matching core (tests/support/fake_trading.py) works in base units.

Served: ``trade/order`` (place, get), ``batch-orders``, ``cancel-order``,
``cancel-batch-orders``, ``orders-pending``, ``orders-history(-archive)``, ``fills(-history)``,
``close-position``, ``order-algo`` (conditional and oco; place, get), ``cancel-algos``,
``orders-algo-pending``, ``orders-algo-history``; the account endpoints are in
tests/support/fake_okx_account.py. Orders are market orders (``market`` or
``optimal_limit_ioc``); stops and take-profits execute at market (``-1`` order prices)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tests.support.fake_accounts import Exits, FakeAccount, Order, Rejection, clean
from tests.support.fake_okx_account import OkxAccountApi
from tests.support.fake_okx_rows import (
    TAKER_FEE,
    OkxError,
    OkxRows,
    between,
    listing_of,
    n,
    page,
    swap_listing,
)
from tests.support.fake_venues import Listing

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange, PrivateRoute, Request

Body = dict[str, Any]
Handler = Callable[[FakeAccount, Any], list[Any]]

_PREFIX = "/api/v5/"
_REJECTIONS = {  # Rejection.reason -> (sCode, sMsg)
    "insufficient_funds": ("51008", "Order failed. Insufficient USDT margin in account"),
    "invalid_order": ("51121", "Order quantity must be a multiple of the lot size."),
    "duplicate_client_order_id": ("51016", "Duplicated clOrdId"),
    "no_position": (
        "51169",
        "Order failed because you don't have any positions in this direction for this contract.",
    ),
    "order_not_found": ("51400", "Order cancellation failed as the order does not exist."),
    "not_cancelable": (
        "51400",
        "Order cancellation failed as the order has been filled, canceled or does not exist.",
    ),
}


class _Failed(Exception):  # noqa: N818 - one item of a request failed: sCode and sMsg
    def __init__(self, code: str, msg: str) -> None:
        super().__init__(f"{code} {msg}")
        self.code, self.msg = code, msg


def _failed(rejection: Rejection) -> _Failed:
    return _Failed(*_REJECTIONS[rejection.reason])


class OkxTrading:
    """The private routes, keyed by (method, path)."""

    order_paths = frozenset(
        {
            ("POST", "/api/v5/trade/order"),
            ("POST", "/api/v5/trade/batch-orders"),
            ("POST", "/api/v5/trade/order-algo"),
        }
    )

    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake
        self.rows = OkxRows(fake)

    def routes(self) -> dict[tuple[str, str], PrivateRoute]:
        gets: dict[str, Handler] = {
            "trade/order": self.order,
            "trade/orders-pending": self.orders_pending,
            "trade/orders-history": self.orders_history,
            "trade/orders-history-archive": self.orders_history,
            "trade/fills": self.fills,
            "trade/fills-history": self.fills,
            "trade/order-algo": self.algo_order,
            "trade/orders-algo-pending": self.algo_pending,
            "trade/orders-algo-history": self.algo_history,
        }
        posts: dict[str, Handler] = {
            "trade/cancel-order": self.cancel_order,
            "trade/cancel-batch-orders": self.cancel_orders,
            "trade/close-position": self.close_position,
            "trade/cancel-algos": self.cancel_algos,
        }
        routes: dict[tuple[str, str], PrivateRoute] = {
            (method, _PREFIX + path): self._private(handler)
            for (method, path), handler in OkxAccountApi(self.fake).handlers().items()
        }
        for path, handler in gets.items():
            routes[("GET", _PREFIX + path)] = self._private(handler)
        for path, handler in posts.items():
            routes[("POST", _PREFIX + path)] = self._private(handler)
        routes[("POST", _PREFIX + "trade/order")] = self._placing(False, False)
        routes[("POST", _PREFIX + "trade/batch-orders")] = self._placing(True, False)
        routes[("POST", _PREFIX + "trade/order-algo")] = self._placing(False, True)
        return routes

    # -- authentication and envelopes ----------------------------------------------------------

    def _authenticate(self, request: Request) -> FakeAccount:
        headers = request.headers
        for header, code in (
            ("ok-access-key", "50103"),
            ("ok-access-passphrase", "50104"),
            ("ok-access-sign", "50106"),
            ("ok-access-timestamp", "50107"),
        ):
            if not headers.get(header):
                raise OkxError(401, code, f"Request header {header.upper()} can not be empty.")
        try:
            datetime.fromisoformat(headers["ok-access-timestamp"].replace("Z", "+00:00"))
        except ValueError:
            raise OkxError(401, "50112", "Invalid OK-ACCESS-TIMESTAMP") from None
        account = self.fake.trading.accounts.get(headers["ok-access-key"])
        if account is None:
            raise OkxError(401, "50111", "Invalid OK-ACCESS-KEY")
        if headers["ok-access-passphrase"] != account.passphrase:
            raise OkxError(401, "50105", "Invalid OK-ACCESS-PASSPHRASE")
        if (headers.get("x-simulated-trading") == "1") != account.demo:
            raise OkxError(401, "50101", "APIKey does not match current environment.")
        path = request.path + (f"?{request.query}" if request.query else "")
        prehash = headers["ok-access-timestamp"] + request.method + path + request.body
        digest = hmac.new(account.secret.encode(), prehash.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), headers["ok-access-sign"]):
            raise OkxError(401, "50113", "Invalid Sign")
        return account

    def _payload(self, request: Request) -> Any:
        if request.method == "GET":
            return request.params
        try:
            return json.loads(request.body) if request.body else {}
        except ValueError:
            raise OkxError(400, "50002", "Json data format error") from None

    def _private(self, handler: Handler) -> PrivateRoute:
        def route(request: Request) -> tuple[int, Any]:
            try:
                account = self._authenticate(request)
                return 200, _ok(handler(account, self._payload(request)))
            except OkxError as error:
                return error.status, error.body
            except _Batch as batch:
                return 200, _summary(batch.rows)
            except _Failed as failure:
                return 200, _error(failure.code, failure.msg)

        return route

    def _placing(self, batch: bool, algo: bool) -> PrivateRoute:
        """Place orders: each item answers with its sCode; code 0 all placed, 1 none, 2 some."""

        def route(request: Request) -> tuple[int, Any]:
            try:
                account = self._authenticate(request)
                payload = self._payload(request)
            except OkxError as error:
                return error.status, error.body
            items = payload if isinstance(payload, list) else [payload]
            if batch != isinstance(payload, list) or not items:
                return 400, _error("50002", "Json data format error")
            rejection = self.fake.take_order_rejection()
            rows = []
            for item in items:
                try:
                    if rejection is not None:
                        raise _failed(Rejection(rejection))
                    row = self._place_algo(account, item) if algo else self._place(account, item)
                    rows.append({**row, "sCode": "0", "sMsg": "Order placed"})
                except _Failed as failure:
                    rows.append(_item_failure(item, algo, failure))
            return 200, _summary(rows)

        return route

    # -- placing -------------------------------------------------------------------------------

    def _common(self, account: FakeAccount, item: Body) -> tuple[Listing, str, float]:
        """Check what market and algo orders share; return the listing, side and size."""
        listing = _swap(item.get("instId", ""))
        if item.get("tdMode") != "isolated":
            raise _Failed("51000", "Parameter tdMode error (this fake trades isolated margin only)")
        if account.hedged or item.get("posSide", "net") not in ("", "net"):
            raise _Failed("51000", "Parameter posSide error")
        side = item.get("side", "")
        if side not in ("buy", "sell"):
            raise _Failed("51000", "Parameter side error")
        size = 0.0
        if "sz" in item or "closeFraction" not in item:
            size = _size(listing, item.get("sz"))
        return listing, side, size

    def _place(self, account: FakeAccount, item: Body) -> Body:
        listing, side, size = self._common(account, item)
        if item.get("ordType") not in ("market", "optimal_limit_ioc"):
            raise _Failed("51000", "Parameter ordType error (this fake fills market orders only)")
        exits = _exits(listing, item.get("attachAlgoOrds"), item.get("tag", ""))
        fraction = self.fake.take_partial_fill()
        fill = None
        if fraction is not None:
            lot = float(listing.lot)
            fill = listing_base(listing, math.floor(size * fraction / lot + 1e-9) * lot)
        extras = {
            "tag": str(item.get("tag", "")),
            "ordType": item["ordType"],
            "lever": n(account.leverage_of(listing.symbol)),
        }
        try:
            order = self.fake.trading.market_order(
                account, listing.symbol, side, listing_base(listing, size),
                now=self.fake.now_ms, price=self.fake.price_now(listing.symbol),
                fee_rate=TAKER_FEE, client_order_id=str(item.get("clOrdId", "")),
                reduce_only=_true(item.get("reduceOnly")), fill_quantity=fill, exits=exits,
                extras=extras,
            )  # fmt: skip
        except Rejection as rejection:
            raise _failed(rejection) from None
        return {
            "clOrdId": order.client_order_id,
            "ordId": order.order_id,
            "tag": extras["tag"],
            "ts": str(self.fake.now_ms),
        }

    def _place_algo(self, account: FakeAccount, item: Body) -> Body:
        listing, side, size = self._common(account, item)
        kind = item.get("ordType")
        if kind not in ("conditional", "oco"):
            raise _Failed(
                "51000", "Parameter ordType error (this fake places conditional and oco only)"
            )
        stop, take_profit = _trigger(listing, item, "sl"), _trigger(listing, item, "tp")
        if kind == "oco" and (stop is None or take_profit is None):
            raise _Failed("51000", "Parameter slTriggerPx error")
        close_all = str(item.get("closeFraction", "")) == "1"
        reduce_only = _true(item.get("reduceOnly"))
        if close_all and not reduce_only:
            raise _Failed("51328", "closeFraction is only available for reduceOnly orders")
        client_id = str(item.get("algoClOrdId") or item.get("clOrdId") or "")
        extras = {
            "ordType": kind,
            "tag": str(item.get("tag", "")),
            "clOrdId": str(item.get("clOrdId", "")),
            "lever": n(account.leverage_of(listing.symbol)),
            "slTriggerPxType": str(item.get("slTriggerPxType") or "last"),
            "tpTriggerPxType": str(item.get("tpTriggerPxType") or "last"),
        }
        try:
            order = self.fake.trading.conditional_order(
                account, listing.symbol, side, listing_base(listing, size),
                now=self.fake.now_ms, fee_rate=TAKER_FEE, stop_price=stop,
                take_profit_price=take_profit, client_order_id=client_id,
                reduce_only=reduce_only, close_position=close_all, extras=extras,
            )  # fmt: skip
        except Rejection as rejection:
            raise _failed(rejection) from None
        return {
            "algoId": order.order_id,
            "algoClOrdId": client_id,
            "clOrdId": extras["clOrdId"],
            "tag": extras["tag"],
        }

    # -- orders --------------------------------------------------------------------------------

    def order(self, account: FakeAccount, params: Body) -> list[Any]:
        listing = swap_listing(params.get("instId", ""), 400)
        order = _find(account, params.get("ordId"), params.get("clOrdId"), "market")
        if order is None or order.symbol != listing.symbol:
            raise OkxError(200, "51603", "Order does not exist")
        return [self.rows.order(account, order)]

    def orders_pending(self, account: FakeAccount, params: Body) -> list[Any]:
        # Market orders are never pending: they fill or cancel at once.
        return []

    def orders_history(self, account: FakeAccount, params: Body) -> list[Any]:
        if not params.get("instType"):
            raise OkxError(400, "50014", "Parameter instType can not be empty.")
        chosen = [
            order
            for order in _in_time(_markets(account, params), params, "updated_ms")
            if params.get("state") in (None, "", _state(order))
            and params.get("ordType") in (None, "", order.extras.get("ordType", "market"))
        ]
        return [self.rows.order(account, order) for order in page(chosen, params, "order_id")]

    def cancel_order(self, account: FakeAccount, params: Body) -> list[Any]:
        return _one(self._cancel(account, params))

    def cancel_orders(self, account: FakeAccount, params: Any) -> list[Any]:
        if not isinstance(params, list):
            raise OkxError(400, "50002", "Json data format error")
        raise _Batch([self._cancel(account, item) for item in params])

    def _cancel(self, account: FakeAccount, item: Body) -> Body:
        order = _find(account, item.get("ordId"), item.get("clOrdId"), "market")
        row = {"clOrdId": item.get("clOrdId", ""), "ordId": item.get("ordId", "")}
        if order is None:
            return {**row, **_s("51400", "Order cancellation failed as the order does not exist.")}
        if order.status == "filled":
            return {
                **row,
                **_s("51402", "Order cancellation failed as the order has been completed."),
            }
        return {**row, **_s("51401", "Order cancellation failed as the order has been canceled.")}

    def close_position(self, account: FakeAccount, params: Body) -> list[Any]:
        listing = swap_listing(params.get("instId", ""), 400)
        if params.get("mgnMode") != "isolated":
            raise OkxError(200, "51000", "Parameter mgnMode error")
        try:
            self.fake.trading.close_position(
                account, listing.symbol, now=self.fake.now_ms,
                price=self.fake.price_now(listing.symbol), fee_rate=TAKER_FEE,
                client_order_id=str(params.get("clOrdId", "")),
                extras={"tag": str(params.get("tag", "")), "ordType": "market"},
            )  # fmt: skip
        except Rejection:
            raise OkxError(200, "51023", "Position does not exist") from None
        return [
            {
                "clOrdId": params.get("clOrdId", ""),
                "instId": listing.okx_id,
                "posSide": "net",
                "tag": params.get("tag", ""),
            }
        ]

    def fills(self, account: FakeAccount, params: Body) -> list[Any]:
        bills = {bill.trade_id: bill.bill_id for bill in account.bills if bill.trade_id}
        chosen = [
            fill
            for fill in account.fills
            if _matches(fill.symbol, params)
            and params.get("ordId") in (None, "", fill.order_id)
            and between(fill.ts, params)
        ]
        chosen = page(chosen, params, lambda fill: bills[fill.trade_id])
        return [self.rows.fill(fill, bills[fill.trade_id]) for fill in chosen]

    # -- algo orders ---------------------------------------------------------------------------

    def algo_order(self, account: FakeAccount, params: Body) -> list[Any]:
        order = _find(account, params.get("algoId"), params.get("algoClOrdId"), "conditional")
        if order is None:
            raise OkxError(200, "51603", "Order does not exist")
        return [self.rows.algo(account, order)]

    def algo_pending(self, account: FakeAccount, params: Body) -> list[Any]:
        return self._algos(account, params, ("live",))

    def algo_history(self, account: FakeAccount, params: Body) -> list[Any]:
        states: tuple[str, ...] = ("effective", "canceled", "order_failed")
        if params.get("state"):
            states = (params["state"],)
        elif not params.get("algoId"):
            raise OkxError(200, "51000", "Parameter state error")
        return self._algos(account, params, states)

    def _algos(self, account: FakeAccount, params: Body, states: tuple[str, ...]) -> list[Any]:
        kinds = [kind for kind in str(params.get("ordType", "")).split(",") if kind]
        if not kinds:
            raise OkxError(200, "50014", "Parameter ordType can not be empty.")
        chosen = [
            order
            for order in account.orders.values()
            if order.kind == "conditional"
            and _matches(order.symbol, params)
            and _algo_state(order) in states
            and order.extras.get("ordType") in kinds
            and params.get("algoId") in (None, "", order.order_id)
            and params.get("algoClOrdId") in (None, "", order.client_order_id)
        ]
        return [self.rows.algo(account, order) for order in page(chosen, params, "order_id")]

    def cancel_algos(self, account: FakeAccount, params: Any) -> list[Any]:
        if not isinstance(params, list):
            raise OkxError(400, "50002", "Json data format error")
        rows = []
        for item in params:
            order = _find(account, item.get("algoId"), item.get("algoClOrdId"), "conditional")
            row = {
                "algoId": item.get("algoId", ""),
                "algoClOrdId": item.get("algoClOrdId", ""),
                "clOrdId": "",
                "tag": "",
            }
            if order is None or not order.is_open:
                failure = _s("51400", "Cancellation failed as the order does not exist.")
                rows.append({**row, **failure})
                continue
            self.fake.trading.cancel(account, order, self.fake.now_ms)
            rows.append({**row, "algoId": order.order_id, **_s("0", "")})
        raise _Batch(rows)


class _Batch(Exception):  # noqa: N818 - a batch answer: rows with their own sCode
    def __init__(self, rows: list[Body]) -> None:
        super().__init__("batch")
        self.rows = rows


def _ok(data: list[Any]) -> Body:
    return {"code": "0", "msg": "", "data": data}


def _error(code: str, msg: str) -> Body:
    return {"code": code, "msg": msg, "data": []}


def _s(code: str, msg: str) -> Body:
    return {"sCode": code, "sMsg": msg}


def _one(row: Body) -> list[Any]:
    if row["sCode"] != "0":
        raise _Batch([row])
    return [row]


def _summary(rows: list[Body]) -> Body:
    failed = sum(row["sCode"] != "0" for row in rows)
    if failed == 0:
        return {"code": "0", "msg": "", "data": rows}
    if failed == len(rows):
        return {"code": "1", "msg": "All operations failed", "data": rows}
    return {"code": "2", "msg": "Bulk operation partially succeeded", "data": rows}


def _item_failure(item: Any, algo: bool, failure: _Failed) -> Body:
    item = item if isinstance(item, dict) else {}
    row = {
        "clOrdId": str(item.get("clOrdId", "")),
        "ordId": "",
        "tag": str(item.get("tag", "")),
        "ts": "",
        **_s(failure.code, failure.msg),
    }
    if algo:
        row.update(algoId="", algoClOrdId=str(item.get("algoClOrdId") or ""))
    return row


def _swap(inst_id: str) -> Listing:
    """The swap listing of ``inst_id``, else a failed item (sCode 51001)."""
    try:
        return swap_listing(inst_id)
    except OkxError:
        raise _Failed("51001", "Instrument ID does not exist") from None


def listing_base(listing: Listing, size: float) -> float:
    """Contracts -> base units."""
    return clean(size * float(listing.ct_val))


def _size(listing: Listing, raw: Any) -> float:
    try:
        size = float(raw)
    except (TypeError, ValueError):
        raise _Failed("51000", "Parameter sz error") from None
    lot = float(listing.lot)
    if size < lot:
        raise _Failed("51020", "Order quantity must be at least the minimum order quantity.")
    if abs(round(size / lot) * lot - size) > 1e-9:
        raise _Failed(*_REJECTIONS["invalid_order"])
    if size > 12_000:
        raise _Failed("51202", "Market order amount exceeds the maximum amount.")
    return size


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _trigger(listing: Listing, item: Body, leg: str) -> float | None:
    raw = item.get(f"{leg}TriggerPx")
    if raw in (None, ""):
        return None
    if str(item.get(f"{leg}OrdPx", "-1")) != "-1":
        raise _Failed("51000", f"Parameter {leg}OrdPx error (this fake executes at market only)")
    try:
        level = float(raw)
    except ValueError:
        raise _Failed("51000", f"Parameter {leg}TriggerPx error") from None
    if not level > 0:
        raise _Failed("51000", f"Parameter {leg}TriggerPx error")
    return level


def _exits(listing: Listing, attached: Any, tag: str) -> Exits | None:
    if not attached:
        return None
    if not isinstance(attached, list) or len(attached) != 1 or not isinstance(attached[0], dict):
        raise _Failed("51000", "Parameter attachAlgoOrds error")
    leg = attached[0]
    stop, take_profit = _trigger(listing, leg, "sl"), _trigger(listing, leg, "tp")
    if stop is None and take_profit is None:
        raise _Failed("51000", "Parameter attachAlgoOrds error")
    extras = {
        "ordType": "oco" if stop is not None and take_profit is not None else "conditional",
        "tag": tag,
        "attached": "1",
        "slTriggerPxType": str(leg.get("slTriggerPxType") or "last"),
        "tpTriggerPxType": str(leg.get("tpTriggerPxType") or "last"),
    }
    return Exits(stop, take_profit, str(leg.get("attachAlgoClOrdId", "")), extras)


def _find(account: FakeAccount, order_id: Any, client_order_id: Any, kind: str) -> Order | None:
    if order_id:
        order = account.orders.get(str(order_id))
    elif client_order_id:
        order = account.order_by_client_id(str(client_order_id))
    else:
        raise OkxError(200, "51003", "Either client order ID or order ID is required.")
    return order if order is not None and order.kind == kind else None


def _state(order: Order) -> str:
    """A market order's OKX state (a remainder canceled after a partial fill: canceled)."""
    return {"filled": "filled", "canceled": "canceled"}.get(order.status, "live")


def _algo_state(order: Order) -> str:
    return {
        "open": "live",
        "triggered": "effective",
        "canceled": "canceled",
        "failed": "order_failed",
    }[order.status]


def _matches(symbol: str, params: Body) -> bool:
    listing = listing_of(symbol)
    return params.get("instType") in (None, "", "SWAP") and params.get("instId") in (
        None,
        "",
        listing.okx_id,
    )


def _markets(account: FakeAccount, params: Body) -> list[Order]:
    return [
        order
        for order in account.orders.values()
        if order.kind == "market" and _matches(order.symbol, params)
    ]


def _in_time(orders: Iterable[Order], params: Body, attribute: str) -> list[Order]:
    return [order for order in orders if between(getattr(order, attribute), params)]
