"""Metrics checked against values worked out by hand and against independent formulas."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alpha_arena.analytics.metrics import BoolArray, Metrics, compute_metrics, periods_per_year
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import DAY_MS, HOUR_MS
from alpha_arena.domain.market import FloatArray
from alpha_arena.domain.trades import Trade

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z


def hourly(
    values: list[float],
    timeframe: str = "1h",
    *,
    trades: Sequence[Trade] = (),
    fees_paid: float = 0.0,
    funding_paid: float = 0.0,
    benchmark_close: FloatArray | None = None,
    exposure_bars: int | BoolArray | None = None,
) -> Metrics:
    """Compute metrics of ``values`` stamped one ``timeframe`` bar apart from T0."""
    step = {"1h": HOUR_MS, "4h": 4 * HOUR_MS, "1d": DAY_MS}[timeframe]
    ts = T0 + step * np.arange(len(values), dtype=np.int64)
    return compute_metrics(
        ts,
        np.array(values, dtype=np.float64),
        trades,
        timeframe=timeframe,
        fees_paid=fees_paid,
        funding_paid=funding_paid,
        benchmark_close=benchmark_close,
        exposure_bars=exposure_bars,
    )


def trade(net: float, *, fees: float = 0.0, funding: float = 0.0, entry: int = 0) -> Trade:
    """A trade whose net PnL is ``net`` (price PnL set so that fees and funding add up)."""
    return Trade(
        symbol="BTC/USDT:USDT",
        side="long",
        quantity=1.0,
        entry_price=100.0,
        exit_price=100.0 + net,
        ts_entry=T0 + entry * HOUR_MS,
        ts_exit=T0 + (entry + 2) * HOUR_MS,
        pnl=net + fees - funding,
        fees=fees,
        funding=funding,
    )


@pytest.mark.parametrize(
    ("timeframe", "expected"),
    [("1m", 525_600), ("15m", 35_040), ("1h", 8760), ("4h", 2190), ("8h", 1095), ("1d", 365)],
)
def test_periods_per_year_counts_bars_in_a_365_day_year(timeframe: str, expected: int) -> None:
    assert periods_per_year(timeframe) == expected


def test_unknown_timeframe_is_rejected_with_the_accepted_list() -> None:
    with pytest.raises(InvalidInputError, match="accepted: 1m"):
        periods_per_year("1w")


def test_small_curve_matches_values_worked_out_by_hand() -> None:
    metrics = hourly([100, 110, 99, 121])
    # Returns 1/10, -1/10, 2/9: mean 2/27; deviations 7/270, -47/270, 40/270, so the sample
    # variance is (49 + 2209 + 1600) / 270**2 / 2 and the sample deviation sqrt(1929) / 270.
    sample_std = math.sqrt(1929) / 270
    assert metrics.total_return == pytest.approx(0.21)
    assert metrics.volatility == pytest.approx(sample_std * math.sqrt(8760))
    assert metrics.sharpe == pytest.approx(20 / math.sqrt(1929) * math.sqrt(8760))
    # Only -1/10 is below zero: downside deviation sqrt(0.01 / 3).
    assert metrics.sortino == pytest.approx(2 / 27 / math.sqrt(0.01 / 3) * math.sqrt(8760))
    assert metrics.max_drawdown == pytest.approx(0.1)
    assert (metrics.max_drawdown_bars, metrics.max_drawdown_ms) == (2, 2 * HOUR_MS)
    assert metrics.cagr == pytest.approx(1.21 ** (8760 / 3) - 1)
    assert metrics.calmar == pytest.approx((1.21 ** (8760 / 3) - 1) / 0.1)
    assert (metrics.bars, metrics.ts_start, metrics.ts_end) == (4, T0, T0 + 3 * HOUR_MS)
    assert (metrics.start_equity, metrics.end_equity) == (100.0, 121.0)


def test_cagr_compounds_over_elapsed_time_in_365_day_years() -> None:
    ts = np.array([T0, T0 + 730 * DAY_MS], dtype=np.int64)
    metrics = compute_metrics(ts, np.array([100.0, 121.0]), timeframe="1d")
    assert metrics.cagr == pytest.approx(0.10)
    assert metrics.periods_per_year == 365


def test_cagr_too_large_for_a_float_is_none() -> None:
    metrics = hourly([100, 1e6])  # 10,000x in one hour compounded over 8760 hours
    assert metrics.cagr is None
    assert metrics.calmar is None


def test_drawdown_that_never_recovers_lasts_from_peak_to_last_bar() -> None:
    metrics = hourly([100, 120, 90, 100], timeframe="4h")
    assert metrics.max_drawdown == pytest.approx(0.25)
    assert (metrics.max_drawdown_bars, metrics.max_drawdown_ms) == (2, 8 * HOUR_MS)


def test_drawdown_span_starts_at_the_last_visit_of_the_peak() -> None:
    metrics = hourly([100, 110, 105, 110, 99, 121, 120])
    assert metrics.max_drawdown == pytest.approx(0.1)
    assert metrics.max_drawdown_bars == 2  # bar 3 (back at 110) to bar 5 (121)


def test_constant_curve_has_zero_spread_and_no_ratios() -> None:
    metrics = hourly([100, 100, 100, 100])
    assert (metrics.total_return, metrics.volatility, metrics.max_drawdown) == (0.0, 0.0, 0.0)
    assert (metrics.sharpe, metrics.sortino, metrics.calmar) == (None, None, None)
    assert metrics.cagr == 0.0


def test_constant_growth_curve_has_no_sharpe_instead_of_rounding_noise() -> None:
    metrics = hourly([100 * 1.01**i for i in range(50)])
    assert metrics.volatility == 0.0
    assert metrics.sharpe is None
    assert metrics.sortino is None  # no losing bar
    assert metrics.max_drawdown == 0.0
    assert metrics.calmar is None


@pytest.mark.parametrize("values", [[], [100.0]], ids=["empty", "one_point"])
def test_curves_without_returns_give_zeros_and_nones_not_nan(values: list[float]) -> None:
    metrics = hourly(values)
    assert (metrics.total_return, metrics.volatility, metrics.max_drawdown) == (0.0, 0.0, 0.0)
    assert (metrics.sharpe, metrics.sortino, metrics.calmar, metrics.cagr) == (None,) * 4
    assert metrics.exposure == 0.0
    json.dumps(metrics.as_dict(), allow_nan=False)


def test_bust_account_counts_negative_equity_as_a_total_loss() -> None:
    metrics = hourly([100, 50, 0, -10, 0])
    assert metrics.total_return == -1.0
    assert metrics.max_drawdown == 1.0
    assert metrics.cagr == -1.0
    assert metrics.max_drawdown_bars == 4
    assert metrics.end_equity == 0.0
    json.dumps(metrics.as_dict(), allow_nan=False)


def test_sharpe_sortino_and_volatility_agree_with_independent_formulas() -> None:
    rng = np.random.default_rng(7)
    equity = 1000 * np.cumprod(1 + rng.normal(0.0005, 0.01, 500))
    metrics = hourly(list(equity), timeframe="4h")
    returns = pd.Series(equity).pct_change().dropna().tolist()
    mean, stdev = statistics.fmean(returns), statistics.stdev(returns)
    downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / len(returns))
    assert metrics.volatility == pytest.approx(stdev * math.sqrt(2190))
    assert metrics.sharpe == pytest.approx(mean / stdev * math.sqrt(2190))
    assert metrics.sortino == pytest.approx(mean / downside * math.sqrt(2190))
    peak = np.maximum.accumulate(equity)
    assert metrics.max_drawdown == pytest.approx(float(np.max((peak - equity) / peak)))


def test_trade_statistics_of_a_hand_made_list() -> None:
    trades = [
        trade(30, fees=2),
        trade(-10, fees=1, funding=-1),
        trade(5, funding=0.5),
        trade(-20),
        trade(0),  # break-even: neither a win nor a loss
    ]
    metrics = hourly([100, 101], trades=trades)
    assert metrics.trade_count == 5
    assert metrics.win_rate == pytest.approx(2 / 5)
    assert metrics.average_win == pytest.approx(17.5)
    assert metrics.average_loss == pytest.approx(-15.0)
    assert metrics.expectancy == pytest.approx(1.0)
    assert metrics.profit_factor == pytest.approx(35 / 30)
    assert metrics.best_trade == pytest.approx(30)
    assert metrics.worst_trade == pytest.approx(-20)


def test_profit_factor_without_losses_is_none_and_without_trades_all_stats_are_none() -> None:
    winners = hourly([100, 101], trades=[trade(5), trade(7)])
    assert winners.profit_factor is None
    assert winners.average_loss is None
    assert winners.win_rate == 1.0
    nothing = hourly([100, 101])
    assert nothing.trade_count == 0
    assert (nothing.win_rate, nothing.expectancy, nothing.profit_factor) == (None, None, None)
    assert (nothing.best_trade, nothing.worst_trade, nothing.average_win) == (None, None, None)


def test_exposure_from_a_bar_count_and_from_in_market_flags() -> None:
    assert hourly([100] * 8, exposure_bars=2).exposure == 0.25
    flags = np.array([False, True, True, False])
    assert hourly([100] * 4, exposure_bars=flags).exposure == 0.5


def test_exposure_without_counts_comes_from_trade_holding_spans() -> None:
    # Trades hold [bar 1, bar 3) and [bar 2, bar 4): bars 1, 2 and 3 are in the market.
    metrics = hourly([100] * 6, trades=[trade(1, entry=1), trade(1, entry=2)])
    assert metrics.exposure == pytest.approx(3 / 6)


@pytest.mark.parametrize(
    ("exposure", "message"),
    [(9, "outside a curve of 4 bars"), (np.array([True, False]), "one value per equity point")],
)
def test_exposure_that_does_not_fit_the_curve_is_rejected(
    exposure: int | BoolArray, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        hourly([100] * 4, exposure_bars=exposure)


def test_buy_and_hold_return_runs_from_first_to_last_benchmark_close() -> None:
    closes = np.array([50.0, 40.0, 60.0])
    assert hourly([100, 90, 95], benchmark_close=closes).buy_and_hold_return == pytest.approx(0.2)
    assert hourly([100, 90]).buy_and_hold_return is None
    assert hourly([100, 90], benchmark_close=np.array([])).buy_and_hold_return is None


def test_fees_and_funding_are_reported_as_given() -> None:
    metrics = hourly([100, 101], fees_paid=1.25, funding_paid=-0.5)
    assert (metrics.fees_paid, metrics.funding_paid) == (1.25, -0.5)


@pytest.mark.parametrize(
    ("ts", "equity", "message"),
    [
        ([T0, T0 + HOUR_MS], [100.0], "one timestamp per value"),
        ([T0, T0], [100.0, 101.0], "strictly increase"),
        ([T0, T0 + HOUR_MS], [100.0, math.nan], "NaN or infinite"),
        ([T0, T0 + HOUR_MS], [0.0, 1.0], "start above zero"),
    ],
)
def test_unusable_curves_are_rejected_with_the_reason(
    ts: list[int], equity: list[float], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        compute_metrics(np.array(ts, dtype=np.int64), np.array(equity), timeframe="1h")


def test_as_dict_names_every_field_and_is_json_safe() -> None:
    metrics = hourly([100, 110, 99, 121], trades=[trade(3)])
    values = metrics.as_dict()
    assert values["max_drawdown"] == pytest.approx(0.1)
    assert values["profit_factor"] is None
    assert list(values) == [field for field in Metrics.__dataclass_fields__]
    json.dumps(values, allow_nan=False)


# Whole basis points: a return of 1e-10 is swamped by the rounding of the equity it comes from.
returns_lists = st.lists(
    st.integers(min_value=-9000, max_value=10_000).map(lambda bps: bps / 10_000),
    max_size=40,
)


def curve(returns: list[float], start: float = 100.0) -> list[float]:
    return [start * value for value in np.cumprod([1.0, *(1.0 + r for r in returns)])]


@given(returns=returns_lists)
def test_max_drawdown_is_a_fraction_and_its_span_fits_the_curve(returns: list[float]) -> None:
    metrics = hourly(curve(returns))
    assert 0.0 <= metrics.max_drawdown <= 1.0
    assert 0 <= metrics.max_drawdown_bars <= len(returns)
    json.dumps(metrics.as_dict(), allow_nan=False)


def same(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is right
    return left == pytest.approx(right, rel=1e-9, abs=1e-12)


@given(returns=returns_lists, scale=st.floats(min_value=1e-3, max_value=1e6))
def test_scaling_equity_leaves_returns_sharpe_and_drawdown_unchanged(
    returns: list[float], scale: float
) -> None:
    base = hourly(curve(returns))
    scaled = hourly(curve(returns, start=100.0 * scale))
    for name in ("total_return", "volatility", "sharpe", "sortino", "max_drawdown", "cagr"):
        assert same(getattr(base, name), getattr(scaled, name)), name
    # The span is left out: two drawdowns of equal depth tie, and rounding picks either.
