"""Engine throughput against backtrader on the same data and strategy, and a 100-point sweep.

Run: .venv/bin/python benchmarks/engine.py   (backtrader: pip install -e '.[bench]')

Data: the bundled real Binance BTC/USDT 1h candles, 2021-01-01 to 2026-01-01 (about 43,800 bars).
Strategy, in both engines: a long-only EMA crossover (long while EMA fast > EMA slow, flat
otherwise), all-in at a 0.05% commission, market orders filled at the next bar's open. The time
measured is the run itself (signals, simulation, bookkeeping), not reading the data."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from alpha_arena.agents.strategy_agent import Sizing, StrategyAgent
from alpha_arena.backtest.run import BacktestConfig, funding_per_bar
from alpha_arena.backtest.sweep import parse_grid
from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.domain.market import Candles, FundingRates
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import read_candles, sample_dir, sample_instruments
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.services import backtests
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import StrategyInput

SYMBOL = "BTC/USDT"
START, END = parse_ts("2021-01-01"), parse_ts("2026-01-01")
FEE = 0.0005


def window() -> Candles:
    candles = read_candles(sample_dir() / "binance_spot_BTCUSDT_1h.csv.gz")
    keep = (candles.ts >= START) & (candles.ts < END)
    return Candles(*(column[keep] for column in (
        candles.ts, candles.open, candles.high, candles.low, candles.close, candles.volume
    )))  # fmt: skip


def run_ours(candles: Candles, fast: int, slow: int) -> tuple[float, int, float]:
    """Seconds, fills and final equity of one run through the TradingEngine."""
    instruments = {i.symbol: i for i in sample_instruments()}
    started = time.perf_counter()
    strategy = registry.create(
        "ema_trend", {"fast": str(fast), "slow": str(slow), "allow_short": "false"}
    )
    no_funding = FundingRates(np.empty(0, dtype=np.int64), np.empty(0))
    data = StrategyInput(SYMBOL, "1h", candles, funding_per_bar(candles, no_funding, HOUR_MS))
    agent = StrategyAgent("ema", strategy, {SYMBOL: data}, Sizing(reserve=0.002))
    venue = PaperVenue(PaperVenueConfig(10_000.0, 0.0, FEE), instruments, NextBarOpen())
    feed = ReplayFeed("1h", {SYMBOL: candles}, {})
    engine = TradingEngine(feed, [(agent, venue)], instruments, RiskLimits(), SimClock(START))
    ledger = engine.run()["ema"]
    return time.perf_counter() - started, len(ledger.fills), ledger.equity[-1]


def run_backtrader(candles: Candles, fast: int, slow: int) -> tuple[float, int, float] | None:
    try:
        import backtrader as bt
    except ImportError:
        return None
    import pandas as pd

    frame = candles.to_frame().drop(columns=["ts"])
    frame.index = frame.index.tz_localize(None)

    class EmaCross(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.cross = bt.ind.CrossOver(bt.ind.EMA(period=fast), bt.ind.EMA(period=slow))
            self.fills = 0

        def notify_order(self, order: object) -> None:
            if order.status == order.Completed:  # type: ignore[attr-defined]
                self.fills += 1

        def next(self) -> None:
            if self.cross[0] > 0 and not self.position:
                # Fractional BTC: backtrader's percent sizers round down to whole units.
                self.buy(size=0.99 * self.broker.getvalue() / self.data.close[0])
            elif self.cross[0] < 0 and self.position:
                self.close()

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=pd.DataFrame(frame)))
    cerebro.addstrategy(EmaCross)
    cerebro.broker.setcash(10_000.0)
    cerebro.broker.setcommission(commission=FEE)
    started = time.perf_counter()
    strategy = cerebro.run()[0]
    return time.perf_counter() - started, strategy.fills, cerebro.broker.getvalue()


def median_run(runner, candles: Candles, fast: int, slow: int, repeat: int):  # type: ignore[no-untyped-def]
    results = [runner(candles, fast, slow) for _ in range(repeat)]
    if results[0] is None:
        return None
    seconds = statistics.median(r[0] for r in results)
    return seconds, results[0][1], results[0][2]


def bench_sweep(jobs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        subset = Path(folder) / "sample"
        subset.mkdir()
        for name in ("binance_spot_BTCUSDT_1h.csv.gz", "instruments.json"):
            (subset / name).write_bytes((sample_dir() / name).read_bytes())
        settings = Settings(_env_file=None, database_url=f"sqlite:///{folder}/bench.db")  # type: ignore[call-arg]
        context = open_context(settings)
        load_sample(context, subset)
        base = BacktestConfig("ema_trend", (SYMBOL,), "1h", START, END, fee_rate=FEE)
        grid = parse_grid(["fast=5:50:5", "slow=60:240:20"])
        started = time.perf_counter()
        result = backtests.sweep(context, base, grid, jobs)
        seconds = time.perf_counter() - started
        context.close()
    runs = len(result.points)
    bars = runs * int((END - START) / HOUR_MS)
    print(
        f"  sweep: {runs} ema_trend combinations x 5 years of 1h in {seconds:.2f} s "
        f"on {jobs} processes ({bars / seconds:,.0f} bars/s in all; target < 10 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    candles = window()
    print(f"BTC/USDT 1h, {len(candles):,} bars, long-only EMA crossover, median of {args.repeat}")
    for fast, slow in ((12, 26), (50, 200)):
        ours = median_run(run_ours, candles, fast, slow, args.repeat)
        assert ours is not None
        print(
            f"  EMA {fast}/{slow}  alpha_arena: {len(candles) / ours[0]:>9,.0f} bars/s "
            f"({ours[1]} fills, final equity {ours[2]:,.0f})"
        )
        theirs = median_run(run_backtrader, candles, fast, slow, args.repeat)
        if theirs is None:
            print("  backtrader not installed: pip install -e '.[bench]'")
        else:
            print(
                f"  EMA {fast}/{slow}  backtrader:  {len(candles) / theirs[0]:>9,.0f} bars/s "
                f"({theirs[1]} fills, final equity {theirs[2]:,.0f})"
            )
    bench_sweep(args.jobs)


if __name__ == "__main__":
    main()
