"""Real response formats and paging rules of OKX v5 and Binance USDT-M futures (fapi), over
rows of the bundled Binance sample, for the fake exchange server (tests/support/fake_exchange.py).

Candles are the sample's perpetual BTC and ETH 1h rows (and BTC spot for OKX's spot listing),
aggregated to longer bars; funding is the sample's funding history. Minute bars exist on both
exchanges but not in the sample: they are answered with no rows."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.marketdata.sources.sample import read_candles, read_funding, sample_dir

Params = dict[str, str]
Route = Callable[[Params], Any]

#: The fake serves sample rows from here on: the perpetual files start on this day.
DATA_START_MS = parse_ts("2024-01-01")
DEFAULT_NOW_MS = parse_ts("2024-03-15")

# Exchange bar names per timeframe; CCXT asks OKX for "...utc" bars from 6h up (UTC-aligned).
_OKX_BARS = {
    "1H": HOUR_MS,
    "2H": 2 * HOUR_MS,
    "4H": 4 * HOUR_MS,
    "6Hutc": 6 * HOUR_MS,
    "12Hutc": 12 * HOUR_MS,
    "1Dutc": 24 * HOUR_MS,
}
_BINANCE_INTERVALS = {
    "1h": HOUR_MS,
    "2h": 2 * HOUR_MS,
    "4h": 4 * HOUR_MS,
    "6h": 6 * HOUR_MS,
    "8h": 8 * HOUR_MS,
    "12h": 12 * HOUR_MS,
    "1d": 24 * HOUR_MS,
}
# Minute bars (the sample has none) are the hours split along a path (``bars``).
_MINUTES = {f"{n}m": n * 60_000 for n in (1, 3, 5, 15, 30)}
_OKX_BARS |= _MINUTES
_BINANCE_INTERVALS |= _MINUTES


@dataclass(frozen=True, slots=True)
class Listing:
    """One market the fake lists, with the exchange's real contract specs."""

    base: str
    spot: bool
    tick: str
    lot: str  # OKX lot size (contracts for swaps); Binance LOT_SIZE step
    ct_val: str  # OKX contract value in base currency ("" for spot)
    min_notional: str  # Binance MIN_NOTIONAL
    open_interest: float  # base currency

    @property
    def okx_id(self) -> str:
        return f"{self.base}-USDT" if self.spot else f"{self.base}-USDT-SWAP"

    @property
    def binance_id(self) -> str:
        return f"{self.base}USDT"

    @property
    def symbol(self) -> str:
        return f"{self.base}/USDT" if self.spot else f"{self.base}/USDT:USDT"

    @property
    def candle_file(self) -> str:
        return f"binance_{'spot' if self.spot else 'usdm'}_{self.base}USDT_1h.csv.gz"


LISTINGS = (
    Listing("BTC", False, "0.1", "0.01", "0.01", "100", 81_234.567),
    Listing("ETH", False, "0.01", "0.01", "0.1", "20", 1_234_567.8),
    Listing("BTC", True, "0.1", "0.00000001", "", "5", 0.0),
)
PERPS = {item.binance_id: item for item in LISTINGS if not item.spot}
_OKX = {item.okx_id: item for item in LISTINGS}


@functools.cache
def _hourly(file: str) -> np.ndarray:
    """Rows (ts, open, high, low, close, volume) of a sample file from DATA_START_MS on."""
    candles = read_candles(sample_dir() / file)
    table = np.column_stack(
        [
            candles.ts.astype(np.float64),
            candles.open,
            candles.high,
            candles.low,
            candles.close,
            candles.volume,
        ]
    )
    return table[candles.ts >= DATA_START_MS]


@functools.cache
def bars(file: str, step_ms: int) -> np.ndarray:
    """Sample rows aggregated to ``step_ms`` bars (open first, high max, low min, close last),
    or split into them below an hour (``_split_hours``)."""
    hourly = _hourly(file)
    if step_ms == HOUR_MS:
        return hourly
    if step_ms < HOUR_MS:
        return _split_hours(hourly, step_ms)
    buckets = hourly[:, 0].astype(np.int64) // step_ms * step_ms
    starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
    ends = np.r_[starts[1:], len(hourly)] - 1
    return np.column_stack(
        [
            buckets[starts].astype(np.float64),
            hourly[starts, 1],
            np.maximum.reduceat(hourly[:, 2], starts),
            np.minimum.reduceat(hourly[:, 3], starts),
            hourly[ends, 4],
            np.add.reduceat(hourly[:, 5], starts),
        ]
    )


