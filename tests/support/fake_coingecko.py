"""A loopback fake of CoinGecko's public API v3 (``/api/v3``), as documented: ``simple/price``
and ``coins/{id}/market_chart/range``, with CoinGecko's error bodies and the 365-day history
limit of its public and demo plans (a pro key lifts it), over real rows of the bundled Binance
spot sample (BTC and ETH from 2018).

Samples are hourly, stamped two minutes past each hour (CoinGecko's are not on the hour either),
the price being that hour's open; a range longer than 90 days is answered with daily samples
at 00:00 instead, as CoinGecko does. ``total_volumes`` is the 24-hour volume in dollars up to
each sample. Only samples stamped by ``now_ms`` are served.

Fault switches: ``rate_limit_next`` (429 with a Retry-After), ``fail_next`` (any status, with
CoinGecko's body), ``garbage_next`` (a 200 whose body is not what the API sends). ``log`` keeps
each path with its parameters, ``headers`` each request's headers."""

from __future__ import annotations

import functools
import threading
from typing import Any

import numpy as np

from alpha_arena.core.time import DAY_MS, to_iso
from alpha_arena.marketdata.sources.sample import read_candles, sample_dir
from tests.support.loopback_http import Answer, LoopbackServer, Request

COIN_FILES = {
    "bitcoin": "binance_spot_BTCUSDT_1h.csv.gz",
    "ethereum": "binance_spot_ETHUSDT_1h.csv.gz",
}
SAMPLE_OFFSET_MS = 120_000
CURRENCIES = ("usd",)
_HOURLY_UP_TO_MS = 90 * DAY_MS
_PUBLIC_HISTORY_MS = 365 * DAY_MS
RATE_LIMIT_BODY = {
    "status": {
        "error_code": 429,
        "error_message": "You've exceeded the Rate Limit. Please visit "
        "https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher "
        "rate limits.",
    }
}


@functools.cache
def samples(coin_id: str) -> np.ndarray:
    """Rows (ts, price, 24h dollar volume) of every hourly sample of a coin."""
    candles = read_candles(sample_dir() / COIN_FILES[coin_id])
    dollars = np.convolve(candles.volume * candles.close, np.ones(24))[: len(candles)]
    return np.column_stack(
        [(candles.ts + SAMPLE_OFFSET_MS).astype(np.float64), candles.open, dollars]
    )


