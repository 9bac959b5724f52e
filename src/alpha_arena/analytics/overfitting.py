"""Overfitting guards for parameter sweeps: the deflated Sharpe ratio of each combination and
the probability of backtest overfitting of the sweep as a whole.

- Probabilistic Sharpe ratio (Bailey and López de Prado, 2012): the probability that the true
  Sharpe ratio exceeds a benchmark ``SR*``, given the observed per-period (not annualized)
  Sharpe ``SR`` of ``T`` returns with skewness ``g3`` and (non-excess) kurtosis ``g4``:
  ``PSR = Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2))``.
- Deflated Sharpe ratio (Bailey and López de Prado, 2014): the PSR against the Sharpe ratio
  the best of ``N`` trials would show by luck alone, ``SR0 = sqrt(V) ((1 - gamma)
  Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))``, where ``V`` is the variance of the trials'
  Sharpe ratios and ``gamma`` the Euler-Mascheroni constant.
- Probability of backtest overfitting (Bailey, Borwein, López de Prado and Zhu, 2017), by
  combinatorially symmetric cross-validation (CSCV): the ``T x N`` matrix of the trials'
  per-period returns is cut into ``S`` contiguous blocks of equal length (the oldest ``T mod S``
  returns are left out); for every choice of ``S/2`` blocks as the in-sample half (the others
  are out of sample), the trial with the best in-sample Sharpe ratio (the first one on a tie)
  has out-of-sample relative rank ``w = rank / (N + 1)`` (rank 1 the lowest, ties at their
  mean rank) and logit ``ln(w / (1 - w))``; PBO is the share of splits with a logit <= 0,
  that is, where the in-sample best lands at or below the median out of sample.

A Sharpe ratio whose per-period spread is below 1e-12 (a flat curve) is 0 inside CSCV and
undefined (None) elsewhere, as in ``metrics``. CSCV with the Sharpe ratio needs only each
block's count, sum and sum of squares per trial, so a sweep's points carry those
(``ReturnSummary``), not their whole return series.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray

EULER_GAMMA = 0.5772156649015329
DEFAULT_BLOCKS = 16
#: Each block holds at least this many returns: fewer blocks are used on a short history.
MIN_BLOCK_RETURNS = 4
_NO_SPREAD = 1e-12  # as in metrics: a smaller per-period spread is rounding noise, not risk
_SPLITS_PER_CHUNK_VALUES = 2**20  # split x trial values held at once while ranking
_NORMAL = NormalDist()


@dataclass(frozen=True, slots=True)
class ReturnSummary:
    """What the overfitting checks need of one trial's per-period returns.

    ``sharpe``, ``skewness`` and ``kurtosis`` (non-excess, 3 for a normal law) use every
    return and are None without a spread; the blocks are CSCV's (``block_count``), oldest
    first, each with its number of returns, their sum and their sum of squares."""

    count: int
    sharpe: float | None
    skewness: float | None
    kurtosis: float | None
    block_counts: tuple[int, ...]
    block_sums: tuple[float, ...]
    block_squares: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Overfitting:
    """The CSCV result of a set of trials: the probability of backtest overfitting, the number
    of in-sample/out-of-sample splits it was measured over, the median logit of the in-sample
    best's out-of-sample rank (below 0: it tends to land in the bottom half), and the blocks."""

    pbo: float
    splits: int
    median_logit: float
    blocks: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "pbo": self.pbo,
            "splits": self.splits,
            "median_logit": self.median_logit,
            "blocks": self.blocks,
        }


def period_returns(equity: npt.ArrayLike) -> FloatArray:
    """Per-period returns of an equity curve, as ``metrics`` takes them: equity below zero
    counts as zero and a return out of zero equity is 0."""
    values = np.maximum(np.asarray(equity, dtype=np.float64), 0.0)
    previous = values[:-1]
    safe = np.where(previous > 0.0, previous, 1.0)
    return np.where(previous > 0.0, values[1:] / safe - 1.0, 0.0)


