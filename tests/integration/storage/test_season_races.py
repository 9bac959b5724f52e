"""Season storage under concurrent writers, on every database. Each move is one conditional
UPDATE (MySQL and MariaDB run it at READ COMMITTED, as PostgreSQL does): of runners racing for
a free lease exactly one wins, and of two identical moves of a season's status exactly one
succeeds, its answer the row as that move left it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import pytest

from alpha_arena.domain.seasons import SeasonConflictError, SeasonEvent, SeasonStatus
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_leases import Lease, LeaseHolder, SeasonLeases
from alpha_arena.storage.season_store import NewEntry, SeasonRecord, SeasonStore

CONFIG = {"name": "s", "mode": "replay", "timeframe": "1h", "start": 0, "end": 36_000_000}
TTL = 30_000
RUNNERS = 6

T = TypeVar("T")


def running_season(store: SeasonStore) -> SeasonRecord:
    season = store.create(CONFIG, [NewEntry("a", "strategy", {"agent": {}}, "0" * 12)], 1e4, 0)
    return store.transition(season.id, SeasonEvent.START, 0)


def at_once(calls: list[Callable[[], T]]) -> list[T | Exception]:
    """Run ``calls`` on as many threads released together; an exception is a result."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T | Exception:
        barrier.wait()
        try:
            return call()
        except Exception as error:  # the losers' refusals are what the test looks at
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_of_runners_racing_for_a_free_lease_exactly_one_wins(context: AppContext) -> None:
    season = running_season(SeasonStore(context.engine))
    leases = SeasonLeases(context.engine)
    runners = [Lease(f"runner {n}", "host", n) for n in range(RUNNERS)]

    results = at_once([partial(leases.take, season.id, lease, 0, TTL) for lease in runners])

    winners = [lease for lease, result in zip(runners, results, strict=True) if result is None]
    assert len(winners) == 1, results
    others = [result for result in results if result is not None]
    assert all(isinstance(result, LeaseHolder) for result in others), others
    assert {result.owner for result in others if isinstance(result, LeaseHolder)} == {
        winners[0].owner
    }
    holder = leases.holder(season.id)
    assert holder is not None and (holder.owner, holder.pid) == (winners[0].owner, winners[0].pid)


def test_of_two_identical_moves_of_a_season_exactly_one_succeeds(context: AppContext) -> None:
    store = SeasonStore(context.engine)
    season = running_season(store)

    results = at_once(
        [partial(store.transition, season.id, SeasonEvent.PAUSE, 10 + n, f"by {n}") for n in (1, 2)]
    )

    moved = [result for result in results if isinstance(result, SeasonRecord)]
    refused = [result for result in results if isinstance(result, SeasonConflictError)]
    assert (len(moved), len(refused)) == (1, 1), results
    assert moved[0].status is SeasonStatus.PAUSED
    assert moved[0] == store.get(season.id)  # the answer is the row as the move left it
    assert moved[0].message in ("by 1", "by 2")


def test_a_move_the_status_no_longer_allows_is_refused(context: AppContext) -> None:
    store = SeasonStore(context.engine)
    season = running_season(store)
    store.transition(season.id, SeasonEvent.END, 1)
    with pytest.raises(SeasonConflictError, match="cannot pause a finished season"):
        store.transition(season.id, SeasonEvent.PAUSE, 2)
    assert store.get(season.id).status is SeasonStatus.FINISHED
