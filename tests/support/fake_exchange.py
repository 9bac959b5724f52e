"""A loopback fake of the public REST APIs of OKX (v5) and Binance USDT-M futures (fapi).

It answers everything CCXT calls to load markets and fetch candles, funding history, tickers,
bid/ask, mark prices and open interest, in each exchange's real response format and with its
real paging rules (tests/support/fake_venues.py), serving real rows of the bundled Binance
sample. Only bars opened by ``now_ms`` are served, so the newest one can still be open. Both
exchanges share one server: OKX lives under ``/api/v5`` and Binance under ``/fapi``, as on their
real hosts, so one base URL serves both.

Fault switches make it misbehave the way exchanges do: ``fail_next`` answers the next requests
with 429 or 5xx (and each exchange's error body), ``disconnect_after_candle_pages`` drops candle
requests unanswered once enough pages were served, ``stall_after_candle_pages`` holds them until
``heal`` (so a test can kill the client mid-run), ``cap_candle_pages`` answers fewer bars than
asked for, and ``hide_bars`` leaves a gap in the history. ``requests`` counts requests per path,
``log`` keeps each path with its query parameters and ``arrivals`` the time of each request."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from alpha_arena.core.time import HOUR_MS
from tests.support.fake_venues import (
    DATA_START_MS,
    DEFAULT_NOW_MS,
    LISTINGS,
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


class _Disconnect(Exception):  # noqa: N818 - a signal, not an error
    """Drop the connection without an answer."""


class FakeExchange:
    """The server; use it as a context manager. ``url`` is the base URL to point CCXT at."""

    def __init__(self, now_ms: int = DEFAULT_NOW_MS) -> None:
        self.now_ms = now_ms
        self.requests: Counter[str] = Counter()
        self.log: list[tuple[str, Params]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each request, in order
        self.unknown_paths: list[str] = []
        self.candle_pages = 0
        self.candle_page_cap: int | None = None
        self._hidden: list[tuple[int, int]] = []
        self.stalled = threading.Event()
        self._lock = threading.Lock()
        self._failures: list[tuple[int, str | None]] = []
        self._disconnect_after: int | None = None
        self._stall_after: int | None = None
        self._release = threading.Event()
        self._routes: dict[str, Route] = {**OkxApi(self).routes(), **BinanceApi(self).routes()}
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

    def heal(self) -> None:
        """Clear every fault and release held requests (they are then dropped unanswered)."""
        with self._lock:
            self._failures.clear()
            self._disconnect_after = self._stall_after = None
        self._release.set()

    # -- what is served, for assertions ------------------------------------------------------

    def served_bars(self, symbol: str, step_ms: int) -> np.ndarray:
        """Rows (ts, open, high, low, close, volume) of every bar opened by now."""
        listing = next(item for item in LISTINGS if item.symbol == symbol)
        table = bars(listing.candle_file, step_ms)
        shown = table[:, 0] <= self.now_ms
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
        last = float(self.served_bars(symbol, HOUR_MS)[-1, 4])
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

    def handle(self, path: str, params: Params) -> tuple[int, Any]:
        """Answer one request: (HTTP status, JSON body); raise _Disconnect to drop it."""
        okx = path.startswith("/api/v5/")
        with self._lock:
            self.requests[path] += 1
            self.log.append((path, params))
            self.arrivals.append(time.monotonic())
            failure = next((f for f in self._failures if f[1] is None or f[1] in path), None)
            if failure is not None:
                self._failures.remove(failure)
        if failure is not None:
            return failure[0], error_body(failure[0], okx)
        route = self._routes.get(path)
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
            return 400, {"code": int(error.code), "msg": error.msg}
        if candles:
            with self._lock:
                self.candle_pages += 1
        return 200, answer

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
        fake: FakeExchange = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        try:
            status, body = fake.handle(parts.path, params)
        except _Disconnect:
            self.close_connection = True
            return
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@contextmanager
def running(now_ms: int = DEFAULT_NOW_MS) -> Iterator[FakeExchange]:
    """Run a fake exchange for the duration of a ``with`` block."""
    with FakeExchange(now_ms) as fake:
        yield fake
