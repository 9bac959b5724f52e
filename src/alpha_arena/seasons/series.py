"""A season series: one pinned lineup over K replay windows, and what its rankings say
together.

The windows are consecutive calendar months (walk-forward), K random windows of one length
inside the stored history (seeded, so a series can be planned again identically), or the same
window K times (only LLM agents can differ between repeats: rule agents are deterministic).
The aggregate recombines the windows' leaderboards: each entry's mean and median rank, how
often it took each place, P(ranked first), the spread of its returns, its total LLM cost, and
Kendall's W for how much the windows agree on the ranking."""

from __future__ import annotations

import random
import re
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from alpha_arena.analytics.ranks import kendalls_w, place_shares, tied_ranks
from alpha_arena.core.errors import DataIntegrityError, InvalidInputError
from alpha_arena.core.time import DAY_MS, HOUR_MS, from_datetime, to_datetime, to_iso

#: A series of one window is a season; more than this many is a typo more often than a plan.
MIN_WINDOWS = 2
MAX_WINDOWS = 120
#: Agent kinds whose decisions follow from the market alone: their repeats are identical.
DETERMINISTIC_KINDS = frozenset({"strategy", "portfolio"})


class SeriesKind(StrEnum):
    CONSECUTIVE = "consecutive"  # K calendar months in a row
    RANDOM = "random"  # K windows of one length at seeded random starts
    REPEAT = "repeat"  # the same window K times


@dataclass(frozen=True, slots=True)
class Window:
    index: int  # 1..K, in order of start
    start: int
    end: int  # exclusive


@dataclass(frozen=True, slots=True)
class DataSpan:
    """Where every coin of the series has bars: [start, end)."""

    start: int
    end: int


def require_window_count(count: int) -> None:
    if not MIN_WINDOWS <= count <= MAX_WINDOWS:
        raise InvalidInputError(f"a series has {MIN_WINDOWS} to {MAX_WINDOWS} windows; got {count}")


