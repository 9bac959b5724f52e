"""Data health use cases: coverage stats, integrity scans, and gap repair."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from alpha_arena.core.errors import (
    ArenaError,
    NotFoundError,
    SourceUnavailableError,
    TemporaryError,
)
from alpha_arena.core.time import timeframe_ms, to_iso
from alpha_arena.domain.market import CANDLE_COLUMNS, Candles
from alpha_arena.marketdata.integrity import (
    Issue,
    IssueKind,
    candle_issues,
    funding_issues,
    long_short_issues,
    open_interest_issues,
    validate_candles,
)
from alpha_arena.services.context import AppContext
from alpha_arena.storage.derivatives_store import LONG_SHORT, OPEN_INTEREST
from alpha_arena.storage.integrity_store import FoundIssue, IntegrityEvent, ScanOutcome
from alpha_arena.storage.market_store import SeriesSummary


@dataclass(frozen=True, slots=True)
class SeriesStats:
    exchange: str
    symbol: str
    dataset: str
    timeframe: str
    first: str
    last: str
    rows: int
    expected_rows: int
    missing_rows: int
    gaps: int
    largest_gap: int  # missing bars in the longest gap

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


def funding_step_ms(ts: np.ndarray) -> int:
    """The funding cadence of a series: its most common spacing (8h on Binance)."""
    if len(ts) < 2:
        return timeframe_ms("8h")
    values, counts = np.unique(np.diff(ts), return_counts=True)
    return int(values[np.argmax(counts)])


def stored_series(context: AppContext, exchange: str | None = None) -> list[SeriesSummary]:
    """Every stored candle, funding, open-interest history and long/short ratio series."""
    found = context.market.series(exchange) + context.derivatives.series(exchange)
    return sorted(found, key=lambda s: (s.exchange, s.symbol, s.dataset, s.timeframe))


def _select(
    series: list[SeriesSummary], symbols: Sequence[str] | None, timeframes: Sequence[str] | None
) -> list[SeriesSummary]:
    if symbols:
        known = {item.symbol for item in series}
        unknown = [symbol for symbol in symbols if symbol not in known]
        if unknown:
            raise NotFoundError(
                f"no data for {', '.join(unknown)}; "
                f"stored symbols: {', '.join(sorted(known)) or 'none'}"
            )
        series = [item for item in series if item.symbol in symbols]
    if timeframes:
        for timeframe in timeframes:
            if timeframe != "funding":
                timeframe_ms(timeframe)
        series = [item for item in series if item.timeframe in timeframes]
    return series


def _timestamps(context: AppContext, item: SeriesSummary) -> np.ndarray:
    if item.dataset == "funding":
        return context.market.read_funding(item.exchange, item.symbol).ts
    if item.dataset in (OPEN_INTEREST, LONG_SHORT):
        return context.derivatives.timestamps(
            item.dataset, item.exchange, item.symbol, item.timeframe
        )
    return context.market.candle_timestamps(item.exchange, item.symbol, item.timeframe)


def _step(item: SeriesSummary, ts: np.ndarray) -> int:
    return funding_step_ms(ts) if item.dataset == "funding" else timeframe_ms(item.timeframe)


def series_stats(
    context: AppContext,
    exchange: str | None = None,
    symbols: Sequence[str] | None = None,
    timeframes: Sequence[str] | None = None,
) -> list[SeriesStats]:
    """First, last, rows, expected rows and gaps of every stored series."""
    stats = []
    for item in _select(stored_series(context, exchange), symbols, timeframes):
        ts = _timestamps(context, item)
        step = _step(item, ts)
        expected = (item.ts_last - item.ts_first) // step + 1
        steps = np.diff(ts)
        gap_sizes = steps[steps > step] // step - 1
        stats.append(
            SeriesStats(
                exchange=item.exchange,
                symbol=item.symbol,
                dataset=item.dataset,
                timeframe=item.timeframe,
                first=to_iso(item.ts_first),
                last=to_iso(item.ts_last),
                rows=item.rows,
                expected_rows=int(expected),
                missing_rows=int(expected - item.rows),
                gaps=len(gap_sizes),
                largest_gap=int(gap_sizes.max(initial=0)),
            )
        )
    return stats


@dataclass(frozen=True, slots=True)
class SeriesScan:
    exchange: str
    symbol: str
    dataset: str
    timeframe: str
    rows: int
    issues: list[Issue]
    outcome: ScanOutcome

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for issue in self.issues:
            found[issue.kind.value] = found.get(issue.kind.value, 0) + 1
        return found


def scan(
    context: AppContext,
    exchange: str | None = None,
    symbols: Sequence[str] | None = None,
    timeframes: Sequence[str] | None = None,
) -> list[SeriesScan]:
    """Check every selected series and record what is found as integrity events."""
    results = []
    for item in _select(stored_series(context, exchange), symbols, timeframes):
        if item.dataset == "funding":
            funding = context.market.read_funding(item.exchange, item.symbol)
            issues = funding_issues(funding, funding_step_ms(funding.ts))
            rows = len(funding)
        elif item.dataset in (OPEN_INTEREST, LONG_SHORT):
            issues, rows = _statistics_issues(context, item)
        else:
            candles = context.market.read_candles(item.exchange, item.symbol, item.timeframe)
            issues = candle_issues(candles, timeframe_ms(item.timeframe))
            rows = len(candles)
        outcome = context.integrity.record_scan(
            context.market.instrument_id(item.exchange, item.symbol),
            item.dataset,
            item.timeframe,
            [FoundIssue(i.kind.value, i.ts_start, i.ts_end, i.count, i.detail) for i in issues],
            context.clock.now_ms(),
        )
        results.append(
            SeriesScan(
                item.exchange, item.symbol, item.dataset, item.timeframe, rows, issues, outcome
            )
        )
    return results


def _statistics_issues(context: AppContext, item: SeriesSummary) -> tuple[list[Issue], int]:
    """Open interest or ratio issues of one stored series, and its row count."""
    step = timeframe_ms(item.timeframe)
    store, key = context.derivatives, (item.exchange, item.symbol, item.timeframe)
    if item.dataset == OPEN_INTEREST:
        interest = store.read_open_interest_history(*key)
        ts = np.array([row.ts for row in interest], dtype=np.int64)
        amount = np.array([_nan(row.amount) for row in interest], dtype=np.float64)
        value = np.array([_nan(row.value) for row in interest], dtype=np.float64)
        return open_interest_issues(ts, amount, value, step), len(interest)
    ratios = store.read_long_short_ratios(*key)
    ts = np.array([row.ts for row in ratios], dtype=np.int64)
    ratio = np.array([row.ratio for row in ratios], dtype=np.float64)
    long_share = np.array([_nan(row.long_share) for row in ratios], dtype=np.float64)
    short_share = np.array([_nan(row.short_share) for row in ratios], dtype=np.float64)
    return long_short_issues(ts, ratio, long_share, short_share, step), len(ratios)


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value


class GapSource(Protocol):
    """Where repairs refetch candles from (an exchange through CCXT)."""

    name: str

    def fetch_candle_range(
        self, symbol: str, timeframe: str, ts_from: int, ts_to: int
    ) -> Candles: ...


@dataclass(frozen=True, slots=True)
class RepairResult:
    event: IntegrityEvent
    job_id: int
    status: str  # repaired, partial, unrepairable, failed
    rows_fetched: int
    rows_inserted: int
    error: str | None


def repair_gaps(
    context: AppContext,
    open_source: Callable[[str], GapSource],
    exchange: str | None = None,
    symbols: Sequence[str] | None = None,
    timeframes: Sequence[str] | None = None,
) -> list[RepairResult]:
    """Refetch every open candle gap from its exchange. A gap the exchange has no data for is
    a real outage: it is marked confirmed and kept, never filled with invented bars."""
    results: list[RepairResult] = []
    events = [
        event
        for event in context.integrity.events(
            exchange=exchange, kind=IssueKind.GAP.value, statuses=("open",)
        )
        if event.dataset == "candles"
        and (not symbols or event.symbol in symbols)
        and (not timeframes or event.timeframe in timeframes)
    ]
    sources: dict[str, GapSource] = {}
    for event in events:
        job_id = context.integrity.start_repair(event.id, event.exchange, context.clock.now_ms())
        fetched = inserted = 0
        try:
            if event.exchange not in sources:
                sources[event.exchange] = open_source(event.exchange)
            candles = sources[event.exchange].fetch_candle_range(
                event.symbol, event.timeframe, event.ts_start, event.ts_end
            )
            # Only the gap is repaired: bars around it are stored already, or are newer ones
            # (possibly still open) that ingestion, not a repair, must bring in.
            inside = (candles.ts >= event.ts_start) & (candles.ts <= event.ts_end)
            candles = Candles(*(getattr(candles, name)[inside] for name in CANDLE_COLUMNS))
            fetched = len(candles)
            validate_candles(
                candles,
                timeframe_ms(event.timeframe),
                f"{event.exchange} {event.symbol} {event.timeframe} repair",
            )
            inserted = context.market.write_candles(
                event.exchange, event.symbol, event.timeframe, candles
            )
        except ArenaError as error:
            context.integrity.finish_repair(
                job_id, "failed", fetched, inserted, context.clock.now_ms(), str(error)
            )
            if isinstance(error, SourceUnavailableError | TemporaryError):
                raise  # the exchange is out of reach: every other gap would fail the same way
            results.append(RepairResult(event, job_id, "failed", fetched, inserted, str(error)))
            continue
        if fetched == 0:
            status = "unrepairable"
            context.integrity.mark_confirmed(event.id)
        else:
            status = "repaired" if inserted >= event.count else "partial"
        context.integrity.finish_repair(job_id, status, fetched, inserted, context.clock.now_ms())
        results.append(RepairResult(event, job_id, status, fetched, inserted, None))
    repaired = {
        (r.event.exchange, r.event.symbol, r.event.timeframe) for r in results if r.rows_inserted
    }
    for exchange_id, symbol, timeframe in repaired:
        scan(context, exchange_id, [symbol], [timeframe])  # resolves what the refetch filled
    return results
