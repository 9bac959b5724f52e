"""Reading a season from outside the process that runs it: its status and progress, waiting
for a runner to get somewhere, and its ledger in a form two runs can be compared by."""

from __future__ import annotations

import subprocess
import time

from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.services.context import open_context
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import settings_for


def season_row(url: str, season_id: int) -> tuple[SeasonStatus, int]:
    """The season's status and the ticks it has committed."""
    context = open_context(settings_for(url))
    try:
        season = SeasonStore(context.engine).get(season_id)
        return season.status, season.ticks_done
    finally:
        context.close()


def wait_for_ticks(
    url: str, season_id: int, at_least: int, runner: subprocess.Popen[str] | None = None
) -> int:
    """Wait until ``at_least`` ticks are committed (failing if ``runner`` exits first)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        _, done = season_row(url, season_id)
        if done >= at_least:
            return done
        if runner is not None:
            assert runner.poll() is None, runner.communicate()
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} ticks were committed in 120 s")


def ledger(url: str, season_id: int) -> tuple[str, list[int]]:
    """The ledger hash and each entry's number of equity snapshots (no tick twice or missing)."""
    context = open_context(settings_for(url))
    try:
        store = SeasonStore(context.engine)
        counts = []
        for entry in store.entries(season_id):
            ticks = [row["tick"] for row in store.equity(entry.id)]
            assert ticks == list(range(len(ticks))), "a tick is missing or stored twice"
            counts.append(len(ticks))
        return store.ledger_hash(season_id), counts
    finally:
        context.close()
