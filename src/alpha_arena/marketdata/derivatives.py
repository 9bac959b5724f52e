"""Ingestion of derivatives statistics: open interest history and long/short account ratios of
perpetual swaps, at each ingested timeframe the exchange publishes them for, plus the next
funding time of stored settlements.

Like candles: incremental from the newest stored row of each series (or from ``since``), one
transaction per page, rows already stored kept. A window the exchange answers empty is a gap,
left for the integrity scan to record (``services/integrity.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from alpha_arena.core.time import timeframe_ms
from alpha_arena.domain.market import LongShortRatio, OpenInterest

RowT = TypeVar("RowT", OpenInterest, LongShortRatio)

#: Dataset names of the ingestion report and of stored series.
OPEN_INTEREST_HISTORY = "open_interest_history"
LONG_SHORT = "long_short_ratio"


@dataclass(frozen=True, slots=True)
class StatisticsPage(Generic[RowT]):
    """The rows of one request window ``[ts_from, ts_to]``, oldest first (may be empty)."""

    ts_from: int
    ts_to: int
    rows: list[RowT]


class StatisticsSource(Protocol):
    """An exchange's trading statistics (``sources/ccxt_statistics.TradingStatistics``)."""

    def periods(self) -> tuple[str, ...]: ...

    def first_available(self, now_ms: int) -> int | None: ...

    def open_interest(
        self, symbol: str, period: str, ts_from: int, ts_to: int
    ) -> Iterator[StatisticsPage[OpenInterest]]: ...

    def long_short_ratios(
        self, symbol: str, period: str, ts_from: int, ts_to: int
    ) -> Iterator[StatisticsPage[LongShortRatio]]: ...


class DerivativesWriter(Protocol):
    """Where the statistics go (``storage/derivatives_store.DerivativesStore``)."""

    def write_open_interest_history(
        self, exchange: str, symbol: str, period: str, items: Sequence[OpenInterest]
    ) -> int: ...

    def write_long_short_ratios(
        self, exchange: str, symbol: str, period: str, items: Sequence[LongShortRatio]
    ) -> int: ...

    def last_open_interest_ts(self, exchange: str, symbol: str, period: str) -> int | None: ...

    def last_long_short_ts(self, exchange: str, symbol: str, period: str) -> int | None: ...

    def fill_next_funding(
        self, exchange: str, symbol: str, announced: int | None = None
    ) -> int: ...


@dataclass(frozen=True, slots=True)
class StatisticsSeries:
    """What one series got: the range asked for, rows received and rows newly stored."""

    symbol: str
    dataset: str  # OPEN_INTEREST_HISTORY or LONG_SHORT
    period: str
    ts_from: int
    ts_to: int
    fetched: int
    inserted: int


#: Called after every page with the series so far (progress bars, run records).
PageCallback = Callable[[StatisticsSeries, int], None]  # and the window's last time done


class DerivativesIngestor:
    """Brings one exchange's statistics into the store, under the exchange name ``venue``."""

    def __init__(self, source: StatisticsSource, store: DerivativesWriter, venue: str) -> None:
        self._source = source
        self._store = store
        self._venue = venue

    def periods(self, timeframes: Sequence[str]) -> list[str]:
        """The ingested timeframes the exchange publishes statistics for."""
        offered = self._source.periods()
        return [timeframe for timeframe in timeframes if timeframe in offered]

    def run(
        self,
        swaps: Sequence[str],
        timeframes: Sequence[str],
        ts_since: int,
        backfill: bool,
        now_ms: int,
        on_page: PageCallback | None = None,
    ) -> list[StatisticsSeries]:
        """Ingest both datasets of every swap at every period offered, then fill in the next
        funding time of the swaps' stored settlements."""
        reports = []
        periods = self.periods(timeframes)
        for symbol in swaps:
            for period in periods:
                reports.append(
                    self._series(symbol, OPEN_INTEREST_HISTORY, period, ts_since, backfill,
                                 now_ms, on_page)
                )  # fmt: skip
                reports.append(
                    self._series(symbol, LONG_SHORT, period, ts_since, backfill, now_ms, on_page)
                )
        for symbol in swaps:
            self._store.fill_next_funding(self._venue, symbol)
        return reports

    def _series(
        self,
        symbol: str,
        dataset: str,
        period: str,
        ts_since: int,
        backfill: bool,
        now_ms: int,
        on_page: PageCallback | None,
    ) -> StatisticsSeries:
        step = timeframe_ms(period)
        last = None
        if not backfill:
            last = (
                self._store.last_open_interest_ts(self._venue, symbol, period)
                if dataset == OPEN_INTEREST_HISTORY
                else self._store.last_long_short_ts(self._venue, symbol, period)
            )
        ts_from = ts_since if last is None else max(last + step, ts_since)
        oldest = self._source.first_available(now_ms)
        if oldest is not None:  # older windows would only come back empty, as false gaps
            ts_from = max(ts_from, oldest)
        ts_to = now_ms
        fetched = inserted = 0
        report = StatisticsSeries(symbol, dataset, period, ts_from, ts_to, 0, 0)
        pages: Iterator[StatisticsPage[OpenInterest]] | Iterator[StatisticsPage[LongShortRatio]]
        if dataset == OPEN_INTEREST_HISTORY:
            pages = self._source.open_interest(symbol, period, ts_from, ts_to)
        else:
            pages = self._source.long_short_ratios(symbol, period, ts_from, ts_to)
        for page in pages:
            added = self._write(dataset, symbol, period, page)
            fetched += len(page.rows)
            inserted += added
            report = StatisticsSeries(symbol, dataset, period, ts_from, ts_to, fetched, inserted)
            if on_page is not None:
                on_page(report, page.ts_to)
        return report

    def _write(
        self,
        dataset: str,
        symbol: str,
        period: str,
        page: StatisticsPage[OpenInterest] | StatisticsPage[LongShortRatio],
    ) -> int:
        rows = page.rows
        if dataset == OPEN_INTEREST_HISTORY:
            interest = [row for row in rows if isinstance(row, OpenInterest)]
            return self._store.write_open_interest_history(self._venue, symbol, period, interest)
        ratios = [row for row in rows if isinstance(row, LongShortRatio)]
        return self._store.write_long_short_ratios(self._venue, symbol, period, ratios)
