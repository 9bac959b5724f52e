"""The series store on every database: a series reads back as stored with its windows'
seasons in window order, the listing is newest first, an unknown id is one clear line, and
deleting a window's season takes its window row with it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from alpha_arena.core.errors import NotFoundError
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_store import NewEntry, SeasonStore
from alpha_arena.storage.series_store import SeriesStore
from alpha_arena.storage.tables import SeasonRow

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
DAY = 86_400_000


def season(context: AppContext, index: int) -> int:
    config = {"name": f"s {index}", "mode": "replay", "timeframe": "1d",
              "start": T0 + index * DAY, "end": T0 + (index + 5) * DAY}  # fmt: skip
    entry = NewEntry("a", "strategy", {"agent": {}, "pinned": {}}, "0" * 12)
    return SeasonStore(context.engine).create(config, [entry], 10_000.0, T0).id


def test_a_series_reads_back_with_its_seasons_in_window_order(context: AppContext) -> None:
    store = SeriesStore(context.engine)
    seasons = [season(context, index) for index in range(3)][::-1]  # windows need not follow ids
    config = {"count": 3, "windows": [[T0, T0 + DAY]] * 3, "seed": None, "ratio": 0.1 + 0.2}
    created = store.create("walk", "repeat", config, seasons, T0 + 5)
    stored = store.get(created.id)
    assert (stored.name, stored.kind, stored.ts_created) == ("walk", "repeat", T0 + 5)
    assert stored.config == config and stored.season_ids == seasons
    other = store.create("second", "random", {"count": 2}, [season(context, 7),
                                                            season(context, 8)], T0)  # fmt: skip
    assert [record.id for record in store.all()] == [other.id, created.id]
    assert store.all()[1].season_ids == seasons


def test_an_unknown_series_is_one_clear_line(context: AppContext) -> None:
    with pytest.raises(NotFoundError, match=r"no series 99; 0 stored \(see `arena season"):
        SeriesStore(context.engine).get(99)


def test_deleting_a_windows_season_deletes_its_window(context: AppContext) -> None:
    store = SeriesStore(context.engine)
    seasons = [season(context, index) for index in range(2)]
    created = store.create("walk", "consecutive", {}, seasons, T0)
    with context.engine.begin() as connection:
        connection.execute(delete(SeasonRow).where(SeasonRow.id == seasons[0]))
    assert store.get(created.id).season_ids == seasons[1:]
