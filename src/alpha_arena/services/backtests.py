"""Backtest use cases: run and store, list, show, export."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from alpha_arena.backtest.run import (
    BacktestConfig,
    BacktestResult,
    load_market,
    run_backtest,
    simulate,
    warmup_bars,
)
from alpha_arena.backtest.sweep import SweepResult, run_sweep
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import DAY_MS, to_iso
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.context import AppContext
from alpha_arena.storage.backtest_store import BacktestRecord, BacktestStore
from alpha_arena.strategies import registry


def data_service(context: AppContext, exchange: str) -> DataService:
    return DataService(context.market, exchange)


def run(
    context: AppContext,
    config: BacktestConfig,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, BacktestResult]:
    """Run a backtest on the stored data and store it; return its id and result."""
    instruments = {item.symbol: item for item in context.market.instruments(config.exchange)}
    result = run_backtest(
        data_service(context, config.exchange), instruments, config, None, progress
    )
    run_id = BacktestStore(context.engine).save(to_record(result), context.clock.now_ms())
    return run_id, result


def sweep(
    context: AppContext,
    base: BacktestConfig,
    grid: Mapping[str, list[str]],
    jobs: int = 0,
    rank_by: str = "sharpe",
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run ``base`` over a parameter grid (not stored; rerun a chosen point with ``run``)."""
    instruments = {item.symbol: item for item in context.market.instruments(base.exchange)}
    return run_sweep(
        data_service(context, base.exchange), instruments, base, grid, jobs, rank_by, progress
    )


def compare_library(
    context: AppContext, symbol: str, timeframe: str, days: int, exchange: str = "binance"
) -> tuple[BacktestConfig, list[tuple[str, BacktestResult]]]:
    """Backtest every library strategy with its defaults over the newest ``days`` of stored
    data (not stored: a quick comparison), best total return first."""
    data = data_service(context, exchange)
    newest = data.candles(symbol, timeframe, last=1)
    if not len(newest):
        raise InvalidInputError(f"no {timeframe} candles for {symbol}; load data first")
    end = int(newest.ts[-1]) - int(newest.ts[-1]) % DAY_MS
    base = BacktestConfig(
        "flat", (symbol,), timeframe, end - days * DAY_MS, end, fee_rate=0.0005, slippage_bps=2
    )
    instruments = {item.symbol: item for item in context.market.instruments(exchange)}
    strategies = {name: registry.create(name) for name in registry.names()}
    market = load_market(data, base, max(warmup_bars(s) for s in strategies.values()))
    results = [
        (name, simulate(market, instruments, replace(base, strategy=name), strategy))
        for name, strategy in strategies.items()
    ]
    results.sort(key=lambda item: item[1].metrics.total_return, reverse=True)
    return base, results


def config_as_dict(config: BacktestConfig) -> dict[str, Any]:
    values = asdict(config)
    values["symbols"] = list(config.symbols)
    values["params"] = dict(config.params)
    values["start"] = to_iso(config.ts_start)
    values["end"] = to_iso(config.ts_end)
    return values


def to_record(result: BacktestResult) -> BacktestRecord:
    ledger = result.ledger
    config = result.config
    fees: dict[str, float] = {}
    for fill in ledger.fills:
        fees[fill.client_order_id] = fees.get(fill.client_order_id, 0.0) + fill.fee
    return BacktestRecord(
        strategy=config.strategy,
        symbols=config.symbols,
        timeframe=config.timeframe,
        ts_start=config.ts_start,
        ts_end=config.ts_end,
        bars=result.bars,
        config=config_as_dict(config),
        metrics=result.metrics.as_dict(),
        equity_ts=ledger.equity_ts,
        equity=ledger.equity,
        cash=ledger.cash,
        exposure=ledger.exposure,
        trades=result.trades,
        orders=ledger.orders,
        order_events=ledger.order_events,
        fees_by_order=fees,
    )


def export(context: AppContext, run_id: int, folder: Path) -> list[Path]:
    """Write equity.csv, trades.csv and orders.csv of a stored backtest into ``folder``."""
    store = BacktestStore(context.engine)
    store.get(run_id)
    if folder.exists() and not folder.is_dir():
        raise InvalidInputError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in (
        ("equity", store.equity(run_id)),
        ("trades", store.trades(run_id)),
        ("orders", store.orders(run_id)),
    ):
        path = folder / f"{name}.csv"
        with path.open("w", newline="") as handle:
            if rows:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
        written.append(path)
    return written
