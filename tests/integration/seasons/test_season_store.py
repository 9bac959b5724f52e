"""The season store's tick commit: all of a tick or none of it, and never a tick twice."""

from __future__ import annotations

import pytest

from alpha_arena.domain.fills import Fill, Liquidity
from alpha_arena.domain.orders import Side
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_store import EntryTick, NewEntry, SeasonStore, TickConflictError

CONFIG = {"name": "s", "mode": "replay", "timeframe": "1h", "start": 0, "end": 36_000_000}


def fill(ts: int) -> Fill:
    return Fill("a-1", "BTC/USDT:USDT", Side.BUY, 0.1, 50_000.0, 2.5, Liquidity.TAKER, ts)


def test_a_tick_is_committed_once_whole_and_in_order(context: AppContext) -> None:
    store = SeasonStore(context.engine)
    season = store.create(CONFIG, [NewEntry("a", "strategy", {"agent": {}}, "0" * 12)], 1e4, 0)
    (entry,) = store.entries(season.id)

    def tick(equity: float) -> list[EntryTick]:
        return [EntryTick(entry.id, equity, equity, 0.0, fills=[fill(1)], seq={"fills": 0})]

    store.commit_tick(season.id, 0, 3_600_000, tick(10_001.0), now=1)
    with pytest.raises(TickConflictError, match="tick 0 was committed by another runner"):
        store.commit_tick(season.id, 0, 3_600_000, tick(9_999.0), now=2)
    with pytest.raises(TickConflictError):
        store.commit_tick(season.id, 2, 10_800_000, tick(9_999.0), now=2)  # tick 1 is missing

    assert store.get(season.id).ticks_done == 1
    assert [row["equity"] for row in store.equity(entry.id)] == [10_001.0]
    assert store.fills(entry.id) == [fill(1)]  # the refused commits left nothing behind
    assert store.entries(season.id)[0].equity == 10_001.0
    assert store.counts(entry.id)["fills"] == 1
