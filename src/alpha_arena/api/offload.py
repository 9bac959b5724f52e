"""Computations of a running season's reads in a process of their own.

A running season's leaderboard and equity history are recomputed from every stored row (seconds
for a long season). In a thread of the server that work holds the interpreter lock, and the
event loop, which needs it for every request, starves: a few requests a second where stored
bytes alone serve a thousand. In one worker process the server only waits for the result (a
wait that releases the lock). The worker opens its own connection to the same database."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from alpha_arena.core.settings import Settings

if TYPE_CHECKING:
    from alpha_arena.services.context import AppContext

T = TypeVar("T")

#: How much the worker yields the CPU to the server and the runner (see ``os.nice``).
WORKER_NICENESS = 10
_worker: dict[str, AppContext] = {}  # in the worker: its own context, opened when it starts


class Offload:
    """One worker process (``start`` it early); ``call`` blocks its thread's caller only."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the worker now, so that the first read of a running season does not wait for
        it to import and connect (seconds)."""
        self._started().submit(_in_worker, _nothing)

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """``function(context, *args)`` in the worker, with the worker's own context."""
        return self._started().submit(_in_worker, function, *args).result()

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_open_context, initargs=(self._settings.to_child_json(),),
                )  # fmt: skip
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None


def _open_context(settings_json: str) -> None:
    from alpha_arena.services.context import open_context

    # Recomputing is the least urgent work on the machine: serving and the runner come first.
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    _worker["context"] = open_context(Settings(**json.loads(settings_json)))


def _nothing(_context: AppContext) -> None:
    return None


def _in_worker(function: Callable[..., T], *args: Any) -> T:
    return function(_worker["context"], *args)