def _split_hours(hourly: np.ndarray, step_ms: int) -> np.ndarray:
    """Each hour as ``HOUR_MS / step_ms`` bars along the path open, first extreme, second
    extreme, close (the low first when the hour closed up), the extremes a third and two thirds
    of the way: the bars open, reach and close at the hour's own prices; volume splits evenly."""
    parts = HOUR_MS // step_ms
    up = hourly[:, 4] >= hourly[:, 1]
    first = np.where(up, hourly[:, 3], hourly[:, 2])
    second = np.where(up, hourly[:, 2], hourly[:, 3])
    vertices = np.column_stack([hourly[:, 1], first, second, hourly[:, 4]])
    at = np.array([0.0, parts / 3, 2 * parts / 3, parts])
    edges = np.array([np.interp(np.arange(parts + 1), at, row) for row in vertices])
    opens, closes = edges[:, :-1], edges[:, 1:]
    highs, lows = np.maximum(opens, closes), np.minimum(opens, closes)
    rows = np.arange(len(hourly))
    for column, price in ((1, first), (2, second)):  # the sub-bar each extreme falls in
        inside = np.minimum(int(at[column]), parts - 1)
        highs[rows, inside] = np.maximum(highs[rows, inside], price)
        lows[rows, inside] = np.minimum(lows[rows, inside], price)
    ts = hourly[:, :1] + np.arange(parts) * step_ms
    volume = np.repeat(hourly[:, 5:6] / parts, parts, axis=1)
    return np.column_stack([part.reshape(-1) for part in (ts, opens, highs, lows, closes, volume)])


def btc_bar(ts: int) -> np.ndarray:
    """The sample's BTC perpetual 1h bar opened at ``ts``: (ts, open, high, low, close, volume)."""
    table = bars("binance_usdm_BTCUSDT_1h.csv.gz", HOUR_MS)
    row: np.ndarray = table[table[:, 0] == ts][0]
    return row


@functools.cache
def funding_table(base: str) -> np.ndarray:
    funding = read_funding(sample_dir() / f"binance_usdm_{base}USDT_funding_8h.csv.gz")
    table = np.column_stack([funding.ts.astype(np.float64), funding.rate])
    return table[funding.ts >= DATA_START_MS]


def num(value: float) -> str:
    """Format a float the way it parses back to the same float (exchanges send strings)."""
    return repr(float(value))


class MarketState(Protocol):
    """What the formats read from the running fake: its clock and its served rows."""

    now_ms: int
    candle_page_cap: int | None  # answer fewer candles per page than the exchange's maximum

    def served_bars(self, symbol: str, step_ms: int) -> np.ndarray: ...

    def funding(self, symbol: str) -> np.ndarray: ...

    def quote(self, symbol: str) -> dict[str, float]: ...


