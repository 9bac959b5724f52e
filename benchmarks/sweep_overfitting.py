"""What the overfitting guard costs a sweep: 100 combinations with and without it.

Run: .venv/bin/python benchmarks/sweep_overfitting.py [--start 2024-01-01] [--end 2025-01-01]
     [--repeats 3]

Loads the bundled BTC perpetual's 1h bars and funding into a temporary SQLite file, then runs
ema_trend over fast=5:50:5 x slow=60:150:10 (100 combinations, all valid) in this one process,
alternately: as sweeps ran before the guard (each point's metrics, then the ranking) and as they
run now (each point also summarizing its per-bar returns, then ``conclude``: the deflated Sharpe
ratio of every point and the PBO of the sweep over C(16, 8) = 12,870 splits). Prints the best of
``--repeats`` wall times of each and the difference, then the guard's own work timed alone
(summarizing 100 curves of the window's length, and ``conclude``), which a busy machine's noise
does not drown. Loading the data is not timed."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from alpha_arena.analytics.overfitting import period_returns, summarize
from alpha_arena.backtest.run import (
    SymbolData,
    build_strategy,
    load_market,
    market_window,
    simulate,
)
from alpha_arena.backtest.sweep import (
    SweepPlan,
    SweepPoint,
    conclude,
    parse_grid,
    plan_sweep,
    rank,
    run_points,
)
from alpha_arena.core.collector import collector_paused
from alpha_arena.core.settings import Settings
from alpha_arena.domain.instrument import Instrument
from alpha_arena.marketdata.sources.sample import sample_dir
from alpha_arena.services import backtests
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample

FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
GRID = ("fast=5:50:5", "slow=60:150:10")  # 10 x 10


def load(start: str, end: str) -> tuple[SweepPlan, dict[str, SymbolData], dict[str, Instrument]]:
    """The sweep's plan and its market, read from a temporary SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'arena.db'}"
        context = open_context(Settings(_env_file=None, database_url=url))
        try:
            sample = Path(folder) / "sample"
            sample.mkdir()
            for name in [*FILES, "instruments.json"]:
                shutil.copy(sample_dir() / name, sample / name)
            load_sample(context, sample)
            base = backtests.build_config(
                "ema_trend", "BTC/USDT:USDT", "1h", start, end, fee_rate=0.0005, slippage_bps=2
            )
            plan = plan_sweep(base, parse_grid(GRID), "sharpe")
            market = load_market(backtests.data_service(context, "binance"), base, plan.warmup)
            known = {item.symbol: item for item in context.market.instruments("binance")}
            return plan, market, {symbol: known[symbol] for symbol in base.symbols}
        finally:
            context.close()


def before(
    plan: SweepPlan, market: dict[str, SymbolData], instruments: dict[str, Instrument]
) -> list[SweepPoint]:
    """The sweep as it ran before the guard: metrics only, then the ranking."""
    window = market_window(market, plan.configs[0])
    points = []
    for config in plan.configs:
        with collector_paused():
            strategy = build_strategy(config)
            metrics = simulate(market, instruments, config, strategy, window=window).metrics
        points.append(SweepPoint(config.params, metrics))
    return rank(points, "sharpe")


def now(
    plan: SweepPlan, market: dict[str, SymbolData], instruments: dict[str, Instrument]
) -> tuple[list[SweepPoint], float]:
    """The sweep as it runs now, and how long ``conclude`` took."""
    points = run_points(market, instruments, plan.configs)
    started = time.perf_counter()
    result = conclude(points, plan.skipped, "sharpe")
    assert result.overfitting is not None
    return result.points, time.perf_counter() - started


def summaries_time(bars: int, count: int) -> float:
    """Seconds to summarize ``count`` equity curves of ``bars`` points (the per-point cost)."""
    curve = 10_000.0 * np.cumprod(1.0 + np.random.default_rng(0).normal(0.0, 0.01, bars))
    started = time.perf_counter()
    for _ in range(count):
        summarize(period_returns(curve))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2024-01-01")
    parser.add_argument("--end", default="2025-01-01")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    plan, market, instruments = load(args.start, args.end)
    without: list[float] = []
    with_guard: list[float] = []
    concluding: list[float] = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        plain = before(plan, market, instruments)
        without.append(time.perf_counter() - started)
        started = time.perf_counter()
        guarded, spent = now(plan, market, instruments)
        with_guard.append(time.perf_counter() - started)
        concluding.append(spent)
        assert [p.params for p in plain] == [p.params for p in guarded]  # the same ranking
    bars = guarded[0].metrics.bars
    count = len(plan.configs)
    best_without, best_with = min(without), min(with_guard)
    print(f"{count} combinations x {bars:,} bars, one process, best of {args.repeats}")
    print(f"  without the guard  {best_without:8.2f} s")
    print(f"  with the guard     {best_with:8.2f} s")
    extra = best_with - best_without
    print(f"  difference         {extra:8.2f} s ({extra / best_without:+.1%})")
    summaries, concluded = summaries_time(bars, count), min(concluding)
    print(f"  summaries alone    {summaries * 1000:8.1f} ms ({count} curves)")
    print(f"  conclude alone     {concluded * 1000:8.1f} ms (DSR x {count} and PBO)")
    own = summaries + concluded
    print(f"  the guard's work   {own * 1000:8.1f} ms ({own / best_with:.1%} of the sweep)")


if __name__ == "__main__":
    main()
