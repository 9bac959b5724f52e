"""Bootstrap intervals for an honest leaderboard: how sure are we of a return, a Sharpe, a win?

A few hundred ticks of luck can lift a coin-flipper above a real edge, so each point estimate
comes with a percentile interval and the chance of beating a benchmark. Conventions follow
``metrics``: the curve is the initial capital then the equity after each tick; equity below zero
counts as zero and a return out of zero equity is 0 (bust stays bust); Sharpe is mean / sample
std (ddof=1) of per-tick returns times ``sqrt(periods_per_year)``, and 0.0 with fewer than two
returns or a spread below 1e-12 (rounding noise of a constant curve). Resampling is a circular
moving-block bootstrap with blocks of ``round(n ** (1/3))`` ticks, which keep the short-range
autocorrelation (volatility clustering, trends) an iid bootstrap would destroy; the benchmark is
resampled with the entry's blocks (paired) so each resample compares both on the same market.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray

_NO_SPREAD = 1e-12  # as in metrics: a smaller per-tick spread is rounding noise, not risk
_CHUNK_VALUES = 2**20  # floats gathered per chunk of resamples (8 MB), whatever n and samples


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class RankingStats:
    """Point estimates from the curve as given, and bootstrap intervals around them."""

    total_return: float  # equity[-1] / equity[0] - 1, a fraction (0.05 is +5%)
    sharpe: float  # annualized
    return_interval: Interval
    sharpe_interval: Interval
    p_beats_benchmark: float | None  # share of resamples beating it, ties half; None without


def ranking_stats(
    equity: npt.ArrayLike,
    periods_per_year: float,
    benchmark: npt.ArrayLike | None = None,
    samples: int = 2000,
    confidence: float = 0.9,
    seed: int = 0,
) -> RankingStats:
    """Bootstrap the total return and Sharpe of ``equity``, deterministically per ``seed``. Raise
    InvalidInputError for a curve not 1-D, finite and starting above zero, a benchmark of another
    length, samples < 100, confidence outside (0, 1) or periods_per_year <= 0."""
    values = _curve(equity, "equity")
    bench = None if benchmark is None else _curve(benchmark, "benchmark")
    if bench is not None and bench.shape != values.shape:
        raise InvalidInputError(f"benchmark has {bench.size} points but equity {values.size}")
    if samples < 100:
        raise InvalidInputError(f"need at least 100 bootstrap samples; got {samples}")
    if not 0.0 < confidence < 1.0:
        raise InvalidInputError(f"confidence must lie strictly between 0 and 1; got {confidence}")
    if not (periods_per_year > 0.0 and math.isfinite(periods_per_year)):
        raise InvalidInputError(f"periods_per_year must be positive; got {periods_per_year}")
    returns, root = _returns(values), math.sqrt(periods_per_year)
    total = float(values[-1] / values[0] - 1.0)
    spread = float(returns.std(ddof=1)) if returns.size >= 2 else 0.0
    sharpe = float(returns.mean()) / spread * root if spread > _NO_SPREAD else 0.0
    if returns.size < 2:  # every resample is the curve itself: nothing to spread
        p = None if bench is None else _beats(total, float(bench[-1] / bench[0] - 1.0))
        return RankingStats(total, sharpe, Interval(total, total), Interval(sharpe, sharpe), p)
    bench_returns = None if bench is None else _returns(bench)
    totals, sharpes, bench_totals = _resample(returns, bench_returns, samples, seed, root)
    tails = [(1.0 - confidence) / 2.0, 1.0 - (1.0 - confidence) / 2.0]
    return RankingStats(
        total_return=total,
        sharpe=sharpe,
        return_interval=Interval(*(float(q) for q in np.quantile(totals, tails))),
        sharpe_interval=Interval(*(float(q) for q in np.quantile(sharpes, tails))),
        p_beats_benchmark=None if bench_totals is None else _beats(totals, bench_totals),
    )


def _resample(
    returns: FloatArray, bench_returns: FloatArray | None, samples: int, seed: int, root: float
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Return each resample's total return, annualized Sharpe and benchmark total return.
    A resample is ``blocks`` circular blocks of ``block`` ticks, the last cut to keep n ticks.
    Each statistic is a sum over ticks (of log growth for a product; a bust's -inf absorbs the
    rest), so summing every possible block once makes a resample O(n^(2/3)) work, not O(n).
    Centring the returns keeps the variance from sums of squares clear of cancellation."""
    n = returns.size
    centred = returns - returns.mean()
    growths = [returns] if bench_returns is None else [returns, bench_returns]
    with np.errstate(divide="ignore"):  # log1p(-1) = -inf marks a bust: expm1(-inf) = -1
        table = np.column_stack([centred, centred**2, *(np.log1p(r) for r in growths)])
    sums = _block_sums(table, samples, seed, table.shape[1])
    spreads = np.sqrt(np.maximum(sums[:, 1] - sums[:, 0] ** 2 / n, 0.0) / (n - 1))
    noisy = spreads > _NO_SPREAD
    means = returns.mean() + sums[:, 0] / n
    sharpes = np.where(noisy, means / np.where(noisy, spreads, 1.0) * root, 0.0)
    return _total(sums[:, 2]), sharpes, None if bench_returns is None else _total(sums[:, 3])


