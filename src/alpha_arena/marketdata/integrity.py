"""Integrity checks over candle and funding series. Pure functions on numpy columns: the same
checks guard incoming batches (before anything is written) and scan what is stored."""

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


#: Problems that make a batch unfit to store (a gap is a fact about the market, not an error).
_REJECTED = frozenset(IssueKind) - {IssueKind.GAP}


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
