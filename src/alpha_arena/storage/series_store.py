"""Stored season series: the series' configuration and, per window, the season that runs it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select

from alpha_arena.core.errors import NotFoundError
from alpha_arena.storage.tables import SeasonSeriesRow, SeasonSeriesWindowRow


@dataclass(frozen=True, slots=True)
class SeriesRecord:
    id: int
    name: str
    kind: str  # consecutive, random or repeat
    config: dict[str, Any]
    ts_created: int
    season_ids: list[int]  # by window: season_ids[0] runs window 1


class SeriesStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        name: str,
        kind: str,
        config: Mapping[str, Any],
        season_ids: Sequence[int],
        ts_created: int,
    ) -> SeriesRecord:
        """Store a series and its windows (window i is run by ``season_ids[i - 1]``)."""
        with self._engine.begin() as connection:
            series_id = int(
                connection.execute(
                    insert(SeasonSeriesRow)
                    .values(
                        name=name,
                        kind=kind,
                        config=json.dumps(dict(config), sort_keys=True),
                        ts_created=ts_created,
                    )
                    .returning(SeasonSeriesRow.id)
                ).scalar_one()
            )
            connection.execute(
                insert(SeasonSeriesWindowRow),
                [
                    {"series_id": series_id, "window": window, "season_id": season_id}
                    for window, season_id in enumerate(season_ids, start=1)
                ],
            )
        return self.get(series_id)

    def get(self, series_id: int) -> SeriesRecord:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(SeasonSeriesRow).where(SeasonSeriesRow.id == series_id)
            ).first()
            if row is None:
                count = connection.execute(select(func.count()).select_from(SeasonSeriesRow))
                raise NotFoundError(
                    f"no series {series_id}; {count.scalar_one()} stored "
                    "(see `arena season series list`)"
                )
            windows = self._windows(connection, [series_id])
        return _record(row, windows.get(series_id, []))

    def all(self, limit: int = 1_000) -> list[SeriesRecord]:
        """The newest series first."""
        query = select(SeasonSeriesRow).order_by(SeasonSeriesRow.id.desc()).limit(limit)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
            windows = self._windows(connection, [row.id for row in rows])
        return [_record(row, windows.get(row.id, [])) for row in rows]

    @staticmethod
    def _windows(connection: Any, series_ids: list[int]) -> dict[int, list[int]]:
        if not series_ids:
            return {}
        query = (
            select(SeasonSeriesWindowRow.series_id, SeasonSeriesWindowRow.season_id)
            .where(SeasonSeriesWindowRow.series_id.in_(series_ids))
            .order_by(SeasonSeriesWindowRow.series_id, SeasonSeriesWindowRow.window)
        )
        found: dict[int, list[int]] = {}
        for series_id, season_id in connection.execute(query):
            found.setdefault(series_id, []).append(season_id)
        return found


def _record(row: Any, season_ids: list[int]) -> SeriesRecord:
    return SeriesRecord(
        id=row.id, name=row.name, kind=row.kind, config=json.loads(row.config),
        ts_created=row.ts_created, season_ids=season_ids,
    )  # fmt: skip
