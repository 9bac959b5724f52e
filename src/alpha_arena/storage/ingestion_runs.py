"""Ingestion runs: every sample load or exchange download, with its row counts and outcome.

A run started through the API is recorded when it is accepted, as ``queued``, and claimed
(``running``) when its turn comes; the others start ``running``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, insert, select, update

from alpha_arena.storage.database import inserted_id
from alpha_arena.storage.tables import IngestionRunRow


@dataclass(frozen=True, slots=True)
class IngestionRun:
    id: int
    source: str
    symbols: list[str]
    timeframes: list[str]
    ts_since: int | None
    backfill: bool
    status: str
    ts_started: int
    ts_finished: int | None
    rows_candles: int
    rows_funding: int
    rows_prices: int
    rows_open_interest: int
    error: str | None


@dataclass(slots=True)
class RowCounts:
    """Rows actually inserted (not fetched) by a run, per table."""

    candles: int = 0
    funding: int = 0
    prices: int = 0
    open_interest: int = 0


class IngestionRunStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(
        self,
        source: str,
        symbols: list[str],
        timeframes: list[str],
        ts_started: int,
        ts_since: int | None = None,
        backfill: bool = False,
    ) -> int:
        return self._insert(source, symbols, timeframes, ts_started, ts_since, backfill, "running")

    def _insert(
        self,
        source: str,
        symbols: list[str],
        timeframes: list[str],
        ts_started: int,
        ts_since: int | None,
        backfill: bool,
        status: str,
    ) -> int:
        row = IngestionRunRow(
            source=source,
            symbols=",".join(symbols),
            timeframes=",".join(timeframes),
            ts_since=ts_since,
            backfill=backfill,
            status=status,
            ts_started=ts_started,
            rows_candles=0,
            rows_funding=0,
            rows_prices=0,
            rows_open_interest=0,
        )
        with self._engine.begin() as connection:
            result = connection.execute(insert(IngestionRunRow).values(**_values(row)))
            return inserted_id(result)

    def queue(
        self,
        source: str,
        symbols: list[str],
        timeframes: list[str],
        ts_queued: int,
        ts_since: int | None = None,
        backfill: bool = False,
    ) -> int:
        """Record a run accepted to run later (``queued``; ``ts_started``: when accepted)."""
        return self._insert(source, symbols, timeframes, ts_queued, ts_since, backfill, "queued")

    def claim(self, run_id: int, ts_started: int) -> None:
        """A queued run begins: ``running`` from ``ts_started``."""
        self._update(run_id, status="running", ts_started=ts_started)

    def record_progress(self, run_id: int, counts: RowCounts) -> None:
        """Save row counts so far; an interrupted run still shows what it stored."""
        self._update(run_id, **_count_values(counts))

    def finish(
        self, run_id: int, counts: RowCounts, ts_finished: int, error: str | None = None
    ) -> None:
        self._update(
            run_id,
            status="failed" if error else "succeeded",
            ts_finished=ts_finished,
            error=error,
            **_count_values(counts),
        )

    def get(self, run_id: int) -> IngestionRun | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(IngestionRunRow).where(IngestionRunRow.id == run_id)
            ).first()
        return None if row is None else _run_of(row)

    def recent(self, limit: int = 20, offset: int = 0) -> list[IngestionRun]:
        """The newest runs first, skipping the ``offset`` newest."""
        query = (
            select(IngestionRunRow).order_by(IngestionRunRow.id.desc()).limit(limit).offset(offset)
        )
        with self._engine.connect() as connection:
            return [_run_of(row) for row in connection.execute(query)]

    def count(self) -> int:
        with self._engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(IngestionRunRow)).scalar_one()
            )

    def _update(self, run_id: int, **values: object) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(IngestionRunRow).where(IngestionRunRow.id == run_id).values(**values)
            )


def _count_values(counts: RowCounts) -> dict[str, int]:
    return {
        "rows_candles": counts.candles,
        "rows_funding": counts.funding,
        "rows_prices": counts.prices,
        "rows_open_interest": counts.open_interest,
    }


def _values(row: IngestionRunRow) -> dict[str, object]:
    return {
        column.key: getattr(row, column.key)
        for column in IngestionRunRow.__table__.columns
        if column.key != "id"
    }


def _run_of(row: object) -> IngestionRun:
    mapping = row._mapping  # type: ignore[attr-defined]
    return IngestionRun(
        id=mapping["id"],
        source=mapping["source"],
        symbols=[s for s in mapping["symbols"].split(",") if s],
        timeframes=[t for t in mapping["timeframes"].split(",") if t],
        ts_since=mapping["ts_since"],
        backfill=mapping["backfill"],
        status=mapping["status"],
        ts_started=mapping["ts_started"],
        ts_finished=mapping["ts_finished"],
        rows_candles=mapping["rows_candles"],
        rows_funding=mapping["rows_funding"],
        rows_prices=mapping["rows_prices"],
        rows_open_interest=mapping["rows_open_interest"],
        error=mapping["error"],
    )
