"""Binance USD-M futures private REST (fapi) for the fake exchange: one-way mode, USDT-margined
perpetuals, as CCXT's ``binanceusdm`` client calls it (with ``enable_demo_trading(True)``).

Requests are signed as Binance does it (``X-MBX-APIKEY`` header; ``signature`` = hex
HMAC-SHA256 of the query string or form body before it; ``timestamp`` within ``recvWindow`` of
the wall clock) and refused with Binance's codes and HTTP statuses. Quantities are base units.
Market orders go to ``/fapi/v1/order``; stops and take-profits (``STOP_MARKET`` and
``TAKE_PROFIT_MARKET``) to the algo-order service ``/fapi/v1/algoOrder`` (``algoType``
``CONDITIONAL``), where CCXT 4.5 sends them.

Served: ``order`` (POST, GET, DELETE), ``openOrders``, ``openOrder``, ``allOrders``,
``allOpenOrders`` (DELETE), ``algoOrder`` (POST, GET, DELETE), ``openAlgoOrders``,
``allAlgoOrders``, ``algoOpenOrders`` (DELETE), ``userTrades``, ``income``; the account
endpoints are in tests/support/fake_binance_account.py."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.support.fake_accounts import (
    FakeAccount,
    Order,
    Rejection,
)
from tests.support.fake_binance_account import (
    TAKER_FEE,
    BinanceAccountApi,
    BinanceError,
    binance_listing,
    listing_of,
    qty,
)
from tests.support.fake_venues import Listing, num

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange, PrivateRoute, Request

Row = dict[str, Any]
Handler = Callable[[FakeAccount, dict[str, str]], Any]

_STEP = 0.001  # LOT_SIZE stepSize of the fake's listings (tests/support/fake_venues.py)
_MAX_MARKET_QTY = 120.0

_REJECTIONS = {  # Rejection.reason -> (HTTP status, code, msg)
    "insufficient_funds": (400, -2019, "Margin is insufficient."),
    "invalid_order": (400, -1013, "Filter failure: LOT_SIZE"),
    "duplicate_client_order_id": (400, -4116, "ClientOrderId is duplicated."),
    "no_position": (400, -2022, "ReduceOnly Order is rejected."),
    "order_not_found": (400, -2013, "Order does not exist."),
    "not_cancelable": (400, -2011, "Unknown order sent."),
}


def _refused(rejection: Rejection) -> BinanceError:
    return BinanceError(*_REJECTIONS[rejection.reason])


class BinanceTrading:
    """The private routes, keyed by (method, path)."""

    order_paths = frozenset({("POST", "/fapi/v1/order"), ("POST", "/fapi/v1/algoOrder")})

    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake

    def routes(self) -> dict[tuple[str, str], PrivateRoute]:
        handlers: dict[tuple[str, str], Handler] = {
            ("POST", "v1/order"): self.place,
            ("GET", "v1/order"): self.order,
            ("DELETE", "v1/order"): self.cancel,
            ("GET", "v1/openOrders"): self.open_orders,
            ("GET", "v1/openOrder"): self.open_order,
            ("GET", "v1/allOrders"): self.all_orders,
            ("DELETE", "v1/allOpenOrders"): self.cancel_all,
            ("POST", "v1/algoOrder"): self.place_algo,
            ("GET", "v1/algoOrder"): self.algo_order,
            ("DELETE", "v1/algoOrder"): self.cancel_algo,
            ("GET", "v1/openAlgoOrders"): self.open_algo_orders,
            ("GET", "v1/allAlgoOrders"): self.all_algo_orders,
            ("DELETE", "v1/algoOpenOrders"): self.cancel_all_algos,
            ("GET", "v1/userTrades"): self.user_trades,
            ("GET", "v1/income"): self.income,
            **BinanceAccountApi(self.fake).handlers(),
        }
        return {
            (method, f"/fapi/{path}"): self._private(handler)
            for (method, path), handler in handlers.items()
        }

    # -- authentication ------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> FakeAccount:
        key = request.headers.get("x-mbx-apikey", "")
        if not key:
            raise BinanceError(401, -2014, "API-key format invalid.")
        account = self.fake.trading.accounts.get(key)
        if account is None:
            raise BinanceError(
                401, -2015, "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1"
            )
        params = request.params
        for name in ("timestamp", "signature"):
            if not params.get(name):
                raise BinanceError(
                    400, -1102,
                    f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.",
                )  # fmt: skip
        window = int(params.get("recvWindow") or 5000)
        late = time.time() * 1000 - int(params["timestamp"])
        if late > window or late < -1000:
            raise BinanceError(
                400, -1021, "Timestamp for this request is outside of the recvWindow."
            )
        signed = "&".join(
            part
            for part in (request.query + request.body).split("&")
            if part and not part.startswith("signature=")
        )
        digest = hmac.new(account.secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(digest, params["signature"]):
            raise BinanceError(400, -1022, "Signature for this request is not valid.")
        return account

    def _private(self, handler: Handler) -> PrivateRoute:
        def route(request: Request) -> tuple[int, Any]:
            try:
                account = self._authenticate(request)
                return 200, handler(account, request.params)
            except BinanceError as error:
                return error.status, error.body
            except Rejection as rejection:
                refusal = _refused(rejection)
                return refusal.status, refusal.body

        return route

    # -- orders --------------------------------------------------------------------------------

    def _checked(self, account: FakeAccount, params: dict[str, str]) -> tuple[Listing, str]:
        listing = binance_listing(params)
        side = params.get("side", "")
        if side not in ("BUY", "SELL"):
            raise BinanceError(400, -1116, "Invalid side.")
        if account.hedged or params.get("positionSide", "BOTH") != "BOTH":
            raise BinanceError(400, -4061, "Order's position side does not match user's setting.")
        kind = self.fake.take_order_rejection()
        if kind is not None:
            raise _refused(Rejection(kind))
        return listing, side.lower()

    def place(self, account: FakeAccount, params: dict[str, str]) -> Row:
        listing, side = self._checked(account, params)
        if params.get("type") != "MARKET":
            raise BinanceError(400, -1116, "Invalid orderType. (this fake fills MARKET only)")
        quantity = _quantity(params)
        price = self.fake.price_now(listing.symbol)
        reduce_only = params.get("reduceOnly", "").lower() == "true"
        if not reduce_only and quantity * price < float(listing.min_notional):
            raise BinanceError(
                400, -4164,
                f"Order's notional must be no smaller than {listing.min_notional} "
                "(unless you choose reduce only).",
            )  # fmt: skip
        fraction = self.fake.take_partial_fill()
        fill = None
        if fraction is not None:
            fill = round(math.floor(quantity * fraction / _STEP + 1e-9) * _STEP, 8)
        order = self.fake.trading.market_order(
            account, listing.symbol, side, quantity, now=self.fake.now_ms, price=price,
            fee_rate=TAKER_FEE, client_order_id=params.get("newClientOrderId", ""),
            reduce_only=reduce_only, fill_quantity=fill,
            extras={"newOrderRespType": params.get("newOrderRespType", "ACK")},
        )  # fmt: skip
        return _order_row(order)

    def order(self, account: FakeAccount, params: dict[str, str]) -> Row:
        return _order_row(self._find(account, params))

    def open_order(self, account: FakeAccount, params: dict[str, str]) -> Row:
        self._find(account, params)
        raise BinanceError(400, -2013, "Order does not exist.")  # market orders never rest

    def open_orders(self, account: FakeAccount, params: dict[str, str]) -> list[Row]:
        return []

    def all_orders(self, account: FakeAccount, params: dict[str, str]) -> list[Row]:
        orders = [
            o
            for o in account.orders.values()
            if o.kind == "market" and _wanted(o, params) and _between(o.created_ms, params)
        ]
        limit = min(int(params.get("limit") or 500), 1000)
        if params.get("orderId"):
            orders = [o for o in orders if int(o.order_id) >= int(params["orderId"])][:limit]
        else:
            orders = orders[-limit:]
        return [_order_row(o) for o in orders]

    def cancel(self, account: FakeAccount, params: dict[str, str]) -> Row:
        self._find(account, params, cancel=True)
        raise BinanceError(400, -2011, "Unknown order sent.")  # filled or canceled already

    def cancel_all(self, account: FakeAccount, params: dict[str, str]) -> Row:
        binance_listing(params)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def _find(self, account: FakeAccount, params: dict[str, str], cancel: bool = False) -> Order:
        listing = binance_listing(params)
        if params.get("orderId"):
            order = account.orders.get(params["orderId"])
        elif params.get("origClientOrderId"):
            order = account.order_by_client_id(params["origClientOrderId"])
        else:
            raise BinanceError(
                400, -1102,
                "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!",
            )  # fmt: skip
        if order is None or order.kind != "market" or order.symbol != listing.symbol:
            if cancel:
                raise BinanceError(400, -2011, "Unknown order sent.")
            raise BinanceError(400, -2013, "Order does not exist.")
        return order

    # -- algo (conditional) orders -------------------------------------------------------------

    def place_algo(self, account: FakeAccount, params: dict[str, str]) -> Row:
        listing, side = self._checked(account, params)
        if params.get("algoType") != "CONDITIONAL":
            raise BinanceError(400, -1102, "Mandatory parameter 'algoType' was not sent.")
        kind = params.get("type", "")
        if kind not in ("STOP_MARKET", "TAKE_PROFIT_MARKET"):
            raise BinanceError(
                400, -1116, "Invalid orderType. (this fake places STOP_MARKET and "
                "TAKE_PROFIT_MARKET only)",
            )  # fmt: skip
        try:
            level = float(params.get("triggerPrice", ""))
        except ValueError:
            raise BinanceError(400, -1102, "Parameter 'triggerPrice' was missing.") from None
        close_all = params.get("closePosition", "").lower() == "true"
        quantity = 0.0 if close_all else _quantity(params)
        stop = kind == "STOP_MARKET"
        order = self.fake.trading.conditional_order(
            account, listing.symbol, side, quantity, now=self.fake.now_ms, fee_rate=TAKER_FEE,
            stop_price=level if stop else None, take_profit_price=None if stop else level,
            client_order_id=params.get("clientAlgoId", ""),
            reduce_only=params.get("reduceOnly", "").lower() == "true",
            close_position=close_all,
            extras={
                "orderType": kind,
                "workingType": params.get("workingType", "CONTRACT_PRICE"),
                "priceProtect": params.get("priceProtect", "false").lower(),
            },
        )  # fmt: skip
        return self._algo_row(account, order)

    def algo_order(self, account: FakeAccount, params: dict[str, str]) -> Row:
        return self._algo_row(account, self._find_algo(account, params))

    def _find_algo(self, account: FakeAccount, params: dict[str, str]) -> Order:
        if params.get("algoId"):
            order = account.orders.get(params["algoId"])
        elif params.get("clientAlgoId"):
            order = account.order_by_client_id(params["clientAlgoId"])
        else:
            raise BinanceError(400, -1102, "Param 'algoId' or 'clientAlgoId' must be sent.")
        if order is None or order.kind != "conditional":
            raise BinanceError(400, -2013, "Order does not exist.")
        return order

    def cancel_algo(self, account: FakeAccount, params: dict[str, str]) -> Row:
        order = self._find_algo(account, params)
        if not order.is_open:
            raise BinanceError(400, -2011, "Unknown order sent.")
        self.fake.trading.cancel(account, order, self.fake.now_ms)
        return {
            "algoId": int(order.order_id),
            "clientAlgoId": order.client_order_id,
            "code": "200",
            "msg": "success",
        }

    def open_algo_orders(self, account: FakeAccount, params: dict[str, str]) -> list[Row]:
        return [
            self._algo_row(account, o)
            for o in account.orders.values()
            if o.kind == "conditional" and o.is_open and _wanted(o, params)
        ]

    def all_algo_orders(self, account: FakeAccount, params: dict[str, str]) -> list[Row]:
        binance_listing(params)
        orders = [
            o
            for o in account.orders.values()
            if o.kind == "conditional" and _wanted(o, params) and _between(o.created_ms, params)
        ]
        limit = min(int(params.get("limit") or 500), 1000)
        return [self._algo_row(account, o) for o in orders[-limit:]]

    def cancel_all_algos(self, account: FakeAccount, params: dict[str, str]) -> Row:
        for order in account.open_orders(binance_listing(params).symbol):
            if order.kind == "conditional":
                self.fake.trading.cancel(account, order, self.fake.now_ms)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def _algo_row(self, account: FakeAccount, order: Order) -> Row:
        listing = listing_of(order.symbol)
        child = account.orders.get(order.child_id or "")
        status = {
            "open": "NEW",
            "triggered": "FINISHED",
            "canceled": "CANCELED",
            "failed": "EXPIRED",
        }[order.status]
        level = order.stop_price if order.stop_price is not None else order.take_profit_price
        return {
            "algoId": int(order.order_id),
            "clientAlgoId": order.client_order_id,
            "algoType": "CONDITIONAL",
            "orderType": order.extras.get("orderType", "STOP_MARKET"),
            "symbol": listing.binance_id,
            "side": order.side.upper(),
            "positionSide": "BOTH",
            "timeInForce": "GTC",
            "quantity": qty(order.quantity),
            "algoStatus": status,
            "actualOrderId": child.order_id if child else "",
            "actualPrice": num(child.average_price) if child and child.filled else "0",
            "triggerPrice": num(level or 0.0),
            "price": "0",
            "icebergQuantity": None,
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "workingType": order.extras.get("workingType", "CONTRACT_PRICE"),
            "priceMatch": "NONE",
            "closePosition": order.close_position,
            "priceProtect": order.extras.get("priceProtect", "false") == "true",
            "reduceOnly": order.reduce_only,
            "activatePrice": "",
            "callbackRate": "",
            "createTime": order.created_ms,
            "updateTime": order.updated_ms,
            "triggerTime": order.updated_ms if order.triggered_leg else 0,
            "goodTillDate": 0,
        }

    # -- trades, income ------------------------------------------------------------------------

    def user_trades(self, account: FakeAccount, params: dict[str, str]) -> list[Row]:
        listing = binance_listing(params)
        fills = [
            f
            for f in account.fills
            if f.symbol == listing.symbol
            and params.get("orderId") in (None, "", f.order_id)
            and _between(f.ts, params)
        ]
        if params.get("fromId"):
            fills = [f for f in fills if int(f.trade_id) >= int(params["fromId"])]
        limit = min(int(params.get("limit") or 500), 1000)
        fills = fills[:limit] if params.get("startTime") or params.get("fromId") else fills[-limit:]
        return [
            {
                "symbol": listing.binance_id,
                "id": int(f.trade_id),
                "orderId": int(f.order_id),
                "side": f.side.upper(),
                "price": num(f.price),
                "qty": qty(f.quantity),
                "realizedPnl": num(f.realized_pnl),
                "quoteQty": num(f.quantity * f.price),
                "commission": num(f.fee),
                "commissionAsset": "USDT",
                "time": f.ts,
                "positionSide": "BOTH",
                "buyer": f.side == "buy",
                "maker": False,
            }
            for f in fills
        ]

    def income(self, account: FakeAccount, params: dict[str, str]) -> list[Row]:
        rows: list[Row] = []
        for bill in account.bills:
            listing = listing_of(bill.symbol)
            entries = (
                [("FUNDING_FEE", bill.amount)]
                if bill.kind == "funding"
                else [("REALIZED_PNL", bill.realized_pnl), ("COMMISSION", -bill.fee)]
            )
            for index, (income_type, amount) in enumerate(entries):
                if income_type == "REALIZED_PNL" and not bill.reduced:
                    continue
                rows.append(
                    {
                        "symbol": listing.binance_id,
                        "incomeType": income_type,
                        "income": f"{amount:.8f}",
                        "asset": "USDT",
                        "info": income_type,
                        "time": bill.ts,
                        "tranId": int(bill.bill_id) % 10**12 * 10 + index,
                        "tradeId": bill.trade_id,
                    }
                )
        rows = [
            row
            for row in rows
            if params.get("incomeType") in (None, "", row["incomeType"])
            and params.get("symbol") in (None, "", row["symbol"])
            and _between(row["time"], params)
        ]
        limit = min(int(params.get("limit") or 100), 1000)
        return rows[:limit] if params.get("startTime") else rows[-limit:]


def _wanted(order: Order, params: dict[str, str]) -> bool:
    return params.get("symbol") in (None, "", listing_of(order.symbol).binance_id)


def _between(ts: int, params: dict[str, str]) -> bool:
    return (not params.get("startTime") or ts >= int(params["startTime"])) and (
        not params.get("endTime") or ts <= int(params["endTime"])
    )


def _quantity(params: dict[str, str]) -> float:
    try:
        quantity = float(params.get("quantity", ""))
    except ValueError:
        raise BinanceError(
            400, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."
        ) from None
    if quantity <= 0:
        raise BinanceError(400, -4003, "Quantity less than or equal to zero.")
    if abs(round(quantity / _STEP) * _STEP - quantity) > 1e-9:
        raise BinanceError(400, -1111, "Precision is over the maximum defined for this asset.")
    if quantity > _MAX_MARKET_QTY:
        raise BinanceError(400, -4005, "Quantity greater than max quantity.")
    return quantity


def _order_row(order: Order) -> Row:
    listing = listing_of(order.symbol)
    status = {"filled": "FILLED", "canceled": "EXPIRED" if order.filled else "CANCELED"}.get(
        order.status, "NEW"
    )
    return {
        "orderId": int(order.order_id),
        "symbol": listing.binance_id,
        "status": status,
        "clientOrderId": order.client_order_id,
        "price": "0.00",
        "avgPrice": num(order.average_price) if order.filled else "0.00",
        "origQty": qty(order.quantity),
        "executedQty": qty(order.filled),
        "cumQty": qty(order.filled),
        "cumQuote": num(order.filled * order.average_price),
        "timeInForce": "GTC",
        "type": "MARKET",
        "reduceOnly": order.reduce_only,
        "closePosition": False,
        "side": order.side.upper(),
        "positionSide": "BOTH",
        "stopPrice": "0.00",
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": "MARKET",
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
        "time": order.created_ms,
        "updateTime": order.updated_ms,
    }
