"""A loopback fake of the REST APIs of OKX (v5), Binance USDT-M futures (fapi) and Bybit (v5):
public market data, and private trading for accounts added with ``add_account``.

It answers everything CCXT calls to load markets and fetch candles, funding history, tickers,
bid/ask, mark prices and open interest, in each exchange's real response format and with its
real paging rules (tests/support/fake_venues.py), serving real rows of the bundled Binance
sample. Only bars opened by ``now_ms`` are served, so the newest one can still be open. The
exchanges share one server: OKX lives under ``/api/v5``, Binance under ``/fapi`` and Bybit under
``/v5`` (tests/support/fake_bybit_public.py), Bitget under ``/api/v2``
(tests/support/fake_bitget_public.py), as on their real hosts, so one base URL serves all.

Fault switches make it misbehave the way exchanges do: ``fail_next`` answers the next requests
with 429 or 5xx (and each exchange's error body), ``disconnect_after_candle_pages`` drops candle
requests unanswered once enough pages were served, ``stall_after_candle_pages`` holds them until
``heal`` (so a test can kill the client mid-run), ``cap_candle_pages`` answers fewer bars than
asked for, and ``hide_bars`` leaves a gap in the history. ``requests`` counts requests per path,
``log`` keeps each path with its query parameters and ``arrivals`` the time of each request.

Trading (tests/support/fake_trading.py for the matching, fake_okx_trading.py,
fake_binance_trading.py, fake_bybit_trading.py, fake_bitget_trading.py and
fake_hyperliquid_trading.py (Hyperliquid's POST /info and /exchange) for the wire formats):
each API key (a wallet address on Hyperliquid) is an isolated account, authenticated as the
real exchange does it.
Market orders fill at once at the open of the bar (1h, or ``bar_ms``) containing ``now_ms``;
``advance_to`` moves the clock and runs every bar that closed on the way through the accounts
(stops, take-profits, liquidations) and settles the funding due.
Order faults: ``reject_next_order``, ``partial_fill_next``, ``drop_response_after_accept_next``;
``open_position_by_hand`` opens a position the API client did not. ``simulated_requests`` and
``live_requests`` count OKX requests with and without its demo header ``x-simulated-trading``;
``paptrading_requests`` and ``bitget_live_requests`` signed Bitget requests with and without
``paptrading: 1``."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from alpha_arena.core.time import HOUR_MS
from tests.support.fake_accounts import FakeAccount, Position
from tests.support.fake_binance_trading import BinanceTrading
from tests.support.fake_bitget_public import BitgetApi
from tests.support.fake_bitget_rows import error_body as bitget_error_body
from tests.support.fake_bitget_trading import BitgetTrading
from tests.support.fake_bybit_public import BybitApi
from tests.support.fake_bybit_public import error_body as bybit_error_body
from tests.support.fake_bybit_trading import BybitTrading
from tests.support.fake_hyperliquid_trading import HyperliquidTrading, order_accepted
from tests.support.fake_okx_trading import OkxTrading
from tests.support.fake_statistics import StatisticsApi
from tests.support.fake_trading import Trading
from tests.support.fake_venues import (
    DATA_START_MS,
    DEFAULT_NOW_MS,
    LISTINGS,
    PERPS,
    BadRequestError,
    BinanceApi,
    OkxApi,
    Params,
    Route,
    bars,
    error_body,
    funding_table,
)

_CANDLE_PATHS = ("/api/v5/market/candles", "/api/v5/market/history-candles", "/fapi/v1/klines")
ORDER_FAULTS = ("insufficient_funds", "invalid_order")


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as the private routes see it (header names in lower case)."""

    method: str
    path: str
    query: str  # the raw query string, without "?"
    body: str
    headers: dict[str, str]

    @property
    def params(self) -> Params:
        """Query parameters, and those of a form-encoded body (Binance), last value wins."""
        params = {key: values[-1] for key, values in parse_qs(self.query).items()}
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update({key: values[-1] for key, values in parse_qs(self.body).items()})
        return params


