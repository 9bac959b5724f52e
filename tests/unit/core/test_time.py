from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import (
    HOUR_MS,
    SUPPORTED_TIMEFRAMES,
    floor_ts,
    from_datetime,
    parse_ts,
    timeframe_ms,
    to_datetime,
    to_iso,
)

# 2024-01-01T00:00:00Z in epoch milliseconds.
NEW_YEAR_2024 = 1_704_067_200_000

LENGTHS_MS = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
}

# 1938..2100: negative and positive epochs, far beyond the market data we hold.
timestamps = st.integers(min_value=-(10**12), max_value=4_102_444_800_000)


def test_supported_timeframes_are_exactly_the_ones_with_known_lengths() -> None:
    assert set(SUPPORTED_TIMEFRAMES) == set(LENGTHS_MS)


@pytest.mark.parametrize(("timeframe", "expected"), sorted(LENGTHS_MS.items()))
def test_timeframe_ms_returns_the_length_of_each_supported_timeframe(
    timeframe: str, expected: int
) -> None:
    assert timeframe_ms(timeframe) == expected


@pytest.mark.parametrize("timeframe", ["3h", "1M", "60s", "1H", " 1h", "0m", "h", "", "1h "])
def test_timeframe_ms_rejects_an_unknown_timeframe_listing_the_accepted_ones(
    timeframe: str,
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        timeframe_ms(timeframe)
    message = str(raised.value)
    assert "\n" not in message
    assert repr(timeframe) in message
    accepted = message.split("accepted:", 1)[1]
    assert [part.strip() for part in accepted.split(",")] == list(SUPPORTED_TIMEFRAMES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01", NEW_YEAR_2024),
        ("2024-01-01T12:00", NEW_YEAR_2024 + 12 * HOUR_MS),
        ("2024-01-01 12:00", NEW_YEAR_2024 + 12 * HOUR_MS),
        ("2024-01-01T12:00:00Z", NEW_YEAR_2024 + 12 * HOUR_MS),
        ("2024-01-01T12:00:00.250Z", NEW_YEAR_2024 + 12 * HOUR_MS + 250),
        ("2024-01-01T14:00:00+02:00", NEW_YEAR_2024 + 12 * HOUR_MS),
        ("2024-01-01T07:30:00-04:30", NEW_YEAR_2024 + 12 * HOUR_MS),
        ("  2024-01-01T12:00Z  ", NEW_YEAR_2024 + 12 * HOUR_MS),
        ("1970-01-01", 0),
    ],
)
def test_parse_ts_reads_dates_times_z_and_offsets_as_utc(text: str, expected: int) -> None:
    assert parse_ts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "",
        "2024-13-01",
        "2024-02-30",
        "01/02/2024",
        "2024-01-01T25:00",
        "1704067200000",
    ],
)
def test_parse_ts_rejects_garbage_with_a_message_naming_the_accepted_forms(text: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_ts(text)
    message = str(raised.value)
    assert "\n" not in message
    assert repr(text) in message
    assert "YYYY-MM-DD" in message


def test_to_iso_formats_whole_seconds_in_utc_with_z() -> None:
    assert to_iso(0) == "1970-01-01T00:00:00Z"
    assert to_iso(NEW_YEAR_2024 + 12 * HOUR_MS) == "2024-01-01T12:00:00Z"
    assert to_iso(NEW_YEAR_2024 + 999) == "2024-01-01T00:00:00Z"


def test_from_datetime_takes_naive_datetimes_as_utc_and_honours_offsets() -> None:
    assert from_datetime(datetime(2024, 1, 1, 12)) == NEW_YEAR_2024 + 12 * HOUR_MS
    plus_two = timezone(timedelta(hours=2))
    assert from_datetime(datetime(2024, 1, 1, 14, tzinfo=plus_two)) == NEW_YEAR_2024 + 12 * HOUR_MS


@given(timestamps)
@example(1_084_084_125_965)  # float seconds * 1000 once truncated this one to ...964
def test_to_datetime_and_from_datetime_round_trip_every_millisecond(ts: int) -> None:
    moment = to_datetime(ts)
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)
    assert moment == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ts)
    assert from_datetime(moment) == ts


@given(st.integers(min_value=0, max_value=4_102_444_800_000))
def test_to_iso_and_parse_ts_round_trip_to_the_whole_second(ts: int) -> None:
    assert parse_ts(to_iso(ts)) == ts - ts % 1000


@pytest.mark.parametrize("text", ["1969-12-31T23:59", "0001-01-01", "9999-12-31T23:00-05:00"])
def test_parse_ts_refuses_moments_outside_1970_to_9999(text: str) -> None:
    with pytest.raises(InvalidInputError, match="outside the years 1970 to 9999"):
        parse_ts(text)


@given(timestamps, st.sampled_from(sorted(LENGTHS_MS.values())))
def test_floor_ts_returns_the_open_of_the_bar_holding_the_timestamp(ts: int, step: int) -> None:
    start = floor_ts(ts, step)
    assert start % step == 0
    assert start <= ts < start + step
