"""The leaderboard of a replayed season, on both databases: every figure recomputed here,
independently, from the stored fills, funding and equity snapshots; the bootstrap intervals
and the too-few-trades flag behave; the export carries the same numbers."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import parse_ts, to_iso
from alpha_arena.domain.fills import Fill
from alpha_arena.domain.orders import Side
from alpha_arena.seasons.leaderboard import Leaderboard, LeaderboardRow
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.services.seasons import create_season, export_season, leaderboard, run_season
from alpha_arena.storage.season_store import EntryRecord, SeasonStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
HOUR = 3_600_000
START, END = parse_ts("2024-02-01"), parse_ts("2024-02-22")  # three weeks: 504 ticks of 1h
TICKS = (END - START) // HOUR
CAPITAL = 10_000.0
MIN_TRADES = 10
EMA: dict[str, Any] = {"kind": "strategy", "strategy": "ema_trend"}
AGENTS: dict[str, dict[str, Any]] = {
    # EMA 50/200 on hourly bars turns a handful of times in three weeks: too few to judge.
    "ema-slow": EMA | {"params": {"fast": "50", "slow": "200"}},
    "ema": EMA,
    "ema-fast": EMA | {"params": {"fast": "5", "slow": "20"}},
}
FILES = [
    "binance_usdm_BTCUSDT_1h.csv.gz",
    "binance_usdm_BTCUSDT_funding_8h.csv.gz",
    "binance_usdm_ETHUSDT_1h.csv.gz",
    "binance_usdm_ETHUSDT_funding_8h.csv.gz",
]


@dataclass(frozen=True)
class Played:
    context: AppContext
    season_id: int
    board: Leaderboard
    entries: dict[str, EntryRecord]


@pytest.fixture(scope="module", params=BACKENDS)
def played(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Played]:
    """A finished three-week season of three EMA agents and the baselines, per backend."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        folder = sample_subset(tmp_path_factory.mktemp("sample"), FILES)
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, folder)
            for name, config in AGENTS.items():
                add_agent(context, name, config)
            season = create_season(
                context,
                {
                    "name": "three weeks", "symbols": [BTC, ETH], "start": START, "end": END,
                    "capital": CAPITAL, "min_trades": MIN_TRADES, "participants": list(AGENTS),
                },
            )  # fmt: skip
            run_season(context, season.id)
            entries = {e.name: e for e in SeasonStore(context.engine).entries(season.id)}
            yield Played(context, season.id, leaderboard(context, season.id), entries)
        finally:
            context.close()


def curve(played: Played, name: str) -> np.ndarray:
    """The initial capital, then the stored equity after each tick."""
    rows = SeasonStore(played.context.engine).equity(played.entries[name].id)
    return np.array([CAPITAL] + [row["equity"] for row in rows], dtype=np.float64)


def fills(played: Played, name: str) -> list[Fill]:
    return SeasonStore(played.context.engine).fills(played.entries[name].id)


def count_trades(entry_fills: list[Fill]) -> int:
    """Round trips: one opens whenever a symbol's position leaves flat (or flips side); a
    position still open at the end is one trade too."""
    held: dict[str, float] = {}
    opened = 0
    for fill in sorted(entry_fills, key=lambda f: f.ts):
        before = held.get(fill.symbol, 0.0)
        after = before + (fill.quantity if fill.side is Side.BUY else -fill.quantity)
        if abs(after) < 1e-9:
            after = 0.0
        if after != 0.0 and (before == 0.0 or (before > 0) != (after > 0)):
            opened += 1
        held[fill.symbol] = after
    return opened


def row(played: Played, name: str) -> LeaderboardRow:
    (found,) = [r for r in played.board.rows if r.name == name]
    return found


