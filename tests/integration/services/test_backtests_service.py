"""The library comparison the demo shows: every strategy, same window, ranked by return."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.time import DAY_MS, parse_ts
from alpha_arena.services.agents import portfolio_weights
from alpha_arena.services.backtests import build_config, compare_library, no_trade_warning, run
from alpha_arena.services.context import AppContext
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.backtest_store import BacktestStore
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


def test_a_run_whose_entries_were_all_denied_stores_why(
    context: AppContext, tmp_path: Path
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    # 1 USDT of capital sizes every entry below BTC's 100 USDT minimum notional.
    config = BacktestConfig(
        "ema_trend", ("BTC/USDT:USDT",), "1h", parse_ts("2024-01-01"), parse_ts("2024-03-01"),
        capital=1.0,
    )  # fmt: skip
    run_id, result = run(context, config)

    assert result.metrics.trade_count == 0
    assert list(result.denials) == ["min_notional"] and result.denials["min_notional"] > 1
    stored = BacktestStore(context.engine).get(run_id)
    assert stored.denials == result.denials
    assert no_trade_warning(run_id, stored.metrics, stored.denials) == (
        f"backtest {run_id} made no trade: the risk checks denied "
        f"{result.denials['min_notional']} actions (min_notional {result.denials['min_notional']})"
    )


@pytest.mark.parametrize(
    ("end", "message"),
    [
        ("2030-01-01", "end 2030-01-01T00:00:00Z is in the future (now "),
        (
            "2026-06-01",
            "end 2026-06-01T00:00:00Z is past the stored 1h data of BTC/USDT:USDT: its last bar "
            "opens at 2026-05-17T07:00:00Z; use --end 2026-05-17T08:00:00Z or earlier, or load "
            "newer data",
        ),
    ],
    ids=["future", "past-the-data"],
)
def test_a_window_ending_in_the_future_or_past_the_data_is_refused_and_not_stored(
    context: AppContext, tmp_path: Path, end: str, message: str
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    config = build_config("buy_and_hold", "BTC/USDT:USDT", "1h", "2026-05-01", end)

    with pytest.raises(InvalidInputError) as raised:
        run(context, config)

    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert BacktestStore(context.engine).recent() == []
    # ending on the last bar's close is the whole of the data: accepted
    run(context, build_config("buy_and_hold", "BTC/USDT:USDT", "1h", "2026-05-01",
                              "2026-05-17T08:00"))  # fmt: skip


def test_the_portfolio_learns_only_from_backtests_that_made_trades(
    context: AppContext, tmp_path: Path
) -> None:
    load_sample(context, sample_subset(tmp_path / "sample", FILES))
    window = ("BTC/USDT:USDT",), "1h", parse_ts("2024-01-01"), parse_ts("2024-03-01")
    run(context, BacktestConfig("ema_trend", *window, capital=1.0))  # every entry denied
    with pytest.raises(NotFoundError, match="there are none with trades"):
        portfolio_weights(context, 2, "binance")

    run(context, BacktestConfig("ema_trend", *window))
    run(context, BacktestConfig("buy_and_hold", *window))
    learned = portfolio_weights(context, 2, "binance")
    # The flat line of the denied run would have diluted ema_trend's scores: the weights are
    # those of the two runs that traded, as if it had never been stored.
    run(context, BacktestConfig("ema_trend", *window, capital=1.0, slippage_bps=1))
    assert portfolio_weights(context, 2, "binance") == learned