PrivateRoute = Callable[[Request], tuple[int, Any]]


class _Disconnect(Exception):  # noqa: N818 - a signal, not an error
    """Drop the connection without an answer."""


class FakeExchange:
    """The server; use it as a context manager. ``url`` is the base URL to point CCXT at."""

    def __init__(self, now_ms: int = DEFAULT_NOW_MS, bar_ms: int = HOUR_MS) -> None:
        """``bar_ms``: the bars its matching runs on (1h; 1m for a season at minute cadence)."""
        self.now_ms = now_ms
        self.bar_ms = bar_ms
        self.requests: Counter[str] = Counter()
        self.log: list[tuple[str, Params]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each request, in order
        self.unknown_paths: list[str] = []
        self.errors: list[str] = []  # exceptions the private routes raised (bugs in the fake)
        self.candle_pages = 0
        self.candle_page_cap: int | None = None
        self._hidden: list[tuple[int, int]] = []
        self.stalled = threading.Event()
        self._lock = threading.Lock()
        self._failures: list[tuple[int, str | None]] = []
        self._disconnect_after: int | None = None
        self._stall_after: int | None = None
        self._release = threading.Event()
        self._closing = threading.Event()
        self.statistics = StatisticsApi(self)  # open interest history, long/short ratios
        self._routes: dict[str, Route] = {
            **self.statistics.routes(),
            **OkxApi(self).routes(),
            **BinanceApi(self).routes(),
            **BybitApi(self).routes(),
            **BitgetApi(self).routes(),
        }
        self.trading = Trading()
        self.simulated_requests = 0  # OKX requests that carried x-simulated-trading: 1
        self.live_requests = 0  # OKX requests that did not
        self.paptrading_requests = 0  # signed Bitget requests with its demo header paptrading: 1
        self.bitget_live_requests = 0  # signed Bitget requests without it
        self._reject: str | None = None
        self._partial: float | None = None
        self._drop: float | None = None
        okx, binance, bybit = OkxTrading(self), BinanceTrading(self), BybitTrading(self)
        bitget = BitgetTrading(self)
        self.hyperliquid = HyperliquidTrading(self)  # POST /info and /exchange
        self._private: dict[tuple[str, str], PrivateRoute] = {
            **okx.routes(),
            **binance.routes(),
            **bybit.routes(),
            **bitget.routes(),
            **self.hyperliquid.routes(),
        }
        self._order_paths = (
            okx.order_paths | binance.order_paths | bybit.order_paths | bitget.order_paths
            | self.hyperliquid.order_paths
        )  # fmt: skip
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeExchange:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- fault switches ----------------------------------------------------------------------

    def fail_next(self, status: int, count: int = 1, path: str | None = None) -> None:
        """Answer the next ``count`` requests (to paths containing ``path``) with ``status``."""
        with self._lock:
            self._failures.extend([(status, path)] * count)

    def disconnect_after_candle_pages(self, pages: int) -> None:
        """Once ``pages`` more candle pages were served, drop every candle request unanswered."""
        with self._lock:
            self._disconnect_after = self.candle_pages + pages

    def stall_after_candle_pages(self, pages: int) -> None:
        """Once ``pages`` more candle pages were served, hold candle requests until ``heal``;
        ``stalled`` is set when the first one is held."""
        with self._lock:
            self._stall_after = self.candle_pages + pages

    def cap_candle_pages(self, bars: int) -> None:
        """Answer at most ``bars`` candles per page, whatever the client asks for."""
        self.candle_page_cap = bars

    def hide_bars(self, ts_from: int, ts_to: int) -> None:
        """Leave out every bar opened from ``ts_from`` to ``ts_to`` (an exchange outage)."""
        self._hidden.append((ts_from, ts_to))

    def unhide_bars(self) -> None:
        """Serve every bar again (the exchange backfilled what it had left out)."""
        self._hidden.clear()

    def reject_next_order(self, kind: str) -> None:
        """Refuse the next order placed (any account) with the exchange's own error for
        ``kind``: ``insufficient_funds`` or ``invalid_order``."""
        if kind not in ORDER_FAULTS:
            raise ValueError(f"kind must be one of {ORDER_FAULTS}, not {kind!r}")
        with self._lock:
            self._reject = kind

    def partial_fill_next(self, fraction: float) -> None:
        """Fill only ``fraction`` of the next market order (rounded down to the lot); the rest
        is canceled, as the exchange cancels the unfilled rest of an immediate-or-cancel order."""
        if not 0 <= fraction < 1:
            raise ValueError("fraction must be in [0, 1)")
        with self._lock:
            self._partial = fraction

    def drop_response_after_accept_next(self, stall_s: float = 0.0) -> None:
        """Accept the next order placed (and fill it if it is a market order) but never answer:
        close the connection at once, or after ``stall_s`` seconds (set it past the client's
        timeout to make the client time out rather than see the connection drop)."""
        with self._lock:
            self._drop = stall_s

    def take_order_rejection(self) -> str | None:
        """The pending ``reject_next_order`` kind, cleared (the wire formats call this once per
        order placed)."""
        with self._lock:
            kind, self._reject = self._reject, None
            return kind

    def take_partial_fill(self) -> float | None:
        """The pending ``partial_fill_next`` fraction, cleared (called per market order)."""
        with self._lock:
            fraction, self._partial = self._partial, None
            return fraction

    def heal(self) -> None:
        """Clear every fault and release held requests (they are then dropped unanswered)."""
        with self._lock:
            self._failures.clear()
            self._disconnect_after = self._stall_after = None
            self._reject = self._partial = self._drop = None
        self._release.set()

    # -- trading -------------------------------------------------------------------------------

    def add_account(
        self, api_key: str, secret: str, passphrase: str = "", usdt: float = 10_000.0,
        demo: bool = True,
    ) -> FakeAccount:  # fmt: skip
        """Open an isolated account holding ``usdt`` for this API key. ``demo``: an OKX demo
        key, which OKX refuses without ``x-simulated-trading: 1`` (and a live key with it)."""
        return self.trading.add_account(api_key, secret, passphrase, usdt, demo)

    def account(self, api_key: str) -> FakeAccount:
        return self.trading.accounts[api_key]

    def open_position_by_hand(
        self, api_key: str, symbol: str, quantity_base: float, price: float | None = None
    ) -> Position:
        """Open (or add to) a position in ``symbol`` (``quantity_base`` > 0 long, < 0 short)
        as if by hand on the website: margin at the account's leverage, no fee, no API order,
        at ``price`` (default: the current price)."""
        with self.trading.lock:
            price = self.price_now(symbol) if price is None else price
            return self.trading.open_position_by_hand(
                self.account(api_key), symbol, quantity_base, price, self.now_ms
            )

    def price_now(self, symbol: str) -> float:
        """The price market orders fill at: the open of the bar containing ``now_ms`` (the
        last close when no bar does, in a gap)."""
        table = self.served_bars(symbol, self.bar_ms)
        if len(table) == 0:
            raise ValueError(f"no bar of {symbol} by {self.now_ms}")
        row = table[-1]
        return float(row[1] if row[0] + self.bar_ms > self.now_ms else row[4])

    def marks(self) -> dict[str, float]:
        """The current price of every perpetual: what positions are valued at."""
        return {item.symbol: self.price_now(item.symbol) for item in PERPS.values()}

    def advance_to(self, ts_ms: int) -> None:
        """Move the clock to ``ts_ms``: every bar that closes on the way runs through every
        account (conditional orders and liquidations), then the funding due by its close settles
        at that close, in time order across symbols."""
        step = self.bar_ms
        with self.trading.lock:
            if ts_ms < self.now_ms:
                raise ValueError("the clock only moves forward")
            events: list[tuple[int, int, str, Any]] = []
            for item in PERPS.values():
                table = self._visible(item.symbol, step)
                opens = table[:, 0]  # sorted: the bars closing on the way are a slice
                first = np.searchsorted(opens, self.now_ms - step, side="right")
                stop = np.searchsorted(opens, ts_ms - step, side="right")
                for row in table[first:stop]:
                    events.append((int(row[0]) + step, 0, item.symbol, row))  # at its close
                rates = funding_table(item.base)
                for ts, rate in rates[(rates[:, 0] > self.now_ms) & (rates[:, 0] <= ts_ms)]:
                    # The mark is the close of the last bar closed by then (the engine's too).
                    index = int(np.searchsorted(opens, ts - step, side="right")) - 1
                    if index >= 0:
                        events.append((int(ts), 1, item.symbol, (rate, table[index, 4])))
            for ts, kind, symbol, payload in sorted(events, key=lambda e: (e[0], e[1], e[2])):
                # While a bar runs the clock reads inside it (its last millisecond); its fills
                # are stamped with its open (fake_trading.Trading.run_bar).
                self.now_ms = ts - 1 if kind == 0 else ts
                if kind == 0:
                    _, open_, high, low, close, _ = (float(v) for v in payload)
                    self.trading.run_bar(symbol, ts - step, open_, high, low, close)
                else:
                    self.trading.settle_funding(symbol, ts, float(payload[0]), float(payload[1]))
            self.now_ms = ts_ms

    # -- what is served, for assertions ------------------------------------------------------

    def served_bars(self, symbol: str, step_ms: int) -> np.ndarray:
        """Rows (ts, open, high, low, close, volume) of every bar opened by now."""
        table = self._visible(symbol, step_ms)
        return table[: np.searchsorted(table[:, 0], self.now_ms, side="right")]

    def _visible(self, symbol: str, step_ms: int) -> np.ndarray:
        listing = next(item for item in LISTINGS if item.symbol == symbol)
        table = bars(listing.candle_file, step_ms)
        if not self._hidden:  # the whole table, not a copy (minute tables are large)
            return table
        shown = np.ones(len(table), dtype=bool)
        for ts_from, ts_to in self._hidden:
            shown &= (table[:, 0] < ts_from) | (table[:, 0] > ts_to)
        return table[shown]

    def closed_bars(self, symbol: str, step_ms: int, ts_from: int = DATA_START_MS) -> np.ndarray:
        """The served bars that have closed by now, from ``ts_from`` on."""
        table = self.served_bars(symbol, step_ms)
        return table[(table[:, 0] + step_ms <= self.now_ms) & (table[:, 0] >= ts_from)]

    def funding(self, symbol: str, ts_from: int = DATA_START_MS) -> np.ndarray:
        """Rows (ts, rate) of the funding settled by now, from ``ts_from`` on."""
        table = funding_table(symbol.split("/", maxsplit=1)[0])
        return table[(table[:, 0] <= self.now_ms) & (table[:, 0] >= ts_from)]

    def quote(self, symbol: str) -> dict[str, float]:
        """Last, bid, ask, mark and index prices served for ``symbol``, from its newest bar."""
        listing = next(item for item in LISTINGS if item.symbol == symbol)
        last = float(self.served_bars(symbol, self.bar_ms)[-1, 4])
        tick = float(listing.tick)
        return {
            "last": last,
            "bid": round(last - tick, 8),
            "ask": round(last + tick, 8),
            "mark": round(last + tick / 2, 8),
            "index": round(last - tick / 2, 8),
        }

    def open_interest(self, symbol: str) -> float:
        """Open interest of ``symbol`` in base currency."""
        return next(item for item in LISTINGS if item.symbol == symbol).open_interest

    # -- dispatch ----------------------------------------------------------------------------

    def handle(self, request: Request) -> tuple[int, Any]:
        """Answer one request: (HTTP status, JSON body); raise _Disconnect to drop it."""
        path, params = request.path, request.params
        okx = path.startswith("/api/v5/")
        with self._lock:
            self.requests[path] += 1
            self.log.append((path, {k: v for k, v in params.items() if k != "signature"}))
            self.arrivals.append(time.monotonic())
            if okx:
                if request.headers.get("x-simulated-trading") == "1":
                    self.simulated_requests += 1
                else:
                    self.live_requests += 1
            if path.startswith("/api/v2/") and "access-key" in request.headers:
                if request.headers.get("paptrading") == "1":
                    self.paptrading_requests += 1
                else:
                    self.bitget_live_requests += 1
            failure = next((f for f in self._failures if f[1] is None or f[1] in path), None)
            if failure is not None:
                self._failures.remove(failure)
        if failure is not None:
            if path.startswith("/v5/"):
                return failure[0], bybit_error_body(failure[0], self.now_ms)
            if path.startswith("/api/v2/"):
                return failure[0], bitget_error_body(failure[0], self.now_ms)
            return failure[0], error_body(failure[0], okx)
        private = self._private.get((request.method, path))
        if private is not None:
            return self._trade(private, request, okx)
        route = self._routes.get(path) if request.method == "GET" else None
        if route is None:
            self.unknown_paths.append(path)
            return 404, {"code": 404, "msg": f"no route {path}"}
        candles = path in _CANDLE_PATHS
        if candles:
            self._hold_or_drop()
        try:
            answer = route(params)
        except BadRequestError as error:
            if okx:
                return 400, {"code": error.code, "msg": error.msg, "data": []}
            if path.startswith("/api/v2/"):
                return 400, {"code": error.code, "msg": error.msg, "data": None}
            return 400, {"code": int(error.code), "msg": error.msg}
        if candles:
            with self._lock:
                self.candle_pages += 1
        return 200, answer

    def _trade(self, route: PrivateRoute, request: Request, okx: bool) -> tuple[int, Any]:
        try:
            with self.trading.lock:
                status, body = route(request)
        except Exception as error:  # a bug in the fake: answer it, keep it for the test to see
            self.errors.append(f"{request.method} {request.path}: {error!r}")
            return 500, {"code": 500, "msg": f"fake exchange bug: {error!r}"}
        if (request.method, request.path) in self._order_paths:
            accepted = status == 200 and (not okx or body.get("code") == "0")
            accepted = accepted and body.get("retCode", 0) == 0  # Bybit refuses with HTTP 200
            if request.path == "/exchange":  # Hyperliquid: every signed action goes there
                accepted = order_accepted(body)
            with self._lock:
                drop, self._drop = (self._drop, None) if accepted else (None, self._drop)
            if drop is not None:
                if drop:
                    self._closing.wait(drop)
                raise _Disconnect
        return status, body

    def _hold_or_drop(self) -> None:
        with self._lock:
            served = self.candle_pages
            drop = self._disconnect_after is not None and served >= self._disconnect_after
            hold = self._stall_after is not None and served >= self._stall_after
        if drop:
            raise _Disconnect
        if hold:
            self.stalled.set()
            self._release.wait()
            raise _Disconnect


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so a dropped or held request never blocks others.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        fake: FakeExchange = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        headers = {key.lower(): value for key, value in self.headers.items()}
        request = Request(method, parts.path, parts.query, body, headers)
        try:
            status, answer = fake.handle(request)
        except _Disconnect:
            self.close_connection = True
            return
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@contextmanager
def running(now_ms: int = DEFAULT_NOW_MS, bar_ms: int = HOUR_MS) -> Iterator[FakeExchange]:
    """Run a fake exchange for the duration of a ``with`` block."""
    with FakeExchange(now_ms, bar_ms) as fake:
        yield fake
