"""Time in Alpha Arena is an ``int`` of UTC epoch milliseconds; this module is the only place
that turns it into and out of datetimes (always timezone-aware)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from alpha_arena.core.errors import InvalidInputError

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNIT_MS = {"m": MINUTE_MS, "h": HOUR_MS, "d": DAY_MS}
_TIMEFRAME_RE = re.compile(r"^([1-9][0-9]*)([mhd])$")

#: Timeframes the platform stores and resamples; every exchange we ingest from offers them.
#: Bars align to multiples of their length from the epoch; weekly bars are left out because
#: exchanges open them on Mondays while the epoch fell on a Thursday.
SUPPORTED_TIMEFRAMES = ("1m", "5m", "15m", "30m", "1h", "2h", "4h", "8h", "12h", "1d")


def timeframe_ms(timeframe: str) -> int:
    """Return the length of a timeframe such as ``15m``, ``1h`` or ``1d`` in milliseconds."""
    if timeframe not in SUPPORTED_TIMEFRAMES:
        raise InvalidInputError(
            f"unknown timeframe {timeframe!r}; accepted: {', '.join(SUPPORTED_TIMEFRAMES)}"
        )
    match = _TIMEFRAME_RE.match(timeframe)
    assert match is not None  # every supported timeframe matches
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def to_datetime(ts_ms: int) -> datetime:
    """Return the aware UTC datetime of an epoch-millisecond timestamp."""
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)


def to_iso(ts_ms: int) -> str:
    """Return ``2024-01-01T00:00:00Z`` for an epoch-millisecond timestamp."""
    return to_datetime(ts_ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_datetime(moment: datetime) -> int:
    """Return epoch milliseconds of an aware datetime (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Integer arithmetic: float seconds * 1000 truncates some whole milliseconds to ms - 1.
    return (moment - _EPOCH) // timedelta(milliseconds=1)


_FIRST_YEAR_MS = 0
_PAST_YEAR_9999_MS = 253_402_300_800_000  # 10000-01-01T00:00Z


def parse_ts(text: str) -> int:
    """Parse ``2024-01-01``, ``2024-01-01T12:00`` or a full ISO-8601 string into epoch ms (UTC)."""
    cleaned = text.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInputError(
            f"cannot read {text!r} as a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)"
        ) from None
    ts = from_datetime(moment)
    if not _FIRST_YEAR_MS <= ts < _PAST_YEAR_9999_MS:  # an offset can push it out of range
        raise InvalidInputError(f"{text!r} is outside the years 1970 to 9999 (UTC)")
    return ts


def floor_ts(ts_ms: int, step_ms: int) -> int:
    """Round a timestamp down to the start of its bar."""
    return ts_ms - ts_ms % step_ms
