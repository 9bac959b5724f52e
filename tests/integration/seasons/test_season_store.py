"""The season store's tick commit: all of a tick (or of a batch of ticks) or none of it, never
a tick twice, only by the holder of the season's lease, and nothing once the season is paused
or ended."""

from __future__ import annotations

import pytest

from alpha_arena.domain.fills import Fill, Liquidity
from alpha_arena.domain.orders import Side
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_leases import Lease, SeasonLeases
from alpha_arena.storage.season_store import (
    EntryTick,
    LeaseLostError,
    NewEntry,
    SeasonRecord,
    SeasonStoppedError,
    SeasonStore,
    TickConflictError,
    TickRows,
)

CONFIG = {"name": "s", "mode": "replay", "timeframe": "1h", "start": 0, "end": 36_000_000}


def fill(ts: int) -> Fill:
    return Fill("a-1", "BTC/USDT:USDT", Side.BUY, 0.1, 50_000.0, 2.5, Liquidity.TAKER, ts)


ME = Lease("runner a", "host", 1)
OTHER = Lease("runner b", "host", 2)
TTL = 30_000


def running_season(store: SeasonStore) -> SeasonRecord:
    season = store.create(CONFIG, [NewEntry("a", "strategy", {"agent": {}}, "0" * 12)], 1e4, 0)
    return store.transition(season.id, SeasonEvent.START, 0)


def tick(entry_id: int, equity: float) -> list[EntryTick]:
    return [EntryTick(entry_id, equity, equity, 0.0, fills=[fill(1)], seq={"fills": 0})]


def test_a_tick_is_committed_once_whole_and_in_order(context: AppContext) -> None:
    store = SeasonStore(context.engine)
    season = running_season(store)
    (entry,) = store.entries(season.id)
    assert SeasonLeases(context.engine).take(season.id, ME, now=0, ttl_ms=TTL) is None

    store.commit_tick(season.id, 0, 3_600_000, tick(entry.id, 10_001.0), 1, ME.owner, TTL)
    with pytest.raises(TickConflictError, match="tick 0 cannot be committed, 1 ticks are stored"):
        store.commit_tick(season.id, 0, 3_600_000, tick(entry.id, 9_999.0), 2, ME.owner, TTL)
    with pytest.raises(TickConflictError):  # tick 1 is missing
        store.commit_tick(season.id, 2, 10_800_000, tick(entry.id, 9_999.0), 2, ME.owner, TTL)

    assert store.get(season.id).ticks_done == 1
    assert [row["equity"] for row in store.equity(entry.id)] == [10_001.0]
    assert store.fills(entry.id) == [fill(1)]  # the refused commits left nothing behind
    assert store.entries(season.id)[0].equity == 10_001.0
    assert store.counts(entry.id)["fills"] == 1


def test_a_batch_of_ticks_is_committed_whole_or_not_at_all(context: AppContext) -> None:
    store = SeasonStore(context.engine)
    season = running_season(store)
    (entry,) = store.entries(season.id)
    assert SeasonLeases(context.engine).take(season.id, ME, now=0, ttl_ms=TTL) is None

    def batch(first: int, count: int) -> list[TickRows]:
        return [
            TickRows(k, (k + 1) * 3_600_000,
                     [EntryTick(entry.id, 100.0 + k, 100.0, 0.0, fills=[fill(k)],
                                seq={"fills": k})])
            for k in range(first, first + count)
        ]  # fmt: skip

    store.commit_ticks(season.id, batch(0, 3), 1, ME.owner, TTL)
    with pytest.raises(TickConflictError):  # tick 3 is next: a batch from 2 would store 2 twice
        store.commit_ticks(season.id, batch(2, 3), 2, ME.owner, TTL)
    with pytest.raises(ValueError, match="in order"):
        store.commit_ticks(season.id, [*batch(3, 1), *batch(5, 1)], 2, ME.owner, TTL)

    after = store.get(season.id)
    assert (after.ticks_done, after.ts_last_tick) == (3, 3 * 3_600_000)
    assert [row["tick"] for row in store.equity(entry.id)] == [0, 1, 2]
    assert store.fills(entry.id) == [fill(0), fill(1), fill(2)]
    assert store.entries(season.id)[0].equity == 102.0  # as the batch's last tick left it


def test_only_the_lease_holder_commits_and_a_commit_renews_its_lease(context: AppContext) -> None:
    store, leases = SeasonStore(context.engine), SeasonLeases(context.engine)
    season = running_season(store)
    (entry,) = store.entries(season.id)
    assert leases.take(season.id, ME, now=0, ttl_ms=TTL) is None
    held = leases.take(season.id, OTHER, now=1, ttl_ms=TTL)  # a second runner is refused
    assert held is not None and (held.owner, held.since, held.expires) == ("runner a", 0, TTL)

    with pytest.raises(LeaseLostError, match="lost its lease \\(now held by runner a\\)"):
        store.commit_tick(season.id, 0, 3_600_000, tick(entry.id, 1.0), 2, OTHER.owner, TTL)
    store.commit_tick(season.id, 0, 3_600_000, tick(entry.id, 1.0), 5_000, ME.owner, TTL)
    holder = leases.holder(season.id)
    assert holder is not None and holder.expires == 5_000 + TTL  # renewed by the commit

    assert leases.take(season.id, OTHER, now=5_000 + TTL, ttl_ms=TTL) is None  # expired: taken
    with pytest.raises(LeaseLostError):
        store.commit_tick(season.id, 1, 7_200_000, tick(entry.id, 2.0), 40_000, ME.owner, TTL)
    assert not leases.renew(season.id, ME, now=40_000, ttl_ms=TTL)
    assert store.get(season.id).ticks_done == 1
    leases.release(season.id, ME)  # not ours any more: nothing happens
    assert leases.holder(season.id) is not None
    leases.release(season.id, OTHER)
    assert leases.holder(season.id) is None


@pytest.mark.parametrize("event", [SeasonEvent.PAUSE, SeasonEvent.END])
def test_nothing_commits_once_a_season_is_paused_or_ended(
    context: AppContext, event: SeasonEvent
) -> None:
    store = SeasonStore(context.engine)
    season = running_season(store)
    (entry,) = store.entries(season.id)
    assert SeasonLeases(context.engine).take(season.id, ME, now=0, ttl_ms=TTL) is None
    store.commit_tick(season.id, 0, 3_600_000, tick(entry.id, 1.0), 1, ME.owner, TTL)

    stopped = store.transition(season.id, event, 2)
    assert stopped.ticks_done == 1  # the answer says where the ledger stopped

    with pytest.raises(SeasonStoppedError, match="ledger stopped at tick 1"):
        store.commit_tick(season.id, 1, 7_200_000, tick(entry.id, 2.0), 3, ME.owner, TTL)
    after = store.get(season.id)
    assert after.ticks_done == 1
    assert after.status in (SeasonStatus.PAUSED, SeasonStatus.FINISHED)
    assert [row["tick"] for row in store.equity(entry.id)] == [0]