class OkxApi:
    """``/api/v5``: every answer is ``{"code": "0", "msg": "", "data": [...]}``."""

    def __init__(self, market: MarketState) -> None:
        self.market = market

    def routes(self) -> dict[str, Route]:
        return {
            "/api/v5/public/instruments": self.instruments,
            "/api/v5/market/candles": functools.partial(self.candles, recent=True),
            "/api/v5/market/history-candles": functools.partial(self.candles, recent=False),
            "/api/v5/public/funding-rate-history": self.funding,
            "/api/v5/market/tickers": self.tickers,
            "/api/v5/market/ticker": self.tickers,
            "/api/v5/public/mark-price": self.mark_price,
            "/api/v5/public/open-interest": self.open_interest,
            "/api/v5/public/time": lambda _: _okx_ok([{"ts": str(self.market.now_ms)}]),
        }

    def instruments(self, params: Params) -> Any:
        kind = params.get("instType", "")
        rows = [
            _okx_instrument(item)
            for item in LISTINGS
            if (kind == "SPOT") == item.spot and kind in ("SPOT", "SWAP")
        ]
        return _okx_ok(rows)

    def candles(self, params: Params, recent: bool) -> Any:
        listing = _okx_listing(params)
        bar = params.get("bar", "1m")
        if bar not in _OKX_BARS:
            raise BadRequestError("51000", "Parameter bar error")
        step = _OKX_BARS[bar]
        table = self.market.served_bars(listing.symbol, step)
        if recent:  # market/candles keeps only the newest 1,440 bars
            table = table[table[:, 0] > self.market.now_ms - 1440 * step]
        limit = min(int(params.get("limit", 100)), self.market.candle_page_cap or 300)
        page = _okx_window(table, params, limit)
        rows = []
        for ts, open_, high, low, close, volume in page:
            # "vol" is base units on spot but contracts on swaps; "volCcy" is quote on spot but
            # base units on swaps (CCXT reads the base volume from whichever applies).
            vol = volume if listing.spot else volume / float(listing.ct_val)
            vol_ccy = volume * close if listing.spot else volume
            confirm = "1" if ts + step <= self.market.now_ms else "0"
            rows.append(
                [
                    str(int(ts)),
                    num(open_),
                    num(high),
                    num(low),
                    num(close),
                    num(vol),
                    num(vol_ccy),
                    num(volume * close),
                    confirm,
                ]
            )
        return _okx_ok(rows)

    def funding(self, params: Params) -> Any:
        listing = _okx_listing(params)
        page = _okx_window(
            self.market.funding(listing.symbol), params, min(int(params.get("limit", 400)), 400)
        )
        return _okx_ok(
            [
                {
                    "fundingRate": num(rate),
                    "fundingTime": str(int(ts)),
                    "instId": listing.okx_id,
                    "instType": "SWAP",
                    "method": "current_period",
                    "realizedRate": num(rate),
                }
                for ts, rate in page
            ]
        )

    def tickers(self, params: Params) -> Any:
        if "instId" in params:
            chosen = [_okx_listing(params)]
        else:
            chosen = [item for item in LISTINGS if item.spot == (params.get("instType") == "SPOT")]
        rows = []
        for item in chosen:
            quote, day = (
                self.market.quote(item.symbol),
                self.market.served_bars(item.symbol, HOUR_MS)[-24:],
            )
            rows.append(
                {
                    "instType": "SPOT" if item.spot else "SWAP",
                    "instId": item.okx_id,
                    "last": num(quote["last"]),
                    "lastSz": "0.1",
                    "askPx": num(quote["ask"]),
                    "askSz": "12.5",
                    "bidPx": num(quote["bid"]),
                    "bidSz": "8.25",
                    "open24h": num(day[0, 1]),
                    "high24h": num(day[:, 2].max()),
                    "low24h": num(day[:, 3].min()),
                    "volCcy24h": num(day[:, 5].sum()),
                    "vol24h": num(day[:, 5].sum()),
                    "ts": str(self.market.now_ms),
                    "sodUtc0": num(day[0, 1]),
                    "sodUtc8": num(day[0, 1]),
                }
            )
        return _okx_ok(rows)

    def mark_price(self, params: Params) -> Any:
        chosen = [_okx_listing(params)] if "instId" in params else list(PERPS.values())
        return _okx_ok(
            [
                {
                    "instId": item.okx_id,
                    "instType": "SWAP",
                    "markPx": num(self.market.quote(item.symbol)["mark"]),
                    "ts": str(self.market.now_ms),
                }
                for item in chosen
            ]
        )

    def open_interest(self, params: Params) -> Any:
        item = _okx_listing(params)
        amount = item.open_interest
        return _okx_ok(
            [
                {
                    "instId": item.okx_id,
                    "instType": "SWAP",
                    "oi": num(amount / float(item.ct_val)),
                    "oiCcy": num(amount),
                    "oiUsd": num(amount * self.market.quote(item.symbol)["last"]),
                    "ts": str(self.market.now_ms),
                }
            ]
        )


