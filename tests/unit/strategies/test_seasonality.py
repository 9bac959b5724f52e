"""The seasonality rule on hourly bars whose calendar is easy to check by hand."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.market import Candles
from alpha_arena.strategies.base import StrategyInput
from alpha_arena.strategies.library.seasonality import hour_set, weekday_set
from alpha_arena.strategies.registry import create

HOUR_MS = 3_600_000
MONDAY = parse_ts("2024-01-01")  # a Monday, 00:00 UTC


def hourly(start: int, bars: int, timeframe: str = "1h", step: int = HOUR_MS) -> StrategyInput:
    rows = [(start + i * step, 1.0, 1.0, 1.0, 1.0, 1.0) for i in range(bars)]
    return StrategyInput("BTC/USDT:USDT", timeframe, Candles.from_rows(rows), np.full(bars, np.nan))


def test_a_bar_is_in_position_when_its_close_falls_in_the_window() -> None:
    # 30 hourly bars from Monday 00:00: bar i closes at i + 1 o'clock. Monday 22-1 (wrapping)
    # covers closes at Monday 01:00 (bar 0), 22:00 (bar 21) and 23:00 (bar 22); Tuesday's
    # 00:00 and 01:00 (bars 23 and 24) are not on a Monday.
    strategy = create("seasonality", {"hours": "22-1", "weekdays": "mon"})
    expected = np.zeros(30)
    expected[[0, 21, 22]] = 1.0
    assert_array_equal(strategy.targets(hourly(MONDAY, 30)), expected)


def test_short_direction_on_weekend_days_given_as_numbers() -> None:
    # Daily bars from Monday: bar i closes at the start of day i + 1; days 5 and 6 (Saturday,
    # Sunday) are closed into by bars 4 and 5, and again by bars 11 and 12 a week later.
    strategy = create("seasonality", {"hours": "0-23", "weekdays": "5-6", "direction": "short"})
    expected = np.zeros(14)
    expected[[4, 5, 11, 12]] = -1.0
    assert_array_equal(strategy.targets(hourly(MONDAY, 14, "1d", 24 * HOUR_MS)), expected)


def test_default_window_is_13_to_21_utc_on_weekdays() -> None:
    targets = create("seasonality").targets(hourly(MONDAY, 7 * 24))
    longs = np.flatnonzero(targets)
    # Monday to Friday, closes at 13:00 .. 20:00: bars 12 .. 19 of each of the first five days.
    assert_array_equal(longs, [day * 24 + hour for day in range(5) for hour in range(12, 20)])
    assert set(np.unique(targets)) == {0.0, 1.0}


def test_explain_names_the_close_time_and_the_window() -> None:
    strategy = create("seasonality", {"hours": "22-1", "weekdays": "mon"})
    data = hourly(MONDAY, 30)
    targets = strategy.targets(data)
    assert strategy.explain(data, 21, targets) == (
        "seasonality: bar closes mon 22:00 UTC, inside hours 22-1 on mon -> long"
    )
    assert strategy.explain(data, 23, targets) == (
        "seasonality: bar closes tue 00:00 UTC, outside hours 22-1 on mon -> flat"
    )


def test_specs_accept_lists_ranges_names_and_numbers() -> None:
    assert hour_set("0, 5-7 ,23") == {0, 5, 6, 7, 23}
    assert hour_set("23-0") == {23, 0}
    assert weekday_set("Mon-Wed,sunday") == {0, 1, 2, 6}
    assert weekday_set("fri-mon") == {4, 5, 6, 0}
    assert weekday_set("0,6") == {0, 6}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"hours": "24"}, "hours: '24' in '24' is not an hour 0-23"),
        ({"hours": "13-25"}, "hours: '25' in '13-25' is not an hour 0-23"),
        ({"hours": "-1"}, "hours: '' in '-1' is not an hour 0-23"),
        ({"hours": "noon"}, "hours: 'noon' in 'noon' is not an hour 0-23"),
        ({"hours": ""}, "hours must name at least one value, got ''"),
        ({"weekdays": "7"}, "weekdays: '7' in '7' is not a weekday (mon..sun or 0-6)"),
        (
            {"weekdays": "mon-fry"},
            "weekdays: 'fry' in 'mon-fry' is not a weekday (mon..sun or 0-6)",
        ),
        ({"direction": "up"}, "direction must be long or short, got 'up'"),
    ],
)
def test_bad_parameters_are_one_line_errors(raw: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        create("seasonality", raw)
    assert str(raised.value) == message
