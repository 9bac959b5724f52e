"""Computed reads (a leaderboard, a downsampled equity history) kept until their season moves.

The key carries the season's version (ticks committed, status, last update), read from the
database on every request, so a runner in another process invalidates it as surely as the
embedded one; a hot endpoint then costs one indexed lookup and a copy of stored bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class ReadCache:
    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

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
