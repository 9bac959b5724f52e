"""Pairwise comparison: for every pair of curves, the chance that one's total return beats the
other's, from the paired block bootstrap of ``bootstrap``.

Every curve is resampled with the same blocks in each resample, so all are compared on the same
market moments; the draws are those of ``ranking_stats`` with a benchmark, so for a pair the
chance equals its ``p_beats_benchmark`` for the same seed and samples."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from alpha_arena.analytics.bootstrap import _beats, _block_sums, _curve, _returns, _total
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray

# ranking_stats with a benchmark gathers four columns: drawing the blocks in chunks sized as its
# chunks keeps the two on the same random draws.
_PAIRED_COLUMNS = 4


def pairwise_beats(
    curves: Sequence[npt.ArrayLike], samples: int = 2000, seed: int = 0
) -> FloatArray:
    """Return the matrix P where P[i][j] is the share of resamples in which curve i's total
    return beats curve j's (ties count half): the diagonal is 0.5 and P[i][j] + P[j][i] is 1.
    Deterministic per ``seed``. Raise InvalidInputError for a curve not 1-D, finite and starting
    above zero, curves of different lengths, or samples < 100."""
    values = [_curve(curve, f"curve {index}") for index, curve in enumerate(curves)]
    for index, curve in enumerate(values[1:], 1):
        if curve.shape != values[0].shape:
            raise InvalidInputError(
                f"curve {index} has {curve.size} points but curve 0 {values[0].size}"
            )
    if samples < 100:
        raise InvalidInputError(f"need at least 100 bootstrap samples; got {samples}")
    count = len(values)
    matrix = np.full((count, count), 0.5)
    totals: list[FloatArray | float]
    if count < 2:
        return matrix
    if values[0].size < 3:  # fewer than two returns: every resample is the curve itself
        totals = [float(curve[-1] / curve[0] - 1.0) for curve in values]
    else:
        with np.errstate(divide="ignore"):  # log1p(-1) = -inf marks a bust, as in bootstrap
            table = np.column_stack([np.log1p(_returns(curve)) for curve in values])
        sums = _block_sums(table, samples, seed, _PAIRED_COLUMNS)
        totals = [_total(sums[:, index]) for index in range(count)]
    for i in range(count):
        for j in range(count):
            if i != j:
                matrix[i, j] = _beats(totals[i], totals[j])
    return matrix
