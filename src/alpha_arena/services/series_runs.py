"""Run a series' windows to their end, in parallel: through the workers when a broker is
configured (each window's season is started and queued, then waited for), otherwise in local
processes, each opening its own context and driving one window's season at a time."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from alpha_arena.core.errors import ArenaError, InvalidInputError
from alpha_arena.core.settings import Settings
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus
from alpha_arena.services import seasons
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_store import SeasonStore
from alpha_arena.storage.series_store import SeriesStore

#: The most windows run at once in local processes, whatever ``--parallel`` asks.
MAX_PARALLEL = 32


@dataclass(frozen=True, slots=True)
class WindowRun:
    """How a window's run ended."""

    window: int
    season_id: int
    status: str
    message: str


OnWindow = Callable[[WindowRun, int, int], None]  # (the run, windows done, windows in all)


def local_parallelism(requested: int | None, pending: int) -> int:
    """Processes to use: as asked (default: the CPU count), never more than the windows."""
    if requested is not None and not 1 <= requested <= MAX_PARALLEL:
        raise InvalidInputError(f"--parallel must be 1 to {MAX_PARALLEL}; got {requested}")
    wanted = requested if requested is not None else os.cpu_count() or 1
    return max(1, min(wanted, pending))


def run_series(
    context: AppContext,
    series_id: int,
    parallel: int | None = None,
    on_window: OnWindow | None = None,
    poll_s: float = 1.0,
) -> list[WindowRun]:
    """Run every window not yet finished and wait for all; return how each ended."""
    pending = _pending(context, series_id)
    if context.workers is not None:
        return _on_workers(context, pending, on_window, poll_s)
    return _in_processes(context, pending, local_parallelism(parallel, len(pending)), on_window)


def start_series(context: AppContext, series_id: int) -> list[int]:
    """Start every draft window (a worker, or the server's runner, drives it); return them."""
    started = []
    for _window, season_id in _pending(context, series_id):
        season = SeasonStore(context.engine).get(season_id)
        if season.status is SeasonStatus.DRAFT:
            seasons.transition(context, season_id, SeasonEvent.START)
            started.append(season_id)
    return started


def _pending(context: AppContext, series_id: int) -> list[tuple[int, int]]:
    """(window, season id) of the windows still to run: drafts and running ones."""
    record = SeriesStore(context.engine).get(series_id)
    store = SeasonStore(context.engine)
    runnable = (SeasonStatus.DRAFT, SeasonStatus.RUNNING)
    return [
        (window, season_id)
        for window, season_id in enumerate(record.season_ids, start=1)
        if store.get(season_id).status in runnable
    ]


def _in_processes(
    context: AppContext, pending: list[tuple[int, int]], processes: int, on_window: OnWindow | None
) -> list[WindowRun]:
    runs: list[WindowRun] = []

    def done(run: WindowRun) -> None:
        runs.append(run)
        if on_window is not None:
            on_window(run, len(runs), len(pending))

    if processes == 1:  # no pool to start: this process runs them one after the other
        for window, season_id in pending:
            done(_run_here(context, window, season_id))
        return runs
    settings = context.settings.to_child_json()
    # Spawned, not forked: a fork would copy this process's open database connections.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=spawn) as pool:
        futures: dict[Future[tuple[str, str]], tuple[int, int]] = {
            pool.submit(_run_in_child, settings, season_id): (window, season_id)
            for window, season_id in pending
        }
        waiting = set(futures)
        while waiting:
            finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in finished:
                window, season_id = futures[future]
                try:
                    status, message = future.result()
                except Exception as error:  # a dead child: the window is reported, not lost
                    status, message = "failed", f"{type(error).__name__}: {error}"
                done(WindowRun(window, season_id, status, message))
    runs.sort(key=lambda run: run.window)
    return runs


def _run_here(context: AppContext, window: int, season_id: int) -> WindowRun:
    try:
        report = seasons.run_season(context, season_id)
    except ArenaError as error:
        return WindowRun(window, season_id, "failed", str(error))
    return WindowRun(window, season_id, report.status.value, report.message)


def _run_in_child(settings_json: str, season_id: int) -> tuple[str, str]:
    """A pool process's job: its own context, one window's season driven to its end."""
    from alpha_arena.services.context import open_context

    context = open_context(Settings(**json.loads(settings_json)))
    try:
        run = _run_here(context, 0, season_id)
    finally:
        context.close()
    return run.status, run.message


def _on_workers(
    context: AppContext,
    pending: list[tuple[int, int]],
    on_window: OnWindow | None,
    poll_s: float,
) -> list[WindowRun]:
    store = SeasonStore(context.engine)
    for _window, season_id in pending:
        if store.get(season_id).status is SeasonStatus.DRAFT:
            seasons.transition(context, season_id, SeasonEvent.START)  # queued to a worker
    runs: list[WindowRun] = []
    waiting = dict(pending)
    while waiting:
        for window, season_id in list(waiting.items()):
            season = store.get(season_id)
            if season.status in (SeasonStatus.DRAFT, SeasonStatus.RUNNING):
                continue
            del waiting[window]
            runs.append(WindowRun(window, season_id, season.status.value, season.message))
            if on_window is not None:
                on_window(runs[-1], len(runs), len(pending))
        if waiting:
            time.sleep(poll_s)
    runs.sort(key=lambda run: run.window)
    return runs
