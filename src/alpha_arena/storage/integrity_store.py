"""Integrity events found by scans, and repair jobs that try to fix gaps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, RowMapping, and_, insert, select, update

from alpha_arena.storage.database import inserted_id
from alpha_arena.storage.tables import InstrumentRow, IntegrityEventRow, RepairJobRow


@dataclass(frozen=True, slots=True)
class FoundIssue:
    """What a scan found, in storage terms (see marketdata.integrity.Issue)."""

    kind: str
    ts_start: int
    ts_end: int
    count: int
    detail: str


@dataclass(frozen=True, slots=True)
class IntegrityEvent:
    id: int
    exchange: str
    symbol: str
    dataset: str
    timeframe: str
    kind: str
    ts_start: int
    ts_end: int
    count: int
    detail: str
    status: str
    ts_detected: int
    ts_resolved: int | None


@dataclass(frozen=True, slots=True)
class RepairJob:
    id: int
    integrity_event_id: int
    source: str
    status: str
    rows_fetched: int
    rows_inserted: int
    error: str | None
    ts_started: int
    ts_finished: int | None


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    opened: int
    still_open: int
    resolved: int


class IntegrityStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record_scan(
        self,
        instrument_id: int,
        dataset: str,
        timeframe: str,
        found: Sequence[FoundIssue],
        ts_now: int,
    ) -> ScanOutcome:
        """Reconcile one series' events with a fresh scan in one transaction: new problems are
        opened, problems no longer found are resolved, known ones are left as they are."""
        series = and_(
            IntegrityEventRow.instrument_id == instrument_id,
            IntegrityEventRow.dataset == dataset,
            IntegrityEventRow.timeframe == timeframe,
        )
        with self._engine.begin() as connection:
            existing = {
                (row.kind, row.ts_start): row
                for row in connection.execute(select(IntegrityEventRow).where(series))
            }
            keys = {(issue.kind, issue.ts_start) for issue in found}
            opened = 0
            still_open = 0
            for issue in found:
                row = existing.get((issue.kind, issue.ts_start))
                if row is None:
                    connection.execute(
                        insert(IntegrityEventRow).values(
                            instrument_id=instrument_id,
                            dataset=dataset,
                            timeframe=timeframe,
                            kind=issue.kind,
                            ts_start=issue.ts_start,
                            ts_end=issue.ts_end,
                            count=issue.count,
                            detail=issue.detail,
                            status="open",
                            ts_detected=ts_now,
                        )
                    )
                    opened += 1
                    continue
                if row.status == "resolved" or row.ts_end != issue.ts_end:
                    # Back again, or partly repaired: the current extent is what counts.
                    connection.execute(
                        update(IntegrityEventRow)
                        .where(IntegrityEventRow.id == row.id)
                        .values(
                            ts_end=issue.ts_end,
                            count=issue.count,
                            detail=issue.detail,
                            status="open" if row.status == "resolved" else row.status,
                            ts_resolved=None,
                        )
                    )
                still_open += 1
            gone = [
                row.id
                for key, row in existing.items()
                if key not in keys and row.status != "resolved"
            ]
            if gone:
                connection.execute(
                    update(IntegrityEventRow)
                    .where(IntegrityEventRow.id.in_(gone))
                    .values(status="resolved", ts_resolved=ts_now)
                )
        return ScanOutcome(opened=opened, still_open=still_open, resolved=len(gone))

    def events(
        self,
        exchange: str | None = None,
        symbol: str | None = None,
        timeframe: str | None = None,
        kind: str | None = None,
        statuses: Sequence[str] = ("open", "confirmed"),
    ) -> list[IntegrityEvent]:
        query = (
            select(IntegrityEventRow, InstrumentRow.exchange, InstrumentRow.symbol)
            .join(InstrumentRow, InstrumentRow.id == IntegrityEventRow.instrument_id)
            .where(IntegrityEventRow.status.in_(list(statuses)))
            .order_by(
                InstrumentRow.exchange,
                InstrumentRow.symbol,
                IntegrityEventRow.dataset,
                IntegrityEventRow.timeframe,
                IntegrityEventRow.ts_start,
            )
        )
        if exchange is not None:
            query = query.where(InstrumentRow.exchange == exchange)
        if symbol is not None:
            query = query.where(InstrumentRow.symbol == symbol)
        if timeframe is not None:
            query = query.where(IntegrityEventRow.timeframe == timeframe)
        if kind is not None:
            query = query.where(IntegrityEventRow.kind == kind)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        # A Core select of an ORM class yields its columns flat, not the mapped object.
        return [_event_of(row._mapping) for row in rows]

    def mark_confirmed(self, event_id: int) -> None:
        """The source itself has no data for this range: a real outage, not a local hole."""
        with self._engine.begin() as connection:
            connection.execute(
                update(IntegrityEventRow)
                .where(IntegrityEventRow.id == event_id)
                .values(status="confirmed")
            )

    def start_repair(self, event_id: int, source: str, ts_now: int) -> int:
        with self._engine.begin() as connection:
            result = connection.execute(
                insert(RepairJobRow).values(
                    integrity_event_id=event_id,
                    source=source,
                    status="running",
                    rows_fetched=0,
                    rows_inserted=0,
                    ts_started=ts_now,
                )
            )
            return inserted_id(result)

    def finish_repair(
        self,
        job_id: int,
        status: str,
        rows_fetched: int,
        rows_inserted: int,
        ts_now: int,
        error: str | None = None,
    ) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(RepairJobRow)
                .where(RepairJobRow.id == job_id)
                .values(
                    status=status,
                    rows_fetched=rows_fetched,
                    rows_inserted=rows_inserted,
                    ts_finished=ts_now,
                    error=error,
                )
            )

    def repair_jobs(self, event_id: int | None = None) -> list[RepairJob]:
        query = select(RepairJobRow).order_by(RepairJobRow.id)
        if event_id is not None:
            query = query.where(RepairJobRow.integrity_event_id == event_id)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            RepairJob(
                id=row.id,
                integrity_event_id=row.integrity_event_id,
                source=row.source,
                status=row.status,
                rows_fetched=row.rows_fetched,
                rows_inserted=row.rows_inserted,
                error=row.error,
                ts_started=row.ts_started,
                ts_finished=row.ts_finished,
            )
            for row in rows
        ]


def _event_of(row: RowMapping) -> IntegrityEvent:
    return IntegrityEvent(
        id=row["id"],
        exchange=row["exchange"],
        symbol=row["symbol"],
        dataset=row["dataset"],
        timeframe=row["timeframe"],
        kind=row["kind"],
        ts_start=row["ts_start"],
        ts_end=row["ts_end"],
        count=row["count"],
        detail=row["detail"],
        status=row["status"],
        ts_detected=row["ts_detected"],
        ts_resolved=row["ts_resolved"],
    )