def test_the_board_lists_every_entry_ranked_by_account_value(played: Played) -> None:
    board = played.board
    assert (board.season_id, board.name) == (played.season_id, "three weeks")
    assert board.status == "finished"
    assert (board.ticks, board.start, board.last_tick) == (TICKS, to_iso(START), to_iso(END))
    assert (board.confidence, board.min_trades) == (0.9, MIN_TRADES)
    assert sorted(r.name for r in board.rows) == sorted(played.entries)
    assert [r.rank for r in board.rows] == list(range(1, len(played.entries) + 1))
    finals = {name: float(curve(played, name)[-1]) for name in played.entries}
    expected = sorted(finals, key=lambda name: (-finals[name], name))
    assert [r.name for r in board.rows] == expected
    assert len(set(finals.values())) > 1  # the order is not decided by names alone
    for r in board.rows:
        entry = played.entries[r.name]
        assert (r.entry_id, r.fingerprint, r.baseline, r.status) == (
            entry.id, entry.fingerprint, entry.baseline, "active",
        )  # fmt: skip
        # Rule agents call no model: no cost, and no decision that is not valid.
        assert (r.llm_cost_usd, r.invalid_decisions, r.repaired_answers, r.missed_deadlines) == (
            0.0, 0, 0, 0,
        )  # fmt: skip


@pytest.mark.parametrize("name", [*AGENTS, "btc-buy-and-hold", "equal-weight-hold"])
def test_each_figure_matches_a_recomputation_from_the_stored_ledger(
    played: Played, name: str
) -> None:
    store = SeasonStore(played.context.engine)
    entry = played.entries[name]
    r = row(played, name)
    equity = curve(played, name)
    entry_fills = fills(played, name)
    funding = store.funding(entry.id)
    assert len(equity) == TICKS + 1
    assert entry_fills and funding  # every entry traded and held through a settlement

    assert r.account_value == equity[-1]
    assert r.pnl == pytest.approx(equity[-1] - CAPITAL, abs=1e-9)
    assert r.return_pct == pytest.approx((equity[-1] / CAPITAL - 1) * 100, rel=1e-12, abs=1e-12)
    assert r.fees == pytest.approx(math.fsum(fill.fee for fill in entry_fills), rel=1e-12)
    assert r.fees > 0
    assert r.funding == pytest.approx(math.fsum(amount for _, _, amount in funding), abs=1e-9)

    peaks = np.maximum.accumulate(equity)
    assert r.max_drawdown_pct == pytest.approx(float(np.max(1 - equity / peaks)) * 100, abs=1e-9)
    assert r.max_drawdown_pct > 0

    returns = equity[1:] / equity[:-1] - 1
    sharpe = returns.mean() / returns.std(ddof=1) * math.sqrt(8760)
    assert r.sharpe == pytest.approx(sharpe, rel=1e-9)

    assert r.trades == count_trades(entry_fills)
    if r.win_rate is not None:
        assert 0.0 <= r.win_rate <= 1.0
    assert r.biggest_win is None or r.biggest_win > 0
    assert r.biggest_loss is None or r.biggest_loss < 0
    decisions = store.decisions(entry.id)
    assert decisions  # every entry decided at least its first entry
    assert r.avg_decision_ms == pytest.approx(np.mean([d["latency_ms"] for d in decisions]))


def test_trades_counts_are_not_trivial(played: Played) -> None:
    counts = {name: row(played, name).trades for name in played.entries}
    assert counts["btc-buy-and-hold"] == 1  # bought once, still open at the end
    assert counts["equal-weight-hold"] == 2  # BTC and ETH, each still open
    assert counts["ema-fast"] > counts["ema"] > counts["ema-slow"] > 0


def test_intervals_are_ordered_and_spread_for_trading_entries(played: Played) -> None:
    for r in played.board.rows:
        assert r.return_low_pct <= r.return_high_pct
        assert r.sharpe_low <= r.sharpe_high
        assert r.return_high_pct - r.return_low_pct > 0.1  # three weeks of risk: not a point
        assert r.sharpe_high - r.sharpe_low > 0.1
        bounds = (r.return_low_pct, r.return_high_pct, r.sharpe_low, r.sharpe_high)
        assert all(math.isfinite(value) for value in bounds)


