"""Bootstrap ranking statistics, checked against a naive resampler and known distributions."""

from __future__ import annotations

import itertools
import math
import tracemalloc
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.analytics import bootstrap
from alpha_arena.analytics.bootstrap import Interval, RankingStats, ranking_stats
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray

HOURLY = 8760.0


def walk(n: int, drift: float, noise: float, seed: int, start: float = 10_000.0) -> FloatArray:
    """An equity curve of ``n`` iid normal per-tick returns, starting at ``start``."""
    returns = np.random.default_rng(seed).normal(drift, noise, n)
    return start * np.cumprod(np.concatenate([[1.0], 1.0 + returns]))


def naive(
    equity: FloatArray, benchmark: FloatArray, samples: int, seed: int, chunk: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Resample by gathering every tick, drawing block starts ``chunk`` resamples at a time the
    way the module does; return resampled total returns, Sharpe ratios and benchmark totals."""
    returns, bench = equity[1:] / equity[:-1] - 1.0, benchmark[1:] / benchmark[:-1] - 1.0
    n = returns.size
    block = max(1, round(n ** (1 / 3)))
    blocks = math.ceil(n / block)
    rng = np.random.default_rng(seed)
    sizes = [min(chunk, samples - first) for first in range(0, samples, chunk)]
    starts = np.concatenate([rng.integers(0, n, size=(size, blocks)) for size in sizes])
    index = ((starts[:, :, None] + np.arange(block)) % n).reshape(samples, -1)[:, :n]
    drawn = returns[index]
    sharpes = drawn.mean(axis=1) / drawn.std(axis=1, ddof=1) * math.sqrt(HOURLY)
    return np.prod(1.0 + drawn, axis=1) - 1.0, sharpes, np.prod(1.0 + bench[index], axis=1) - 1.0


def check_against_naive(equity: FloatArray, benchmark: FloatArray, chunk: int) -> None:
    got = ranking_stats(equity, HOURLY, benchmark, samples=200, confidence=0.8, seed=11)
    totals, sharpes, bench_totals = naive(equity, benchmark, 200, 11, chunk)
    low, high = np.quantile(totals, [0.1, 0.9])
    assert got.return_interval.low == pytest.approx(low, rel=1e-9)
    assert got.return_interval.high == pytest.approx(high, rel=1e-9)
    low, high = np.quantile(sharpes, [0.1, 0.9])
    assert got.sharpe_interval.low == pytest.approx(low, rel=1e-9)
    assert got.sharpe_interval.high == pytest.approx(high, rel=1e-9)
    # Totals may differ in the last bit (log-sum vs product): make sure no pair is that close.
    assert not np.isclose(totals, bench_totals, rtol=1e-9, atol=0.0).any()
    assert got.p_beats_benchmark == np.mean(totals > bench_totals)


def test_matches_a_naive_gathering_resampler() -> None:
    # 60 returns: blocks of 4 ticks, 15 blocks, all 200 resamples drawn in one chunk.
    check_against_naive(walk(60, 0.001, 0.01, 1), walk(60, 0.0, 0.01, 2), chunk=200)


def test_chunked_draws_match_the_naive_resampler(monkeypatch: pytest.MonkeyPatch) -> None:
    # 61 returns: blocks of 4 ticks, the last cut to 1; chunks of 7 resamples (the last of 4).
    monkeypatch.setattr(bootstrap, "_CHUNK_VALUES", 16 * 4 * 7)
    check_against_naive(walk(61, 0.001, 0.01, 3), walk(61, 0.0, 0.01, 4), chunk=7)


def test_point_estimates_match_a_direct_computation() -> None:
    equity = walk(500, 0.0005, 0.01, 5)
    returns = np.diff(equity) / equity[:-1]
    got = ranking_stats(equity, HOURLY)
    assert got.total_return == pytest.approx(equity[-1] / equity[0] - 1.0, rel=1e-12)
    expected = returns.mean() / returns.std(ddof=1) * math.sqrt(HOURLY)
    assert got.sharpe == pytest.approx(expected, rel=1e-12)
    assert got.p_beats_benchmark is None


@pytest.mark.parametrize("seed", range(5))
def test_intervals_contain_the_point_estimates_of_a_random_walk(seed: int) -> None:
    got = ranking_stats(walk(2000, 0.0, 0.01, seed), HOURLY, seed=seed)
    assert got.return_interval.low < got.total_return < got.return_interval.high
    assert got.sharpe_interval.low < got.sharpe < got.sharpe_interval.high


def test_strong_drift_beats_a_flat_benchmark_and_not_the_reverse() -> None:
    strong, flat = walk(1000, 0.002, 0.01, 6), np.full(1001, 10_000.0)
    beats = ranking_stats(strong, HOURLY, flat).p_beats_benchmark
    loses = ranking_stats(flat, HOURLY, strong).p_beats_benchmark
    assert beats is not None and beats >= 0.99
    assert loses is not None and loses <= 0.01


def test_resamples_are_paired_with_the_benchmark() -> None:
    # A tiny per-tick edge over a noisy benchmark wins every paired resample; an unpaired
    # bootstrap would lose about a third of them to the benchmark's noise.
    bench = walk(1000, 0.0, 0.01, 7)
    bench_returns = np.diff(bench) / bench[:-1]
    entry = 10_000.0 * np.cumprod(np.concatenate([[1.0], 1.0 + bench_returns + 0.0002]))
    assert ranking_stats(entry, HOURLY, bench).p_beats_benchmark == 1.0


def test_an_entry_identical_to_its_benchmark_ties_every_resample() -> None:
    equity = walk(800, 0.0003, 0.01, 8)
    assert ranking_stats(equity, HOURLY, equity.copy()).p_beats_benchmark == 0.5


def test_a_flat_curve_has_zero_sharpe_and_a_zero_width_return_interval() -> None:
    got = ranking_stats(np.full(300, 5_000.0), HOURLY, np.full(300, 1.0))
    assert got == RankingStats(0.0, 0.0, Interval(0.0, 0.0), Interval(0.0, 0.0), 0.5)


def test_constant_growth_is_noise_free() -> None:
    # Every resample of a constant-growth curve is the curve itself: the Sharpe stays 0 (no
    # spread), not a 1e15-sized ratio of rounding noise.
    got = ranking_stats(100.0 * 1.001 ** np.arange(400), HOURLY)
    assert got.sharpe == 0.0
    assert got.sharpe_interval == Interval(0.0, 0.0)
    assert got.return_interval.low == pytest.approx(got.total_return, rel=1e-9)
    assert got.return_interval.high == pytest.approx(got.total_return, rel=1e-9)


def test_same_seed_repeats_and_another_seed_differs() -> None:
    equity, bench = walk(700, 0.0002, 0.01, 9), walk(700, 0.0, 0.01, 10)
    first = ranking_stats(equity, HOURLY, bench, seed=3)
    assert ranking_stats(equity, HOURLY, bench, seed=3) == first
    other = ranking_stats(equity, HOURLY, bench, seed=4)
    assert other.return_interval != first.return_interval
    assert other.sharpe_interval != first.sharpe_interval


def test_wider_confidence_gives_nested_intervals() -> None:
    equity = walk(1500, 0.0001, 0.01, 12)
    got = [ranking_stats(equity, HOURLY, confidence=c) for c in (0.5, 0.8, 0.9, 0.99)]
    for narrow, wide in itertools.pairwise(got):
        assert wide.return_interval.low <= narrow.return_interval.low
        assert wide.return_interval.high >= narrow.return_interval.high
        assert wide.sharpe_interval.low <= narrow.sharpe_interval.low
        assert wide.sharpe_interval.high >= narrow.sharpe_interval.high
    assert got[-1].sharpe_interval.high - got[-1].sharpe_interval.low > (
        got[0].sharpe_interval.high - got[0].sharpe_interval.low
    )


def test_a_bust_account_stays_at_minus_100_percent() -> None:
    equity = np.concatenate([walk(150, 0.0, 0.01, 13), np.zeros(150)])
    got = ranking_stats(equity, HOURLY, np.full(301, 1.0))
    assert got.total_return == -1.0
    assert got.return_interval.low == -1.0  # every resample holding the bust tick
    assert got.return_interval.high > -1.0  # resamples that missed it
    assert math.isfinite(got.sharpe) and math.isfinite(got.sharpe_interval.low)
    assert got.p_beats_benchmark is not None and got.p_beats_benchmark < 0.5


def test_negative_equity_counts_as_bust() -> None:
    got = ranking_stats([100.0, 50.0, -20.0, -30.0], HOURLY)
    assert got.total_return == -1.0
    assert got.return_interval.low == -1.0


def test_fewer_than_two_returns_collapse_the_intervals() -> None:
    one = ranking_stats([100.0, 110.0], HOURLY, [10.0, 10.5])
    assert one.total_return == pytest.approx(0.1)
    assert one.sharpe == 0.0
    assert one.return_interval == Interval(one.total_return, one.total_return)
    assert one.sharpe_interval == Interval(0.0, 0.0)
    assert one.p_beats_benchmark == 1.0
    lone = ranking_stats([100.0], HOURLY, [3.0])
    assert lone == RankingStats(0.0, 0.0, Interval(0.0, 0.0), Interval(0.0, 0.0), 0.5)


def test_resampled_mean_total_return_tracks_the_point_estimate() -> None:
    # Low noise: the mean of resampled growth exceeds the point estimate only by the volatility
    # drag exp(n * var / 2) (~0.4% here), well inside the tolerance.
    returns = np.random.default_rng(14).normal(0.0001, 0.001, 8760)
    totals, _, _ = bootstrap._resample(returns, None, 2000, 0, math.sqrt(HOURLY))
    point = float(np.prod(1.0 + returns) - 1.0)
    assert float(totals.mean()) == pytest.approx(point, rel=0.03)


def test_noisy_resamples_centre_on_the_point_in_log_space() -> None:
    # With more noise the mean total return is pulled up by convexity to about
    # (1 + mean r) ** n - 1, while mean log growth stays on the curve's own log growth.
    returns = np.random.default_rng(15).normal(0.0001, 0.005, 8760)
    totals, _, _ = bootstrap._resample(returns, None, 2000, 0, math.sqrt(HOURLY))
    assert float(np.log1p(totals).mean()) == pytest.approx(np.log1p(returns).sum(), abs=0.04)
    expected = (1.0 + returns.mean()) ** returns.size
    assert float(1.0 + totals.mean()) == pytest.approx(expected, rel=0.05)


def test_a_year_of_hourly_ticks_stays_small_in_memory() -> None:
    equity, bench = walk(8760, 0.0001, 0.01, 16), walk(8760, 0.0, 0.01, 17)
    tracemalloc.start()
    try:
        ranking_stats(equity, HOURLY, bench)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 25_000_000


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.just(0.0) | st.floats(1e-3, 1e6), max_size=80),  # 1e-320 -> 1 overflows
    st.floats(1e-3, 1e6),
    st.integers(0, 2**32),
)
def test_any_curve_gives_ordered_finite_results(tail: list[float], first: float, seed: int) -> None:
    equity = np.array([first, *tail])
    got = ranking_stats(equity, HOURLY, equity[::-1].copy() + 1.0, samples=100, seed=seed)
    for interval in (got.return_interval, got.sharpe_interval):
        assert math.isfinite(interval.low) and math.isfinite(interval.high)
        assert interval.low <= interval.high
    assert got.return_interval.low >= -1.0
    assert got.p_beats_benchmark is not None and 0.0 <= got.p_beats_benchmark <= 1.0


GOOD = walk(49, 0.0, 0.01, 18)  # 50 points
BAD_INPUTS: list[tuple[str, npt.ArrayLike, dict[str, Any]]] = [
    ("nan", np.concatenate([GOOD[:10], [np.nan], GOOD[11:]]), {}),
    ("inf", np.concatenate([GOOD[:10], [np.inf], GOOD[11:]]), {}),
    ("2-D", GOOD.reshape(5, 10), {}),
    ("empty", np.array([]), {}),
    ("first value 0", np.concatenate([[0.0], GOOD[1:]]), {}),
    ("first value negative", np.concatenate([[-1.0], GOOD[1:]]), {}),
    ("benchmark length", GOOD, {"benchmark": GOOD[:-1]}),
    ("benchmark nan", GOOD, {"benchmark": np.full(50, np.nan)}),
    ("benchmark first 0", GOOD, {"benchmark": np.concatenate([[0.0], GOOD[1:]])}),
    ("samples", GOOD, {"samples": 99}),
    ("confidence 0", GOOD, {"confidence": 0.0}),
    ("confidence 1", GOOD, {"confidence": 1.0}),
    ("confidence nan", GOOD, {"confidence": math.nan}),
    ("periods 0", GOOD, {"periods_per_year": 0.0}),
    ("periods inf", GOOD, {"periods_per_year": math.inf}),
]


@pytest.mark.parametrize(
    ("equity", "kwargs"), [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS]
)
def test_bad_input_raises(equity: npt.ArrayLike, kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"periods_per_year": HOURLY, **kwargs}
    with pytest.raises(InvalidInputError) as raised:
        ranking_stats(equity, **arguments)
    assert "\n" not in str(raised.value)
