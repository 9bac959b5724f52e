"""Stored parameter sweeps: the base configuration, the grid, how the sweep ran, and every
combination's parameters and metrics by rank, and the sweep's probability of backtest
overfitting (``overfitting``: null for sweeps stored before it was measured, or too small to).

Metrics are stored as JSON text: Python writes each float as the shortest text that reads
back to the same double, so a stored sweep reads back exactly what was ranked."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, insert, select, update

from alpha_arena.core.errors import NotFoundError
from alpha_arena.storage.tables import SweepPointRow, SweepRow


@dataclass(frozen=True, slots=True)
class SweepRecord:
    """What a sweep stores: the caller turns its result into this (storage knows no engine)."""

    strategy: str
    symbols: Sequence[str]
    timeframe: str
    exchange: str
    ts_start: int
    ts_end: int
    config: Mapping[str, Any]  # the base configuration
    grid: Mapping[str, Sequence[str]]
    rank_by: str
    combinations: int
    skipped: Sequence[Mapping[str, Any]]  # {"params": {...}, "reason": "..."}
    mode: str  # "local" or "workers"
    workers: int | None
    duration_ms: int
    points: Sequence[tuple[Mapping[str, str], Mapping[str, Any]]]  # (params, metrics), best first
    overfitting: Mapping[str, float | int] | None = None  # {pbo, splits, median_logit, blocks}


@dataclass(frozen=True, slots=True)
class SweepSummary:
    id: int
    strategy: str
    symbols: list[str]
    timeframe: str
    exchange: str
    ts_start: int
    ts_end: int
    config: dict[str, Any]
    grid: dict[str, list[str]]
    rank_by: str
    combinations: int
    skipped: list[dict[str, Any]]
    mode: str
    workers: int | None
    duration_ms: int
    best_backtest_id: int | None
    ts_created: int
    best: StoredPoint | None  # rank 1
    overfitting: dict[str, Any] | None = None  # {pbo, splits, median_logit, blocks}


@dataclass(frozen=True, slots=True)
class StoredPoint:
    rank: int  # 1 is the best
    params: dict[str, str]
    metrics: dict[str, Any]


class SweepStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(self, record: SweepRecord, ts_created: int) -> int:
        """Store a sweep and its ranked points in one transaction; return its id."""
        with self._engine.begin() as connection:
            sweep_id = int(
                connection.execute(
                    insert(SweepRow)
                    .values(
                        strategy=record.strategy,
                        symbols=",".join(record.symbols),
                        timeframe=record.timeframe,
                        exchange=record.exchange,
                        ts_start=record.ts_start,
                        ts_end=record.ts_end,
                        config=json.dumps(record.config, sort_keys=True),
                        grid=json.dumps({name: list(v) for name, v in record.grid.items()}),
                        rank_by=record.rank_by,
                        combinations=record.combinations,
                        skipped=json.dumps(list(record.skipped), sort_keys=True),
                        mode=record.mode,
                        workers=record.workers,
                        duration_ms=record.duration_ms,
                        ts_created=ts_created,
                        overfitting=None
                        if record.overfitting is None
                        else json.dumps(dict(record.overfitting), sort_keys=True),
                    )
                    .returning(SweepRow.id)
                ).scalar_one()
            )
            if record.points:
                connection.execute(
                    insert(SweepPointRow),
                    [
                        {
                            "sweep_id": sweep_id,
                            "rank": rank,
                            "params": json.dumps(dict(params), sort_keys=True),
                            "metrics": json.dumps(dict(metrics), sort_keys=True),
                        }
                        for rank, (params, metrics) in enumerate(record.points, start=1)
                    ],
                )
        return sweep_id

    def set_best_backtest(self, sweep_id: int, backtest_id: int) -> None:
        """Record the stored backtest of the sweep's best combination."""
        with self._engine.begin() as connection:
            connection.execute(
                update(SweepRow).where(SweepRow.id == sweep_id).values(best_backtest_id=backtest_id)
            )

    def recent(self, limit: int = 50) -> list[SweepSummary]:
        """The newest sweeps first, each with its best point."""
        query = (
            select(SweepRow, SweepPointRow.params, SweepPointRow.metrics)
            .outerjoin(
                SweepPointRow,
                and_(SweepPointRow.sweep_id == SweepRow.id, SweepPointRow.rank == 1),
            )
            .order_by(SweepRow.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [_summary(row._mapping) for row in connection.execute(query)]

    def get(self, sweep_id: int) -> SweepSummary:
        query = (
            select(SweepRow, SweepPointRow.params, SweepPointRow.metrics)
            .outerjoin(
                SweepPointRow,
                and_(SweepPointRow.sweep_id == SweepRow.id, SweepPointRow.rank == 1),
            )
            .where(SweepRow.id == sweep_id)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
            if row is None:
                count = connection.execute(select(func.count()).select_from(SweepRow))
                raise NotFoundError(
                    f"no sweep {sweep_id}; {count.scalar_one()} stored "
                    "(see `arena backtest sweeps`)"
                )
        return _summary(row._mapping)

    def points(self, sweep_id: int, limit: int | None = None) -> list[StoredPoint]:
        """A stored sweep's points, best first (the ``limit`` best when given)."""
        self.get(sweep_id)  # a clear error for an unknown id
        query = (
            select(SweepPointRow)
            .where(SweepPointRow.sweep_id == sweep_id)
            .order_by(SweepPointRow.rank)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [
                StoredPoint(row.rank, json.loads(row.params), json.loads(row.metrics))
                for row in connection.execute(query)
            ]


def _summary(row: Any) -> SweepSummary:
    best = (
        None
        if row["params"] is None
        else StoredPoint(1, json.loads(row["params"]), json.loads(row["metrics"]))
    )
    return SweepSummary(
        id=row["id"],
        strategy=row["strategy"],
        symbols=row["symbols"].split(","),
        timeframe=row["timeframe"],
        exchange=row["exchange"],
        ts_start=row["ts_start"],
        ts_end=row["ts_end"],
        config=json.loads(row["config"]),
        grid=json.loads(row["grid"]),
        rank_by=row["rank_by"],
        combinations=row["combinations"],
        skipped=json.loads(row["skipped"]),
        mode=row["mode"],
        workers=row["workers"],
        duration_ms=row["duration_ms"],
        best_backtest_id=row["best_backtest_id"],
        ts_created=row["ts_created"],
        best=best,
        overfitting=None if row["overfitting"] is None else json.loads(row["overfitting"]),
    )
