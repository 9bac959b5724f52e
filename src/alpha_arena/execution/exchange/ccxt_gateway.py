"""The exchange gateway over CCXT's unified API: our base quantities become the exchange's
contracts (OKX swaps trade contracts of ``contractSize`` base units), precision comes from the
exchange's own market list, and every CCXT error leaves as one of ours.

Per exchange, only what CCXT does not unify is told apart, in ``_QUIRKS``: how an order is
asked for by its client id, how open orders are listed, whether margin mode takes the leverage
with it, the sign of funding payments, how stops and take-profits are placed and canceled,
and how records are paged (paging.py).

Hyperliquid (its perpetuals are ``BTC/USDC:USDC``, margined in USDC) differs most: it has no
market orders (CCXT sends an immediate-or-cancel limit order at a price it must be given,
moved by its 5% slippage, and we give it the mid price), no hedge mode, one call for leverage
and margin mode, one list of open orders, and records paged by time alone."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import ccxt

from alpha_arena.core.errors import ArenaError, OrderRejectedError
from alpha_arena.domain.accounts import SETTLE_CURRENCY
from alpha_arena.domain.orders import Side
from alpha_arena.execution.exchange.gateway import (
    ExchangeOrder,
    ExchangePosition,
    ExchangeTrade,
    FundingPayment,
)
from alpha_arena.execution.exchange.paging import newer_pages, older_pages

T = TypeVar("T")
#: At most this many pages of executions or funding payments are read in one call.
MAX_PAGES = 1_000
Translate = Callable[[ccxt.BaseError], ArenaError]


@dataclass(frozen=True, slots=True)
class _Quirks:
    margin_mode_needs_leverage: bool = False  # OKX sets margin mode and leverage in one call
    integer_leverage: bool = True
    # How open trigger orders are listed: OKX files stop-losses and take-profits placed with
    # a trigger price alone as "conditional" algo orders, apart from its "trigger" orders.
    open_triggers: tuple[tuple[str, Any], ...] = (("trigger", True),)
    # Bybit lists conditional orders among the others unless asked for active orders only.
    open_plain: tuple[tuple[str, Any], ...] = ()
    # Bybit: CCXT's fetch_order sends the exchange's order id even when it is None, so an order
    # is looked up by client id (orderLinkId) in the open and then the closed order lists.
    lists_by_client_id: bool = False
    # Bybit reports a funding payment as an execution whose fee is what was paid, and CCXT
    # passes that fee on as the amount: received is then negative.
    funding_is_a_fee: bool = False
    # Bybit: CCXT asks for a page of funding payments with "size", which Bybit ignores (it
    # reads "limit"), then keeps only that many of each page; "limit" is sent as well.
    funding_page_as_limit: bool = False
    # Bybit, Hyperliquid: a triggered trigger order executes as itself, under its own id.
    trigger_executes_itself: bool = False
    # Bybit answers executions (trades and funding) of at most 7 days per request, paged
    # only within them: longer histories are read span by span.
    records_span_ms: int | None = None
    # Bitget: a stop-loss and a take-profit are TP/SL plans placed and canceled under their
    # own planType (cancel-plan-order assumes "normal_plan" otherwise) and found in the plan
    # lists, not by fetch_order (whose order/detail knows no plan orders).
    tpsl_plans: tuple[str, str] | None = None
    # Bitget pages fills and bills by a cursor CCXT cannot follow (paging.py), and CCXT's
    # funding history wants a symbol: funding is read from the account's bills.
    cursor: str | None = None
    # Hyperliquid has no hedge mode (CCXT: NotSupported) and sets the margin mode with the
    # leverage (updateLeverage's isCross).
    one_way_only: bool = False
    leverage_sets_margin_mode: bool = False
    # Hyperliquid: a market order is a limit order CCXT prices from the price it is given.
    market_needs_price: bool = False
    # Hyperliquid finds an order by client id whatever its kind, and lists every open order at
    # once (a trigger one with its triggerPx): no trigger flag is sent.
    trigger_flag: bool = True
    # Hyperliquid answers fills and funding oldest first from startTime, 2,000 or 500 at most,
    # with no limit and no paging CCXT can follow; its funding payments have no id.
    time_pages: bool = False


_QUIRKS: dict[str, _Quirks] = {
    "okx": _Quirks(margin_mode_needs_leverage=True, open_triggers=(("ordType", "conditional"),)),
    "binanceusdm": _Quirks(),
    "bybit": _Quirks(
        open_plain=(("orderFilter", "Order"),),
        lists_by_client_id=True,
        funding_is_a_fee=True,
        funding_page_as_limit=True,
        trigger_executes_itself=True,
        records_span_ms=7 * 24 * 3_600_000,
    ),
    "bitget": _Quirks(
        open_triggers=(("planType", "profit_loss"),),
        tpsl_plans=("loss_plan", "profit_plan"),
        cursor="idLessThan",
    ),
    "hyperliquid": _Quirks(
        one_way_only=True,
        leverage_sets_margin_mode=True,
        market_needs_price=True,
        trigger_flag=False,
        trigger_executes_itself=True,
        time_pages=True,
    ),
}


class CcxtGateway:
    """``client``: a CCXT client with the account's keys (``client.connect``); ``translate``:
    turns its errors into ours, naming the account and redacting its keys."""

    def __init__(self, client: ccxt.Exchange, translate: Translate, page_size: int = 100) -> None:
        self._client = client
        # Records are read page by page (CCXT's pagination): a season's whole history when a
        # runner restarts, not only its first page.
        self._paged = {"paginate": True, "paginationCalls": MAX_PAGES,
                       "maxEntriesPerRequest": page_size}  # fmt: skip
        self._translate = translate
        self._quirks = _QUIRKS.get(client.id, _Quirks())
        self._prepared: dict[str, int] = {}
        self._one_way = False

    def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return method(*args, **kwargs)
        except ccxt.BaseError as error:
            raise self._translate(error) from error

    def _market(self, symbol: str) -> dict[str, Any]:
        if not self._client.markets:
            self._call(self._client.load_markets)
        market: dict[str, Any] = self._client.market(symbol)
        return market

    def _contracts(self, symbol: str, quantity: float) -> float:
        size = float(self._market(symbol).get("contractSize") or 1.0)
        text = self._call(self._client.amount_to_precision, symbol, quantity / size)
        return float(text)

    def _base(self, symbol: str, contracts: Any) -> float:
        size = float(self._market(symbol).get("contractSize") or 1.0)
        return float(contracts or 0.0) * size

    def server_time(self) -> int:
        return int(self._call(self._client.fetch_time))

    # -- orders ------------------------------------------------------------------------------

    def prepare(self, symbol: str, leverage: float) -> None:
        lever = max(1, round(leverage)) if self._quirks.integer_leverage else leverage
        if self._prepared.get(symbol) == lever:
            return
        client = self._client
        if not self._one_way and not self._quirks.one_way_only:
            self._tolerate_no_change(client.set_position_mode, False, symbol)
            self._one_way = True
        params = {"lever": lever} if self._quirks.margin_mode_needs_leverage else {}
        if not self._quirks.leverage_sets_margin_mode:
            self._tolerate_no_change(client.set_margin_mode, "isolated", symbol, params)
        try:
            client.set_leverage(lever, symbol, {"marginMode": "isolated"})
        except ccxt.NoChange:  # Bybit refuses to set the leverage already set
            pass
        except ccxt.BaseError as error:
            raise self._translate(error) from error
        self._prepared[symbol] = int(lever)

    def _tolerate_no_change(self, method: Callable[..., Any], *args: Any) -> None:
        """Settings calls that exchanges refuse when nothing would change (Binance: "no need
        to change margin type", a position mode already set)."""
        try:
            method(*args)
        except (ccxt.NoChange, ccxt.OperationRejected):
            pass
        except ccxt.BaseError as error:
            raise self._translate(error) from error

    def market_order(
        self, symbol: str, side: Side, quantity: float, client_id: str, reduce_only: bool
    ) -> ExchangeOrder:
        params: dict[str, Any] = {"clientOrderId": client_id, "marginMode": "isolated"}
        if reduce_only:
            params["reduceOnly"] = True
        price = self._mid_price(symbol) if self._quirks.market_needs_price else None
        raw = self._call(
            self._client.create_order, symbol, "market", side.value,
            self._contracts(symbol, quantity), price, params,
        )  # fmt: skip
        return self._order(raw, symbol, client_id)

    def _mid_price(self, symbol: str) -> float:
        """The price an emulated market order is bounded from (Hyperliquid's mid price)."""
        ticker = self._call(self._client.fetch_ticker, symbol)
        price = ticker.get("close") or ticker.get("last")
        if not price:
            raise OrderRejectedError(f"no price of {symbol} to place a market order at", "rejected")
        return float(price)

    def trigger_order(
        self,
        symbol: str,
        side: Side,
        quantity: float,
        client_id: str,
        trigger_price: float,
        stop_loss: bool,
    ) -> ExchangeOrder:
        level = float(self._call(self._client.price_to_precision, symbol, trigger_price))
        params: dict[str, Any] = {
            "clientOrderId": client_id,
            "marginMode": "isolated",
            "reduceOnly": True,
            ("stopLossPrice" if stop_loss else "takeProfitPrice"): level,
        }
        if self._quirks.tpsl_plans:
            # Sized (CCXT's default, pos_loss, closes the whole position, one per position),
            # and set off by the last price as on paper (CCXT's default is the mark price).
            params["planType"] = self._quirks.tpsl_plans[0 if stop_loss else 1]
            params["triggerType"] = "fill_price"
        # Hyperliquid: the trigger order executes as a market order no worse than the level
        # moved by CCXT's slippage.
        price = level if self._quirks.market_needs_price else None
        raw = self._call(
            self._client.create_order, symbol, "market", side.value,
            self._contracts(symbol, quantity), price, params,
        )  # fmt: skip
        if raw.get("id") is None:  # Hyperliquid may answer "waitingForTrigger", without its oid
            found = self._find(symbol, client_id, trigger=True)
            raw = found if found is not None else raw
        return self._order(raw, symbol, client_id)

    def find_order(self, symbol: str, client_id: str, trigger: bool) -> ExchangeOrder | None:
        try:
            raw = self._find(symbol, client_id, trigger)
        except OrderRejectedError as error:
            if error.kind == "order_not_found":
                return None
            raise
        return None if raw is None else self._order(raw, symbol, client_id)

    def _find(self, symbol: str, client_id: str, trigger: bool) -> dict[str, Any] | None:
        client = self._client
        if trigger and self._quirks.tpsl_plans:
            query = {"planType": "profit_loss", "clientOid": client_id}
            for method in (client.fetch_open_orders, client.fetch_canceled_and_closed_orders):
                listed: list[dict[str, Any]] = self._call(method, symbol, None, None, dict(query))
                if listed:
                    return listed[0]
            return None
        if not self._quirks.lists_by_client_id:
            params: dict[str, Any] = {"clientOrderId": client_id}
            if trigger and self._quirks.trigger_flag:
                params["trigger"] = True
            found: dict[str, Any] = self._call(client.fetch_order, None, symbol, params)
            return found
        query = {"orderLinkId": client_id, "orderFilter": "StopOrder" if trigger else "Order"}
        for method in (client.fetch_open_orders, client.fetch_canceled_and_closed_orders):
            listed = self._call(method, symbol, None, None, dict(query))
            if listed:
                first: dict[str, Any] = listed[0]
                return first
        return None

    def cancel_order(self, symbol: str, order: ExchangeOrder, trigger: bool) -> None:
        params: dict[str, Any] = {"trigger": True} if trigger and self._quirks.trigger_flag else {}
        if not (trigger and self._quirks.tpsl_plans):
            self._cancel(symbol, order, params)
            return
        for plan in self._quirks.tpsl_plans:  # only its own plan type cancels it
            if self._cancel(symbol, order, {**params, "planType": plan}).get("id"):
                return

    def _cancel(self, symbol: str, order: ExchangeOrder, params: dict[str, Any]) -> dict[str, Any]:
        try:
            canceled: dict[str, Any] = self._call(
                self._client.cancel_order, order.order_id, symbol, params
            )
            return canceled
        except OrderRejectedError as error:
            if error.kind not in ("order_not_found", "rejected"):
                raise
            return {}

    # -- records -----------------------------------------------------------------------------

    def trades(self, symbol: str, since: int) -> list[ExchangeTrade]:
        if self._quirks.cursor:
            size = self._paged["maxEntriesPerRequest"]
            raw = older_pages(
                lambda page: self._call(self._client.fetch_my_trades, symbol, since, size, page),
                self._quirks.cursor, size, MAX_PAGES,
            )  # fmt: skip
        elif self._quirks.time_pages:
            raw = newer_pages(
                lambda start: self._call(self._client.fetch_my_trades, symbol, start),
                lambda item: str(item["id"]), since, MAX_PAGES,
            )  # fmt: skip
        else:
            raw = self._in_spans(
                lambda start, params: self._call(
                    self._client.fetch_my_trades, symbol, start, None, params
                ),
                since, dict(self._paged),
            )  # fmt: skip
        trades = [
            ExchangeTrade(
                str(item["id"]),
                str(item["order"]),
                symbol,
                Side(item["side"]),
                self._base(symbol, item["amount"]),
                float(item["price"]),
                float((item.get("fee") or {}).get("cost") or 0.0),
                int(item["timestamp"]),
            )
            for item in raw
        ]
        return sorted(trades, key=lambda trade: trade.ts)

    def funding(self, since: int) -> list[FundingPayment]:
        params = dict(self._paged)
        if self._quirks.funding_page_as_limit:
            params["limit"] = params["maxEntriesPerRequest"]
        if self._quirks.cursor:
            size = params["maxEntriesPerRequest"]
            raw = older_pages(
                lambda page: self._bills(since, size, page), self._quirks.cursor, size, MAX_PAGES
            )
        elif self._quirks.time_pages:
            raw = newer_pages(
                lambda start: self._call(self._client.fetch_funding_history, None, start),
                _payment_key, since, MAX_PAGES,
            )  # fmt: skip
        else:
            raw = self._in_spans(
                lambda start, query: self._call(
                    self._client.fetch_funding_history, None, start, None, query
                ),
                since, params,
            )  # fmt: skip
        payments = [
            FundingPayment(
                _payment_key(item)
                if self._quirks.time_pages
                else str(item.get("id") or f"{item['symbol']}-{item['timestamp']}"),
                str(item["symbol"]),
                -float(item["info"]["execFee"])
                if self._quirks.funding_is_a_fee
                else float(item["amount"]),
                int(item["timestamp"]),
            )
            for item in raw
        ]
        return sorted(payments, key=lambda payment: payment.ts)

    def _bills(self, since: int, size: int, page: dict[str, Any]) -> list[dict[str, Any]]:
        """One page of Bitget's funding bills, every USDT-M symbol at once."""
        if not self._client.markets:  # to name each bill's symbol
            self._call(self._client.load_markets)
        request = {"productType": "USDT-FUTURES", "businessType": "contract_settle_fee",
                   "startTime": since, "limit": size, **page}  # fmt: skip
        answer = self._call(self._client.privateMixGetV2MixAccountBill, request)
        bills = (answer.get("data") or {}).get("bills") or []
        parsed: list[dict[str, Any]] = self._client.parse_funding_histories(bills, None, since)
        return parsed

    def _in_spans(
        self, read: Callable[[int, dict[str, Any]], list[Any]], since: int, params: dict[str, Any]
    ) -> list[Any]:
        """``read(since, params)``; where the exchange answers at most ``records_span_ms`` of
        records a request, one read per span from ``since`` to the exchange's now."""
        span = self._quirks.records_span_ms
        if span is None:
            return read(since, params)
        now, found = self.server_time(), []
        for start in range(since, max(now, since) + 1, span):
            found += read(start, {**params, "until": start + span - 1})
        return found

    def positions(self) -> list[ExchangePosition]:
        raw = self._call(self._client.fetch_positions)
        held = []
        for item in raw:
            contracts = float(item.get("contracts") or 0.0)
            if contracts == 0 or not math.isfinite(contracts):
                continue
            symbol = str(item["symbol"])
            sign = -1.0 if item.get("side") == "short" else 1.0
            held.append(
                ExchangePosition(
                    symbol,
                    sign * self._base(symbol, contracts),
                    float(item.get("entryPrice") or 0.0),
                    float(item.get("leverage") or 1.0),
                )
            )
        return held

    def balance(self) -> tuple[float, float]:
        raw = self._call(self._client.fetch_balance)
        held = raw.get(SETTLE_CURRENCY.get(self._client.id, "USDT")) or {}
        return float(held.get("total") or 0.0), float(held.get("free") or 0.0)

    def open_orders(self) -> list[ExchangeOrder]:
        if not self._quirks.trigger_flag:  # one list; a trigger order has its trigger price
            listed = self._call(self._client.fetch_open_orders)
            return [
                replace(self._order(item, str(item["symbol"]), ""),
                        trigger=item.get("triggerPrice") is not None)
                for item in listed
            ]  # fmt: skip
        plain = self._call(
            self._client.fetch_open_orders, None, None, None, dict(self._quirks.open_plain)
        )
        query = dict(self._quirks.open_triggers)
        triggers = self._call(self._client.fetch_open_orders, None, None, None, query)
        found = [self._order(item, str(item["symbol"]), "") for item in plain]
        return found + [
            replace(self._order(item, str(item["symbol"]), ""), trigger=True) for item in triggers
        ]

    def _order(self, raw: dict[str, Any], symbol: str, client_id: str) -> ExchangeOrder:
        order_id, filled = str(raw["id"]), self._base(symbol, raw.get("filled"))
        children = _children(raw.get("info") or {}, order_id)
        if self._quirks.trigger_executes_itself and filled > 0:
            children = (order_id,)
        return ExchangeOrder(
            order_id, str(raw.get("clientOrderId") or client_id), symbol,
            str(raw.get("status") or "open"), filled, children,
        )  # fmt: skip


def _payment_key(item: dict[str, Any]) -> str:
    """A funding payment's id where the exchange gives none (Hyperliquid's hash is zero)."""
    return f"{item['symbol']}-{item['timestamp']}"


def _children(info: dict[str, Any], order_id: str) -> tuple[str, ...]:
    """The orders a triggered trigger order placed, whose executions are its own: OKX names
    them in ``ordIdList`` (``ordId`` before), Binance's algo orders in ``actualOrderId``,
    Bitget's plans in ``executeOrderId``."""
    found = [*(info.get("ordIdList") or []), info.get("ordId"), info.get("actualOrderId"),
             info.get("executeOrderId")]  # fmt: skip
    return tuple(dict.fromkeys(str(i) for i in found if i and str(i) not in ("0", order_id)))