class BinanceApi:
    """``/fapi/v1``: bare JSON arrays and objects, errors as ``{"code": -1121, "msg": ...}``."""

    def __init__(self, market: MarketState) -> None:
        self.market = market

    def routes(self) -> dict[str, Route]:
        return {
            "/fapi/v1/exchangeInfo": self.exchange_info,
            "/fapi/v1/klines": self.klines,
            "/fapi/v1/fundingRate": self.funding,
            "/fapi/v1/ticker/24hr": self.ticker,
            "/fapi/v1/ticker/bookTicker": self.book_ticker,
            "/fapi/v1/premiumIndex": self.premium_index,
            "/fapi/v1/openInterest": self.open_interest,
            "/fapi/v1/time": lambda _: {"serverTime": self.market.now_ms},
        }

    def exchange_info(self, params: Params) -> Any:
        return {
            "timezone": "UTC",
            "serverTime": self.market.now_ms,
            "futuresType": "U_MARGINED",
            "rateLimits": [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": 2400,
                }
            ],
            "exchangeFilters": [],
            "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
            "symbols": [_binance_symbol(item) for item in PERPS.values()],
        }

    def klines(self, params: Params) -> Any:
        listing = _binance_listing(params)
        interval = params.get("interval", "")
        if interval not in _BINANCE_INTERVALS:
            raise BadRequestError("-1120", "Invalid interval.")
        step = _BINANCE_INTERVALS[interval]
        limit = min(int(params.get("limit", 500)), self.market.candle_page_cap or 1500)
        page = _binance_window(self.market.served_bars(listing.symbol, step), params, limit)
        return [
            [
                int(ts),
                num(o),
                num(h),
                num(lo),
                num(c),
                num(v),
                int(ts) + step - 1,
                num(v * c),
                1000,
                num(v / 2),
                num(v * c / 2),
                "0",
            ]
            for ts, o, h, lo, c, v in page
        ]

    def funding(self, params: Params) -> Any:
        listing = _binance_listing(params)
        limit = min(int(params.get("limit", 100)), 1000)
        page = _binance_window(self.market.funding(listing.symbol), params, limit)
        closes = self.market.served_bars(listing.symbol, HOUR_MS)
        return [
            {
                "symbol": listing.binance_id,
                "fundingTime": int(ts),
                "fundingRate": f"{rate:.8f}",
                "markPrice": num(closes[np.searchsorted(closes[:, 0], ts), 1]),
            }
            for ts, rate in page
        ]

    def _chosen(self, params: Params) -> list[Listing]:
        return [_binance_listing(params)] if "symbol" in params else list(PERPS.values())

    def ticker(self, params: Params) -> Any:
        rows = []
        for item in self._chosen(params):
            quote, day = (
                self.market.quote(item.symbol),
                self.market.served_bars(item.symbol, HOUR_MS)[-24:],
            )
            rows.append(
                {
                    "symbol": item.binance_id,
                    "priceChange": num(quote["last"] - day[0, 1]),
                    "priceChangePercent": "0.000",
                    "weightedAvgPrice": num(day[:, 4].mean()),
                    "lastPrice": num(quote["last"]),
                    "lastQty": "0.010",
                    "openPrice": num(day[0, 1]),
                    "highPrice": num(day[:, 2].max()),
                    "lowPrice": num(day[:, 3].min()),
                    "volume": num(day[:, 5].sum()),
                    "quoteVolume": num((day[:, 5] * day[:, 4]).sum()),
                    "openTime": int(day[0, 0]),
                    "closeTime": self.market.now_ms,
                    "firstId": 1,
                    "lastId": 2,
                    "count": 2,
                }
            )
        return rows[0] if "symbol" in params else rows

    def book_ticker(self, params: Params) -> Any:
        rows = [
            {
                "symbol": item.binance_id,
                "bidPrice": num(self.market.quote(item.symbol)["bid"]),
                "bidQty": "8.250",
                "askPrice": num(self.market.quote(item.symbol)["ask"]),
                "askQty": "12.500",
                "time": self.market.now_ms,
                "lastUpdateId": 1,
            }
            for item in self._chosen(params)
        ]
        return rows[0] if "symbol" in params else rows

    def premium_index(self, params: Params) -> Any:
        rows = []
        for item in self._chosen(params):
            quote, funding = self.market.quote(item.symbol), self.market.funding(item.symbol)
            rows.append(
                {
                    "symbol": item.binance_id,
                    "markPrice": num(quote["mark"]),
                    "indexPrice": num(quote["index"]),
                    "estimatedSettlePrice": num(quote["index"]),
                    "lastFundingRate": f"{funding[-1, 1]:.8f}",
                    "interestRate": "0.00010000",
                    "nextFundingTime": int(funding[-1, 0]) + 8 * HOUR_MS,
                    "time": self.market.now_ms,
                }
            )
        return rows[0] if "symbol" in params else rows

    def open_interest(self, params: Params) -> Any:
        item = _binance_listing(params)
        return {
            "symbol": item.binance_id,
            "openInterest": num(item.open_interest),
            "time": self.market.now_ms,
        }