def block_count(observations: int, blocks: int = DEFAULT_BLOCKS) -> int:
    """The even number of CSCV blocks for ``observations`` returns: ``blocks``, or fewer so that
    each block holds at least MIN_BLOCK_RETURNS; 0 when not even two blocks fit."""
    if blocks < 2 or blocks % 2:
        raise InvalidInputError(f"CSCV needs an even number of blocks >= 2; got {blocks}")
    fitting = observations // MIN_BLOCK_RETURNS
    return max(0, min(blocks, fitting - fitting % 2))


def summarize(returns: npt.ArrayLike, blocks: int = DEFAULT_BLOCKS) -> ReturnSummary:
    """Summarize one trial's per-period ``returns`` (see ``ReturnSummary``)."""
    values = np.asarray(returns, dtype=np.float64)
    count = int(values.size)
    sharpe = skewness = kurtosis = None
    if count >= 2:
        mean = float(values.mean())
        deviations = values - mean
        squares = deviations * deviations
        total = float(squares.sum())
        spread = math.sqrt(total / (count - 1))
        if spread > _NO_SPREAD:
            sharpe = mean / spread
            second = total / count
            # Products summed by numpy, not BLAS dot products: the same bits in every process
            # whatever its thread count (the workers' sweep equals the local one).
            skewness = float((squares * deviations).sum()) / count / second**1.5
            kurtosis = float((squares * squares).sum()) / count / second**2
    used = block_count(count, blocks)
    if used == 0:
        return ReturnSummary(count, sharpe, skewness, kurtosis, (), (), ())
    size = count // used
    table = values[count - used * size :].reshape(used, size)
    return ReturnSummary(
        count,
        sharpe,
        skewness,
        kurtosis,
        (size,) * used,
        tuple(float(total) for total in table.sum(axis=1)),
        tuple(float(total) for total in (table * table).sum(axis=1)),
    )


def probabilistic_sharpe(
    sharpe: float,
    observations: int,
    skewness: float = 0.0,
    kurtosis: float = 3.0,
    benchmark: float = 0.0,
) -> float | None:
    """The probability that the true per-period Sharpe ratio exceeds ``benchmark`` (PSR);
    None when the estimate's variance term is not positive (an impossible skew/kurtosis pair)
    or fewer than two observations."""
    if observations < 2:
        return None
    variance = 1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe * sharpe
    if not variance > 0.0 or not math.isfinite(variance):
        return None
    return _NORMAL.cdf((sharpe - benchmark) * math.sqrt(observations - 1) / math.sqrt(variance))


def expected_maximum_sharpe(trials: int, variance: float) -> float:
    """``SR0``: the Sharpe ratio the best of ``trials`` independent trials with no skill is
    expected to show, whose Sharpe ratios vary by ``variance``; 0 for a single trial."""
    if trials < 1 or variance < 0.0:
        raise InvalidInputError(f"need trials >= 1 and variance >= 0; got {trials}, {variance}")
    if trials == 1:
        return 0.0
    quantile = _NORMAL.inv_cdf
    return math.sqrt(variance) * (
        (1.0 - EULER_GAMMA) * quantile(1.0 - 1.0 / trials)
        + EULER_GAMMA * quantile(1.0 - 1.0 / (trials * math.e))
    )


def deflated_sharpe(
    sharpe: float,
    observations: int,
    skewness: float,
    kurtosis: float,
    trials: int,
    variance: float,
) -> float | None:
    """The deflated Sharpe ratio: the PSR against ``expected_maximum_sharpe(trials,
    variance)``."""
    return probabilistic_sharpe(
        sharpe, observations, skewness, kurtosis, expected_maximum_sharpe(trials, variance)
    )