def test_p_beats_btc_is_none_for_btc_and_a_probability_for_the_rest(played: Played) -> None:
    for r in played.board.rows:
        if r.name == "btc-buy-and-hold":
            assert r.p_beats_btc is None
        else:
            assert r.p_beats_btc is not None
            assert 0.0 <= r.p_beats_btc <= 1.0
    # The equal-weight hold of BTC and ETH is BTC half the time: it is not a certain loser or
    # winner against it; an entry far below BTC at the end rarely beats it in a resample.
    btc = row(played, "btc-buy-and-hold").account_value
    laggards = [r for r in played.board.rows if r.account_value < btc - 1_000]
    assert laggards
    assert all(r.p_beats_btc is not None and r.p_beats_btc < 0.5 for r in laggards)


def test_few_trades_flags_entries_below_min_trades_but_never_a_baseline(played: Played) -> None:
    for r in played.board.rows:
        assert r.few_trades is (not r.baseline and r.trades < MIN_TRADES)
    assert row(played, "ema-slow").few_trades
    assert not row(played, "ema").few_trades
    assert row(played, "btc-buy-and-hold").trades < MIN_TRADES  # yet not flagged: a baseline
    assert not row(played, "btc-buy-and-hold").few_trades


def test_the_leaderboard_is_deterministic(played: Played) -> None:
    assert leaderboard(played.context, played.season_id) == played.board


def test_the_export_carries_the_ledger_and_the_board(played: Played, tmp_path: Path) -> None:
    store = SeasonStore(played.context.engine)
    written = export_season(played.context, played.season_id, tmp_path / "export")

    expected = {"season.json", "leaderboard.csv", "equity.csv", "fills.csv", "funding.csv"}
    assert {path.name for path in written} >= expected
    summary = json.loads((tmp_path / "export" / "season.json").read_text())
    assert summary["ledger_sha256"] == store.ledger_hash(played.season_id)
    assert summary["season"]["ticks_done"] == TICKS
    assert [r["name"] for r in summary["leaderboard"]["rows"]] == [
        r.name for r in played.board.rows
    ]

    def rows(name: str) -> list[dict[str, str]]:
        with (tmp_path / "export" / f"{name}.csv").open(newline="") as handle:
            return list(csv.DictReader(handle))

    assert len(rows("equity")) == TICKS * len(played.entries)
    assert len(rows("fills")) == sum(len(fills(played, name)) for name in played.entries)
    board = {r["name"]: r for r in rows("leaderboard")}
    for r in played.board.rows:
        assert float(board[r.name]["account_value"]) == r.account_value
        assert int(board[r.name]["rank"]) == r.rank


# -- skill vs exposure ---------------------------------------------------------------------------


def market_close(played: Played, symbol: str) -> np.ndarray:
    """The symbol's price at the start (the first bar's open) and after each tick (the close of
    the bar that closed then), read straight from the stored candles."""
    from alpha_arena.marketdata.service import DataService

    bars = DataService(played.context.market, "binance").candles(symbol, "1h", START, END - HOUR)
    assert len(bars) == TICKS and int(bars.ts[0]) == START
    return np.concatenate(([bars.open[0]], bars.close))


@pytest.mark.parametrize("name", [*AGENTS, "btc-buy-and-hold", "equal-weight-hold"])
def test_alpha_and_beta_match_statsmodels_ols_on_the_market_curves(
    played: Played, name: str
) -> None:
    import statsmodels.api as sm

    r = row(played, name)
    equity = curve(played, name)
    btc, eth = market_close(played, BTC), market_close(played, ETH)
    basket = (btc / btc[0] + eth / eth[0]) / 2

    def ols(benchmark: np.ndarray) -> tuple[float, float]:
        y, x = equity[1:] / equity[:-1] - 1, benchmark[1:] / benchmark[:-1] - 1
        intercept, slope = sm.OLS(y, sm.add_constant(x)).fit().params
        return float(slope), float(intercept) * 8760 * 100

    beta, alpha = ols(btc)
    assert r.beta_btc == pytest.approx(beta, abs=1e-9)
    assert r.alpha_btc_pct == pytest.approx(alpha, abs=1e-6)
    assert r.alpha_btc_low_pct is not None and r.alpha_btc_high_pct is not None
    assert r.alpha_btc_low_pct <= alpha <= r.alpha_btc_high_pct
    beta, alpha = ols(basket)
    assert r.beta_basket == pytest.approx(beta, abs=1e-9)
    assert r.alpha_basket_pct == pytest.approx(alpha, abs=1e-6)


