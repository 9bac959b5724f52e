"""What a worker process keeps: its application context, opened on first use inside the
process that runs tasks (never inherited across a fork), and the event that stops its season
runners when the worker shuts down.

A warm shutdown of a worker (SIGTERM, one Ctrl-C) waits for its running tasks; a season's task
runs until the season ends, so the worker tells its pool's processes to stop their runners:
each returns after its current tick, releasing the season's lease, and the scheduler hands
the season to another worker. A second SIGTERM ends such a process at once (the runner is safe
against that too: the next one re-executes what is stored)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

from celery import signals

from alpha_arena.core.settings import Settings
from alpha_arena.services.context import AppContext, open_context

logger = logging.getLogger(__name__)

#: Set when this process should stop its season runners.
STOP = threading.Event()

_context: AppContext | None = None
_lock = threading.Lock()


def context() -> AppContext:
    """This process's context (database engine and stores), opened on first use."""
    global _context  # noqa: PLW0603 - one per process, by design
    with _lock:
        if _context is None:
            _context = open_context(Settings())
        return _context


def _stop_runners(signum: int, _frame: FrameType | None) -> None:
    if STOP.is_set():  # asked twice: stop now
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    STOP.set()


def stop_runners_on_sigterm() -> None:
    """Make SIGTERM stop this pool process's season runners (call it as a season's task
    starts: the pool installs its own handler after a process starts)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_runners)


@signals.worker_process_shutdown.connect
def _close_context(**_: Any) -> None:
    global _context  # noqa: PLW0603
    with _lock:
        if _context is not None:
            _context.close()
            _context = None


@signals.worker_shutting_down.connect
def _stop_pool_runners(**_: Any) -> None:
    STOP.set()  # a solo or threads pool runs tasks in this very process
    import billiard.process

    for child in billiard.process.active_children():
        if child.pid is not None:
            try:
                os.kill(child.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
