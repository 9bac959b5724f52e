"""Statistics of rankings repeated over several windows: tied ranks, each entry's share of
every place, and Kendall's coefficient of concordance W (how much the windows agree).

Ties are handled the standard way: entries that tie share the mean of the places they occupy
(two tied for first both rank 1.5), and each holds an equal share of those places, so a tie
for first gives each half a first place and half a second."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


def tied_ranks(scores: Sequence[float]) -> list[float]:
    """Ranks 1..n, highest score first; equal scores share the mean of their places."""
    order = sorted(range(len(scores)), key=lambda index: -scores[index])
    ranks = [0.0] * len(scores)
    place = 0
    while place < len(order):
        end = place
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[place]]:
            end += 1
        shared = (place + end) / 2 + 1  # places place+1 .. end+1, averaged
        for index in order[place : end + 1]:
            ranks[index] = shared
        place = end + 1
    return ranks


def place_shares(ranks: Sequence[float]) -> list[dict[int, float]]:
    """Per entry, the share of each whole place it holds: 1 at its place, or for a group of
    ``t`` tied entries, 1/t of every place the group occupies."""
    groups = Counter(ranks)
    shares: list[dict[int, float]] = []
    for rank in ranks:
        size = groups[rank]
        first = round(rank - (size - 1) / 2)  # the group's best place
        shares.append({place: 1 / size for place in range(first, first + size)})
    return shares


def kendalls_w(ranks: Sequence[Sequence[float]]) -> float | None:
    """Kendall's W for ``ranks[window][entry]`` (tied ranks allowed, tie-corrected):
    0 when the windows' rankings are unrelated, 1 when every window ranks alike.

    W = 12 S / (m^2 (n^3 - n) - m sum T), with S the squared deviations of the entries' rank
    sums from their mean, m windows, n entries and T = sum(t^3 - t) over each window's groups
    of t tied entries. None when it is undefined: fewer than two windows or two entries, or
    every window ties every entry."""
    matrix = np.asarray(ranks, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError("ranks must be a windows x entries table")
    windows, entries = matrix.shape
    if windows < 2 or entries < 2:
        return None
    sums = matrix.sum(axis=0)
    spread = float(((sums - sums.mean()) ** 2).sum())
    ties = sum(count**3 - count for row in matrix for count in Counter(row.tolist()).values())
    denominator = windows**2 * (entries**3 - entries) - windows * ties
    if denominator <= 0:
        return None
    return float(12 * spread / denominator)
