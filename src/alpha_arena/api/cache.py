"""Computed reads (a leaderboard, a downsampled equity history) kept until their season moves.

The key carries the season's version (ticks committed, status, last update), read from the
database on every request, so a runner in another process invalidates it as surely as the
embedded one; a hot endpoint then costs one indexed lookup and a copy of stored bytes.

A key missing from the cache is computed once, in a worker thread: requests asking for it
meanwhile wait for that computation rather than each starting their own (a cold leaderboard
under load would otherwise be computed once per waiting connection)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from starlette.concurrency import run_in_threadpool

#: A running season's answer is recomputed at most once per this many times its last
#: computation (a year-long season's leaderboard takes seconds to compute).
COST_FACTOR = 3.0


class ReadCache:
    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, asyncio.Task[bytes]] = {}
        self._latest: dict[Hashable, tuple[float, bytes]] = {}  # by request, any version
        self._cost: dict[Hashable, float] = {}  # by request: seconds its last computation took
        self._refreshing: set[Hashable] = set()  # requests with a background computation

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: bytes) -> bytes:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return value

    def get_or_compute(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        cached = self.get(key)
        return cached if cached is not None else self.put(key, compute())

    async def get_or_compute_async(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """The stored value, or ``compute()`` run in a worker thread and stored; concurrent
        callers for one key share one computation (a caller cancelled while waiting does not
        cancel it for the others). Call it from the server's event loop only."""
        cached = self.get(key)
        if cached is not None:
            return cached
        task = self._pending.get(key)
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            task = asyncio.ensure_future(self._compute(key, compute))
            task.add_done_callback(_retrieve)
            self._pending[key] = task
        return await asyncio.shield(task)

    async def fetch(
        self, request: Hashable, version: Hashable, compute: Callable[[], bytes],
        max_age_s: float = 0.0,
    ) -> bytes:  # fmt: skip
        """``request`` as of ``version``. With ``max_age_s`` (a running season, which moves
        every few milliseconds; its answers say which tick they are as of), the answer last
        computed for this request, whatever its version, is served as it is: when it is older
        than ``max_age_s`` a computation for ``version`` starts in the background and the next
        requests get its result, so no request waits for a recomputation once one answer
        exists (stale-while-revalidate). An answer that takes long to compute is recomputed
        less often: at most once per ``COST_FACTOR`` times its last computation, so that
        recomputing never takes more than about a third of the server's time."""
        timed = self._timed(request, compute)
        if max_age_s > 0:
            latest = self._latest.get(request)
            if latest is not None:
                age_limit = max(max_age_s, COST_FACTOR * self._cost.get(request, 0.0))
                if time.monotonic() - latest[0] > age_limit:
                    self._refresh(request, version, timed)
                return latest[1]
        return self._remember(request, await self.get_or_compute_async((request, version), timed))

    def _timed(self, request: Hashable, compute: Callable[[], bytes]) -> Callable[[], bytes]:
        def timed() -> bytes:
            started = time.monotonic()
            body = compute()
            self._cost[request] = time.monotonic() - started
            if len(self._cost) > self._capacity:
                self._cost.pop(next(iter(self._cost)), None)
            return body

        return timed

    def _refresh(self, request: Hashable, version: Hashable, compute: Callable[[], bytes]) -> None:
        if request in self._refreshing:
            return  # one background computation per request at a time, whatever the version
        key = (request, version)
        cached = self.get(key)
        if cached is not None:
            self._remember(request, cached)
            return
        self._refreshing.add(request)
        task = asyncio.ensure_future(self._compute(key, compute))
        self._pending[key] = task

        def done(task: asyncio.Task[bytes]) -> None:
            self._refreshing.discard(request)
            if not task.cancelled() and task.exception() is None:
                self._remember(request, task.result())

        task.add_done_callback(done)

    def _remember(self, request: Hashable, body: bytes) -> bytes:
        self._latest[request] = (time.monotonic(), body)
        if len(self._latest) > self._capacity:
            self._latest.pop(next(iter(self._latest)))
        return body

    async def _compute(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        try:
            return self.put(key, await run_in_threadpool(compute))
        finally:
            if self._pending.get(key) is asyncio.current_task():
                del self._pending[key]


def _retrieve(task: asyncio.Task[bytes]) -> None:
    """Mark a failure as seen even when every caller went away (no 'never retrieved' log)."""
    if not task.cancelled():
        task.exception()