def test_buy_and_hold_is_pure_exposure(played: Played) -> None:
    """BTC buy-and-hold moves one for one with BTC and is long all the time; the equal-weight
    hold is the basket. What is left of their alpha is the entry fee and funding: small over
    the season (it is quoted per year)."""
    btc = row(played, "btc-buy-and-hold")
    assert btc.beta_btc == pytest.approx(1.0, abs=0.02)
    assert btc.alpha_btc_pct is not None and abs(btc.alpha_btc_pct * TICKS / 8760) < 1
    assert btc.long_share == 1.0 and (btc.short_share, btc.flat_share) == (0.0, 0.0)
    assert btc.net_exposure == btc.gross_exposure == pytest.approx(1.0, abs=0.01)
    assert btc.turnover is not None and 0.5 < btc.turnover < 1.05  # bought once, never sold
    basket = row(played, "equal-weight-hold")
    assert basket.beta_basket == pytest.approx(1.0, abs=0.02)
    assert basket.net_exposure == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("name", list(AGENTS))
def test_exposure_matches_positions_replayed_tick_by_tick(played: Played, name: str) -> None:
    """Each tick's holdings rebuilt by walking the fills, valued at that tick's close."""
    r = row(played, name)
    ticks = [
        row["ts"] for row in SeasonStore(played.context.engine).equity(played.entries[name].id)
    ]
    equity = curve(played, name)[1:]
    prices = {BTC: market_close(played, BTC)[1:], ETH: market_close(played, ETH)[1:]}
    pending = sorted(fills(played, name), key=lambda fill: fill.ts)
    held = {BTC: 0.0, ETH: 0.0}
    nets, grosses = [], []
    for index, ts in enumerate(ticks):
        while pending and pending[0].ts <= ts:
            fill = pending.pop(0)
            held[fill.symbol] += fill.quantity if fill.side is Side.BUY else -fill.quantity
        worth = [held[s] * prices[s][index] if abs(held[s]) >= 1e-9 else 0.0 for s in held]
        nets.append(sum(worth) / equity[index])
        grosses.append(sum(abs(w) for w in worth) / equity[index])
    assert r.net_exposure == pytest.approx(float(np.mean(nets)), abs=1e-9)
    assert r.gross_exposure == pytest.approx(float(np.mean(grosses)), abs=1e-9)
    assert r.long_share == pytest.approx(np.mean([n > 0 for n in nets]))
    assert r.short_share == pytest.approx(np.mean([n < 0 for n in nets]))
    assert r.flat_share == pytest.approx(np.mean([n == 0 for n in nets]))
    assert 0 < r.long_share < 1 and r.short_share > 0  # trend followers go both ways
    traded = math.fsum(abs(f.quantity * f.price) for f in fills(played, name))
    assert r.turnover == pytest.approx(traded / float(np.mean(equity)), rel=1e-9)


def test_the_board_ranks_by_alpha_or_sharpe_on_request(played: Played) -> None:
    from alpha_arena.core.errors import InvalidInputError

    by_alpha = leaderboard(played.context, played.season_id, "alpha")
    assert by_alpha.rank_by == "alpha"
    alphas = [r.alpha_btc_pct for r in by_alpha.rows]
    assert None not in alphas and alphas == sorted(alphas, reverse=True)  # type: ignore[type-var]
    assert [r.rank for r in by_alpha.rows] == list(range(1, len(by_alpha.rows) + 1))
    assert {r.name for r in by_alpha.rows} == {r.name for r in played.board.rows}
    assert [r.name for r in by_alpha.rows] != [r.name for r in played.board.rows]
    by_sharpe = leaderboard(played.context, played.season_id, "sharpe")
    sharpes = [r.sharpe for r in by_sharpe.rows]
    assert sharpes == sorted(sharpes, reverse=True)  # type: ignore[type-var]
    with pytest.raises(InvalidInputError, match="accepted: value, alpha, sharpe"):
        leaderboard(played.context, played.season_id, "luck")
