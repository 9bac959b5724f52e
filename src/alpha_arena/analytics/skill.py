"""Skill vs exposure: is an entry's return alpha, or leveraged beta to the market?

An entry that holds BTC at 2x leverage beats BTC in a rising market with no skill at all. Regressing
the entry's per-tick returns on a benchmark's (BTC buy-and-hold, or the equal-weight basket) by
ordinary least squares splits the return into exposure (the slope, beta) and what is left per tick
(the intercept, Jensen's alpha). Conventions follow ``bootstrap``: a curve is the initial capital
then the equity after each tick; equity below zero counts as zero and a return out of zero equity
is 0; intervals come from the same paired circular moving-block bootstrap (blocks of
``round(n ** (1/3))`` ticks, the benchmark resampled with the entry's blocks so each resample
regresses the entry on the market it actually faced).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alpha_arena.analytics.bootstrap import Interval, _curve, _returns, _window_sums
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray

_NO_SPREAD = 1e-12  # as in metrics: a smaller per-tick spread is rounding noise, not risk
_CHUNK_VALUES = 2**20  # floats gathered per chunk of resamples (8 MB), whatever n and samples
_MIN_RETURNS = 3  # two points always fit a line exactly: a regression needs a third


@dataclass(frozen=True, slots=True)
class Skill:
    """An entry's regression on a benchmark; see ``skill`` for the definitions.

    Every field but ``returns`` is None when the regression is undefined: fewer than three
    returns, or a benchmark whose per-tick spread is below 1e-12 (no market move to be exposed
    to). ``r_squared`` and ``correlation`` are also None when the entry's own spread is.
    """

    returns: int  # per-tick returns regressed (points in the curve - 1)
    beta: float | None
    alpha_per_tick: float | None
    alpha_annualized: float | None  # alpha_per_tick * periods_per_year (simple, not compounded)
    r_squared: float | None
    correlation: float | None
    alpha_interval: Interval | None  # of the annualized alpha
    beta_interval: Interval | None


def skill(
    equity: npt.ArrayLike,
    benchmark: npt.ArrayLike,
    periods_per_year: float,
    samples: int = 2000,
    confidence: float = 0.9,
    seed: int = 0,
    risk_free: float = 0.0,
) -> Skill:
    """Regress the per-tick returns of ``equity`` on those of ``benchmark`` (same ticks).

    ``beta`` is the OLS slope; ``alpha_per_tick`` is Jensen's alpha, the OLS intercept of the
    excess returns ``r - rf`` on ``b - rf`` with ``rf = risk_free / periods_per_year`` per tick
    (``risk_free`` is an annual rate, 0 by default, when alpha is the plain intercept);
    ``alpha_annualized`` is ``alpha_per_tick * periods_per_year``. ``r_squared`` is the share of
    the entry's variance the benchmark explains and ``correlation`` Pearson's r. The intervals
    are ``confidence`` percentile intervals over ``samples`` paired block-bootstrap resamples,
    deterministic per ``seed``; resamples whose benchmark has no spread are left out, and when
    all are the interval is the point estimate. Raise InvalidInputError for a curve not 1-D,
    finite and starting above zero, curves of different lengths, samples < 100, confidence
    outside (0, 1), periods_per_year <= 0 or a risk_free that is not finite.
    """
    values, bench = _curve(equity, "equity"), _curve(benchmark, "benchmark")
    if bench.shape != values.shape:
        raise InvalidInputError(f"benchmark has {bench.size} points but equity {values.size}")
    if samples < 100:
        raise InvalidInputError(f"need at least 100 bootstrap samples; got {samples}")
    if not 0.0 < confidence < 1.0:
        raise InvalidInputError(f"confidence must lie strictly between 0 and 1; got {confidence}")
    if not (periods_per_year > 0.0 and math.isfinite(periods_per_year)):
        raise InvalidInputError(f"periods_per_year must be positive; got {periods_per_year}")
    if not math.isfinite(risk_free):
        raise InvalidInputError(f"risk_free must be a finite annual rate; got {risk_free}")
    y, x = _returns(values), _returns(bench)
    n = y.size
    if n < _MIN_RETURNS or float(x.std(ddof=1)) <= _NO_SPREAD:
        return Skill(n, None, None, None, None, None, None, None)
    rf = risk_free / periods_per_year
    # Centring first keeps the sums of squares clear of cancellation.
    x_centred, y_centred = x - x.mean(), y - y.mean()
    sxx, sxy = float(x_centred @ x_centred), float(x_centred @ y_centred)
    syy = float(y_centred @ y_centred)
    beta = sxy / sxx
    alpha = float(y.mean()) - beta * float(x.mean()) - rf * (1.0 - beta)
    correlation = None
    r_squared = None
    if float(y.std(ddof=1)) > _NO_SPREAD:
        correlation = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
        r_squared = correlation**2
    betas, alphas = _resample(x, y, samples, seed)
    alphas = (alphas - rf * (1.0 - betas)) * periods_per_year
    tails = [(1.0 - confidence) / 2.0, 1.0 - (1.0 - confidence) / 2.0]
    annualized = alpha * periods_per_year
    return Skill(
        returns=n,
        beta=beta,
        alpha_per_tick=alpha,
        alpha_annualized=annualized,
        r_squared=r_squared,
        correlation=correlation,
        alpha_interval=_interval(alphas, tails, annualized),
        beta_interval=_interval(betas, tails, beta),
    )


def equal_weight_basket(curves: Sequence[npt.ArrayLike], capital: float = 1.0) -> FloatArray:
    """Return the equity of an equal-weight buy-and-hold of the price ``curves`` (same ticks):
    ``capital`` split equally among them at the first point and never rebalanced, so the basket
    is ``capital / k * sum(price_i / price_i[0])``. Raise InvalidInputError for no curves,
    curves of different lengths, a curve not 1-D, finite and above zero, or capital <= 0."""
    if len(curves) == 0:
        raise InvalidInputError("need at least one price curve for a basket")
    if not (capital > 0.0 and math.isfinite(capital)):
        raise InvalidInputError(f"capital must be positive; got {capital}")
    prices = [np.asarray(curve, dtype=np.float64) for curve in curves]
    for i, price in enumerate(prices):
        if price.ndim != 1 or price.size == 0:
            raise InvalidInputError(f"curve {i} must be a non-empty 1-D curve; got {price.shape}")
        if price.shape != prices[0].shape:
            raise InvalidInputError(
                f"curve {i} has {price.size} points but curve 0 {prices[0].size}"
            )
        if not bool(np.all(np.isfinite(price)) and np.all(price > 0.0)):
            raise InvalidInputError(f"curve {i} must hold finite prices above zero")
    growth = np.sum([price / price[0] for price in prices], axis=0)
    return np.asarray(capital / len(prices) * growth, dtype=np.float64)


def _resample(
    x: FloatArray, y: FloatArray, samples: int, seed: int
) -> tuple[FloatArray, FloatArray]:
    """Return each resample's OLS slope and intercept (NaN slope when its benchmark is flat).
    A resample is ``blocks`` circular blocks of ``block`` ticks, the last cut to keep n ticks,
    drawn as in ``bootstrap``; the OLS needs only the sums of x, y, x² and xy, and summing every
    possible block once makes each resample O(n^(2/3)) work, not O(n)."""
    n = x.size
    block = max(1, round(n ** (1 / 3)))
    blocks = -(-n // block)
    x_mean, y_mean = float(x.mean()), float(y.mean())
    x_centred, y_centred = x - x_mean, y - y_mean
    table = np.column_stack([x_centred, y_centred, x_centred**2, x_centred * y_centred])
    full, last = _window_sums(table, block), _window_sums(table, n - (blocks - 1) * block)
    rng = np.random.default_rng(seed)
    step = max(1, _CHUNK_VALUES // (blocks * table.shape[1]))
    sums = np.empty((samples, table.shape[1]))
    for first in range(0, samples, step):
        starts = rng.integers(0, n, size=(min(step, samples - first), blocks))
        sums[first : first + len(starts)] = full[starts[:, :-1]].sum(axis=1) + last[starts[:, -1]]
    sx, sy, sxx, sxy = sums.T
    sxx_about_mean = np.maximum(sxx - sx**2 / n, 0.0)
    spread = np.sqrt(sxx_about_mean / (n - 1))
    moving = spread > _NO_SPREAD
    betas = np.where(moving, (sxy - sx * sy / n) / np.where(moving, sxx_about_mean, 1.0), np.nan)
    alphas = (y_mean + sy / n) - betas * (x_mean + sx / n)
    return betas, alphas


def _interval(estimates: FloatArray, tails: list[float], point: float) -> Interval:
    """Percentile interval of the defined resamples, or the point estimate when none is."""
    defined = estimates[np.isfinite(estimates)]
    if defined.size == 0:
        return Interval(point, point)
    return Interval(*(float(q) for q in np.quantile(defined, tails)))
