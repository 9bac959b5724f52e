"""Season leases on both databases: a lease held elsewhere is taken over only once it expired,
one whose holder died on this machine at once, a live local holder never; the keeper renews
its lease while it runs, notices when it lost it, and releases it at the end."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from alpha_arena.core.clock import SimClock, WallClock
from alpha_arena.domain.seasons import SeasonEvent
from alpha_arena.seasons.lease import LeaseKeeper, this_process
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_leases import Lease, SeasonLeasedError, SeasonLeases
from alpha_arena.storage.season_store import NewEntry, SeasonStore

CONFIG = {"name": "s", "mode": "replay", "timeframe": "1h", "start": 0, "end": 36_000_000}
TTL_S = 30.0


def running_season(context: AppContext) -> int:
    store = SeasonStore(context.engine)
    season = store.create(CONFIG, [NewEntry("a", "strategy", {"agent": {}}, "0" * 12)], 1e4, 0)
    return store.transition(season.id, SeasonEvent.START, 0).id


def keeper(
    context: AppContext, season_id: int, clock: SimClock | WallClock, ttl_s: float = TTL_S
) -> LeaseKeeper:
    return LeaseKeeper(SeasonLeases(context.engine), season_id, this_process("test"), clock, ttl_s)


def test_a_lease_held_on_another_machine_is_taken_only_once_it_expired(
    context: AppContext,
) -> None:
    season_id = running_season(context)
    clock = SimClock(1_000_000)
    remote = Lease("a runner elsewhere", "another-host:1:ab", 4242)
    assert SeasonLeases(context.engine).take(season_id, remote, 1_000_000, 30_000) is None

    with pytest.raises(SeasonLeasedError) as refused:
        keeper(context, season_id, clock).__enter__()
    assert str(refused.value).startswith(
        f"season {season_id} is being run by a runner elsewhere since 1970-01-01T00:16:40Z "
        "(its lease runs to 1970-01-01T00:17:10Z unless renewed)"
    )

    clock.advance_to(1_030_000)  # expired
    with keeper(context, season_id, clock) as mine:
        holder = SeasonLeases(context.engine).holder(season_id)
        assert holder is not None and holder.owner == mine.lease.owner


def test_a_holder_that_died_on_this_machine_is_replaced_at_once_a_live_one_never(
    context: AppContext,
) -> None:
    season_id = running_season(context)
    clock = SimClock(1_000_000)
    leases = SeasonLeases(context.engine)
    machine = this_process("probe").machine
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert leases.take(season_id, Lease("live", machine, alive.pid), 1_000_000, 30_000) is None
        with pytest.raises(SeasonLeasedError, match="being run by live since"):
            keeper(context, season_id, clock).__enter__()
    finally:
        alive.kill()
        alive.wait()
    # The same holder, now dead (its lease has not expired): replaced without waiting.
    with keeper(context, season_id, clock) as mine:
        holder = leases.holder(season_id)
        assert holder is not None and holder.owner == mine.lease.owner
    assert leases.holder(season_id) is None  # released on leaving


def test_the_keeper_renews_its_lease_while_it_runs_and_notices_losing_it(
    context: AppContext,
) -> None:
    season_id = running_season(context)
    leases = SeasonLeases(context.engine)
    with keeper(context, season_id, WallClock(), ttl_s=0.3) as mine:
        first = leases.holder(season_id)
        assert first is not None
        deadline = time.monotonic() + 10
        while (held := leases.holder(season_id)) is not None and held.expires == first.expires:
            assert time.monotonic() < deadline, "the lease was never renewed"
            time.sleep(0.02)
        other = Lease("a runner that took over", "another-host:1:ab", 1)
        assert leases.take_over(season_id, other, first.owner, 0, 30_000)
        assert mine.lost.wait(10), "the keeper did not notice it lost its lease"
    held = leases.holder(season_id)
    assert held is not None and held.owner == "a runner that took over"  # not released by it