def _block_sums(table: FloatArray, samples: int, seed: int, chunk_columns: int) -> FloatArray:
    """Return each resample's column sums of ``table`` (one row a tick): ``blocks`` circular
    blocks of ``block`` ticks, the last cut to keep n ticks. The blocks are drawn a chunk of
    resamples at a time, the chunk sized for ``chunk_columns`` columns: the same seed, n and
    ``chunk_columns`` draw the same blocks whatever the table's width (it is gathered
    ``chunk_columns`` columns at a time, so memory stays bounded as it grows)."""
    n = table.shape[0]
    block = max(1, round(n ** (1 / 3)))
    blocks = -(-n // block)
    full, last = _window_sums(table, block), _window_sums(table, n - (blocks - 1) * block)
    rng = np.random.default_rng(seed)
    step = max(1, _CHUNK_VALUES // (blocks * chunk_columns))
    sums = np.empty((samples, table.shape[1]))
    for first in range(0, samples, step):
        starts = rng.integers(0, n, size=(min(step, samples - first), blocks))
        rows = slice(first, first + len(starts))
        for left in range(0, table.shape[1], chunk_columns):
            columns = slice(left, left + chunk_columns)
            gathered = full[starts[:, :-1], columns].sum(axis=1)
            sums[rows, columns] = gathered + last[starts[:, -1], columns]
    return sums


def _curve(data: npt.ArrayLike, name: str) -> FloatArray:
    """Return the curve as floats floored at zero, or raise for an unusable one."""
    values = np.asarray(data, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise InvalidInputError(f"{name} must be a non-empty 1-D curve; got shape {values.shape}")
    if not bool(np.all(np.isfinite(values))):
        raise InvalidInputError(f"{name} contains NaN or infinite values")
    if values[0] <= 0.0:
        raise InvalidInputError(f"{name} must start above zero; got {values[0]}")
    return np.maximum(values, 0.0)


def _returns(values: FloatArray) -> FloatArray:
    """Return per-tick returns; a return out of zero (bust) equity is 0."""
    previous = values[:-1]
    safe = np.where(previous > 0.0, previous, 1.0)
    return np.where(previous > 0.0, values[1:] / safe - 1.0, 0.0)


def _window_sums(table: FloatArray, length: int) -> FloatArray:
    """Return the sum of each circular window of ``length`` rows, one per starting row."""
    wrapped = np.concatenate([table, table[: length - 1]])
    windows = np.lib.stride_tricks.sliding_window_view(wrapped, length, axis=0)
    return np.asarray(windows.sum(axis=-1), dtype=np.float64)


def _total(log_growth: FloatArray) -> FloatArray:
    """Total return from summed log growth, capped below infinity so percentiles stay finite."""
    with np.errstate(over="ignore"):
        return np.minimum(np.expm1(log_growth), np.finfo(np.float64).max)


def _beats(entry: FloatArray | float, bench: FloatArray | float) -> float:
    """Share of resamples where the entry's total return beats the benchmark's; ties count half."""
    return float(np.mean(np.greater(entry, bench)) + 0.5 * np.mean(np.equal(entry, bench)))
