"""A grid in a replay season and in a backtest of the same window, on both databases: one
engine, so the same orders fill at the same prices; the season stores each rung's limit and
counter price with its decision, and the grid's cap holds at every fill."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.fills import Fill
from alpha_arena.domain.orders import Side
from alpha_arena.services import backtests, seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.agent_decisions import AgentDecisions
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
START, END = parse_ts("2024-03-01"), parse_ts("2024-03-08")
PARAMS = {"lookback": "24", "levels": "8", "level_fraction": "0.2", "max_filled": "3"}


@pytest.fixture(scope="module", params=BACKENDS)
def played(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AppContext, int]]:
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        settings = Settings(_env_file=None, database_url=url)
        context = open_context(settings, clock=SimClock(parse_ts("2026-01-01")))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(context, "gridder", {"kind": "strategy", "strategy": "grid",
                                           "params": PARAMS})  # fmt: skip
            season = seasons.create_season(context, {
                "name": "grid", "symbols": [BTC], "start": START, "end": END,
                "timeframe": "1h", "participants": ["gridder"], "baselines": False,
            })  # fmt: skip
            seasons.run_season(context, season.id)
            yield context, season.id
        finally:
            context.close()


def summary(fill: Fill) -> tuple[int, Side, float, float, float, str]:
    """A fill as compared across ledgers (stored amounts are NUMERIC: 8 decimals kept)."""
    return (fill.ts, fill.side, round(fill.quantity, 8), round(fill.price, 8),
            round(fill.fee, 8), fill.tag)  # fmt: skip


def test_the_season_and_the_backtest_fill_the_same_rungs_at_the_same_prices(
    played: tuple[AppContext, int],
) -> None:
    context, season_id = played
    store = SeasonStore(context.engine)
    (entry,) = store.entries(season_id)
    season_fills = [summary(fill) for fill in store.fills(entry.id)]
    config = BacktestConfig("grid", (BTC,), "1h", START, END, slippage_bps=2.0,
                            params=tuple(PARAMS.items()))  # fmt: skip
    _, result = backtests.run(context, config)
    assert season_fills == [summary(fill) for fill in result.ledger.fills]
    tags = [fill[-1] for fill in season_fills]
    assert tags.count("entry") >= 3 and tags.count("take_profit") >= 2  # it traded its range


def test_the_cap_holds_at_every_fill_and_every_sell_is_one_level_above_its_buy(
    played: tuple[AppContext, int],
) -> None:
    context, season_id = played
    store = SeasonStore(context.engine)
    (entry,) = store.entries(season_id)
    held = 0
    for fill in store.fills(entry.id):
        held += 1 if fill.side is Side.BUY else -1
        assert 0 <= held <= 3
    rungs = [a for row in store.decisions(entry.id) for a in row["actions"]]
    assert rungs and all(a["signal"] == "buy_to_enter" for a in rungs)
    spacings = {round(a["counter_price"] - a["limit_price"], 6) for a in rungs}
    assert len(spacings) == 1 and spacings.pop() > 0  # one level of one fixed grid


def test_stored_decisions_read_back_with_their_limit_and_counter_prices(
    played: tuple[AppContext, int],
) -> None:
    context, season_id = played
    (entry,) = SeasonStore(context.engine).entries(season_id)
    decisions = AgentDecisions(context.engine).decisions([entry.id])
    actions = [action for _, decision in decisions for action in decision.actions]
    assert actions and all(
        action.limit_price is not None and action.counter_price is not None for action in actions
    )
