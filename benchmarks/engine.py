"""Engine throughput against vectorbt and backtrader on the same data and strategy, in one run,
and a 100-point sweep against the same grid through vectorbt.

Run: .venv/bin/python benchmarks/engine.py   (the peers: pip install -e '.[bench]')

Data: the bundled real Binance BTC/USDT 1h candles, 2021-01-01 to 2026-01-01 (about 43,800 bars).
Strategy, in every engine: an EMA crossover (long while EMA fast > EMA slow, flat otherwise),
all-in at a 0.05% commission, market orders filled at the next bar's open. The time measured is
the run itself (signals, simulation, bookkeeping), not reading the data.

The peers:
- vectorbt ``from_signals``: its own EMAs (``MA.run(ewm=True)``), crossings as entries and
  exits shifted one bar, filled at that bar's open, all the cash in (vectorbt's usual way).
- vectorbt ``from_order_func``: an order function that reproduces our sizing exactly (the
  equity at the signal bar's close less a 0.2% reserve, rounded down to the amount step at
  that close; shrunk at the fill to what cash affords at the open), on our strategy's own
  signals; its fills (bar, size, price) are checked against ours, one by one.
- backtrader: its EMAs and CrossOver, 99% of the value in, fractional sizes.
- The sweep: ours is ``arena backtest sweep``'s code path (long and short, the candles read
  from SQLite first) on 2 processes; vectorbt's is the same 100 EMA pairs, long and short
  (``short_entries``), as one 100-column ``from_signals`` with total return and Sharpe ratio.
vectorbt runs on its default numba engine (``pip install vectorbt``; its optional Rust engine,
``vectorbt[rust]``, is not installed), warmed up once so that compiling is not timed, on a
plain integer index with ``freq="1h"`` (with a DatetimeIndex, pandas 3 makes vectorbt spend
about a second more converting it)."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from alpha_arena.agents.strategy_agent import Sizing, StrategyAgent, signal_targets
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
RESERVE = 0.002  # cash kept back at an entry (Sizing.reserve)
GRID = ["fast=5:50:5", "slow=60:240:20"]


def window() -> Candles:
    candles = read_candles(sample_dir() / "binance_spot_BTCUSDT_1h.csv.gz")
    keep = (candles.ts >= START) & (candles.ts < END)
    return Candles(*(column[keep] for column in (
        candles.ts, candles.open, candles.high, candles.low, candles.close, candles.volume
    )))  # fmt: skip


def our_engine(candles: Candles, fast: int, slow: int) -> TradingEngine:
    """The TradingEngine of one run: the long-only EMA crossover on one paper account."""
    instruments = {i.symbol: i for i in sample_instruments()}
    strategy = registry.create(
        "ema_trend", {"fast": str(fast), "slow": str(slow), "allow_short": "false"}
    )
    no_funding = FundingRates(np.empty(0, dtype=np.int64), np.empty(0))
    data = StrategyInput(SYMBOL, "1h", candles, funding_per_bar(candles, no_funding, HOUR_MS))
    agent = StrategyAgent("ema", strategy, {SYMBOL: data}, Sizing(reserve=RESERVE))
    venue = PaperVenue(PaperVenueConfig(10_000.0, 0.0, FEE), instruments, NextBarOpen())
    feed = ReplayFeed("1h", {SYMBOL: candles}, {})
    return TradingEngine(feed, [(agent, venue)], instruments, RiskLimits(), SimClock(START))


def run_ours(candles: Candles, fast: int, slow: int) -> tuple[float, int, float]:
    """Seconds, fills and final equity of one run through the TradingEngine."""
    started = time.perf_counter()
    ledger = our_engine(candles, fast, slow).run()["ema"]
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


def ours_fills(candles: Candles, fast: int, slow: int) -> list[tuple[int, float, float]]:
    """Our fills of one run as (bar index, signed quantity, price)."""
    fills = our_engine(candles, fast, slow).run()["ema"].fills
    bars = np.searchsorted(candles.ts, [fill.ts for fill in fills])
    return [
        (int(bar), fill.quantity * fill.side.sign, fill.price)
        for bar, fill in zip(bars, fills, strict=True)
    ]


def _vectorbt() -> Any:
    try:
        import vectorbt
    except ImportError:
        return None
    return vectorbt


def run_vectorbt_signals(candles: Candles, fast: int, slow: int) -> tuple[float, int, float] | None:
    """vectorbt's usual way: its EMAs, crossings as signals, filled at the next bar's open."""
    vbt = _vectorbt()
    if vbt is None:
        return None
    import pandas as pd

    close, open_ = pd.Series(candles.close), pd.Series(candles.open)
    started = time.perf_counter()
    fast_ma = vbt.MA.run(close, fast, ewm=True, short_name="fast")
    slow_ma = vbt.MA.run(close, slow, ewm=True, short_name="slow")
    entries = fast_ma.ma_crossed_above(slow_ma).shift(1, fill_value=False)
    exits = fast_ma.ma_crossed_below(slow_ma).shift(1, fill_value=False)
    portfolio = vbt.Portfolio.from_signals(
        close, entries, exits, price=open_, fees=FEE, init_cash=10_000.0,
        direction="longonly", freq="1h",
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return seconds, int(portfolio.orders.count()), float(portfolio.final_value())


_EXACT_ORDER: list[Any] = []  # the compiled order function, built once


def _exact_order_function() -> Any:
    """The numba order function that reproduces our engine's sizing and fills (see the module
    docstring); long only, as the single runs are."""
    if _EXACT_ORDER:
        return _EXACT_ORDER[0]
    from numba import njit
    from vectorbt.portfolio.enums import Direction, NoOrder
    from vectorbt.portfolio.nb import order_nb

    @njit  # type: ignore[untyped-decorator,misc]
    def order(c, targets, opens, closes, reserve, fee, step):  # type: ignore[no-untyped-def]
        k = c.i - 1  # the bar whose close the decision was taken at
        if k < 0:
            return NoOrder
        target = targets[k]
        held = targets[k - 1] if k > 0 else 0.0
        if target == held:
            return NoOrder
        price = opens[c.i]
        if target > 0:
            # Sizing.notional at leverage 1 (its fee_rate is 0 in these runs), rounded down
            # to the amount step at the signal's close as TradingEngine._enter does ...
            notional = abs(target) * 1.0 * c.value_now * (1 - reserve) * 1.0 / (1 + 1.0 * 0.0)
            if notional <= 0:
                return NoOrder
            quantity = np.floor(notional / closes[k] / step + 1e-9) * step
            # ... then shrunk at the fill to what the cash affords at the open (PaperVenue).
            affordable = c.cash_now / (price / 1.0 + price * fee)
            size = min(quantity, affordable)
            if size < quantity:
                size = np.floor(size / step) * step
            if size <= 0:
                return NoOrder
            return order_nb(size=size, price=price, fees=fee, direction=Direction.LongOnly)
        if c.position_now > 0:
            return order_nb(
                size=-c.position_now, price=price, fees=fee, direction=Direction.LongOnly
            )
        return NoOrder

    _EXACT_ORDER.append(order)
    return order


def run_vectorbt_exact(
    candles: Candles, fast: int, slow: int
) -> tuple[float, int, float, list[tuple[int, float, float]]] | None:
    """``from_order_func`` with our exact sizing on our strategy's signals; also its fills as
    (bar index, signed size, price)."""
    vbt = _vectorbt()
    if vbt is None:
        return None
    import pandas as pd

    order = _exact_order_function()
    step = {i.symbol: i for i in sample_instruments()}[SYMBOL].amount_step
    close = pd.Series(candles.close)
    started = time.perf_counter()
    strategy = registry.create(
        "ema_trend", {"fast": str(fast), "slow": str(slow), "allow_short": "false"}
    )
    no_funding = np.full(len(candles), np.nan)
    targets = signal_targets(strategy, StrategyInput(SYMBOL, "1h", candles, no_funding))
    portfolio = vbt.Portfolio.from_order_func(
        close, order, targets, candles.open, candles.close, RESERVE, FEE, step,
        init_cash=10_000.0, freq="1h",
    )  # fmt: skip
    seconds = time.perf_counter() - started
    records = portfolio.orders.values
    fills = [
        (int(r["idx"]), float(r["size"]) * (1.0 if r["side"] == 0 else -1.0), float(r["price"]))
        for r in records
    ]
    return seconds, len(fills), float(portfolio.final_value()), fills


def median_run(runner, candles: Candles, fast: int, slow: int, repeat: int):  # type: ignore[no-untyped-def]
    runner(candles, fast, slow)  # warm up (vectorbt compiles its functions on first use)
    results = [runner(candles, fast, slow) for _ in range(repeat)]
    if results[0] is None:
        return None
    seconds = statistics.median(r[0] for r in results)
    return (seconds, *results[0][1:])


def compare_fills(
    ours: list[tuple[int, float, float]], theirs: list[tuple[int, float, float]]
) -> str:
    """Whether two lists of (bar, signed size, price) agree, in a few words."""
    if len(ours) != len(theirs):
        return f"DIFFERENT: {len(ours)} fills against {len(theirs)}"
    bars = sum(a[0] != b[0] for a, b in zip(ours, theirs, strict=True))
    prices = sum(a[2] != b[2] for a, b in zip(ours, theirs, strict=True))
    sizes = sum(a[1] != b[1] for a, b in zip(ours, theirs, strict=True))
    worst = max((abs(a[1] - b[1]) for a, b in zip(ours, theirs, strict=True)), default=0.0)
    if bars or prices or sizes:
        return (
            f"DIFFERENT: {bars} bars, {prices} prices, {sizes} sizes differ "
            f"(largest size difference {worst:g})"
        )
    return f"identical ({len(ours)} fills: the same bars, sizes and prices)"


def bench_sweep(jobs: int, repeat: int) -> float:
    """Our 100-point sweep through ``arena backtest sweep``'s code path; median seconds."""
    timings = []
    with tempfile.TemporaryDirectory() as folder:
        subset = Path(folder) / "sample"
        subset.mkdir()
        for name in ("binance_spot_BTCUSDT_1h.csv.gz", "instruments.json"):
            (subset / name).write_bytes((sample_dir() / name).read_bytes())
        settings = Settings(_env_file=None, database_url=f"sqlite:///{folder}/bench.db")  # type: ignore[call-arg]
        context = open_context(settings)
        load_sample(context, subset)
        base = BacktestConfig("ema_trend", (SYMBOL,), "1h", START, END, fee_rate=FEE)
        grid = parse_grid(GRID)
        for _ in range(repeat):
            started = time.perf_counter()
            result = backtests.sweep(context, base, grid, jobs)
            timings.append(time.perf_counter() - started)
        context.close()
    seconds = statistics.median(timings)
    runs = len(result.points)
    bars = runs * int((END - START) / HOUR_MS)
    print(
        f"  sweep alpha_arena: {runs} ema_trend combinations x 5 years of 1h in {seconds:.2f} s "
        f"on {jobs} processes ({bars / seconds:,.0f} bars/s in all; runs "
        f"{', '.join(f'{t:.2f}' for t in timings)} s)"
    )
    return seconds


