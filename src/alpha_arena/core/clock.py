"""Clocks: code reads the time from an injected clock, never from ``time.time()`` directly."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Return the current time in UTC epoch milliseconds."""
        ...


class WallClock:
    """The real time."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class SimClock:
    """A clock that only moves when told to: backtests and replays step it through history."""

    def __init__(self, start_ms: int) -> None:
        self._now_ms = start_ms

    def now_ms(self) -> int:
        return self._now_ms

    def advance_to(self, ts_ms: int) -> None:
        if ts_ms < self._now_ms:
            raise ValueError(f"a simulated clock cannot move backwards ({ts_ms} < {self._now_ms})")
        self._now_ms = ts_ms
