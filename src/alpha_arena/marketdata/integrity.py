"""Integrity checks over candle, funding and derivatives statistics series. Pure functions on
numpy columns: the same checks guard incoming batches (before anything is written) and scan what
is stored."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from alpha_arena.core.errors import DataIntegrityError
from alpha_arena.core.time import to_iso
from alpha_arena.domain.market import Candles, FundingRates


class IssueKind(StrEnum):
    GAP = "gap"
    DUPLICATE = "duplicate"
    NON_MONOTONIC = "non_monotonic"
    MISALIGNED = "misaligned"
    NAN = "nan"
    NON_POSITIVE_PRICE = "non_positive_price"
    OHLC_VIOLATION = "ohlc_violation"
    NEGATIVE_VOLUME = "negative_volume"
    NON_POSITIVE_VALUE = "non_positive_value"
    ABSURD_VALUE = "absurd_value"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem: ``count`` bars (or missing bars, for a gap) from ``ts_start`` to ``ts_end``."""

    kind: IssueKind
    ts_start: int
    ts_end: int
    count: int
    detail: str

    def describe(self) -> str:
        span = to_iso(self.ts_start)
        if self.ts_end != self.ts_start:
            span += f"..{to_iso(self.ts_end)}"
        return f"{self.kind.value} at {span} ({self.count}): {self.detail}"


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Return (first, last) index pairs of consecutive True runs in a boolean mask."""
    if not mask.any():
        return []
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [
        (int(start), int(stop) - 1) for start, stop in zip(edges[::2], edges[1::2], strict=True)
    ]


def _row_issues(ts: np.ndarray, mask: np.ndarray, kind: IssueKind, detail: str) -> list[Issue]:
    return [
        Issue(kind, int(ts[first]), int(ts[last]), last - first + 1, detail)
        for first, last in _runs(mask)
    ]


def time_issues(ts: np.ndarray, step_ms: int) -> list[Issue]:
    """Gaps, duplicates, backwards steps and timestamps off the bar grid."""
    issues: list[Issue] = []
    if len(ts) == 0:
        return issues
    issues += _row_issues(
        ts, ts % step_ms != 0, IssueKind.MISALIGNED, f"not on the {step_ms} ms grid"
    )
    steps = np.diff(ts)
    for index in np.flatnonzero(steps == 0):
        issues.append(
            Issue(IssueKind.DUPLICATE, int(ts[index]), int(ts[index]), 2, "same open time twice")
        )
    for index in np.flatnonzero(steps < 0):
        issues.append(
            Issue(
                IssueKind.NON_MONOTONIC,
                int(ts[index]),
                int(ts[index + 1]),
                1,
                "open time goes backwards",
            )
        )
    # Gaps are counted on the bar grid: an off-grid bar is misaligned and fills no slot (else
    # it would show up as a "gap" of zero bars whose end lies before its start).
    aligned = ts[ts % step_ms == 0]
    aligned_steps = np.diff(aligned)
    for index in np.flatnonzero(aligned_steps > step_ms):
        missing = int(aligned_steps[index] // step_ms) - 1
        first_missing = int(aligned[index]) + step_ms
        last_missing = int(aligned[index + 1]) - step_ms
        issues.append(
            Issue(IssueKind.GAP, first_missing, last_missing, missing, _missing_text(missing))
        )
    return issues


def _missing_text(missing: int) -> str:
    return f"{missing} bar missing" if missing == 1 else f"{missing} bars missing"


def candle_issues(candles: Candles, step_ms: int) -> list[Issue]:
    """Every integrity problem in a candle series, in time order within each kind."""
    ts = candles.ts
    prices = np.vstack([candles.open, candles.high, candles.low, candles.close])
    issues = time_issues(ts, step_ms)
    nan = np.asarray(np.isnan(prices).any(axis=0) | np.isnan(candles.volume))
    issues += _row_issues(ts, nan, IssueKind.NAN, "NaN in a price or the volume")
    with np.errstate(invalid="ignore"):
        issues += _row_issues(
            ts, np.asarray((prices <= 0).any(axis=0)), IssueKind.NON_POSITIVE_PRICE, "price <= 0"
        )
        broken = (
            (candles.high < np.maximum(candles.open, candles.close))
            | (candles.low > np.minimum(candles.open, candles.close))
            | (candles.high < candles.low)
        )
        issues += _row_issues(
            ts, broken, IssueKind.OHLC_VIOLATION, "high below open/close or low above them"
        )
        issues += _row_issues(ts, candles.volume < 0, IssueKind.NEGATIVE_VOLUME, "volume < 0")
    return issues


def funding_issues(funding: FundingRates, step_ms: int) -> list[Issue]:
    issues = time_issues(funding.ts, step_ms)
    issues += _row_issues(funding.ts, np.isnan(funding.rate), IssueKind.NAN, "NaN funding rate")
    return issues


#: Open interest moving by more than this factor between two readings is a glitch, not a market.
OPEN_INTEREST_JUMP = 10.0
#: Published account shares must sum to 1 and agree with the ratio within this (rounding).
SHARE_TOLERANCE = 0.01


def open_interest_issues(
    ts: np.ndarray, amount: np.ndarray, value: np.ndarray, step_ms: int
) -> list[Issue]:
    """Gaps and duplicates on the period grid, readings <= 0, and jumps by more than
    OPEN_INTEREST_JUMP times from one reading to the next. NaN marks what was not published."""
    issues = time_issues(ts, step_ms)
    with np.errstate(invalid="ignore", divide="ignore"):
        issues += _row_issues(
            ts, (amount <= 0) | (value <= 0), IssueKind.NON_POSITIVE_VALUE, "open interest <= 0"
        )
        level = np.where(np.isnan(amount), value, amount)
        jump = np.zeros(len(ts), dtype=bool)
        if len(ts) > 1:
            change = level[1:] / level[:-1]
            jump[1:] = (
                (level[:-1] > 0)
                & (level[1:] > 0)
                & ((change > OPEN_INTEREST_JUMP) | (change < 1 / OPEN_INTEREST_JUMP))
            )
        issues += _row_issues(
            ts, jump, IssueKind.ABSURD_VALUE,
            f"open interest moved more than {OPEN_INTEREST_JUMP:g}x from the reading before",
        )  # fmt: skip
    return issues


def long_short_issues(
    ts: np.ndarray,
    ratio: np.ndarray,
    long_share: np.ndarray,
    short_share: np.ndarray,
    step_ms: int,
) -> list[Issue]:
    """Gaps and duplicates on the period grid, ratios <= 0, and published shares outside
    [0, 1], not summing to 1 or disagreeing with the ratio. NaN shares were not published."""
    issues = time_issues(ts, step_ms)
    with np.errstate(invalid="ignore", divide="ignore"):
        issues += _row_issues(ts, ratio <= 0, IssueKind.NON_POSITIVE_VALUE, "ratio <= 0")
        outside = (long_share < 0) | (long_share > 1) | (short_share < 0) | (short_share > 1)
        unbalanced = np.abs(long_share + short_share - 1) > SHARE_TOLERANCE
        disagree = (short_share > 0) & (
            np.abs(long_share / short_share - ratio) > SHARE_TOLERANCE * np.maximum(ratio, 1)
        )
        issues += _row_issues(
            ts, outside | unbalanced | disagree, IssueKind.ABSURD_VALUE,
            "long and short shares outside [0, 1], not summing to 1 or not matching the ratio",
        )  # fmt: skip
    return issues


#: Kinds only the statistics scans report (a candle's bad price is NON_POSITIVE_PRICE).
STATISTICS_KINDS = frozenset({IssueKind.NON_POSITIVE_VALUE, IssueKind.ABSURD_VALUE})
#: Problems that make a batch unfit to store (a gap is a fact about the market, not an error).
_REJECTED = frozenset(IssueKind) - {IssueKind.GAP} - STATISTICS_KINDS


def validate_candles(candles: Candles, step_ms: int, source: str) -> None:
    """Raise DataIntegrityError naming the first problem that forbids storing the batch."""
    for issue in candle_issues(candles, step_ms):
        if issue.kind in _REJECTED:
            raise DataIntegrityError(f"{source}: rejected, {issue.describe()}")


def validate_funding(funding: FundingRates, source: str) -> None:
    """Funding cadence varies by exchange, so only order, duplicates and values are checked."""
    for issue in time_issues(funding.ts, 1):
        if issue.kind in (IssueKind.DUPLICATE, IssueKind.NON_MONOTONIC):
            raise DataIntegrityError(f"{source}: rejected, {issue.describe()}")
    bad = ~np.isfinite(funding.rate) | (np.abs(funding.rate) >= 1)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise DataIntegrityError(
            f"{source}: rejected, funding rate {float(funding.rate[index])!r} "
            f"at {to_iso(int(funding.ts[index]))}"
        )
