"""Bybit v5 public market data for the fake exchange (tests/support/fake_exchange.py): the USDT
linear perpetuals of the bundled sample, as CCXT's ``bybit`` client reads them.

Every answer is ``{"retCode": 0, "retMsg": "OK", "result": {...}, "retExtInfo": {}, "time": ms}``
with HTTP 200, refusals too (Bybit's way): a bad parameter is ``retCode`` 10001. Served:
``instruments-info``, ``kline``, ``funding/history``, ``tickers`` and ``time`` under
``/v5/market/``; rows are newest first, as Bybit sends them."""

from __future__ import annotations

from typing import Any

import numpy as np

from alpha_arena.core.time import HOUR_MS
from tests.support.fake_venues import PERPS, Listing, MarketState, Params, Route, num

Body = dict[str, Any]

#: Bybit's own lot step (``qtyStep``) of each perpetual the fake lists.
QTY_STEPS = {"BTC": "0.001", "ETH": "0.01"}
_MAX_MARKET_QTY = {"BTC": "119", "ETH": "1000"}
_INTERVALS = {
    "60": HOUR_MS,
    "120": 2 * HOUR_MS,
    "240": 4 * HOUR_MS,
    "360": 6 * HOUR_MS,
    "720": 12 * HOUR_MS,
    "D": 24 * HOUR_MS,
}
_MINUTE_INTERVALS = {"1", "3", "5", "15", "30"}  # valid on Bybit; the sample has no such bars


