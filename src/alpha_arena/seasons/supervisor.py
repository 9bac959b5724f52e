"""The embedded runner: inside `arena serve`, every running season is driven in a thread of
its own, so that a season started over HTTP keeps running between requests, and the seasons a
stopped server left running resume when it starts again (the runner re-executes what is
stored and carries on from the first tick not committed).

Only seasons nobody else runs are picked up: a season whose lease another process holds
(`arena season run` in a terminal, another server) is left to it, and taken over only once
that lease expires or its holder died on this machine."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from alpha_arena.core.errors import ArenaError
from alpha_arena.domain.seasons import SeasonConflictError, SeasonStatus
from alpha_arena.seasons.lease import replaceable, this_process
from alpha_arena.seasons.runner import OnCommit, SeasonRunner
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_leases import SeasonLeasedError, SeasonLeases
from alpha_arena.storage.season_store import LeaseLostError, SeasonStore

logger = logging.getLogger(__name__)

ROLE = "arena serve"


class SeasonDrivers(Protocol):
    """What a server needs of whatever drives its running seasons: this module's threads, or
    a child process running them (``seasons.runner_process``)."""

    def start(self) -> None: ...

    def stop(self, timeout_s: float = 10.0) -> None: ...

    def nudge(self) -> None: ...

    def active(self) -> list[int]: ...


class RunnerSupervisor:
    def __init__(
        self,
        context: AppContext,
        poll_s: float = 0.5,
        retry_s: float = 30.0,
        on_commit: OnCommit | None = None,
        on_error: Callable[[int, Exception], None] | None = None,
        on_stop: Callable[[int], None] | None = None,
    ) -> None:
        """``poll_s``: how often new running seasons are looked for (and how quickly a pause
        is noticed). ``retry_s``: how long a season whose runner failed waits before the next
        attempt (a paper season while the exchange is unreachable). ``on_stop``: told when a
        season's runner returns (the season finished, was paused, or the server stops)."""
        self._context = context
        self._store = SeasonStore(context.engine)
        self._leases = SeasonLeases(context.engine)
        self._identity = this_process(ROLE)
        self._poll_s = poll_s
        self._retry_s = retry_s
        self._on_commit = on_commit
        self._on_error = on_error
        self._on_stop = on_stop
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._runners: dict[int, threading.Thread] = {}
        self._retry_at: dict[int, float] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="season-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop every runner; their seasons stay running, to resume on the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        for thread in list(self._runners.values()):
            thread.join(timeout_s)

    def nudge(self) -> None:
        """Look for running seasons now (a season was just started or resumed)."""
        self._retry_at.clear()
        self._wake.set()

    def active(self) -> list[int]:
        """The seasons being driven right now."""
        with self._lock:
            return sorted(sid for sid, thread in self._runners.items() if thread.is_alive())

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self._launch_due()
            except Exception:  # the database was unreachable for a moment: try again
                logger.exception("the season supervisor could not list running seasons")
            self._wake.wait(self._poll_s)
            self._wake.clear()

    def _launch_due(self) -> None:
        now = time.monotonic()
        now_ms = self._context.clock.now_ms()
        for season_id, holder in self._leases.running():
            if holder is not None and not replaceable(holder, self._identity, now_ms):
                continue  # another process runs it
            with self._lock:
                thread = self._runners.get(season_id)
                if thread is not None and thread.is_alive():
                    continue
                if self._retry_at.get(season_id, 0.0) > now:
                    continue
                thread = threading.Thread(
                    target=self._drive, args=(season_id,), name=f"season-{season_id}", daemon=True
                )
                self._runners[season_id] = thread
            thread.start()

    def _drive(self, season_id: int) -> None:
        runner = SeasonRunner(
            self._context, season_id, poll_s=min(self._poll_s, 0.25),
            on_commit=self._on_commit, stop=self._stop, role=ROLE,
        )  # fmt: skip
        try:
            report = runner.run()
            if report.status is SeasonStatus.RUNNING and not self._stop.is_set():
                self._retry_at[season_id] = time.monotonic() + self._poll_s
        except (SeasonConflictError, SeasonLeasedError, LeaseLostError) as error:
            logger.info("season %d: %s", season_id, error)  # paused, ended or run elsewhere
        except Exception as error:
            self._retry_at[season_id] = time.monotonic() + self._retry_s
            if isinstance(error, ArenaError):
                logger.warning("season %d: %s", season_id, error)
                message = f"runner stopped: {error}; retrying in {self._retry_s:.0f} s"
            else:
                logger.exception("season %d: the runner failed", season_id)
                message = f"runner failed ({type(error).__name__}); see the server log"
            try:
                self._store.set_message(season_id, message, self._context.clock.now_ms())
            except Exception:
                logger.exception("season %d: could not record the runner's failure", season_id)
            if self._on_error is not None:
                self._on_error(season_id, error)
        finally:
            if self._on_stop is not None:
                self._on_stop(season_id)
