from __future__ import annotations

import math

import numpy as np
import pytest

from alpha_arena.core.errors import DataIntegrityError
from alpha_arena.core.time import HOUR_MS, MINUTE_MS
from alpha_arena.domain.market import Candles, FundingRates
from alpha_arena.marketdata.integrity import (
    STATISTICS_KINDS,
    Issue,
    IssueKind,
    candle_issues,
    funding_issues,
    validate_candles,
    validate_funding,
)
from alpha_arena.marketdata.sources.sample import read_candles
from tests.support.sample import SAMPLE, manifest

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
H = HOUR_MS


def bars(hours: list[float], **columns: list[float]) -> Candles:
    """Hourly bars opened ``hours`` after T0; every bar is 100/110/90/105, volume 1 unless
    a column is given."""
    count = len(hours)
    values = {"open": 100.0, "high": 110.0, "low": 90.0, "close": 105.0, "volume": 1.0}
    arrays = {
        name: np.array(columns.get(name, [default] * count), dtype=np.float64)
        for name, default in values.items()
    }
    ts = np.array([T0 + round(hour * H) for hour in hours], dtype=np.int64)
    return Candles(ts, **arrays)


def of_kind(issues: list[Issue], kind: IssueKind) -> list[Issue]:
    return [issue for issue in issues if issue.kind == kind]


def test_clean_hourly_bars_have_no_issues() -> None:
    assert candle_issues(bars(list(range(24))), H) == []


def test_zero_volume_and_a_flat_bar_are_clean() -> None:
    flat = bars([0, 1], open=[5, 5], high=[5, 5], low=[5, 5], close=[5, 5], volume=[0, 0])
    assert candle_issues(flat, H) == []


def test_empty_series_has_no_issues() -> None:
    assert candle_issues(Candles.empty(), H) == []


def test_gap_counts_the_missing_bars_and_spans_first_to_last_missing() -> None:
    issues = candle_issues(bars([0, 1, 2, 5, 6, 8]), H)
    assert [(i.kind, i.ts_start, i.ts_end, i.count) for i in issues] == [
        (IssueKind.GAP, T0 + 3 * H, T0 + 4 * H, 2),
        (IssueKind.GAP, T0 + 7 * H, T0 + 7 * H, 1),
    ]
    assert issues[0].detail == "2 bars missing"


def test_gap_describe_names_the_kind_span_and_count() -> None:
    (gap,) = candle_issues(bars([0, 3]), H)
    assert gap.describe() == "gap at 2024-01-01T01:00:00Z..2024-01-01T02:00:00Z (2): 2 bars missing"


def test_duplicate_open_time_is_reported_once_per_repeat() -> None:
    issues = candle_issues(bars([0, 1, 1, 2]), H)
    assert [(i.kind, i.ts_start, i.count) for i in issues] == [(IssueKind.DUPLICATE, T0 + H, 2)]


def test_open_time_going_backwards_is_non_monotonic() -> None:
    issues = candle_issues(bars([0, 2, 1, 3]), H)
    (backwards,) = of_kind(issues, IssueKind.NON_MONOTONIC)
    assert (backwards.ts_start, backwards.ts_end) == (T0 + 2 * H, T0 + H)
    assert of_kind(issues, IssueKind.DUPLICATE) == []


def test_bars_off_the_hour_grid_are_misaligned_as_one_run() -> None:
    issues = candle_issues(bars([0.5, 1.5, 2.5, 3.5]), H)
    assert issues == [
        Issue(
            IssueKind.MISALIGNED,
            T0 + 30 * MINUTE_MS,
            T0 + 3 * H + 30 * MINUTE_MS,
            4,
            f"not on the {H} ms grid",
        )
    ]


