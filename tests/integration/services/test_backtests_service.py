"""The library comparison the demo shows: every strategy, same window, ranked by return."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.errors import NotFoundError
from alpha_arena.core.time import DAY_MS, parse_ts
from alpha_arena.services.agents import portfolio_weights
from alpha_arena.services.backtests import compare_library, run
from alpha_arena.services.context import AppContext
from alpha_arena.services.sample import load_sample
from alpha_arena.strategies import registry
from tests.support.sample import sample_subset

FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]


def test_compare_library_runs_every_strategy_on_the_newest_year_ranked_by_return(
    context: AppContext, tmp_path: Path
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    newest = context.market.read_candles("binance", "BTC/USDT:USDT", "1h", last=1)

    base, results = compare_library(context, "BTC/USDT:USDT", "1h", days=90)

    assert base.ts_end == int(newest.ts[-1]) - int(newest.ts[-1]) % DAY_MS
    assert base.ts_end - base.ts_start == 90 * DAY_MS
    assert sorted(name for name, _ in results) == sorted(registry.names())
    returns = [result.metrics.total_return for _, result in results]
    assert returns == sorted(returns, reverse=True)
    by_name = dict(results)
    assert by_name["flat"].metrics.total_return == 0.0
    assert by_name["flat"].metrics.trade_count == 0
    assert by_name["buy_and_hold"].metrics.trade_count == 1
    assert by_name["buy_and_hold"].bars == 90 * 24


def test_the_portfolio_needs_stored_backtests_and_says_so(context: AppContext) -> None:
    with pytest.raises(NotFoundError, match="learns from stored backtests and there are none"):
        portfolio_weights(context, top_n=2, exchange="binance")


def test_the_portfolio_ignores_backtests_that_end_after_the_decision(
    context: AppContext, tmp_path: Path
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    config = BacktestConfig(
        "buy_and_hold", ("BTC/USDT:USDT",), "1h", parse_ts("2024-01-01"), parse_ts("2024-03-01")
    )
    run(context, config)
    assert portfolio_weights(context, 2, "binance", as_of=parse_ts("2024-06-01"))
    with pytest.raises(NotFoundError, match="that ended by 2024-02-01"):
        portfolio_weights(context, 2, "binance", as_of=parse_ts("2024-02-01"))
