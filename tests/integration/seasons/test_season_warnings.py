"""No silent zero-trade entries: a season is created with a warning when a portfolio agent
learned no weights (every stored backtest lost in every regime), and a run says which entries
made no trade and why (the risk checks' denials by rule)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.cli.app import app
from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import parse_ts
from alpha_arena.services import backtests
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.services.seasons import create_season
from tests.support.databases import empty_database, settings_for
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_portfolio_that_learned_no_weights_is_a_warning_on_its_season(
    backend: str, tmp_path: Path
) -> None:
    with empty_database(backend, tmp_path) as url:
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, sample_subset(tmp_path / "sample", FILES))
            # A strategy that flips every few bars at a 9% fee loses in every regime.
            losing = BacktestConfig(
                strategy="ema_trend", symbols=(BTC,), timeframe="1h",
                ts_start=parse_ts("2024-01-01"), ts_end=parse_ts("2024-03-01"),
                params=(("fast", "2"), ("slow", "3")), fee_rate=0.09,
            )  # fmt: skip
            backtests.run(context, losing)
            add_agent(context, "blend", {"kind": "portfolio", "top_n": 3})
            add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})

            season = create_season(context, {
                "name": "warned", "symbols": [BTC], "start": parse_ts("2024-06-01"),
                "end": parse_ts("2024-06-05"), "participants": ["blend", "trend"],
            })  # fmt: skip

            assert season.message == (
                "warning: blend: the portfolio agent learned no weights: no strategy scored "
                "above zero in any regime of the stored backtests, so it will never trade; run "
                "backtests that trade in those markets (`arena backtest run`) before creating "
                "the season"
            )
        finally:
            context.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_entries_whose_orders_were_all_denied_say_why_after_the_run(
    backend: str, tmp_path: Path
) -> None:
    with empty_database(backend, tmp_path) as url:
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, sample_subset(tmp_path / "sample", FILES))
            add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
            season = create_season(context, {
                "name": "denied", "symbols": [BTC], "start": parse_ts("2024-06-01"),
                "end": parse_ts("2024-06-08"), "participants": ["trend"],
                "risk": {"require_stop_loss": True},  # no entry here carries a stop
            })  # fmt: skip
        finally:
            context.close()
        ran = CliRunner().invoke(app, ["season", "run", str(season.id)],
                                 env={"ARENA_DATABASE_URL": url})  # fmt: skip

    assert ran.exit_code == 0, ran.output
    warnings = [line for line in ran.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3  # the agent and both baselines
    for name in ("trend", "btc-buy-and-hold", "equal-weight-hold"):
        assert any(
            re.fullmatch(rf"warning: entry {name} made no trade: the risk checks denied \d+ "
                         r"actions? \(stop_loss \d+\)", line)
            for line in warnings
        ), warnings  # fmt: skip
