"""The last failures the server saw (HTTP 5xx and season runner errors), kept in memory for the
system page: the ``arena_errors`` counter says how many, this says what they were.

A message is cut to its first line and redacted before it is kept (a provider's error can echo
its key; a database error carries its SQL on the lines after the first)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from alpha_arena.core.redact import redact

if TYPE_CHECKING:
    from alpha_arena.api.state import ApiState

#: How many failures are kept; older ones are dropped.
KEPT = 200
MAX_MESSAGE = 500


@dataclass(frozen=True, slots=True)
class RecordedError:
    ts: int  # epoch ms
    kind: str  # http_500, http_502, runner...
    error_type: str  # the exception's class name
    message: str  # one line, redacted
    where: str | None  # "GET /api/v1/seasons", or None
    season_id: int | None


def error_type(error: BaseException) -> str:
    """The failure's class name; for a runner in another process, the class it had there."""
    return str(getattr(error, "error_type", type(error).__name__))


class RecentErrors:
    """A thread-safe ring of the newest failures (the runner records from its own threads)."""

    def __init__(self, size: int = KEPT) -> None:
        self._items: deque[RecordedError] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._total = 0

    def record(
        self,
        kind: str,
        error: BaseException,
        where: str | None = None,
        season_id: int | None = None,
        secrets: tuple[str | None, ...] = (),
    ) -> RecordedError:
        lines = str(error).strip().splitlines()
        message = redact(lines[0] if lines else "", secrets)[:MAX_MESSAGE]
        item = RecordedError(
            ts=int(time.time() * 1000), kind=kind, error_type=error_type(error),
            message=message, where=where, season_id=season_id,
        )  # fmt: skip
        with self._lock:
            self._items.append(item)
            self._total += 1
        return item

    def newest(self, limit: int) -> list[RecordedError]:
        """The newest ``limit`` failures, newest first."""
        with self._lock:
            return list(reversed(self._items))[:limit]

    @property
    def size(self) -> int:
        """How many of the newest failures are kept."""
        return self._items.maxlen or 0

    @property
    def total(self) -> int:
        """Failures recorded since the server started (including those dropped)."""
        with self._lock:
            return self._total


def record_error(
    state: ApiState,
    kind: str,
    error: BaseException,
    where: str | None = None,
    season_id: int | None = None,
) -> None:
    """Keep ``error`` in the server's recent failures, the API token redacted too."""
    token = state.settings.api_token
    secret = None if token is None else token.get_secret_value()
    state.errors.record(kind, error, where, season_id, (secret,))