def ok(result: Any, now_ms: int) -> Body:
    return {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": now_ms}


def refused(code: int, msg: str, now_ms: int) -> Body:
    return {"retCode": code, "retMsg": msg, "result": {}, "retExtInfo": {}, "time": now_ms}


def bybit_listing(symbol: str) -> Listing | None:
    return PERPS.get(symbol)


def qty_text(listing: Listing, value: float) -> str:
    """A quantity as Bybit writes it: as many decimals as the lot step."""
    decimals = len(QTY_STEPS[listing.base].split(".")[1])
    return f"{value:.{decimals}f}"


class BybitApi:
    """``/v5/market``: only ``category=linear`` lists anything."""

    def __init__(self, market: MarketState) -> None:
        self.market = market

    def routes(self) -> dict[str, Route]:
        handlers: dict[str, Route] = {
            "instruments-info": self.instruments,
            "kline": self.kline,
            "funding/history": self.funding,
            "tickers": self.tickers,
        }
        routes = {f"/v5/market/{path}": self._answer(handler) for path, handler in handlers.items()}
        return routes | {"/v5/market/time": lambda _: ok(self.time(), self.market.now_ms)}

    def _answer(self, handler: Route) -> Route:
        def route(params: Params) -> Any:
            if params.get("category") not in ("linear", "inverse", "spot", "option"):
                return refused(10001, "params error: Category is invalid", self.market.now_ms)
            try:
                return ok(handler(params), self.market.now_ms)
            except _ParamsError as error:
                return refused(10001, str(error), self.market.now_ms)

        return route

    def time(self) -> Body:
        now = self.market.now_ms
        return {"timeSecond": str(now // 1000), "timeNano": str(now * 1_000_000)}

    def instruments(self, params: Params) -> Body:
        linear = params["category"] == "linear" and params.get("status") != "PreLaunch"
        rows = [_instrument(item) for item in PERPS.values()] if linear else []
        if params.get("symbol"):
            rows = [row for row in rows if row["symbol"] == params["symbol"]]
        return {"category": params["category"], "list": rows, "nextPageCursor": ""}

    def kline(self, params: Params) -> Body:
        listing = _linear(params)
        interval = params.get("interval", "")
        if interval in _MINUTE_INTERVALS:
            return {"category": "linear", "symbol": listing.binance_id, "list": []}
        if interval not in _INTERVALS:
            raise _ParamsError("params error: invalid interval")
        step = _INTERVALS[interval]
        limit = min(int(params.get("limit") or 200), self.market.candle_page_cap or 1000)
        table = _window(self.market.served_bars(listing.symbol, step), params, "start", "end")
        rows = [
            [str(int(ts)), num(o), num(h), num(lo), num(c), num(v), num(v * c)]
            for ts, o, h, lo, c, v in table[-limit:][::-1]
        ]
        return {"category": "linear", "symbol": listing.binance_id, "list": rows}

    def funding(self, params: Params) -> Body:
        listing = _linear(params)
        limit = min(int(params.get("limit") or 200), 200)
        table = _window(self.market.funding(listing.symbol), params, "startTime", "endTime")
        rows = [
            {
                "symbol": listing.binance_id,
                "fundingRate": f"{rate:.8f}",
                "fundingRateTimestamp": str(int(ts)),
            }
            for ts, rate in table[-limit:][::-1]
        ]
        return {"category": "linear", "list": rows}

    def tickers(self, params: Params) -> Body:
        if params["category"] != "linear":
            return {"category": params["category"], "list": []}
        chosen = [_linear(params)] if params.get("symbol") else list(PERPS.values())
        rows = []
        for item in chosen:
            quote = self.market.quote(item.symbol)
            day = self.market.served_bars(item.symbol, HOUR_MS)[-24:]
            funding = self.market.funding(item.symbol)
            rows.append(
                {
                    "symbol": item.binance_id,
                    "lastPrice": num(quote["last"]),
                    "indexPrice": num(quote["index"]),
                    "markPrice": num(quote["mark"]),
                    "prevPrice24h": num(day[0, 1]),
                    "price24hPcnt": f"{quote['last'] / day[0, 1] - 1:.6f}",
                    "highPrice24h": num(day[:, 2].max()),
                    "lowPrice24h": num(day[:, 3].min()),
                    "prevPrice1h": num(day[-1, 1]),
                    "openInterest": num(item.open_interest),
                    "openInterestValue": num(item.open_interest * quote["last"]),
                    "turnover24h": num(float((day[:, 5] * day[:, 4]).sum())),
                    "volume24h": num(float(day[:, 5].sum())),
                    "fundingRate": f"{funding[-1, 1]:.8f}",
                    "nextFundingTime": str(int(funding[-1, 0]) + 8 * HOUR_MS),
                    "predictedDeliveryPrice": "",
                    "basisRate": "",
                    "deliveryFeeRate": "",
                    "deliveryTime": "0",
                    "ask1Size": "12.5",
                    "bid1Price": num(quote["bid"]),
                    "ask1Price": num(quote["ask"]),
                    "bid1Size": "8.25",
                    "basis": "",
                }
            )
        return {"category": "linear", "list": rows}


class _ParamsError(Exception):
    pass


def _linear(params: Params) -> Listing:
    listing = bybit_listing(params.get("symbol", ""))
    if params.get("category") != "linear" or listing is None:
        raise _ParamsError("params error: symbol invalid")
    return listing


def _window(table: np.ndarray, params: Params, start: str, end: str) -> np.ndarray:
    """Rows from ``start`` to ``end`` (both inclusive, either optional), oldest first."""
    mask = np.ones(len(table), dtype=bool)
    if params.get(start):
        mask &= table[:, 0] >= int(params[start])
    if params.get(end):
        mask &= table[:, 0] <= int(params[end])
    return table[mask]


def _instrument(item: Listing) -> Body:
    step = QTY_STEPS[item.base]
    return {
        "symbol": item.binance_id,
        "contractType": "LinearPerpetual",
        "status": "Trading",
        "baseCoin": item.base,
        "quoteCoin": "USDT",
        "launchTime": "1585526400000",
        "deliveryTime": "0",
        "deliveryFeeRate": "",
        "priceScale": str(len(item.tick.split(".")[1])),
        "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
        "priceFilter": {"minPrice": item.tick, "maxPrice": "1999999.80", "tickSize": item.tick},
        "lotSizeFilter": {
            "maxOrderQty": "1190.000",
            "minOrderQty": step,
            "qtyStep": step,
            "postOnlyMaxOrderQty": "1190.000",
            "maxMktOrderQty": _MAX_MARKET_QTY[item.base],
            "minNotionalValue": "5",
        },
        "unifiedMarginTrade": True,
        "fundingInterval": 480,
        "settleCoin": "USDT",
        "copyTrading": "both",
        "upperFundingRate": "0.00375",
        "lowerFundingRate": "-0.00375",
        "isPreListing": False,
        "preListingInfo": None,
    }


def error_body(status: int, now_ms: int) -> Body:
    """What Bybit sends with a 429 (its rate limit, 10006) or a 5xx."""
    if status == 429:
        return refused(10006, "Too many visits. Exceeded the API Rate Limit.", now_ms)
    return refused(10016, "Internal server error.", now_ms)
