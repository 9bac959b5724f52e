"""A twelve-window walk-forward series of the built-in agents (the demo's rule strategies, the
regime portfolio and both baselines) on daily bars of the bundled perpetuals, on both
databases: one pinned lineup in every window, and an aggregate equal to the windows'
leaderboards recombined here independently (scipy's ranks and Friedman statistic)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.stats import friedmanchisquare, rankdata

from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import parse_ts
from alpha_arena.seasons.series import SeriesKind
from alpha_arena.services import seasons
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.services.series import SeriesRequest, SeriesView, create_series, series_view
from alpha_arena.services.series_runs import run_series
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import PERPETUALS, sample_subset

FILES = [
    f"binance_usdm_{symbol.split('/')[0]}USDT_{kind}.csv.gz"
    for symbol in PERPETUALS
    for kind in ("1h", "funding_8h")
]


@dataclass(frozen=True)
class Ran:
    context: AppContext
    view: SeriesView


@pytest.fixture(scope="module", params=BACKENDS)
def ran(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ran]:
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            created = create_series(
                context, SeriesRequest("walk", SeriesKind.CONSECUTIVE, 12, timeframe="1d")
            )
            runs = run_series(context, created.series.id, parallel=1)
            assert [run.status for run in runs] == ["finished"] * 12, runs
            yield Ran(context, series_view(context, created.series.id))
        finally:
            context.close()


def test_the_windows_are_the_last_twelve_whole_months_with_one_pinned_lineup(ran: Ran) -> None:
    windows = ran.view.windows
    assert [w.window for w in windows] == list(range(1, 13))
    assert windows[0].start == parse_ts("2025-02-01")  # BNB's perpetual ends 2026-02-19
    assert windows[-1].end == parse_ts("2026-02-01")
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))
    assert all(w.status == "finished" and w.ticks_done == w.ticks_total for w in windows)
    store = SeasonStore(ran.context.engine)
    lineups = {
        tuple(sorted((e.name, e.fingerprint) for e in store.entries(w.season_id))) for w in windows
    }
    assert len(lineups) == 1
    names = {name for name, _ in lineups.pop()}
    assert {"ema-trend-1d", "regime-portfolio-1d", "btc-buy-and-hold"} <= names
    assert len(names) == 9


def test_the_aggregate_equals_the_leaderboards_recombined(ran: Ran) -> None:
    boards = [seasons.leaderboard(ran.context, w.season_id) for w in ran.view.windows]
    names = sorted(row.name for row in boards[0].rows)
    values = np.array(
        [[{r.name: r.account_value for r in b.rows}[n] for n in names] for b in boards]
    )
    returns = np.array([[{r.name: r.return_pct for r in b.rows}[n] for n in names] for b in boards])
    ranks = np.array([rankdata(-row, method="average") for row in values])
    # Without ties the ranks are the leaderboards' own.
    for board, row in zip(boards, ranks, strict=True):
        if len(set(row)) == len(row):
            assert [r.rank for r in board.rows] == sorted(row.astype(int).tolist())
    summary = ran.view.aggregate
    assert summary.windows == 12
    for entry in summary.entries:
        column = names.index(entry.name)
        assert entry.ranks == ranks[:, column].tolist()
        assert entry.mean_rank == pytest.approx(ranks[:, column].mean())
        assert entry.median_rank == pytest.approx(float(np.median(ranks[:, column])))
        tops = [
            1 / np.count_nonzero(row == row.max()) if row[column] == row.max() else 0.0
            for row in values
        ]
        assert entry.p_first == pytest.approx(sum(tops) / 12)
        assert sum(entry.rank_counts) == pytest.approx(12)
        assert entry.return_mean_pct == pytest.approx(returns[:, column].mean())
        assert entry.return_std_pct == pytest.approx(returns[:, column].std(ddof=1))
        assert entry.return_min_pct == returns[:, column].min()
        assert entry.return_max_pct == returns[:, column].max()
        assert entry.llm_cost_usd == 0.0 and entry.deterministic
    assert sum(entry.p_first for entry in summary.entries) == pytest.approx(1.0)
    assert [e.mean_rank for e in summary.entries] == sorted(e.mean_rank for e in summary.entries)
    chi2 = friedmanchisquare(*values.T).statistic
    assert summary.kendalls_w == pytest.approx(chi2 / (12 * (len(names) - 1)), rel=1e-9)


def test_a_window_past_the_data_is_refused_before_anything_is_stored(ran: Ran) -> None:
    before = len(SeasonStore(ran.context.engine).all(limit=1_000))
    request = SeriesRequest("late", SeriesKind.CONSECUTIVE, 3, timeframe="1d",
                            start=parse_ts("2026-01-01"))  # fmt: skip
    with pytest.raises(InvalidInputError, match="outside the data"):
        create_series(ran.context, request)
    with pytest.raises(InvalidInputError, match="no agent"):
        create_series(ran.context, SeriesRequest("x", SeriesKind.REPEAT, 2, agents=("nobody",),
                                                 start=parse_ts("2025-01-01"),
                                                 end=parse_ts("2025-01-05")))  # fmt: skip
    assert len(SeasonStore(ran.context.engine).all(limit=1_000)) == before
