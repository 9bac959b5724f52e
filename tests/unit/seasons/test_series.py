"""Planning a series' windows (calendar months, seeded random windows, repeats) and the
aggregate of its windows' rankings."""

from __future__ import annotations

import itertools

import pytest

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import DAY_MS, HOUR_MS, parse_ts
from alpha_arena.seasons.series import (
    DataSpan,
    WindowResult,
    WindowRow,
    aggregate,
    monthly_windows,
    parse_length,
    random_windows,
    repeat_windows,
)

SPAN = DataSpan(parse_ts("2024-01-01"), parse_ts("2026-02-19T18:00"))


def test_the_default_monthly_windows_are_the_last_whole_months_of_the_data() -> None:
    windows = monthly_windows(12, SPAN)
    assert [(w.index, w.start, w.end) for w in windows[:2]] == [
        (1, parse_ts("2025-02-01"), parse_ts("2025-03-01")),
        (2, parse_ts("2025-03-01"), parse_ts("2025-04-01")),
    ]
    assert windows[-1].end == parse_ts("2026-02-01")
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))


def test_monthly_windows_from_a_month_cross_the_year() -> None:
    windows = monthly_windows(3, SPAN, parse_ts("2024-11-01"))
    assert [w.start for w in windows] == [parse_ts(d) for d in ("2024-11-01", "2024-12-01",
                                                                  "2025-01-01")]  # fmt: skip
    assert windows[-1].end == parse_ts("2025-02-01")


def test_monthly_windows_refuse_a_start_off_a_month_and_months_past_the_data() -> None:
    with pytest.raises(InvalidInputError, match="month's first day"):
        monthly_windows(3, SPAN, parse_ts("2024-11-15"))
    with pytest.raises(InvalidInputError, match=r"window 3 .* outside the data"):
        monthly_windows(3, SPAN, parse_ts("2025-12-01"))
    with pytest.raises(InvalidInputError, match="outside the data"):
        monthly_windows(40, SPAN)


@pytest.mark.parametrize("count", [0, 1, -3, 121])
def test_a_series_has_two_to_120_windows(count: int) -> None:
    with pytest.raises(InvalidInputError, match="2 to 120 windows; got"):
        monthly_windows(count, SPAN)


def test_random_windows_are_seeded_on_bar_boundaries_inside_the_data() -> None:
    first = random_windows(8, 30 * DAY_MS, 7, SPAN, 4 * HOUR_MS)
    assert first == random_windows(8, 30 * DAY_MS, 7, SPAN, 4 * HOUR_MS)
    assert first != random_windows(8, 30 * DAY_MS, 8, SPAN, 4 * HOUR_MS)
    assert [w.start for w in first] == sorted(w.start for w in first)
    for window in first:
        assert window.start % (4 * HOUR_MS) == 0 and window.end - window.start == 30 * DAY_MS
        assert SPAN.start <= window.start and window.end <= SPAN.end


def test_random_windows_refuse_a_length_longer_than_the_data_or_off_the_bars() -> None:
    with pytest.raises(InvalidInputError, match="does not fit"):
        random_windows(3, 1000 * DAY_MS, 1, SPAN, HOUR_MS)
    with pytest.raises(InvalidInputError, match="whole number of the series' bars"):
        random_windows(3, 5 * HOUR_MS, 1, SPAN, 4 * HOUR_MS)


def test_repeat_windows_are_one_window_k_times_inside_the_data() -> None:
    windows = repeat_windows(3, parse_ts("2025-01-01"), parse_ts("2025-02-01"), SPAN)
    assert {(w.start, w.end) for w in windows} == {(parse_ts("2025-01-01"), parse_ts("2025-02-01"))}
    with pytest.raises(InvalidInputError, match="after --start"):
        repeat_windows(3, parse_ts("2025-02-01"), parse_ts("2025-01-01"), SPAN)
    with pytest.raises(InvalidInputError, match="outside the data"):
        repeat_windows(3, parse_ts("2023-01-01"), parse_ts("2023-02-01"), SPAN)


def test_lengths_read_hours_days_and_weeks() -> None:
    assert parse_length("30d") == 30 * DAY_MS
    assert parse_length("72h") == 72 * HOUR_MS
    assert parse_length("2w") == 14 * DAY_MS
    for text in ("", "30", "0d", "3 months", "-2d"):
        with pytest.raises(InvalidInputError, match="expected a length"):
            parse_length(text)


def row(name: str, value: float, cost: float | None = 0.0, kind: str = "strategy") -> WindowRow:
    return WindowRow(name, kind, name.startswith("btc"), value, (value / 100 - 100), cost)


def test_the_aggregate_recombines_ranks_places_returns_and_costs() -> None:
    windows = [
        WindowResult(1, 11, (row("a", 110), row("b", 105), row("btc", 90))),
        WindowResult(2, 12, (row("b", 120), row("a", 100), row("btc", 100))),  # a, btc tie
        WindowResult(3, 13, (row("a", 130), row("btc", 99), row("b", 80))),
    ]
    result = aggregate(windows)
    by_name = {entry.name: entry for entry in result.entries}
    assert [entry.name for entry in result.entries] == ["a", "b", "btc"]
    a, b, btc = by_name["a"], by_name["b"], by_name["btc"]
    assert a.ranks == [1.0, 2.5, 1.0] and btc.ranks == [3.0, 2.5, 2.0]
    assert a.mean_rank == pytest.approx(4.5 / 3) and a.median_rank == 1.0
    assert a.rank_counts == [2.0, 0.5, 0.5] and btc.rank_counts == [0.0, 1.5, 1.5]
    assert b.rank_counts == [1.0, 1.0, 1.0]
    assert a.p_first == pytest.approx(2 / 3) and btc.p_first == 0.0
    assert sum(entry.p_first for entry in result.entries) == pytest.approx(1.0)
    assert (a.return_min_pct, a.return_median_pct, a.return_max_pct) == (-99.0, -98.9, -98.7)
    assert a.return_std_pct == pytest.approx((0.07 / 3) ** 0.5)  # sample std of 3 returns
    assert btc.baseline and a.deterministic
    # W from the tie-corrected formula: sums 4.5, 6, 7.5; S = 4.5; T = 6 (one pair in window 2)
    assert result.kendalls_w == pytest.approx(12 * 4.5 / (9 * 24 - 3 * 6))


def test_an_unknown_llm_price_makes_the_total_cost_unknown() -> None:
    windows = [
        WindowResult(1, 1, (row("llm", 1, 0.25, "llm"), row("x", 2))),
        WindowResult(2, 2, (row("llm", 1, 0.5, "llm"), row("x", 2))),
    ]
    llm = next(e for e in aggregate(windows).entries if e.name == "llm")
    assert llm.llm_cost_usd == 0.75 and not llm.deterministic
    windows.append(WindowResult(3, 3, (row("llm", 1, None, "llm"), row("x", 2))))
    assert next(e for e in aggregate(windows).entries if e.name == "llm").llm_cost_usd is None


def test_no_finished_window_is_an_empty_aggregate() -> None:
    result = aggregate([])
    assert (result.windows, result.entries, result.kendalls_w) == (0, [], None)