class FakeCoinGecko:
    """The server; use it as a context manager. ``url`` is the API root (``.../api/v3``)."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms
        self.log: list[tuple[str, dict[str, str]]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._faults: list[tuple[Answer, str | None]] = []
        self._server = LoopbackServer(self._handle)

    @property
    def url(self) -> str:
        return f"{self._server.url}/api/v3"

    def __enter__(self) -> FakeCoinGecko:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)

    # -- fault switches ----------------------------------------------------------------------

    # Each switch applies to the next requests whose path contains ``path`` (any if None).

    def rate_limit_next(
        self, count: int = 1, retry_after: str | None = "1", path: str | None = None
    ) -> None:
        """Answer the next ``count`` requests 429, with ``Retry-After: retry_after``."""
        headers = () if retry_after is None else (("Retry-After", retry_after),)
        self._add(Answer(429, RATE_LIMIT_BODY, headers), count, path)

    def fail_next(self, status: int, count: int = 1, path: str | None = None) -> None:
        self._add(Answer(status, {"error": "Internal server error"}), count, path)

    def garbage_next(self, body: Any, count: int = 1, path: str | None = None) -> None:
        """Answer the next ``count`` requests 200 with ``body`` (a str is sent as it is)."""
        self._add(Answer(200, body), count, path)

    def _add(self, answer: Answer, count: int, path: str | None) -> None:
        with self._lock:
            self._faults += [(answer, path)] * count

    # -- what is served, for assertions ------------------------------------------------------

    def served(self, coin_id: str) -> np.ndarray:
        """The samples stamped by now."""
        table = samples(coin_id)
        return table[table[:, 0] <= self.now_ms]

    def price_now(self, coin_id: str) -> tuple[float, int]:
        """(price, epoch seconds of its update) that ``simple/price`` answers."""
        row = self.served(coin_id)[-1]
        return float(row[1]), int(row[0]) // 1000

    def requests_to(self, path_end: str) -> list[dict[str, str]]:
        return [params for path, params in self.log if path.endswith(path_end)]

    # -- dispatch ----------------------------------------------------------------------------

    def _handle(self, request: Request) -> Answer:
        params = {name: values[-1] for name, values in request.query.items()}
        with self._lock:
            self.log.append((request.path, params))
            self.headers.append(request.headers)
            fault = next((f for f in self._faults if f[1] is None or f[1] in request.path), None)
            if fault is not None:
                self._faults.remove(fault)
        if fault is not None:
            return fault[0]
        path = request.path.removeprefix("/api/v3")
        if path == "/simple/price":
            return self._simple_price(params)
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[0] == "coins" and parts[2:] == ["market_chart", "range"]:
            pro = "x-cg-pro-api-key" in request.headers
            return self._market_chart_range(parts[1], params, pro)
        return Answer(404, {"error": "Not Found"})

    def _simple_price(self, params: dict[str, str]) -> Answer:
        if not params.get("ids") or not params.get("vs_currencies"):
            return Answer(400, {"error": "Missing parameter ids or vs_currencies"})
        answer: dict[str, Any] = {}
        currencies = params["vs_currencies"].split(",")
        for coin_id in params["ids"].split(","):
            if coin_id not in COIN_FILES:
                continue  # CoinGecko leaves out ids it does not know
            price, updated = self.price_now(coin_id)
            entry: dict[str, Any] = {c: price for c in currencies if c in CURRENCIES}
            if params.get("include_last_updated_at") == "true":
                entry["last_updated_at"] = updated
            answer[coin_id] = entry
        return Answer(200, answer)

    def _market_chart_range(self, coin_id: str, params: dict[str, str], pro: bool) -> Answer:
        if coin_id not in COIN_FILES:
            return Answer(404, {"error": "coin not found"})
        if params.get("vs_currency") not in CURRENCIES:
            return Answer(400, {"error": "invalid vs_currency"})
        try:
            ts_from = int(float(params["from"]) * 1000)
            ts_to = int(float(params["to"]) * 1000)
        except (KeyError, ValueError):
            return Answer(400, {"error": "invalid from or to"})
        if not pro and ts_from < self.now_ms - _PUBLIC_HISTORY_MS:
            return Answer(401, _history_limit_body(self.now_ms))
        table = self.served(coin_id)
        table = table[(table[:, 0] >= ts_from) & (table[:, 0] <= ts_to)]
        if ts_to - ts_from > _HOURLY_UP_TO_MS:  # one sample a day, at 00:00
            first_of_day = np.r_[True, table[1:, 0] // DAY_MS != table[:-1, 0] // DAY_MS]
            table = table[first_of_day].copy()
            table[:, 0] = table[:, 0] // DAY_MS * DAY_MS
        ts = [int(value) for value in table[:, 0]]
        prices = [float(value) for value in table[:, 1]]
        volumes = [float(value) for value in table[:, 2]]
        return Answer(
            200,
            {
                "prices": [[t, p] for t, p in zip(ts, prices, strict=True)],
                "market_caps": [[t, p * 19_600_000.0] for t, p in zip(ts, prices, strict=True)],
                "total_volumes": [[t, v] for t, v in zip(ts, volumes, strict=True)],
            },
        )


def _history_limit_body(now_ms: int) -> dict[str, Any]:
    return {
        "error": {
            "status": {
                "timestamp": to_iso(now_ms),
                "error_code": 10012,
                "error_message": "Your request exceeds the allowed time range. Public API users "
                "are limited to querying historical data within the past 365 days. Upgrade to "
                "a paid plan to enjoy full historical data access: "
                "https://www.coingecko.com/en/api/pricing. ",
            }
        }
    }
