"""Pairwise comparison of a season's entries: for every pair, the chance that one's total
return beat the other's, from the paired block bootstrap over their stored equity curves.

The entries are in leaderboard order (account value, then name) and every curve stops at the
ticks counted when reading, as the leaderboard's do. One seed, the season's id, draws the blocks
for the whole matrix, so a cell against BTC buy-and-hold may differ from the leaderboard's
``p_beats_btc`` (drawn with the entry's id) by the bootstrap's noise."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from alpha_arena.analytics.pairwise import pairwise_beats
from alpha_arena.seasons.config import SeasonConfig
from alpha_arena.storage.season_store import SeasonRecord, SeasonStore

SAMPLES = 2000


@dataclass(frozen=True, slots=True)
class Comparison:
    season_id: int
    ticks: int
    samples: int
    entries: list[str]  # names, in leaderboard order
    p_beats: list[list[float]]  # p_beats[i][j]: P(entries[i]'s return beats entries[j]'s)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_comparison(
    store: SeasonStore, season: SeasonRecord, samples: int = SAMPLES
) -> Comparison:
    """Compare every pair of the season's entries on their equity up to the ticks done."""
    capital = SeasonConfig.model_validate(season.config).capital
    horizon = season.ticks_done  # a runner may commit more ticks while this reads
    named = []
    for entry in store.entries(season.id):
        rows = store.equity(entry.id, horizon)
        curve = np.array([capital] + [row["equity"] for row in rows], dtype=np.float64)
        named.append((entry.name, curve))
    named.sort(key=lambda pair: (-float(pair[1][-1]), pair[0]))
    matrix = pairwise_beats([curve for _, curve in named], samples=samples, seed=season.id)
    return Comparison(season.id, horizon, samples, [name for name, _ in named], matrix.tolist())
