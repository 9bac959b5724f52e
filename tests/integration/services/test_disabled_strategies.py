"""ARENA_DISABLED_STRATEGIES on both databases: a disabled strategy cannot start anything new
(an agent, an agent from a backtest, a backtest, a sweep, a season, the library comparison, a
portfolio's learning), each refusal one line naming the setting and storing nothing, while what
was stored when it was enabled (a backtest, a season and its leaderboard) stays readable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.errors import ConfigurationError, InvalidInputError, NotFoundError
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.services import backtests, seasons
from alpha_arena.services.agents import add_agent, add_agent_from_backtest, portfolio_weights
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.backtest_store import BacktestStore
from alpha_arena.storage.season_store import SeasonStore
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
START, END = parse_ts("2024-03-01"), parse_ts("2024-03-05")
DISABLED = (
    "strategy martingale is disabled by ARENA_DISABLED_STRATEGIES; remove it from that setting "
    "to use it in a new agent, backtest or season"
)
MARTINGALE = BacktestConfig("martingale", (BTC,), "1h", START, END, params=(("hold", "4"),))


def season_values(name: str, participants: list[str]) -> dict[str, object]:
    return {"name": name, "symbols": [BTC], "start": START, "end": END, "timeframe": "1h",
            "participants": participants, "baselines": False}  # fmt: skip


@pytest.fixture
def stored(settings: Settings, tmp_path: Path) -> Iterator[tuple[AppContext, int, int]]:
    """A context with every strategy enabled, which stored a martingale backtest and a season
    the martingale agent 'doubler' ran in; yields it, the backtest id and the season id."""
    context = open_context(settings)
    try:
        load_sample(context, sample_subset(tmp_path / "sample", FILES))
        run_id, _ = backtests.run(context, MARTINGALE)
        add_agent(context, "doubler", {"kind": "strategy", "strategy": "martingale"})
        season = seasons.create_season(context, season_values("before", ["doubler"]))
        seasons.run_season(context, season.id)
        yield context, run_id, season.id
    finally:
        context.close()


@pytest.fixture
def disabled(stored: tuple[AppContext, int, int], settings: Settings) -> Iterator[AppContext]:
    """The same database, read by a process with the martingale and the EMA trend disabled."""
    changed = settings.model_copy(update={"disabled_strategies": "martingale, ema_trend"})
    context = open_context(changed)
    try:
        yield context
    finally:
        context.close()


def refused(message: str) -> pytest.RaisesExc[InvalidInputError]:
    return pytest.raises(InvalidInputError, match=f"^{message}$")


def test_nothing_new_may_use_a_disabled_strategy(
    stored: tuple[AppContext, int, int], disabled: AppContext
) -> None:
    _, run_id, _ = stored
    backtests_before = len(BacktestStore(disabled.engine).recent())
    with refused(DISABLED):
        backtests.run(disabled, MARTINGALE)
    with refused(DISABLED):
        backtests.run_stored(disabled, MARTINGALE)
    with refused(DISABLED):
        backtests.sweep(disabled, MARTINGALE, {"hold": ["4", "8"]})
    assert len(BacktestStore(disabled.engine).recent()) == backtests_before
    with refused(DISABLED):
        add_agent(disabled, "doubler-2", {"kind": "strategy", "strategy": "martingale"})
    with refused(DISABLED):
        add_agent_from_backtest(disabled, "doubler-3", run_id)
    assert [agent.name for agent in AgentStore(disabled.engine).all()] == ["doubler"]
    with refused(DISABLED):
        seasons.create_season(disabled, season_values("after", ["doubler"]))
    assert [season.name for season in SeasonStore(disabled.engine).all()] == ["before"]


def test_a_selector_names_a_disabled_strategy_only_to_be_refused(disabled: AppContext) -> None:
    selector = {"kind": "selector", "provider": "openai", "model": "gpt-4o-mini"}
    with refused("strategy ema_trend is disabled by ARENA_DISABLED_STRATEGIES; .*"):
        add_agent(disabled, "picker", selector | {"strategies": ["breakout", "ema_trend"]})
    # Given no list, it gets the default one without the disabled strategies.
    record = add_agent(disabled, "picker", selector)
    assert "ema_trend" not in record.config["strategies"]
    assert "breakout" in record.config["strategies"]


def test_the_comparison_and_the_portfolio_leave_disabled_strategies_out(
    stored: tuple[AppContext, int, int], disabled: AppContext
) -> None:
    enabled, _, _ = stored
    _, results = backtests.compare_library(disabled, BTC, "1h", days=30)
    names = {name for name, _ in results}
    assert names and not names & {"martingale", "ema_trend"}
    assert "grid" in names and "breakout" in names
    portfolio_weights(enabled, 2, "binance")  # learns from the martingale's backtest
    with pytest.raises(NotFoundError, match="there are none with trades"):
        portfolio_weights(disabled, 2, "binance")  # which is now left out


def test_what_was_stored_while_it_was_enabled_stays_readable(
    stored: tuple[AppContext, int, int], disabled: AppContext
) -> None:
    enabled, run_id, season_id = stored
    assert BacktestStore(disabled.engine).get(run_id).strategy == "martingale"
    assert [run.id for run in backtests.stored(disabled, "martingale")] == [run_id]
    board = seasons.leaderboard(disabled, season_id)
    assert board == seasons.leaderboard(enabled, season_id)
    assert [row.name for row in board.rows] == ["doubler"]


def test_an_unknown_name_in_the_setting_is_a_configuration_error(settings: Settings) -> None:
    context = open_context(settings.model_copy(update={"disabled_strategies": "martingal"}))
    try:
        with pytest.raises(ConfigurationError, match="ARENA_DISABLED_STRATEGIES names 'martingal'"):
            backtests.run(context, MARTINGALE)
    finally:
        context.close()