class BadRequestError(Exception):
    def __init__(self, code: str, msg: str) -> None:
        super().__init__(msg)
        self.code, self.msg = code, msg


def _okx_ok(data: list[Any]) -> dict[str, Any]:
    return {"code": "0", "msg": "", "data": data}


def _okx_body(code: str, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": []}


def error_body(status: int, okx: bool) -> Any:
    """The bodies both exchanges send with these statuses."""
    if status == 429:
        if okx:
            return _okx_body("50011", "Too Many Requests")
        return {
            "code": -1003,
            "msg": "Too many requests; current limit of IP(127.0.0.1) is 2400 "
            "requests per minute. Please use the websocket for live updates to avoid polling "
            "the API.",
        }
    if okx:
        return _okx_body("50026", "System error. Try again later")
    return {
        "code": -1001,
        "msg": "Internal error; unable to process your request. Please try again.",
    }


def _okx_listing(params: Params) -> Listing:
    try:
        return _OKX[params.get("instId", "")]
    except KeyError:
        raise BadRequestError("51001", "Instrument ID does not exist") from None


def _binance_listing(params: Params) -> Listing:
    try:
        return PERPS[params.get("symbol", "")]
    except KeyError:
        raise BadRequestError("-1121", "Invalid symbol.") from None


def _okx_window(table: np.ndarray, params: Params, limit: int) -> np.ndarray:
    """OKX paging: ``after`` = older than, ``before`` = newer than (both exclusive); the newest
    ``limit`` rows of that range, newest first. (Tables are sorted by time: sliced, not
    masked, as minute tables are long.)"""
    ts = table[:, 0]
    first = np.searchsorted(ts, int(params["before"]), "right") if "before" in params else 0
    stop = np.searchsorted(ts, int(params["after"]), "left") if "after" in params else len(ts)
    return table[max(first, stop - limit) : stop][::-1]


def _binance_window(table: np.ndarray, params: Params, limit: int) -> np.ndarray:
    """Binance paging: startTime/endTime inclusive, oldest first; from startTime when given,
    else the newest ``limit`` rows up to endTime."""
    ts = table[:, 0]
    first = np.searchsorted(ts, int(params["startTime"]), "left") if "startTime" in params else 0
    stop = np.searchsorted(ts, int(params["endTime"]), "right") if "endTime" in params else len(ts)
    if "startTime" in params:
        return table[first : min(stop, first + limit)]
    return table[max(first, stop - limit) : stop]


def _okx_instrument(item: Listing) -> Params:
    swap = not item.spot
    return {
        "alias": "",
        "baseCcy": "" if swap else item.base,
        "category": "1",
        "ctMult": "1" if swap else "",
        "ctType": "linear" if swap else "",
        "ctVal": item.ct_val,
        "ctValCcy": item.base if swap else "",
        "expTime": "",
        "instFamily": f"{item.base}-USDT" if swap else "",
        "instId": item.okx_id,
        "instType": "SWAP" if swap else "SPOT",
        "lever": "100" if swap else "10",
        "listTime": "1573557408000",
        "lotSz": item.lot,
        "maxLmtAmt": "20000000",
        "maxLmtSz": "100000000",
        "maxMktAmt": "",
        "maxMktSz": "12000" if swap else "1000000",
        "maxStopSz": "12000",
        "minSz": item.lot if swap else "0.00001",
        "optType": "",
        "quoteCcy": "" if swap else "USDT",
        "settleCcy": "USDT" if swap else "",
        "state": "live",
        "stk": "",
        "tickSz": item.tick,
        "uly": f"{item.base}-USDT" if swap else "",
    }


def _binance_symbol(item: Listing) -> dict[str, Any]:
    step, tick = "0.001", item.tick
    return {
        "symbol": item.binance_id,
        "pair": item.binance_id,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": 1569398400000,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": item.base,
        "quoteAsset": "USDT",
        "marginAsset": "USDT",
        "pricePrecision": 2,
        "quantityPrecision": 3,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.10",
                "maxPrice": "4529764",
                "tickSize": tick,
            },
            {"filterType": "LOT_SIZE", "stepSize": step, "minQty": step, "maxQty": "1000"},
            {"filterType": "MARKET_LOT_SIZE", "stepSize": step, "minQty": step, "maxQty": "120"},
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": item.min_notional},
        ],
        "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT_MARKET"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
    }