def bench_sweep_vectorbt(candles: Candles, repeat: int) -> float | None:
    """The same 100 EMA pairs through vectorbt as one 100-column portfolio; median seconds."""
    vbt = _vectorbt()
    if vbt is None:
        return None
    import pandas as pd

    values = parse_grid(GRID)
    fasts = np.repeat([int(v) for v in values["fast"]], len(values["slow"]))
    slows = np.tile([int(v) for v in values["slow"]], len(values["fast"]))
    close, open_ = pd.Series(candles.close), pd.Series(candles.open)

    def grid() -> tuple[float, int]:
        started = time.perf_counter()
        fast_ma = vbt.MA.run(close, fasts, ewm=True, short_name="fast")
        slow_ma = vbt.MA.run(close, slows, ewm=True, short_name="slow")
        longs = fast_ma.ma_crossed_above(slow_ma).shift(1, fill_value=False)
        shorts = fast_ma.ma_crossed_below(slow_ma).shift(1, fill_value=False)
        portfolio = vbt.Portfolio.from_signals(
            close, longs, short_entries=shorts, price=open_, fees=FEE, init_cash=10_000.0,
            freq="1h",
        )  # fmt: skip
        portfolio.total_return()
        portfolio.sharpe_ratio()
        return time.perf_counter() - started, int(portfolio.orders.count().sum())

    grid()  # warm up: compiling is not timed
    results = [grid() for _ in range(repeat)]
    seconds = statistics.median(r[0] for r in results)
    print(
        f"  sweep vectorbt:    the same {len(fasts)} EMA pairs (one from_signals of "
        f"{len(fasts)} columns, total return and Sharpe) in {seconds:.2f} s on 1 process "
        f"({results[0][1]:,} fills in all; runs {', '.join(f'{r[0]:.2f}' for r in results)} s)"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    candles = window()
    print(f"BTC/USDT 1h, {len(candles):,} bars, long-only EMA crossover, median of {args.repeat}")
    runners = (
        ("alpha_arena", run_ours),
        ("vectorbt from_order_func (our sizing)", run_vectorbt_exact),
        ("vectorbt from_signals", run_vectorbt_signals),
        ("backtrader", run_backtrader),
    )
    for fast, slow in ((12, 26), (50, 200)):
        for name, runner in runners:
            result = median_run(runner, candles, fast, slow, args.repeat)
            if result is None:
                print(f"  EMA {fast}/{slow}  {name}: not installed (pip install -e '.[bench]')")
                continue
            print(
                f"  EMA {fast}/{slow}  {name + ':':40s} {len(candles) / result[0]:>10,.0f} bars/s "
                f"({result[1]} fills, final equity {result[2]:,.0f})"
            )
            if runner is run_vectorbt_exact:
                verdict = compare_fills(ours_fills(candles, fast, slow), result[3])
                print(f"  EMA {fast}/{slow}  fills, ours against vectorbt's: {verdict}")
    ours = bench_sweep(args.jobs, args.repeat)
    theirs = bench_sweep_vectorbt(candles, args.repeat)
    if theirs is not None:
        print(f"  sweep: alpha_arena / vectorbt = {ours / theirs:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