def test_one_off_grid_bar_is_misaligned_and_no_gap_has_zero_or_reversed_extent() -> None:
    issues = candle_issues(bars([0, 1.5, 2, 3]), H)
    (misaligned,) = of_kind(issues, IssueKind.MISALIGNED)
    assert (misaligned.ts_start, misaligned.count) == (T0 + 90 * MINUTE_MS, 1)
    for gap in of_kind(issues, IssueKind.GAP):
        assert gap.count >= 1
        assert gap.ts_start <= gap.ts_end


def test_gaps_are_counted_on_the_grid_around_an_off_grid_bar() -> None:
    # The 01:00 and 02:00 slots are empty; the bar at 01:30 fills neither.
    issues = candle_issues(bars([0, 1.5, 3]), H)
    assert [(i.ts_start, i.ts_end, i.count) for i in of_kind(issues, IssueKind.GAP)] == [
        (T0 + H, T0 + 2 * H, 2)
    ]


def test_nan_in_any_price_or_the_volume_is_reported_per_run_of_bars() -> None:
    nan = math.nan
    candles = bars(
        [0, 1, 2, 3, 4],
        close=[105, nan, 105, 105, 105],
        high=[110, 110, nan, 110, 110],
        volume=[1, 1, 1, 1, nan],
    )
    issues = of_kind(candle_issues(candles, H), IssueKind.NAN)
    assert [(i.ts_start, i.ts_end, i.count) for i in issues] == [
        (T0 + H, T0 + 2 * H, 2),
        (T0 + 4 * H, T0 + 4 * H, 1),
    ]


@pytest.mark.parametrize("column", ["open", "high", "low", "close"])
def test_a_zero_or_negative_price_is_reported(column: str) -> None:
    prices = {"open": [100.0] * 3, "high": [110.0] * 3, "low": [90.0] * 3, "close": [105.0] * 3}
    prices[column] = [prices[column][0], 0.0, -1.0]
    issues = of_kind(candle_issues(bars([0, 1, 2], **prices), H), IssueKind.NON_POSITIVE_PRICE)
    assert [(i.ts_start, i.ts_end, i.count) for i in issues] == [(T0 + H, T0 + 2 * H, 2)]


@pytest.mark.parametrize(
    ("ohlc", "why"),
    [
        ((100, 104, 90, 105), "high below close"),
        ((106, 105, 90, 100), "high below open"),
        ((100, 110, 101, 105), "low above open"),
        ((106, 110, 105.5, 105), "low above close"),
        ((100, 90, 110, 100), "high below low"),
    ],
)
def test_broken_ohlc_is_reported(ohlc: tuple[float, float, float, float], why: str) -> None:
    open_, high, low, close = ohlc
    candles = bars([0, 1], open=[100, open_], high=[110, high], low=[90, low], close=[105, close])
    issues = candle_issues(candles, H)
    assert [(i.kind, i.ts_start) for i in issues] == [(IssueKind.OHLC_VIOLATION, T0 + H)], why


def test_negative_volume_is_reported() -> None:
    issues = candle_issues(bars([0, 1, 2], volume=[1, -0.5, 0]), H)
    assert [(i.kind, i.ts_start, i.count) for i in issues] == [
        (IssueKind.NEGATIVE_VOLUME, T0 + H, 1)
    ]


def test_bundled_perpetual_file_is_clean() -> None:
    candles = read_candles(SAMPLE / "binance_usdm_BTCUSDT_1h.csv.gz")
    assert candle_issues(candles, H) == []


def test_bundled_spot_file_has_only_the_gaps_its_manifest_lists() -> None:
    name = "binance_spot_BTCUSDT_1h.csv.gz"
    entry = manifest()[name]
    issues = candle_issues(read_candles(SAMPLE / name), H)
    assert {issue.kind for issue in issues} == {IssueKind.GAP}
    assert len(issues) == entry["gap_count"] == 27
    assert sum(issue.count for issue in issues) == entry["missing_intervals"] == 122
    largest = max(issues, key=lambda issue: issue.count)
    assert largest.count == entry["largest_gaps"][0]["missing"]
    assert largest.describe().startswith(
        f"gap at {entry['largest_gaps'][0]['from_']}..{entry['largest_gaps'][0]['to']}"
    )