def deflated_sharpes(summaries: Sequence[ReturnSummary]) -> list[float | None]:
    """Each trial's deflated Sharpe ratio, with N the number of trials and V the sample
    variance (ddof=1) of the Sharpe ratios of the trials that have one; None for a trial
    without a Sharpe ratio."""
    known = [item.sharpe for item in summaries if item.sharpe is not None]
    variance = float(np.var(known, ddof=1)) if len(known) >= 2 else 0.0
    trials = len(summaries)
    return [
        None
        if item.sharpe is None or item.skewness is None or item.kurtosis is None
        else deflated_sharpe(
            item.sharpe, item.count, item.skewness, item.kurtosis, trials, variance
        )
        for item in summaries
    ]


def probability_of_backtest_overfitting(
    returns: npt.ArrayLike, blocks: int = DEFAULT_BLOCKS
) -> Overfitting | None:
    """CSCV on a ``T x N`` matrix of per-period returns (one column per trial, same periods);
    None with fewer than two trials or too few periods for two blocks."""
    matrix = np.asarray(returns, dtype=np.float64)
    if matrix.ndim != 2:
        raise InvalidInputError(f"need a T x N matrix of returns; got {matrix.ndim} dimensions")
    return overfitting([summarize(column, blocks) for column in matrix.T])


def overfitting(summaries: Sequence[ReturnSummary]) -> Overfitting | None:
    """CSCV over trials summarized by ``summarize`` (with the same blocks); None with fewer
    than two trials, no blocks, or trials whose blocks differ (not the same periods)."""
    if len(summaries) < 2:
        return None
    layout = summaries[0].block_counts
    if not layout or any(item.block_counts != layout for item in summaries):
        return None
    counts = np.asarray(layout, dtype=np.float64)
    sums = np.array([item.block_sums for item in summaries], dtype=np.float64).T  # S x N
    squares = np.array([item.block_squares for item in summaries], dtype=np.float64).T
    used = len(layout)
    halves = np.array(list(itertools.combinations(range(used), used // 2)), dtype=np.intp)
    trials = sums.shape[1]
    chunk = max(1, _SPLITS_PER_CHUNK_VALUES // (trials * used))
    logits = np.concatenate([
        _logits(halves[start : start + chunk], counts, sums, squares)
        for start in range(0, len(halves), chunk)
    ])  # fmt: skip
    return Overfitting(
        pbo=float(np.mean(logits <= 0.0)),
        splits=len(halves),
        median_logit=float(np.median(logits)),
        blocks=used,
    )


def _logits(
    halves: npt.NDArray[np.intp], counts: FloatArray, sums: FloatArray, squares: FloatArray
) -> FloatArray:
    """The logit of the in-sample best's out-of-sample rank, per split (a row of ``halves``:
    the in-sample blocks)."""
    inside_count = counts[halves].sum(axis=1)  # splits
    inside_sum = sums[halves].sum(axis=1)  # splits x trials
    inside_square = squares[halves].sum(axis=1)
    outside_count = counts.sum() - inside_count
    outside_sum = sums.sum(axis=0) - inside_sum
    outside_square = squares.sum(axis=0) - inside_square
    inside = _sharpe(inside_count, inside_sum, inside_square)
    outside = _sharpe(outside_count, outside_sum, outside_square)
    best = np.argmax(inside, axis=1)  # the first of equal bests
    chosen = outside[np.arange(len(best)), best][:, None]
    below = np.sum(outside < chosen, axis=1)
    equal = np.sum(outside == chosen, axis=1)  # the chosen one included
    trials = outside.shape[1]
    relative: FloatArray = (below + (equal + 1) / 2.0) / (trials + 1)
    logits: FloatArray = np.log(relative / (1.0 - relative))
    return logits


def _sharpe(count: FloatArray, total: FloatArray, square: FloatArray) -> FloatArray:
    """Per-period Sharpe ratios from counts (per split), sums and sums of squares (split x
    trial); 0 where the spread is below 1e-12."""
    size = count[:, None]
    mean = total / size
    variance = np.maximum(square - total * mean, 0.0) / (size - 1.0)
    spread = np.sqrt(variance)
    flat = spread <= _NO_SPREAD
    return np.where(flat, 0.0, mean / np.where(flat, 1.0, spread))
