"""Data health: coverage of every stored series, integrity events and ingestion runs, and the
two writes that act on them, an integrity scan and a gap repair (as ``arena data stats|scan|
repair --json``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alpha_arena.api.errors import ERROR_RESPONSES, WRITE_RESPONSES, ErrorBody
from alpha_arena.api.pagination import Page, Window, page, window
from alpha_arena.api.routes.market import (
    EXCHANGE_PATTERN,
    MAX_SYMBOLS,
    SYMBOL_PATTERN,
    symbol_list,
)
from alpha_arena.api.security import require_reader, require_writer
from alpha_arena.api.state import context_of
from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.time import SUPPORTED_TIMEFRAMES, timeframe_ms, to_iso
from alpha_arena.marketdata.integrity import IssueKind
from alpha_arena.services import integrity
from alpha_arena.services.context import AppContext
from alpha_arena.services.repair import repair_from_exchanges
from alpha_arena.storage.ingestion_runs import IngestionRun
from alpha_arena.storage.integrity_store import IntegrityEvent

router = APIRouter(prefix="/data", tags=["data health"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader)])  # fmt: skip

#: What a series' timeframe can be: a bar length, or ``funding`` for funding settlements.
SERIES_TIMEFRAMES = (*SUPPORTED_TIMEFRAMES, "funding")
_STATUSES = {
    "unresolved": ("open", "confirmed"),
    "open": ("open",),
    "confirmed": ("confirmed",),
    "resolved": ("resolved",),
    "all": ("open", "confirmed", "resolved"),
}
_EXAMPLE_MS = 1557889200000
_EXAMPLE_ISO = "2019-05-15T03:00:00Z"

ExchangeFilter = Annotated[
    str | None,
    Query(
        max_length=32, pattern=EXCHANGE_PATTERN, description="Only this exchange's data.",
        examples=["binance"],
    ),
]  # fmt: skip


def _iso(ts: int | None) -> str | None:
    return None if ts is None else to_iso(ts)


def series_timeframes(text: str | None) -> list[str] | None:
    """Comma-separated series timeframes, each a bar length or ``funding``."""
    if text is None:
        return None
    found = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    for timeframe in found:
        if timeframe not in SERIES_TIMEFRAMES:
            raise InvalidInputError(
                f"unknown timeframe {timeframe[:16]!r}; accepted: {', '.join(SERIES_TIMEFRAMES)}"
            )
    return found or None


# -- responses ---------------------------------------------------------------------------------


class SeriesCoverage(BaseModel):
    exchange: str = Field(examples=["binance"])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    dataset: str = Field(
        examples=["candles"],
        description="`candles`, `funding`, `open_interest` or `long_short_ratio`.",
    )
    timeframe: str = Field(
        examples=["1h"], description="The bar length or statistics period, or `funding`."
    )
    ts_first: int = Field(examples=[1704067200000], description="Oldest row, epoch ms.")
    first: str = Field(examples=["2024-01-01T00:00:00Z"])
    ts_last: int = Field(examples=[1778976000000], description="Newest row, epoch ms.")
    last: str = Field(examples=["2026-05-17T07:00:00Z"])
    rows: int = Field(examples=[20816])
    expected_rows: int = Field(examples=[20816], description="Rows from first to last, no gaps.")
    missing_rows: int = Field(examples=[0])
    gaps: int = Field(examples=[0], description="Runs of missing rows.")
    largest_gap: int = Field(examples=[0], description="Missing rows in the longest gap.")


class IntegrityEventOut(BaseModel):
    id: int = Field(examples=[7])
    exchange: str = Field(examples=["binance"])
    symbol: str = Field(examples=["BTC/USDT"])
    dataset: str = Field(examples=["candles"])
    timeframe: str = Field(examples=["1h"])
    kind: str = Field(examples=["gap"])
    status: str = Field(
        examples=["open"], description="`open`, `confirmed` (a real outage) or `resolved`."
    )
    ts_start: int = Field(examples=[_EXAMPLE_MS])
    start: str = Field(examples=[_EXAMPLE_ISO])
    ts_end: int = Field(examples=[1557918000000])
    end: str = Field(examples=["2019-05-15T12:00:00Z"])
    count: int = Field(examples=[10], description="Rows affected (missing rows of a gap).")
    detail: str = Field(examples=["10 missing bars"])
    ts_detected: int = Field(examples=[1780272000000])
    detected: str = Field(examples=["2026-06-01T00:00:00Z"])
    ts_resolved: int | None = Field(examples=[None])
    resolved: str | None = Field(examples=[None])


class IngestionRunOut(BaseModel):
    id: int = Field(examples=[1])
    source: str = Field(examples=["sample"], description="`sample` or an exchange id.")
    symbols: list[str] = Field(examples=[["BTC/USDT:USDT"]])
    timeframes: list[str] = Field(examples=[["1h"]])
    ts_since: int | None = Field(examples=[None])
    since: str | None = Field(examples=[None])
    backfill: bool = Field(examples=[False])
    status: str = Field(
        examples=["succeeded"], description="queued (a job not begun), running, succeeded or "
        "failed.",
    )  # fmt: skip
    ts_started: int = Field(examples=[1780272000000])
    started: str = Field(examples=["2026-06-01T00:00:00Z"])
    ts_finished: int | None = Field(examples=[1780272012000])
    finished: str | None = Field(examples=["2026-06-01T00:00:12Z"])
    rows_candles: int = Field(examples=[41632], description="Rows inserted, not fetched.")
    rows_funding: int = Field(examples=[14412])
    rows_prices: int = Field(examples=[0])
    rows_open_interest: int = Field(examples=[0])
    error: str | None = Field(examples=[None])


class FoundIssueOut(BaseModel):
    kind: str = Field(examples=["gap"])
    ts_start: int = Field(examples=[_EXAMPLE_MS])
    start: str = Field(examples=[_EXAMPLE_ISO])
    ts_end: int = Field(examples=[1557918000000])
    end: str = Field(examples=["2019-05-15T12:00:00Z"])
    count: int = Field(examples=[10])
    detail: str = Field(examples=["10 missing bars"])


class SeriesScanOut(BaseModel):
    exchange: str = Field(examples=["binance"])
    symbol: str = Field(examples=["BTC/USDT"])
    dataset: str = Field(examples=["candles"])
    timeframe: str = Field(examples=["1h"])
    rows: int = Field(examples=[73265])
    issues: dict[str, int] = Field(examples=[{"gap": 27}], description="Issues found, by kind.")
    events_opened: int = Field(examples=[1], description="Integrity events this scan opened.")
    events_still_open: int = Field(examples=[26])
    events_resolved: int = Field(examples=[0], description="Events no longer found, resolved.")
    details: list[FoundIssueOut]


class ScanReport(BaseModel):
    ts_scanned: int = Field(examples=[1780272000000])
    scanned: str = Field(examples=["2026-06-01T00:00:00Z"])
    issues_found: int = Field(examples=[27], description="Across every series scanned.")
    series: list[SeriesScanOut]


class RepairOut(BaseModel):
    job_id: int = Field(examples=[3])
    event_id: int = Field(examples=[7])
    exchange: str = Field(examples=["binance"])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    timeframe: str = Field(examples=["1h"])
    ts_start: int = Field(examples=[_EXAMPLE_MS])
    start: str = Field(examples=[_EXAMPLE_ISO])
    ts_end: int = Field(examples=[1557918000000])
    end: str = Field(examples=["2019-05-15T12:00:00Z"])
    missing: int = Field(examples=[10], description="Bars missing when the repair began.")
    status: str = Field(
        examples=["repaired"],
        description="repaired, partial, unrepairable (the exchange has no bars: a real outage, "
        "marked confirmed) or failed.",
    )
    rows_fetched: int = Field(examples=[10])
    rows_inserted: int = Field(examples=[10])
    error: str | None = Field(examples=[None])


class RepairReport(BaseModel):
    repaired: int = Field(examples=[1], description="Gaps filled completely.")
    results: list[RepairOut] = Field(description="One per open gap attempted, in order.")


# -- requests ----------------------------------------------------------------------------------

Symbol = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SYMBOL_PATTERN)]
Timeframe = Annotated[str, StringConstraints(min_length=1, max_length=8)]


class Selection(BaseModel):
    """Which series to act on; everything stored when left out."""

    model_config = ConfigDict(extra="forbid")

    exchange: str | None = Field(
        default=None, max_length=32, pattern=EXCHANGE_PATTERN, examples=["binance"]
    )
    symbols: list[Symbol] | None = Field(
        default=None, max_length=MAX_SYMBOLS, examples=[["BTC/USDT:USDT", "ETH/USDT:USDT"]]
    )
    timeframes: list[Timeframe] | None = Field(default=None, max_length=20, examples=[["1h"]])


class ScanRequest(Selection):
    """Series to scan; timeframes may include `funding` for funding settlements."""


class RepairRequest(Selection):
    """Series whose open gaps to refetch (candles only: funding has no repair)."""


def _check_selection(context: AppContext, selection: Selection, candles_only: bool) -> None:
    """Refuse an exchange or symbol with nothing stored, and unknown timeframes, by name."""
    stored = context.market.instruments(selection.exchange)
    if selection.exchange is not None and not stored:
        exchanges = sorted({item.exchange for item in context.market.instruments()})
        raise NotFoundError(
            f"no instruments stored for exchange {selection.exchange!r}; "
            f"stored: {', '.join(exchanges) or 'none'}"
        )
    known = {item.symbol for item in stored}
    unknown = [symbol for symbol in selection.symbols or () if symbol not in known]
    if unknown:
        raise NotFoundError(
            f"no instrument {', '.join(unknown)} stored; stored: {', '.join(sorted(known))}"
        )
    for timeframe in selection.timeframes or ():
        if candles_only or timeframe != "funding":
            timeframe_ms(timeframe)


# -- reads -------------------------------------------------------------------------------------


@router.get(
    "/coverage",
    response_model=Page[SeriesCoverage],
    summary="First, last, rows, expected rows and gaps of every stored series",
)
def coverage(
    context: Annotated[AppContext, Depends(context_of)],
    at: Annotated[Window, Depends(window)],
    exchange: ExchangeFilter = None,
    symbols: Annotated[
        str | None,
        Query(
            max_length=4_000,
            description=f"Comma-separated symbols (at most {MAX_SYMBOLS}).",
            examples=["BTC/USDT:USDT,ETH/USDT:USDT"],
        ),
    ] = None,
    timeframes: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Comma-separated timeframes; `funding` for funding.",
            examples=["1h,funding"],
        ),
    ] = None,
) -> Page[SeriesCoverage]:
    wanted = None if symbols is None else symbol_list(symbols)
    stats = integrity.series_stats(context, exchange, wanted, series_timeframes(timeframes))
    spans = {
        (s.exchange, s.symbol, s.dataset, s.timeframe): (s.ts_first, s.ts_last)
        for s in integrity.stored_series(context, exchange)
    }
    found = []
    for item in stats:
        ts_first, ts_last = spans[(item.exchange, item.symbol, item.dataset, item.timeframe)]
        found.append(
            SeriesCoverage(
                exchange=item.exchange, symbol=item.symbol, dataset=item.dataset,
                timeframe=item.timeframe, ts_first=ts_first, first=item.first, ts_last=ts_last,
                last=item.last, rows=item.rows, expected_rows=item.expected_rows,
                missing_rows=item.missing_rows, gaps=item.gaps, largest_gap=item.largest_gap,
            )
        )  # fmt: skip
    return page(found, at)


def _event_out(event: IntegrityEvent) -> IntegrityEventOut:
    return IntegrityEventOut(
        id=event.id, exchange=event.exchange, symbol=event.symbol, dataset=event.dataset,
        timeframe=event.timeframe, kind=event.kind, status=event.status,
        ts_start=event.ts_start, start=to_iso(event.ts_start), ts_end=event.ts_end,
        end=to_iso(event.ts_end), count=event.count, detail=event.detail,
        ts_detected=event.ts_detected, detected=to_iso(event.ts_detected),
        ts_resolved=event.ts_resolved, resolved=_iso(event.ts_resolved),
    )  # fmt: skip


@router.get(
    "/integrity-events",
    response_model=Page[IntegrityEventOut],
    summary="Problems found by integrity scans",
    description="Ordered by exchange, symbol, dataset, timeframe and start.",
)
def integrity_events(
    context: Annotated[AppContext, Depends(context_of)],
    at: Annotated[Window, Depends(window)],
    exchange: ExchangeFilter = None,
    symbol: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=SYMBOL_PATTERN,
            description="Only this symbol's.",
            examples=["BTC/USDT:USDT"],
        ),
    ] = None,
    timeframe: Annotated[
        str | None,
        Query(
            max_length=8, description="Only this series (`funding` for funding).", examples=["1h"]
        ),
    ] = None,
    kind: Annotated[IssueKind | None, Query(description="Only this kind of problem.")] = None,
    status: Annotated[
        Literal["unresolved", "open", "confirmed", "resolved", "all"],
        Query(description="`unresolved` is open and confirmed (a real outage) events."),
    ] = "unresolved",
) -> Page[IntegrityEventOut]:
    if timeframe is not None:
        series_timeframes(timeframe)
    events = context.integrity.events(
        exchange=exchange, symbol=symbol, timeframe=timeframe,
        kind=None if kind is None else kind.value, statuses=_STATUSES[status],
    )  # fmt: skip
    return page([_event_out(event) for event in events], at)


def _run_out(run: IngestionRun) -> IngestionRunOut:
    return IngestionRunOut(
        id=run.id, source=run.source, symbols=run.symbols, timeframes=run.timeframes,
        ts_since=run.ts_since, since=_iso(run.ts_since), backfill=run.backfill, status=run.status,
        ts_started=run.ts_started, started=to_iso(run.ts_started), ts_finished=run.ts_finished,
        finished=_iso(run.ts_finished), rows_candles=run.rows_candles,
        rows_funding=run.rows_funding, rows_prices=run.rows_prices,
        rows_open_interest=run.rows_open_interest, error=run.error,
    )  # fmt: skip


@router.get(
    "/ingestion-runs",
    response_model=Page[IngestionRunOut],
    summary="Sample loads and exchange downloads, newest first",
)
def ingestion_runs(
    context: Annotated[AppContext, Depends(context_of)],
    at: Annotated[Window, Depends(window)],
) -> Page[IngestionRunOut]:
    runs = context.runs.recent(at.limit, at.offset)
    return Page(
        items=[_run_out(run) for run in runs], total=context.runs.count(), limit=at.limit,
        offset=at.offset,
    )  # fmt: skip


# -- writes ------------------------------------------------------------------------------------


@router.post(
    "/scan",
    response_model=ScanReport,
    summary="Scan stored series for problems and record them as integrity events",
    description="Looks for gaps, duplicates, OHLC violations, NaN, negative volume and time-order "
    "problems; opens an event per new problem and resolves events no longer found.",
    dependencies=[Depends(require_writer)],
    responses=WRITE_RESPONSES,
)
def scan(
    context: Annotated[AppContext, Depends(context_of)],
    request: Annotated[ScanRequest | None, Body()] = None,
) -> ScanReport:
    selection = request or ScanRequest()
    _check_selection(context, selection, candles_only=False)
    results = integrity.scan(context, selection.exchange, selection.symbols, selection.timeframes)
    series = [
        SeriesScanOut(
            exchange=item.exchange, symbol=item.symbol, dataset=item.dataset,
            timeframe=item.timeframe, rows=item.rows, issues=item.counts(),
            events_opened=item.outcome.opened, events_still_open=item.outcome.still_open,
            events_resolved=item.outcome.resolved,
            details=[
                FoundIssueOut(
                    kind=issue.kind.value, ts_start=issue.ts_start, start=to_iso(issue.ts_start),
                    ts_end=issue.ts_end, end=to_iso(issue.ts_end), count=issue.count,
                    detail=issue.detail,
                )
                for issue in item.issues
            ],
        )
        for item in results
    ]  # fmt: skip
    now = context.clock.now_ms()
    return ScanReport(
        ts_scanned=now, scanned=to_iso(now),
        issues_found=sum(len(item.details) for item in series), series=series,
    )  # fmt: skip


@router.post(
    "/repair",
    response_model=RepairReport,
    summary="Refetch open candle gaps from their exchange",
    description="Each attempt is recorded as a repair job; a gap the exchange has no bars for "
    "is a real outage and is marked confirmed, never filled with invented bars. Each gap is "
    "stored whole or not at all; an exchange out of reach stops the repair with 502 (503 when "
    "it rate-limits or times out).",
    dependencies=[Depends(require_writer)],
    responses={
        **WRITE_RESPONSES,
        502: {"model": ErrorBody, "description": "The exchange is out of reach"},
        503: {"model": ErrorBody, "description": "The exchange rate-limits or times out"},
    },
)
def repair(
    context: Annotated[AppContext, Depends(context_of)],
    request: Annotated[RepairRequest | None, Body()] = None,
) -> RepairReport:
    selection = request or RepairRequest()
    _check_selection(context, selection, candles_only=True)
    results = repair_from_exchanges(
        context, selection.exchange, selection.symbols, selection.timeframes
    )
    return RepairReport(
        repaired=sum(1 for item in results if item.status == "repaired"),
        results=[
            RepairOut(
                job_id=item.job_id, event_id=item.event.id, exchange=item.event.exchange,
                symbol=item.event.symbol, timeframe=item.event.timeframe,
                ts_start=item.event.ts_start, start=to_iso(item.event.ts_start),
                ts_end=item.event.ts_end, end=to_iso(item.event.ts_end),
                missing=item.event.count, status=item.status, rows_fetched=item.rows_fetched,
                rows_inserted=item.rows_inserted, error=item.error,
            )
            for item in results
        ],
    )  # fmt: skip
