"""The deflated Sharpe ratio against the worked example of Bailey and López de Prado (2014), the
probabilistic Sharpe ratio against its closed forms, and the probability of backtest
overfitting against a brute-force CSCV written independently here (row indices per split,
numpy's own mean and standard deviation, scipy's ranks), plus its two limiting cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import kurtosis, norm, rankdata, skew

from alpha_arena.analytics.overfitting import (
    block_count,
    deflated_sharpe,
    deflated_sharpes,
    expected_maximum_sharpe,
    overfitting,
    period_returns,
    probabilistic_sharpe,
    probability_of_backtest_overfitting,
    summarize,
)
from alpha_arena.core.errors import InvalidInputError

# The paper's numerical example: 100 trials, the best with an annualized Sharpe ratio of 2.5
# over 1,250 daily returns (five years of 250 days), skewness -3 and kurtosis 10, the trials'
# Sharpe ratios varying by 1/2 (annualized). Per day, as the paper converts them:
DAYS_PER_YEAR = 250
SHARPE = 2.5 / math.sqrt(DAYS_PER_YEAR)
VARIANCE = 0.5 / DAYS_PER_YEAR


def test_the_papers_example_has_sr0_0_1132_and_a_deflated_sharpe_of_0_9004() -> None:
    assert expected_maximum_sharpe(100, VARIANCE) == pytest.approx(0.1132, abs=5e-5)
    assert deflated_sharpe(SHARPE, 1250, -3.0, 10.0, 100, VARIANCE) == pytest.approx(
        0.9004, abs=5e-5
    )


def test_the_papers_example_passes_at_95_percent_with_at_most_46_trials() -> None:
    assert deflated_sharpe(SHARPE, 1250, -3.0, 10.0, 46, VARIANCE) == pytest.approx(
        0.9505, abs=5e-5
    )
    assert deflated_sharpe(SHARPE, 1250, -3.0, 10.0, 47, VARIANCE) < 0.95  # type: ignore[operator]


def test_expected_maximum_sharpe_follows_the_extreme_value_formula() -> None:
    for trials in (2, 10, 1000):
        expected = math.sqrt(0.3) * (
            (1 - np.euler_gamma) * norm.ppf(1 - 1 / trials)
            + np.euler_gamma * norm.ppf(1 - 1 / (trials * math.e))
        )
        assert expected_maximum_sharpe(trials, 0.3) == pytest.approx(expected, rel=1e-12)
    assert expected_maximum_sharpe(1, 0.3) == 0.0  # one trial: nothing was selected


def test_psr_of_normal_returns_is_lo_s_asymptotic_test() -> None:
    # Skew 0, kurtosis 3: the standard error of the Sharpe ratio is sqrt((1 + SR^2/2)/(T-1)).
    sharpe, count = 0.1, 250
    expected = norm.cdf(sharpe * math.sqrt(count - 1) / math.sqrt(1 + sharpe**2 / 2))
    assert probabilistic_sharpe(sharpe, count) == pytest.approx(expected, rel=1e-12)
    # Against a benchmark of 1.0 per period from an observed 1.14 over 250 returns.
    assert probabilistic_sharpe(1.14, 250, benchmark=1.0) == pytest.approx(0.95728, abs=1e-5)


def test_psr_is_a_half_at_the_benchmark_and_falls_with_negative_skew_and_fat_tails() -> None:
    assert probabilistic_sharpe(0.2, 100, -1.0, 6.0, benchmark=0.2) == 0.5
    normal = probabilistic_sharpe(0.1, 500)
    skewed = probabilistic_sharpe(0.1, 500, -2.0, 9.0)
    assert normal is not None and skewed is not None and skewed < normal
    assert probabilistic_sharpe(0.1, 1) is None
    assert probabilistic_sharpe(1.0, 100, 10.0, 3.0) is None  # 1 - 10 + 0.5 < 0: no estimate


def test_summaries_measure_the_returns_as_scipy_does() -> None:
    rng = np.random.default_rng(7)
    returns = rng.standard_t(4, 1000) * 0.01 + 0.0005
    summary = summarize(returns)
    assert summary.count == 1000
    assert summary.sharpe == pytest.approx(returns.mean() / returns.std(ddof=1), rel=1e-12)
    assert summary.skewness == pytest.approx(skew(returns), rel=1e-9)
    assert summary.kurtosis == pytest.approx(kurtosis(returns, fisher=False), rel=1e-9)
    # 16 blocks of 62 returns: the oldest 8 are left out.
    assert summary.block_counts == (62,) * 16
    assert summary.block_sums[0] == pytest.approx(returns[8:70].sum(), rel=1e-12)
    assert summary.block_squares[-1] == pytest.approx((returns[-62:] ** 2).sum(), rel=1e-12)


def test_a_flat_curve_has_no_sharpe_and_so_no_deflated_sharpe() -> None:
    flat = summarize(np.zeros(100))
    assert flat.sharpe is None and flat.skewness is None
    moving = summarize(np.random.default_rng(1).normal(0.001, 0.01, 100))
    values = deflated_sharpes([flat, moving])
    assert values[0] is None and values[1] is not None


def test_deflated_sharpes_use_every_trial_as_n_and_the_spread_of_their_sharpes_as_v() -> None:
    rng = np.random.default_rng(3)
    summaries = [summarize(rng.normal(0.0002 * k, 0.01, 500)) for k in range(10)]
    sharpes = [s.sharpe for s in summaries]
    variance = float(np.var(sharpes, ddof=1))
    values = deflated_sharpes(summaries)
    for summary, value in zip(summaries, values, strict=True):
        assert summary.sharpe is not None and summary.skewness is not None
        assert summary.kurtosis is not None
        assert value == deflated_sharpe(
            summary.sharpe, 500, summary.skewness, summary.kurtosis, 10, variance
        )


def test_period_returns_follow_the_metrics_conventions() -> None:
    returns = period_returns([100.0, 110.0, -5.0, 0.0, 50.0])
    assert returns.tolist() == pytest.approx([0.1, -1.0, 0.0, 0.0])


@pytest.mark.parametrize(("count", "blocks"), [(1000, 16), (64, 16), (63, 14), (8, 2), (7, 0)])
def test_fewer_blocks_on_a_short_history(count: int, blocks: int) -> None:
    assert block_count(count) == blocks


def test_an_odd_number_of_blocks_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="even number of blocks"):
        block_count(100, 5)


def brute_force_pbo(matrix: np.ndarray, blocks: int) -> tuple[float, float, int]:
    """CSCV as the paper states it, one split at a time on the rows themselves."""
    rows, trials = matrix.shape
    size = rows // blocks
    kept = matrix[rows - blocks * size :]
    parts = [np.arange(b * size, (b + 1) * size) for b in range(blocks)]
    logits = []
    for chosen in itertools.combinations(range(blocks), blocks // 2):
        inside = kept[np.concatenate([parts[b] for b in chosen])]
        outside = kept[np.concatenate([parts[b] for b in range(blocks) if b not in chosen])]
        in_sharpe = inside.mean(axis=0) / inside.std(axis=0, ddof=1)
        out_sharpe = outside.mean(axis=0) / outside.std(axis=0, ddof=1)
        best = int(np.argmax(in_sharpe))
        omega = rankdata(out_sharpe)[best] / (trials + 1)
        logits.append(math.log(omega / (1 - omega)))
    values = np.array(logits)
    return float(np.mean(values <= 0)), float(np.median(values)), len(values)


@pytest.mark.parametrize(("seed", "rows", "trials", "blocks"), [(1, 400, 12, 8), (2, 250, 30, 10)])
def test_pbo_equals_a_brute_force_cscv_on_random_data(
    seed: int, rows: int, trials: int, blocks: int
) -> None:
    rng = np.random.default_rng(seed)
    # Some skill differences so that the result is neither 0 nor 1.
    matrix = rng.normal(0.0, 0.01, (rows, trials)) + rng.normal(0.0, 0.0005, trials)
    result = probability_of_backtest_overfitting(matrix, blocks)
    pbo, median, splits = brute_force_pbo(matrix, blocks)
    assert result is not None
    assert result.splits == splits == math.comb(blocks, blocks // 2)
    assert result.blocks == blocks
    assert result.pbo == pbo
    assert 0.0 < result.pbo < 1.0
    assert result.median_logit == pytest.approx(median, rel=1e-9, abs=1e-12)


def test_pbo_of_strategies_that_are_all_noise_is_near_a_half() -> None:
    rng = np.random.default_rng(11)
    results = [
        probability_of_backtest_overfitting(rng.normal(0.0, 0.01, (1000, 20))) for _ in range(5)
    ]
    pbos = [result.pbo for result in results if result is not None]
    assert len(pbos) == 5
    assert 0.35 < float(np.mean(pbos)) < 0.65


def test_pbo_of_one_real_edge_among_noise_is_near_zero() -> None:
    rng = np.random.default_rng(12)
    matrix = rng.normal(0.0, 0.01, (1000, 20))
    matrix[:, 7] += 0.004  # a Sharpe ratio of 0.4 per period: the best in and out of sample
    result = probability_of_backtest_overfitting(matrix)
    assert result is not None and result.blocks == 16 and result.splits == 12870
    assert result.pbo < 0.01
    assert result.median_logit > 2.0


def test_no_pbo_for_one_trial_a_short_history_or_different_periods() -> None:
    rng = np.random.default_rng(5)
    assert probability_of_backtest_overfitting(rng.normal(size=(100, 1))) is None
    assert probability_of_backtest_overfitting(rng.normal(size=(7, 5))) is None
    assert overfitting([summarize(rng.normal(size=100)), summarize(rng.normal(size=90))]) is None
    with pytest.raises(InvalidInputError, match="T x N"):
        probability_of_backtest_overfitting(rng.normal(size=100))


def test_flat_trials_count_as_a_sharpe_of_zero_inside_cscv() -> None:
    rng = np.random.default_rng(9)
    matrix = np.column_stack([np.zeros(200), rng.normal(0.002, 0.01, (200, 3))])
    result = probability_of_backtest_overfitting(matrix, 4)
    assert result is not None and 0.0 <= result.pbo <= 1.0
    assert math.isfinite(result.median_logit)
