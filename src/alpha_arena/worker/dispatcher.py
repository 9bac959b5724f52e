"""The scheduler's season dispatcher: every ``ARENA_WORKER_SEASON_POLL_S`` it queues a run of
each running season that no live runner holds (no lease, an expired one, or one whose holder
died on this machine), so that a season started anywhere, or left by a worker that died, is
picked up by the next free worker; the lease keeps a second worker from running it."""

from __future__ import annotations

import logging
import threading

from alpha_arena.seasons.lease import replaceable, this_process
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_leases import SeasonLeases
from alpha_arena.worker.client import WorkerClient

logger = logging.getLogger(__name__)


class SeasonDispatcher:
    def __init__(self, context: AppContext, client: WorkerClient) -> None:
        self._context = context
        self._client = client
        self._leases = SeasonLeases(context.engine)
        self._identity = this_process("arena scheduler")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def dispatch(self) -> list[int]:
        """Queue every running season nobody runs; return those queued now."""
        now = self._context.clock.now_ms()
        queued = []
        for season_id, holder in self._leases.running():
            if holder is not None and not replaceable(holder, self._identity, now):
                continue
            if self._client.queue_season_once(season_id) is not None:
                logger.info("season %d: queued for a worker", season_id)
                queued.append(season_id)
        return queued

    def start(self, every_s: float) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.dispatch()
                except Exception:  # the database or the broker is away for a moment
                    logger.exception("the season dispatcher could not queue running seasons")
                self._stop.wait(every_s)

        self._thread = threading.Thread(target=loop, name="season-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
