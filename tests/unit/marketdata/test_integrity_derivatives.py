"""Integrity checks of open interest and long/short ratio series, on hand-built columns."""

from __future__ import annotations

import numpy as np

from alpha_arena.core.time import HOUR_MS
from alpha_arena.marketdata.integrity import IssueKind, long_short_issues, open_interest_issues

NAN = float("nan")


def hours(*offsets: int) -> np.ndarray:
    return np.array([offset * HOUR_MS for offset in offsets], dtype=np.int64)


def floats(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def test_a_clean_open_interest_series_has_no_issue() -> None:
    ts = hours(0, 1, 2)
    assert open_interest_issues(ts, floats(100, 105, 98), floats(NAN, NAN, NAN), HOUR_MS) == []


def test_open_interest_gaps_duplicates_and_bad_values_are_each_named() -> None:
    ts = hours(0, 1, 1, 2, 5, 6)
    amount = floats(100, 100, 100, 0, 50, 600)  # 0 at hour 2; 50 -> 600 is twelve times
    issues = open_interest_issues(ts, amount, floats(*[NAN] * 6), HOUR_MS)

    assert {(i.kind, i.ts_start, i.ts_end, i.count) for i in issues} == {
        (IssueKind.DUPLICATE, HOUR_MS, HOUR_MS, 2),
        (IssueKind.NON_POSITIVE_VALUE, 2 * HOUR_MS, 2 * HOUR_MS, 1),
        (IssueKind.GAP, 3 * HOUR_MS, 4 * HOUR_MS, 2),
        (IssueKind.ABSURD_VALUE, 6 * HOUR_MS, 6 * HOUR_MS, 1),
    }


def test_open_interest_published_as_value_only_is_checked_on_the_value() -> None:
    issues = open_interest_issues(hours(0, 1), floats(NAN, NAN), floats(1e9, 1e7), HOUR_MS)
    assert [(i.kind, i.ts_start) for i in issues] == [(IssueKind.ABSURD_VALUE, HOUR_MS)]


def test_ratios_without_shares_are_checked_on_the_ratio_only() -> None:
    ts = hours(0, 1, 2)
    issues = long_short_issues(ts, floats(0.9, -1, 1.2), floats(NAN, NAN, NAN),
                               floats(NAN, NAN, NAN), HOUR_MS)  # fmt: skip
    assert [(i.kind, i.ts_start) for i in issues] == [(IssueKind.NON_POSITIVE_VALUE, HOUR_MS)]


def test_shares_that_do_not_add_up_or_disagree_with_the_ratio_are_absurd() -> None:
    ts = hours(0, 1, 2, 3)
    ratio = floats(0.8868, 0.8868, 2.0, 1.0)
    long_share = floats(0.47, 0.60, 0.47, 1.2)  # hour 1 sums to 1.13; hour 3 is above 1
    short_share = floats(0.53, 0.53, 0.53, -0.2)  # hour 2: 0.47 / 0.53 is not 2.0
    issues = long_short_issues(ts, ratio, long_share, short_share, HOUR_MS)

    assert [(i.kind, i.ts_start, i.count) for i in issues] == [(IssueKind.ABSURD_VALUE, HOUR_MS, 3)]
