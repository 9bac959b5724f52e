"""Pairwise P(A beats B): antisymmetric, 0.5 on the diagonal and for twins, 1 for a curve ahead
at every tick, and for each pair exactly ``ranking_stats``'s chance of beating a benchmark."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.analytics.bootstrap import ranking_stats
from alpha_arena.analytics.pairwise import pairwise_beats
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.market import FloatArray

HOURLY = 8760.0


def walk(n: int, drift: float, noise: float, seed: int) -> FloatArray:
    """An equity curve of ``n`` iid normal per-tick returns after an initial 10,000."""
    returns = np.random.default_rng(seed).normal(drift, noise, n)
    return 10_000.0 * np.cumprod(np.concatenate([[1.0], 1.0 + returns]))


def curves(count: int, n: int = 400) -> list[FloatArray]:
    return [walk(n, 0.0002 * index, 0.01, seed=index) for index in range(count)]


def test_the_matrix_is_antisymmetric_with_a_half_diagonal() -> None:
    matrix = pairwise_beats(curves(5), samples=500, seed=3)
    assert matrix.shape == (5, 5)
    assert np.all(np.diag(matrix) == 0.5)
    assert np.allclose(matrix + matrix.T, 1.0, rtol=0.0, atol=1e-12)
    assert np.all((matrix >= 0.0) & (matrix <= 1.0))


def test_a_curve_ahead_at_every_tick_beats_the_other_in_every_resample() -> None:
    lagging = walk(300, 0.0, 0.01, seed=1)
    returns = lagging[1:] / lagging[:-1] - 1.0
    leading = 10_000.0 * np.cumprod(np.concatenate([[1.0], 1.0 + returns + 0.001]))
    matrix = pairwise_beats([leading, lagging])
    assert matrix[0, 1] == 1.0 and matrix[1, 0] == 0.0


def test_identical_curves_tie_in_every_resample() -> None:
    curve = walk(300, 0.001, 0.02, seed=2)
    assert np.all(pairwise_beats([curve, curve.copy(), curve]) == 0.5)


@pytest.mark.parametrize("n", [3, 40, 2000, 30_000])  # 30,000: several chunks of draws
def test_each_pair_equals_ranking_stats_against_that_benchmark(n: int) -> None:
    given = curves(4, n)
    matrix = pairwise_beats(given, samples=300, seed=7)
    pair = pairwise_beats(given[:2], samples=300, seed=7)
    for i in range(4):
        for j in range(4):
            if i != j:
                expected = ranking_stats(given[i], HOURLY, given[j], samples=300, seed=7)
                assert matrix[i, j] == expected.p_beats_benchmark
    assert pair[0, 1] == matrix[0, 1] and pair[1, 0] == matrix[1, 0]


def test_curves_too_short_to_resample_compare_their_totals() -> None:
    matrix = pairwise_beats([[100.0, 110.0], [100.0, 105.0], [100.0, 110.0]])
    assert matrix.tolist() == [[0.5, 1.0, 0.5], [0.0, 0.5, 0.0], [0.5, 1.0, 0.5]]
    assert pairwise_beats([[100.0], [50.0]]).tolist() == [[0.5, 0.5], [0.5, 0.5]]


def test_a_bust_curve_loses_to_one_that_survives() -> None:
    survivor = walk(200, 0.0, 0.01, seed=4)
    bust = survivor.copy()
    bust[100:] = -5.0  # equity below zero counts as zero
    assert pairwise_beats([survivor, bust])[0, 1] > 0.5


def test_the_result_depends_only_on_the_seed() -> None:
    given = curves(3)
    assert np.array_equal(pairwise_beats(given, seed=5), pairwise_beats(given, seed=5))
    assert pairwise_beats([]).shape == (0, 0)
    assert pairwise_beats(given[:1]).tolist() == [[0.5]]


@pytest.mark.parametrize(
    ("given", "samples", "words"),
    [
        ([[[1.0, 2.0]]], 2000, "curve 0 must be a non-empty 1-D curve"),
        ([[1.0, 2.0], []], 2000, "curve 1 must be a non-empty 1-D curve"),
        ([[1.0, float("nan")]], 2000, "curve 0 contains NaN"),
        ([[1.0, 2.0], [0.0, 2.0]], 2000, "curve 1 must start above zero"),
        ([[1.0, 2.0], [1.0, 2.0, 3.0]], 2000, "curve 1 has 3 points but curve 0 2"),
        ([[1.0, 2.0]], 99, "at least 100 bootstrap samples"),
    ],
)
def test_bad_input_is_refused_with_one_line(given: list, samples: int, words: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        pairwise_beats(given, samples=samples)
    assert words in str(raised.value) and "\n" not in str(raised.value)
