"""The exchange's clock: a live season's bars close when the exchange says, not when this
machine's clock (which may be off by seconds, or more) says."""

from __future__ import annotations

import time
from collections.abc import Callable

from alpha_arena.core.clock import Clock


class ExchangeClock:
    """``local`` corrected by its offset from the exchange's server time (``server_time``, epoch
    ms), measured again once ``sync_s`` seconds have passed (0: at every reading)."""

    def __init__(self, server_time: Callable[[], int], local: Clock, sync_s: float) -> None:
        self._server_time = server_time
        self._local = local
        self._sync_s = sync_s
        self._offset = 0
        self._synced_at: float | None = None

    def now_ms(self) -> int:
        if self._synced_at is None or time.monotonic() - self._synced_at >= self._sync_s:
            before = self._local.now_ms()
            server = self._server_time()
            self._offset = server - (before + self._local.now_ms()) // 2
            self._synced_at = time.monotonic()
        return self._local.now_ms() + self._offset