def month_start(ts: int) -> int:
    """The start (00:00 UTC on the 1st) of the calendar month holding ``ts``."""
    moment = to_datetime(ts)
    return from_datetime(moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def add_months(ts: int, months: int) -> int:
    """The start of the month ``months`` after the month starting at ``ts``."""
    moment = to_datetime(month_start(ts))
    index = moment.year * 12 + moment.month - 1 + months
    return from_datetime(moment.replace(year=index // 12, month=index % 12 + 1))


def monthly_windows(count: int, span: DataSpan, first: int | None = None) -> list[Window]:
    """``count`` calendar months in a row from the month starting at ``first`` (a month's
    first day), or the last ``count`` whole months of the data."""
    require_window_count(count)
    if first is None:  # the month the data ends in is whole only if it ends at its start
        first = add_months(month_start(span.end), -count)
    elif first != month_start(first):
        raise InvalidInputError(
            f"--from {to_iso(first)[:10]}: monthly windows start on a month's first day, "
            f"e.g. {to_iso(add_months(first, 1))[:10]}"
        )
    windows = [
        Window(index + 1, add_months(first, index), add_months(first, index + 1))
        for index in range(count)
    ]
    require_inside(windows, span)
    return windows


def random_windows(
    count: int, length_ms: int, seed: int, span: DataSpan, step_ms: int
) -> list[Window]:
    """``count`` windows of ``length_ms`` starting at bar boundaries drawn with ``seed``
    uniformly from where a whole window fits in the data; numbered in order of start."""
    require_window_count(count)
    if length_ms <= 0 or length_ms % step_ms:
        raise InvalidInputError("--length must be a whole number of the series' bars")
    first = -(-span.start // step_ms) * step_ms
    slots = (span.end - length_ms - first) // step_ms + 1
    if slots < 1:
        raise InvalidInputError(
            f"a {length_ms // DAY_MS}-day window does not fit in the data "
            f"({to_iso(span.start)[:10]} to {to_iso(span.end)[:10]})"
        )
    draw = random.Random(seed)
    starts = sorted(first + draw.randrange(slots) * step_ms for _ in range(count))
    return [Window(index + 1, start, start + length_ms) for index, start in enumerate(starts)]


def repeat_windows(count: int, start: int, end: int, span: DataSpan) -> list[Window]:
    require_window_count(count)
    if end <= start:
        raise InvalidInputError("--end must be after --start")
    windows = [Window(index + 1, start, end) for index in range(count)]
    require_inside(windows, span)
    return windows


def require_inside(windows: Sequence[Window], span: DataSpan) -> None:
    outside = [window for window in windows if window.start < span.start or window.end > span.end]
    if outside:
        first = outside[0]
        raise InvalidInputError(
            f"window {first.index} ({to_iso(first.start)[:10]} to {to_iso(first.end)[:10]}) "
            f"lies outside the data every coin has ({to_iso(span.start)} to "
            f"{to_iso(span.end)})"
        )


_LENGTH = re.compile(r"^([1-9][0-9]{0,4})([hdw])$")


def parse_length(text: str) -> int:
    """``30d``, ``12h`` or ``2w`` in milliseconds."""
    match = _LENGTH.match(text.strip().lower())
    if match is None:
        raise InvalidInputError(f"--length {text!r}: expected a length such as 30d, 72h or 2w")
    unit = {"h": HOUR_MS, "d": DAY_MS, "w": 7 * DAY_MS}[match.group(2)]
    return int(match.group(1)) * unit


# -- the aggregate ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WindowRow:
    """One entry's result in one window, as its leaderboard has it."""

    name: str
    kind: str
    baseline: bool
    account_value: float
    return_pct: float
    llm_cost_usd: float | None


@dataclass(frozen=True, slots=True)
class WindowResult:
    window: int
    season_id: int
    rows: tuple[WindowRow, ...]


@dataclass(frozen=True, slots=True)
class EntryAggregate:
    name: str
    kind: str
    baseline: bool
    deterministic: bool  # a rule agent or baseline: the same window gives the same result
    mean_rank: float
    median_rank: float
    rank_counts: list[float]  # windows at place 1, 2, ...; ties share their places
    p_first: float  # the share of windows ranked first (ties share)
    return_mean_pct: float
    return_std_pct: float | None  # sample standard deviation; None for one window
    return_min_pct: float
    return_median_pct: float
    return_max_pct: float
    llm_cost_usd: float | None  # the sum over windows; None: some call's price is unknown
    ranks: list[float]  # per finished window, in window order


@dataclass(frozen=True, slots=True)
class SeriesAggregate:
    windows: int  # finished windows aggregated
    entries: list[EntryAggregate]  # by mean rank, best first
    kendalls_w: float | None  # None: fewer than two windows or entries

    def as_dict(self) -> dict[str, Any]:
        return {
            "windows": self.windows,
            "kendalls_w": self.kendalls_w,
            "entries": [asdict(entry) for entry in self.entries],
        }


def aggregate(results: Sequence[WindowResult]) -> SeriesAggregate:
    """Recombine the windows' leaderboards. Within a window entries rank by account value
    (the leaderboard's order); equal values share their places."""
    if not results:
        return SeriesAggregate(0, [], None)
    names = [row.name for row in results[0].rows]
    for result in results[1:]:
        if sorted(row.name for row in result.rows) != sorted(names):
            raise DataIntegrityError(
                f"season {result.season_id} (window {result.window}) has another lineup than "
                f"season {results[0].season_id}"
            )
    by_name = [{row.name: row for row in result.rows} for result in results]
    rank_table = [tied_ranks([rows[name].account_value for name in names]) for rows in by_name]
    shares = [place_shares(ranks) for ranks in rank_table]
    entries = []
    for position, name in enumerate(names):
        first = by_name[0][name]
        ranks = [ranks[position] for ranks in rank_table]
        counts = [0.0] * len(names)
        for window_shares in shares:
            for place, share in window_shares[position].items():
                counts[place - 1] += share
        returns = [rows[name].return_pct for rows in by_name]
        costs = [rows[name].llm_cost_usd for rows in by_name]
        entries.append(
            EntryAggregate(
                name=name, kind=first.kind, baseline=first.baseline,
                deterministic=first.kind in DETERMINISTIC_KINDS,
                mean_rank=statistics.fmean(ranks), median_rank=statistics.median(ranks),
                rank_counts=counts, p_first=counts[0] / len(results),
                return_mean_pct=statistics.fmean(returns),
                return_std_pct=statistics.stdev(returns) if len(returns) > 1 else None,
                return_min_pct=min(returns), return_median_pct=statistics.median(returns),
                return_max_pct=max(returns),
                llm_cost_usd=None if None in costs else sum(c for c in costs if c is not None),
                ranks=ranks,
            )
        )  # fmt: skip
    entries.sort(key=lambda entry: (entry.mean_rank, entry.name))
    return SeriesAggregate(len(results), entries, kendalls_w(rank_table))
