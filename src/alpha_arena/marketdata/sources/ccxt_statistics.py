"""Exchanges' trading statistics through CCXT: open interest history and the long/short account
ratio of perpetual swaps, paged in bounded windows oldest first.

Binance USD-M answers ``/futures/data/openInterestHist`` and ``globalLongShortAccountRatio``
(500 rows a request, the latest 30 days only); OKX ``/api/v5/rubik/stat/contracts/
open-interest-history`` and ``long-short-account-ratio-contract`` (100 rows a request, the ratio
without the account shares). Each row is stamped with the time the exchange measured it, so a
row is known from its own ``ts`` on. Other exchanges publish neither and are skipped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from alpha_arena.core.time import DAY_MS, timeframe_ms
from alpha_arena.domain.market import LongShortRatio, OpenInterest
from alpha_arena.marketdata.derivatives import StatisticsPage

T = TypeVar("T", OpenInterest, LongShortRatio)
Call = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class _Statistics:
    periods: tuple[str, ...]  # offered for both datasets
    page: int  # rows a request answers at most
    retention_ms: int | None  # how far back the exchange keeps them (None: not documented)


_BINANCE = _Statistics(("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d"), 500, 30 * DAY_MS)
_BY_EXCHANGE = {
    "binance": _BINANCE,
    "binanceusdm": _BINANCE,
    # OKX's open interest history takes 5m, 1H and 1D only; its ratio takes those and more.
    "okx": _Statistics(("5m", "1h", "1d"), 100, None),
}


class TradingStatistics:
    """Open interest history and long/short ratios of one exchange, through the CcxtSource
    that owns the client (``call`` retries and translates CCXT errors, ``market`` resolves a
    symbol or raises NotFoundError)."""

    def __init__(
        self, exchange_id: str, client: Any, call: Call, market: Callable[[str], dict[str, Any]]
    ) -> None:
        self._id = exchange_id
        self._client = client
        self._call = call
        self._market = market
        self._spec = _BY_EXCHANGE.get(exchange_id)

    def periods(self) -> tuple[str, ...]:
        """The periods both datasets are published at; empty when the exchange has neither."""
        return () if self._spec is None else self._spec.periods

    def first_available(self, now_ms: int) -> int | None:
        """The oldest time the exchange still answers for, when it documents a retention."""
        if self._spec is None or self._spec.retention_ms is None:
            return None
        return now_ms - self._spec.retention_ms

    def open_interest(
        self, symbol: str, period: str, ts_from: int, ts_to: int
    ) -> Iterator[StatisticsPage[OpenInterest]]:
        """Yield pages of open interest (base amount and quote value) stamped in
        ``[ts_from, ts_to]``, oldest first."""
        market = self._market(symbol)
        size = float(market.get("contractSize") or 1.0)

        def fetch(since: int, until: int) -> list[OpenInterest]:
            raw = self._call(
                f"fetching {symbol} {period} open interest history",
                self._client.fetch_open_interest_history,
                symbol, period, since=since, limit=self._page(), params={"until": until},
            )  # fmt: skip
            rows: dict[int, OpenInterest] = {}
            for item in raw:
                ts = item.get("timestamp")
                if ts is None or not since <= int(ts) <= until:
                    continue
                amount = _optional(item.get("baseVolume"))
                contracts = _optional(item.get("openInterestAmount"))
                if amount is None and contracts is not None:
                    amount = contracts * size
                value = _optional(item.get("openInterestValue"))
                if amount is None and value is None:
                    continue
                rows[int(ts)] = OpenInterest(symbol, int(ts), amount, value)
            return [rows[ts] for ts in sorted(rows)]

        yield from self._pages(period, ts_from, ts_to, fetch)

    def long_short_ratios(
        self, symbol: str, period: str, ts_from: int, ts_to: int
    ) -> Iterator[StatisticsPage[LongShortRatio]]:
        """Yield pages of long/short account ratios stamped in ``[ts_from, ts_to]``."""
        self._market(symbol)

        def fetch(since: int, until: int) -> list[LongShortRatio]:
            raw = self._call(
                f"fetching {symbol} {period} long/short ratio history",
                self._client.fetch_long_short_ratio_history,
                symbol, period, since=since, limit=self._page(), params={"until": until},
            )  # fmt: skip
            rows: dict[int, LongShortRatio] = {}
            for item in raw:
                ts, ratio = item.get("timestamp"), _optional(item.get("longShortRatio"))
                if ts is None or ratio is None or not since <= int(ts) <= until:
                    continue
                info = item.get("info")
                shares = info if isinstance(info, dict) else {}  # Binance only
                rows[int(ts)] = LongShortRatio(
                    symbol, int(ts), ratio,
                    _optional(shares.get("longAccount")), _optional(shares.get("shortAccount")),
                )  # fmt: skip
            return [rows[ts] for ts in sorted(rows)]

        yield from self._pages(period, ts_from, ts_to, fetch)

    def _page(self) -> int:
        return 0 if self._spec is None else self._spec.page

    def _pages(
        self, period: str, ts_from: int, ts_to: int, fetch: Callable[[int, int], list[T]]
    ) -> Iterator[StatisticsPage[T]]:
        """Ask window by window, each exactly one page long and on the period's grid, so the
        answer is the same whichever end of a window the exchange fills from."""
        if self._spec is None or period not in self._spec.periods:
            return
        step = timeframe_ms(period)
        cursor = -(-ts_from // step) * step
        while cursor <= ts_to:
            last = min(cursor + (self._spec.page - 1) * step, ts_to)
            yield StatisticsPage(cursor, last, fetch(cursor, last))
            cursor = last + step


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)
