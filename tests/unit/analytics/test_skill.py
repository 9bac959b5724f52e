"""Skill vs exposure, checked against a closed-form case and statsmodels OLS on real closes."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from alpha_arena.analytics.skill import Skill, equal_weight_basket, skill
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray
from tests.support.sample import SAMPLE

HOURLY = 8760.0


@cache
def closes(base: str) -> pd.Series:
    """Hourly closes of the bundled Binance perpetual of ``base``, by timestamp."""
    frame = pd.read_csv(SAMPLE / f"binance_usdm_{base}USDT_1h.csv.gz")
    return frame.set_index("timestamp_ms")["close"].astype(float)


def aligned(*bases: str) -> list[FloatArray]:
    """Closes of each base on the timestamps they all share, oldest first."""
    frame = pd.concat([closes(base) for base in bases], axis=1, join="inner").sort_index()
    return [frame.iloc[:, index].to_numpy(dtype=np.float64) for index in range(len(bases))]


def levered(prices: FloatArray, leverage: float, cost: float = 0.0) -> FloatArray:
    """An equity curve of 10,000 whose per-tick returns are ``leverage`` times the price's,
    less ``cost`` per tick."""
    returns = leverage * (prices[1:] / prices[:-1] - 1.0) - cost
    return 10_000.0 * np.cumprod(np.concatenate([[1.0], 1.0 + returns]))


def test_twice_btc_has_beta_two_and_no_alpha() -> None:
    (btc,) = aligned("BTC")
    result = skill(levered(btc, 2.0), btc, HOURLY, samples=200)
    assert result.returns == btc.size - 1
    assert result.beta == pytest.approx(2.0, abs=1e-12)
    assert result.alpha_per_tick == pytest.approx(0.0, abs=1e-12)
    assert result.alpha_annualized == pytest.approx(0.0, abs=1e-12 * HOURLY)
    assert result.r_squared == pytest.approx(1.0, abs=1e-12)
    assert result.correlation == pytest.approx(1.0, abs=1e-12)


def test_a_constant_cost_per_tick_is_negative_alpha() -> None:
    (btc,) = aligned("BTC")
    cost = 1e-5
    result = skill(levered(btc, 2.0, cost), btc, HOURLY, samples=200)
    assert result.beta == pytest.approx(2.0, abs=1e-12)
    assert result.alpha_per_tick == pytest.approx(-cost, abs=1e-12)
    assert result.alpha_annualized == pytest.approx(-cost * HOURLY, abs=1e-12 * HOURLY)
    # Every resample of an exact line is that line: the intervals collapse onto the point.
    assert result.beta_interval is not None and result.alpha_interval is not None
    assert result.beta_interval.low == pytest.approx(2.0, abs=1e-9)
    assert result.beta_interval.high == pytest.approx(2.0, abs=1e-9)
    assert result.alpha_interval.low == pytest.approx(-cost * HOURLY, abs=1e-9 * HOURLY)
    assert result.alpha_interval.high == pytest.approx(-cost * HOURLY, abs=1e-9 * HOURLY)


def test_risk_free_rate_gives_jensens_alpha_of_excess_returns() -> None:
    eth, btc = aligned("ETH", "BTC")
    plain, jensen = skill(eth, btc, HOURLY), skill(eth, btc, HOURLY, risk_free=0.04)
    assert plain.beta is not None and plain.alpha_annualized is not None
    assert jensen.beta == plain.beta
    expected = plain.alpha_annualized - 0.04 * (1.0 - plain.beta)
    assert jensen.alpha_annualized == pytest.approx(expected, abs=1e-12)


def test_matches_statsmodels_ols_on_eth_against_btc() -> None:
    eth, btc = aligned("ETH", "BTC")
    result = skill(eth, btc, HOURLY)
    fit = sm.OLS(eth[1:] / eth[:-1] - 1.0, sm.add_constant(btc[1:] / btc[:-1] - 1.0)).fit()
    intercept, slope = (float(value) for value in fit.params)
    assert result.beta == pytest.approx(slope, abs=1e-10)
    assert result.alpha_per_tick == pytest.approx(intercept, abs=1e-10)
    assert result.alpha_annualized == pytest.approx(intercept * HOURLY, abs=1e-10 * HOURLY)
    assert result.r_squared == pytest.approx(float(fit.rsquared), abs=1e-10)
    assert result.correlation == pytest.approx(np.sqrt(float(fit.rsquared)), abs=1e-10)


def test_intervals_contain_the_estimates_and_repeat_per_seed() -> None:
    sol, btc = aligned("SOL", "BTC")
    result = skill(sol, btc, HOURLY, seed=7)
    assert result.beta is not None and result.alpha_annualized is not None
    assert result.beta_interval is not None and result.alpha_interval is not None
    assert result.beta_interval.low < result.beta < result.beta_interval.high
    assert result.alpha_interval.low < result.alpha_annualized < result.alpha_interval.high
    assert skill(sol, btc, HOURLY, seed=7) == result
    other = skill(sol, btc, HOURLY, seed=8)
    assert other.beta_interval != result.beta_interval
    narrow = skill(sol, btc, HOURLY, seed=7, confidence=0.5)
    assert narrow.beta_interval is not None
    assert result.beta_interval.low <= narrow.beta_interval.low
    assert narrow.beta_interval.high <= result.beta_interval.high


def test_bootstrap_matches_naive_paired_resampling() -> None:
    eth, btc = aligned("ETH", "BTC")
    eth, btc = eth[:500], btc[:500]
    samples, seed = 300, 3
    result = skill(eth, btc, HOURLY, samples=samples, seed=seed)
    y, x = eth[1:] / eth[:-1] - 1.0, btc[1:] / btc[:-1] - 1.0
    n = y.size
    block = round(n ** (1 / 3))
    blocks = -(-n // block)
    starts = np.random.default_rng(seed).integers(0, n, size=(samples, blocks))
    betas, alphas = [], []
    for row in starts:
        ticks = np.concatenate([(start + np.arange(block)) % n for start in row])[:n]
        slope, intercept = np.polyfit(x[ticks], y[ticks], 1)
        betas.append(slope)
        alphas.append(intercept * HOURLY)
    tails = [0.05, 0.95]
    for interval, estimates in ((result.beta_interval, betas), (result.alpha_interval, alphas)):
        assert interval is not None
        low, high = np.quantile(estimates, tails)
        assert interval.low == pytest.approx(low, abs=1e-9)
        assert interval.high == pytest.approx(high, abs=1e-9)


@pytest.mark.parametrize(
    ("equity", "benchmark"),
    [
        ([100.0, 101.0, 102.0], [10.0, 11.0, 10.0]),  # two returns
        ([100.0, 101.0, 99.0, 103.0], [10.0, 10.0, 10.0, 10.0]),  # flat benchmark
    ],
)
def test_undefined_regression_is_none_not_nan(equity: list[float], benchmark: list[float]) -> None:
    result = skill(equity, benchmark, HOURLY)
    assert result == Skill(len(equity) - 1, None, None, None, None, None, None, None)


def test_flat_entry_has_no_correlation_but_zero_beta() -> None:
    result = skill([100.0] * 6, [10.0, 11.0, 10.5, 12.0, 11.0, 11.5], HOURLY)
    assert result.beta == 0.0 and result.alpha_per_tick == 0.0
    assert result.r_squared is None and result.correlation is None


@pytest.mark.parametrize(
    ("equity", "benchmark", "options", "message"),
    [
        ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0], {}, "benchmark has 3 points but equity 4"),
        ([1.0, np.nan, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], {}, "equity contains NaN"),
        ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, np.inf, 4.0], {}, "benchmark contains NaN"),
        ([0.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], {}, "equity must start above zero"),
        ([1.0, 2.0, 3.0, 4.0], [-1.0, 2.0, 3.0, 4.0], {}, "benchmark must start above zero"),
        ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], {"samples": 99}, "at least 100"),
        ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], {"confidence": 1.0}, "confidence"),
        ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], {"periods_per_year": 0.0}, "periods"),
        ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], {"risk_free": np.nan}, "risk_free"),
        ([[1.0, 2.0]], [[1.0, 2.0]], {}, "1-D"),
    ],
)
def test_bad_input_is_rejected_with_a_one_line_message(
    equity: object, benchmark: object, options: dict[str, float], message: str
) -> None:
    arguments: dict[str, object] = {"periods_per_year": HOURLY, **options}
    with pytest.raises(InvalidInputError, match=message):
        skill(equity, benchmark, **arguments)  # type: ignore[arg-type]


def test_equal_weight_basket_splits_capital_once_and_never_rebalances() -> None:
    basket = equal_weight_basket([[100.0, 200.0, 50.0], [10.0, 10.0, 20.0]], capital=1000.0)
    # 500 buys 5 of the first and 500 buys 50 of the second, held to the end.
    np.testing.assert_allclose(basket, [1000.0, 1500.0, 1250.0], rtol=1e-15)
    btc, eth = aligned("BTC", "ETH")
    real = equal_weight_basket([btc, eth])
    assert real[0] == 1.0
    assert real[-1] == pytest.approx((btc[-1] / btc[0] + eth[-1] / eth[0]) / 2.0, rel=1e-14)


@pytest.mark.parametrize(
    ("curves", "capital", "message"),
    [
        ([], 1.0, "at least one"),
        ([[1.0, 2.0], [1.0, 2.0, 3.0]], 1.0, "curve 1 has 3 points but curve 0 2"),
        ([[1.0, 0.0]], 1.0, "above zero"),
        ([[1.0, np.nan]], 1.0, "above zero"),
        ([[1.0, 2.0]], 0.0, "capital must be positive"),
    ],
)
def test_equal_weight_basket_rejects_bad_curves(
    curves: list[list[float]], capital: float, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        equal_weight_basket(curves, capital=capital)
