"""A live season's reconciliation: at start and after every committed tick, each entry's
exchange account is read and compared with its ledger; the snapshot is stored, and each
difference is recorded when first seen (not again at every tick while it lasts)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alpha_arena.core.errors import ArenaError
from alpha_arena.engine.engine import Entrant
from alpha_arena.execution.exchange.reconcile import Difference
from alpha_arena.execution.venue import Reconciling
from alpha_arena.storage.reconciliation_store import ReconciliationStore
from alpha_arena.storage.season_store import EntryRecord

logger = logging.getLogger(__name__)


class Reconciler:
    def __init__(self, store: ReconciliationStore, season_id: int) -> None:
        self._store = store
        self._season_id = season_id
        self._seen: dict[int, set[Difference]] = {}
        self._checked_at = -1

    def check(self, entrants: Sequence[Entrant], entries: Sequence[EntryRecord], ts: int) -> None:
        """Reconcile every exchange account at ``ts`` (once: a later advance over the same
        ticks does not again)."""
        if ts <= self._checked_at:
            return
        self._checked_at = ts
        self._check(entrants, entries, ts)

    def _check(self, entrants: Sequence[Entrant], entries: Sequence[EntryRecord], ts: int) -> None:
        for entrant, entry in zip(entrants, entries, strict=True):
            venue = entrant.venue
            if not isinstance(venue, Reconciling):
                continue
            try:
                report = venue.reconcile(ts)
            except ArenaError as error:  # the next tick tries again
                logger.warning("season %d, entry %s: reconciliation failed: %s",
                               self._season_id, entry.name, error)  # fmt: skip
                continue
            seen = self._seen.setdefault(entry.id, set())
            new = [d for d in report.differences if d not in seen]
            self._store.record(entry.id, report, new)
            for difference in new:
                logger.warning("season %d, entry %s: %s %s: %s", self._season_id, entry.name,
                               difference.kind, difference.symbol, difference.detail)  # fmt: skip
            self._seen[entry.id] = set(report.differences)
