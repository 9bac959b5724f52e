"""A loopback fake of Coinbase's public REST API as CCXT's ``coinbase`` client reads it: the
Advanced Trade public market endpoints under ``/api/v3/brokerage/market`` (products, candles,
product book) and the v2 currencies and exchange rates it loads with the markets.

Products BTC-USD and ETH-USD serve real rows of the bundled Binance spot sample (BTC/USDT and
ETH/USDT 1h, from 2024-01-01, aggregated to longer bars). Candles follow Coinbase's rules:
``start`` and ``end`` in epoch seconds, ``granularity`` named (ONE_HOUR, ONE_DAY, ...), at most
350 candles a request (more is a 400 INVALID_ARGUMENT), newest first, numbers as strings. Only
bars opened by ``now_ms`` are served, so the newest can still be open.

``fail_next`` answers the next requests with a status and Coinbase's error body; ``garbage_next``
answers 200 with a body of one's choosing. ``log`` keeps each path with its parameters."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import numpy as np

from alpha_arena.core.time import to_iso
from tests.support.fake_venues import bars, num
from tests.support.loopback_http import Answer, LoopbackServer, Request

PRODUCTS = {
    "BTC-USD": ("BTC", "Bitcoin", "binance_spot_BTCUSDT_1h.csv.gz"),
    "ETH-USD": ("ETH", "Ethereum", "binance_spot_ETHUSDT_1h.csv.gz"),
}
GRANULARITIES = {
    "ONE_HOUR": 3_600,
    "TWO_HOUR": 7_200,
    "SIX_HOUR": 21_600,
    "ONE_DAY": 86_400,
}
MAX_CANDLES = 350
MARKET = "/api/v3/brokerage/market"
CANDLES = "/candles"
_ERRORS = {
    400: ("INVALID_ARGUMENT", "bad request"),
    404: ("NOT_FOUND", "not found"),
    429: ("rate_limit_exceeded", "Too many requests"),
    500: ("internal_server_error", "Internal server error"),
    503: ("internal_server_error", "Service unavailable"),
}


class FakeCoinbase:
    """The server; use it as a context manager. ``url`` is the base URL to point CCXT at."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms
        self.requests: Counter[str] = Counter()
        self.log: list[tuple[str, dict[str, list[str]]]] = []
        self._lock = threading.Lock()
        self._faults: list[tuple[Answer, str | None]] = []
        self._server = LoopbackServer(self._handle)

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> FakeCoinbase:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)

    # -- fault switches ----------------------------------------------------------------------

    def fail_next(self, status: int, count: int = 1, path: str | None = None) -> None:
        """Answer the next ``count`` requests (to paths containing ``path``) with ``status``."""
        error, message = _ERRORS[status]
        body = {"errors": [{"id": error, "message": message}]}
        with self._lock:
            self._faults += [(Answer(status, body), path)] * count

    def garbage_next(self, body: Any, count: int = 1, path: str | None = None) -> None:
        with self._lock:
            self._faults += [(Answer(200, body), path)] * count

    # -- what is served, for assertions ------------------------------------------------------

    def served_bars(self, product: str, step_ms: int) -> np.ndarray:
        """Rows (ts, open, high, low, close, volume) of every bar opened by now."""
        table = bars(PRODUCTS[product][2], step_ms)
        return table[table[:, 0] <= self.now_ms]

    def closed_bars(self, product: str, step_ms: int, ts_from: int) -> np.ndarray:
        table = self.served_bars(product, step_ms)
        return table[(table[:, 0] + step_ms <= self.now_ms) & (table[:, 0] >= ts_from)]

    def last_price(self, product: str) -> float:
        return float(self.served_bars(product, 3_600_000)[-1, 4])

    def book(self, product: str) -> tuple[float, float]:
        """(best bid, best ask): a cent either side of the last price."""
        last = self.last_price(product)
        return round(last - 0.01, 2), round(last + 0.01, 2)

    def candle_requests(self) -> list[dict[str, str]]:
        return [
            {name: values[-1] for name, values in query.items()}
            for path, query in self.log
            if path.endswith(CANDLES)
        ]

    # -- dispatch ----------------------------------------------------------------------------

    def _handle(self, request: Request) -> Answer:
        with self._lock:
            self.requests[request.path] += 1
            self.log.append((request.path, request.query))
            fault = next((f for f in self._faults if f[1] is None or f[1] in request.path), None)
            if fault is not None:
                self._faults.remove(fault)
        if fault is not None:
            return fault[0]
        path = request.path
        if path == "/v2/currencies":
            return Answer(200, {"data": [{"id": "USD", "name": "US Dollar", "min_size": "0.01"}]})
        if path == "/v2/currencies/crypto":
            return Answer(
                200, {"data": [_crypto(code, name) for code, name, _ in PRODUCTS.values()]}
            )
        if path == "/v2/exchange-rates":
            rates = {code: num(1 / self.last_price(pid)) for pid, (code, *_) in PRODUCTS.items()}
            return Answer(200, {"data": {"currency": "USD", "rates": {"USD": "1.0", **rates}}})
        if path == f"{MARKET}/products":
            return self._products(request)
        if path == f"{MARKET}/product_book":
            return self._book(request)
        if path.startswith(f"{MARKET}/products/") and path.endswith(CANDLES):
            product = path.removeprefix(f"{MARKET}/products/").removesuffix(CANDLES)
            return self._candles(product, request)
        return _error(404, "NOT_FOUND", f"no route {path}")

    def _products(self, request: Request) -> Answer:
        if request.param("product_type") == "FUTURE":
            return Answer(200, {"products": [], "num_products": 0})
        wanted = request.query.get("product_ids") or list(PRODUCTS)
        products = [self._product(pid) for pid in wanted if pid in PRODUCTS]
        return Answer(200, {"products": products, "num_products": len(products)})

    def _product(self, product: str) -> dict[str, Any]:
        code, name, _ = PRODUCTS[product]
        day = self.served_bars(product, 3_600_000)[-24:]
        return {
            "product_id": product,
            "price": num(self.last_price(product)),
            "price_percentage_change_24h": num((day[-1, 4] / day[0, 1] - 1) * 100),
            "volume_24h": num(day[:, 5].sum()),
            "volume_percentage_change_24h": "0",
            "base_increment": "0.00000001",
            "quote_increment": "0.01",
            "quote_min_size": "1",
            "quote_max_size": "150000000",
            "base_min_size": "0.00000001",
            "base_max_size": "3400",
            "base_name": name,
            "quote_name": "US Dollar",
            "watched": False,
            "is_disabled": False,
            "new": False,
            "status": "online",
            "cancel_only": False,
            "limit_only": False,
            "post_only": False,
            "trading_disabled": False,
            "auction_mode": False,
            "product_type": "SPOT",
            "quote_currency_id": "USD",
            "base_currency_id": code,
            "fcm_trading_session_details": None,
            "mid_market_price": "",
            "alias": "",
            "alias_to": [product.replace("-USD", "-USDC")],
            "base_display_symbol": code,
            "quote_display_symbol": "USD",
            "view_only": False,
            "price_increment": "0.01",
            "display_name": product,
            "product_venue": "CBE",
            "approximate_quote_24h_volume": num((day[:, 5] * day[:, 4]).sum()),
        }

    def _book(self, request: Request) -> Answer:
        product = request.param("product_id") or ""
        if product not in PRODUCTS:
            return _error(404, "NOT_FOUND", "ProductID is invalid")
        bid, ask = self.book(product)
        return Answer(
            200,
            {
                "pricebook": {
                    "product_id": product,
                    "bids": [{"price": num(bid), "size": "0.5"}],
                    "asks": [{"price": num(ask), "size": "0.25"}],
                    "time": to_iso(self.now_ms).replace("Z", ".000000Z"),
                },
                "last": num(self.last_price(product)),
                "mid_market": num((bid + ask) / 2),
                "spread_bps": num((ask - bid) / bid * 10_000),
                "spread_absolute": num(ask - bid),
            },
        )

    def _candles(self, product: str, request: Request) -> Answer:
        if product not in PRODUCTS:
            return _error(404, "NOT_FOUND", "ProductID is invalid")
        seconds = GRANULARITIES.get(request.param("granularity") or "")
        try:
            start, end = int(request.param("start") or ""), int(request.param("end") or "")
        except ValueError:
            return _error(400, "INVALID_ARGUMENT", "start and end are required")
        if seconds is None:
            return _error(400, "INVALID_ARGUMENT", "granularity is invalid")
        if (end - start) // seconds > MAX_CANDLES:
            message = f"number of candles requested should be less than {MAX_CANDLES}"
            return _error(400, "INVALID_ARGUMENT", message)
        table = self.served_bars(product, seconds * 1000)
        table = table[(table[:, 0] >= start * 1000) & (table[:, 0] <= end * 1000)]
        candles = [
            {
                "start": str(int(row[0]) // 1000),
                "low": num(row[3]),
                "high": num(row[2]),
                "open": num(row[1]),
                "close": num(row[4]),
                "volume": num(row[5]),
            }
            for row in table[::-1]  # newest first, as Coinbase answers
        ]
        return Answer(200, {"candles": candles})


def _crypto(code: str, name: str) -> dict[str, Any]:
    return {
        "asset_id": f"00000000-0000-0000-0000-{code.encode().hex():0>12}",
        "code": code,
        "name": name,
        "color": "#F7931A",
        "sort_index": 100,
        "exponent": 8,
        "type": "crypto",
        "address_regex": "^.+$",
    }


def _error(status: int, error: str, message: str) -> Answer:
    return Answer(status, {"error": error, "error_details": message, "message": message})
