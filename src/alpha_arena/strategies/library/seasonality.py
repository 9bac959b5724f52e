"""Seasonality: hold a position only in chosen UTC hours and weekdays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import timeframe_ms
from alpha_arena.domain.market import FloatArray, IntArray
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams
from alpha_arena.strategies.library.signals import side

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DIRECTIONS = ("long", "short")


@dataclass(frozen=True, slots=True)
class SeasonalityParams(StrategyParams):
    hours: str = "13-20"
    weekdays: str = "mon-fri"
    direction: str = "long"

    def __post_init__(self) -> None:
        hour_set(self.hours)
        weekday_set(self.weekdays)
        if self.direction not in DIRECTIONS:
            raise InvalidInputError(f"direction must be long or short, got {self.direction!r}")


class Seasonality(Strategy):
    """Hold a position only in chosen UTC hours of chosen weekdays, flat otherwise.

    The target of a bar takes effect when that bar closes (the next bar's open), so a bar's
    target is `direction` (long or short) when its close time, in UTC, falls in one of `hours`
    on one of `weekdays`, and flat otherwise: with hours 13-20 the position is held from 13:00
    to 21:00 UTC. hours: comma-separated hours 0-23 or inclusive ranges (13-20; 22-2 wraps
    past midnight); weekdays: names (mon, tuesday) or numbers 0-6 with 0 = Monday, ranges
    allowed (mon-fri, 5-6)."""

    name = "seasonality"
    params_type = SeasonalityParams
    params: SeasonalityParams

    def targets(self, data: StrategyInput) -> FloatArray:
        hours, weekdays = self._cached(data, self._calendar)
        inside = np.isin(hours, sorted(hour_set(self.params.hours))) & np.isin(
            weekdays, sorted(weekday_set(self.params.weekdays))
        )
        value = 1.0 if self.params.direction == "long" else -1.0
        return np.where(inside, value, 0.0).astype(np.float64)

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        hours, weekdays = self._calendar(data)
        at = f"{WEEKDAYS[weekdays[index]]} {hours[index]:02d}:00 UTC"
        window = f"hours {self.params.hours} on {self.params.weekdays}"
        where = "inside" if targets[index] != 0 else "outside"
        return f"{self.name}: bar closes {at}, {where} {window} -> {side(targets[index])}"

    def _calendar(self, data: StrategyInput) -> tuple[IntArray, IntArray]:
        """The UTC hour and weekday (0 = Monday) of every bar's close."""
        closes = data.candles.ts + timeframe_ms(data.timeframe)
        hours = (closes // HOUR_MS) % 24
        weekdays = (closes // DAY_MS + 3) % 7  # 1970-01-01 was a Thursday
        return hours.astype(np.int64), weekdays.astype(np.int64)


def hour_set(text: str) -> frozenset[int]:
    """Parse ``13-20,2`` into hours; a range ``22-2`` wraps past midnight."""
    return _spec("hours", text, 24, _hour)


def weekday_set(text: str) -> frozenset[int]:
    """Parse ``mon-fri`` or ``0,6`` into weekdays, 0 = Monday."""
    return _spec("weekdays", text, 7, _weekday)


def _spec(name: str, text: object, size: int, item: Callable[[str], int | None]) -> frozenset[int]:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"{name} must name at least one value, got {text!r}")
    chosen: set[int] = set()
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        start = _parse_item(name, first, text, item)
        stop = _parse_item(name, last, text, item) if dash else start
        chosen.update((start + step) % size for step in range((stop - start) % size + 1))
    return frozenset(chosen)


def _parse_item(name: str, word: str, text: str, item: Callable[[str], int | None]) -> int:
    value = item(word.strip().lower())
    if value is None:
        accepted = "an hour 0-23" if name == "hours" else "a weekday (mon..sun or 0-6)"
        raise InvalidInputError(f"{name}: {word.strip()!r} in {text!r} is not {accepted}")
    return value


def _hour(word: str) -> int | None:
    return int(word) if word.isdigit() and int(word) < 24 else None


def _weekday(word: str) -> int | None:
    if word.isdigit():
        return int(word) if int(word) < 7 else None
    if word in WEEKDAYS:
        return WEEKDAYS.index(word)
    return _FULL_NAMES.index(word) if word in _FULL_NAMES else None
