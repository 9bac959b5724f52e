"""A season is created with a warning when an entry would silently never trade: a portfolio
agent whose learned weights are empty (every stored backtest lost in every regime)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpha_arena.backtest.run import BacktestConfig
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
