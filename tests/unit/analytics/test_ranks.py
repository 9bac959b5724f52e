"""Kendall's W and tied ranks: a textbook case computed by hand, a case with ties computed by
hand, and agreement with scipy's Friedman chi-square (W = chi2 / (m (n - 1)), which carries
the same tie correction) on random rankings full of ties."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import friedmanchisquare, rankdata

from alpha_arena.analytics.ranks import kendalls_w, place_shares, tied_ranks


def test_tied_ranks_put_the_highest_first_and_share_places_between_equals() -> None:
    assert tied_ranks([5.0, 9.0, 1.0]) == [2.0, 1.0, 3.0]
    assert tied_ranks([7.0, 7.0, 3.0, 7.0]) == [2.0, 2.0, 4.0, 2.0]
    assert tied_ranks([2.0, 2.0]) == [1.5, 1.5]


def test_place_shares_split_the_places_a_tie_occupies() -> None:
    shares = place_shares([1.5, 1.5, 3.0])
    assert shares == [{1: 0.5, 2: 0.5}, {1: 0.5, 2: 0.5}, {3: 1.0}]
    assert place_shares([2.0, 2.0, 2.0]) == [{1: 1 / 3, 2: 1 / 3, 3: 1 / 3}] * 3


def test_kendalls_w_of_three_judges_ranking_four_objects_by_hand() -> None:
    # Rank sums 4, 6, 8, 12 around their mean 7.5: S = 12.25 + 2.25 + 0.25 + 20.25 = 35;
    # W = 12 S / (m^2 (n^3 - n)) = 420 / (9 * 60) = 7/9.
    ranks = [[1, 2, 3, 4], [2, 1, 3, 4], [1, 3, 2, 4]]
    assert kendalls_w(ranks) == pytest.approx(7 / 9, abs=1e-15)


def test_kendalls_w_with_a_tie_takes_the_tie_correction() -> None:
    # Sums 4, 5.5, 8.5, 12: S = 37.5; one tie of two in the first window: T = 2^3 - 2 = 6;
    # W = 12 * 37.5 / (9 * 60 - 3 * 6) = 450 / 522 = 25/29 (without the correction: 450/540).
    ranks = [[1, 2.5, 2.5, 4], [1, 2, 3, 4], [2, 1, 3, 4]]
    assert kendalls_w(ranks) == pytest.approx(25 / 29, abs=1e-15)


def test_kendalls_w_is_one_for_identical_rankings_and_zero_for_opposite_pairs() -> None:
    assert kendalls_w([[1, 2, 3]] * 5) == pytest.approx(1.0)
    assert kendalls_w([[1, 2, 3], [3, 2, 1]]) == pytest.approx(0.0)


def test_kendalls_w_is_undefined_for_one_window_one_entry_or_all_tied() -> None:
    assert kendalls_w([[1, 2, 3]]) is None
    assert kendalls_w([[1], [1]]) is None
    assert kendalls_w([[1.5, 1.5], [1.5, 1.5]]) is None


@pytest.mark.parametrize("seed", range(20))
def test_kendalls_w_equals_friedmans_chi_square_scaled(seed: int) -> None:
    draw = np.random.default_rng(seed)
    windows, entries = int(draw.integers(2, 13)), int(draw.integers(3, 10))
    scores = draw.integers(0, 4, size=(windows, entries)).astype(float)  # many ties
    scores[0] = np.arange(entries)  # at least one window without ties: W is defined
    ranks = [tied_ranks(row.tolist()) for row in scores]
    assert np.allclose(ranks, [rankdata(-row) for row in scores])
    chi2 = friedmanchisquare(*scores.T).statistic
    assert kendalls_w(ranks) == pytest.approx(chi2 / (windows * (entries - 1)), rel=1e-12)