# -- validation of incoming batches ------------------------------------------------------------


def test_validate_candles_accepts_gaps() -> None:
    validate_candles(bars([0, 1, 5, 9]), H, "batch")


def test_validate_candles_accepts_an_empty_batch() -> None:
    validate_candles(Candles.empty(), H, "batch")


REJECTED = {
    IssueKind.DUPLICATE: bars([0, 1, 1]),
    IssueKind.NON_MONOTONIC: bars([0, 2, 1]),
    IssueKind.MISALIGNED: bars([0, 1.25]),
    IssueKind.NAN: bars([0, 1], open=[100, math.nan]),
    IssueKind.NON_POSITIVE_PRICE: bars([0, 1], low=[90, 0]),
    IssueKind.OHLC_VIOLATION: bars([0, 1], high=[110, 100]),
    IssueKind.NEGATIVE_VOLUME: bars([0, 1], volume=[1, -1]),
}


def test_every_issue_kind_but_gap_is_rejected() -> None:
    assert set(REJECTED) == set(IssueKind) - {IssueKind.GAP} - STATISTICS_KINDS


@pytest.mark.parametrize("kind", sorted(REJECTED, key=str))
def test_validate_candles_rejects_with_one_line_naming_source_and_problem(kind: IssueKind) -> None:
    with pytest.raises(DataIntegrityError) as raised:
        validate_candles(REJECTED[kind], H, "binance BTC/USDT:USDT 1h")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("binance BTC/USDT:USDT 1h: rejected, ")
    assert f" {kind.value} at " in message


# -- funding -----------------------------------------------------------------------------------


def funding(hours: list[int], rates: list[float]) -> FundingRates:
    ts = np.array([T0 + hour * H for hour in hours], dtype=np.int64)
    return FundingRates(ts, np.array(rates, dtype=np.float64))


def test_funding_issues_find_a_missed_settlement_at_the_8h_cadence() -> None:
    issues = funding_issues(funding([0, 8, 24, 32], [1e-4, 2e-4, -1e-4, 0.0]), 8 * H)
    assert [(i.kind, i.ts_start, i.ts_end, i.count) for i in issues] == [
        (IssueKind.GAP, T0 + 16 * H, T0 + 16 * H, 1)
    ]


def test_funding_issues_report_nan_rates() -> None:
    issues = funding_issues(funding([0, 8, 16], [1e-4, math.nan, 1e-4]), 8 * H)
    assert [(i.kind, i.ts_start) for i in issues] == [(IssueKind.NAN, T0 + 8 * H)]


def test_validate_funding_accepts_any_cadence_gaps_zero_and_negative_rates() -> None:
    validate_funding(funding([0, 8, 12, 13, 40], [1e-4, 0.0, -0.0075, 0.003, 0.9999]), "f")


@pytest.mark.parametrize(
    ("hours", "rates", "expected"),
    [
        ([0, 8, 8], [1e-4, 1e-4, 1e-4], "duplicate at"),
        ([0, 16, 8], [1e-4, 1e-4, 1e-4], "non_monotonic at"),
        ([0, 8], [1e-4, math.nan], "funding rate nan at 2024-01-01T08:00:00Z"),
        ([0, 8], [math.inf, 1e-4], "funding rate inf at 2024-01-01T00:00:00Z"),
        ([0, 8], [1e-4, 1.0], "funding rate 1.0 at 2024-01-01T08:00:00Z"),
        ([0, 8], [-1.5, 1e-4], "funding rate -1.5 at 2024-01-01T00:00:00Z"),
    ],
)
def test_validate_funding_rejects_disorder_and_impossible_rates(
    hours: list[int], rates: list[float], expected: str
) -> None:
    with pytest.raises(DataIntegrityError) as raised:
        validate_funding(funding(hours, rates), "binance BTC/USDT:USDT funding")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("binance BTC/USDT:USDT funding: rejected, ")
    assert expected in message
