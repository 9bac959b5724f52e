"""The exchange gateway over CCXT's unified API: our base quantities become the exchange's
contracts (OKX swaps trade contracts of ``contractSize`` base units), precision comes from the
exchange's own market list, and every CCXT error leaves as one of ours.

Per exchange, only what CCXT does not unify is told apart, in ``_QUIRKS``: how a trigger order
is asked for by its client id, and whether margin mode takes the leverage with it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import ccxt

from alpha_arena.core.errors import ArenaError, OrderRejectedError
from alpha_arena.domain.orders import Side
from alpha_arena.execution.exchange.gateway import (
    ExchangeOrder,
    ExchangePosition,
    ExchangeTrade,
    FundingPayment,
)

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


_QUIRKS: dict[str, _Quirks] = {
    "okx": _Quirks(margin_mode_needs_leverage=True, open_triggers=(("ordType", "conditional"),)),
    "binanceusdm": _Quirks(),
    "bybit": _Quirks(),
    "bitget": _Quirks(),
    "hyperliquid": _Quirks(),
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
        if not self._one_way:
            self._tolerate_no_change(client.set_position_mode, False, symbol)
            self._one_way = True
        params = {"lever": lever} if self._quirks.margin_mode_needs_leverage else {}
        self._tolerate_no_change(client.set_margin_mode, "isolated", symbol, params)
        self._call(client.set_leverage, lever, symbol, {"marginMode": "isolated"})
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
        raw = self._call(
            self._client.create_order, symbol, "market", side.value,
            self._contracts(symbol, quantity), None, params,
        )  # fmt: skip
        return self._order(raw, symbol, client_id)

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
        raw = self._call(
            self._client.create_order, symbol, "market", side.value,
            self._contracts(symbol, quantity), None, params,
        )  # fmt: skip
        return self._order(raw, symbol, client_id)

    def find_order(self, symbol: str, client_id: str, trigger: bool) -> ExchangeOrder | None:
        params: dict[str, Any] = {"clientOrderId": client_id}
        if trigger:
            params["trigger"] = True
        try:
            raw = self._call(self._client.fetch_order, None, symbol, params)
        except OrderRejectedError as error:
            if error.kind == "order_not_found":
                return None
            raise
        return self._order(raw, symbol, client_id)

    def cancel_order(self, symbol: str, order: ExchangeOrder, trigger: bool) -> None:
        params = {"trigger": True} if trigger else {}
        try:
            self._call(self._client.cancel_order, order.order_id, symbol, params)
        except OrderRejectedError as error:
            if error.kind not in ("order_not_found", "rejected"):
                raise

    # -- records -----------------------------------------------------------------------------

    def trades(self, symbol: str, since: int) -> list[ExchangeTrade]:
        raw = self._call(self._client.fetch_my_trades, symbol, since, None, dict(self._paged))
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
        raw = self._call(self._client.fetch_funding_history, None, since, None, dict(self._paged))
        payments = [
            FundingPayment(
                str(item.get("id") or f"{item['symbol']}-{item['timestamp']}"),
                str(item["symbol"]),
                float(item["amount"]),
                int(item["timestamp"]),
            )
            for item in raw
        ]
        return sorted(payments, key=lambda payment: payment.ts)

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
        usdt = raw.get("USDT") or {}
        return float(usdt.get("total") or 0.0), float(usdt.get("free") or 0.0)

    def open_orders(self) -> list[ExchangeOrder]:
        plain = self._call(self._client.fetch_open_orders)
        query = dict(self._quirks.open_triggers)
        triggers = self._call(self._client.fetch_open_orders, None, None, None, query)
        found = [self._order(item, str(item["symbol"]), "") for item in plain]
        return found + [
            replace(self._order(item, str(item["symbol"]), ""), trigger=True) for item in triggers
        ]

    def _order(self, raw: dict[str, Any], symbol: str, client_id: str) -> ExchangeOrder:
        return ExchangeOrder(
            str(raw["id"]), str(raw.get("clientOrderId") or client_id), symbol,
            str(raw.get("status") or "open"), self._base(symbol, raw.get("filled")),
            _children(raw.get("info") or {}, str(raw["id"])),
        )  # fmt: skip


def _children(info: dict[str, Any], order_id: str) -> tuple[str, ...]:
    """The orders a triggered trigger order placed, whose executions are its own: OKX names
    them in ``ordIdList`` (``ordId`` before), Binance's algo orders in ``actualOrderId``."""
    found = [*(info.get("ordIdList") or []), info.get("ordId"), info.get("actualOrderId")]
    return tuple(dict.fromkeys(str(i) for i in found if i and str(i) not in ("0", order_id)))
