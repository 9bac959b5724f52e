"""Backtest use cases: build a configuration from user input, run and store, list, show,
export."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TypeVar

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
from alpha_arena.core.time import DAY_MS, parse_ts, timeframe_ms, to_iso
from alpha_arena.domain.positions import MarginMode, PositionMode
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.context import AppContext
from alpha_arena.services.csv_tables import write_csv
from alpha_arena.storage.backtest_store import BacktestRecord, BacktestStore, BacktestSummary
from alpha_arena.strategies import registry

logger = logging.getLogger(__name__)

#: The largest magnitude a numeric strategy parameter may have (periods, rates, thresholds and
#: band widths are all far below; beyond it indicator libraries refuse or overflow).
MAX_PARAM = 1e12
#: What a stored backtest exports, by table name.
Table = Literal["equity", "trades", "orders", "decisions", "positions", "risk_events"]
TABLES: tuple[Table, ...] = (
    "equity", "trades", "orders", "decisions", "positions", "risk_events",
)  # fmt: skip

#: How long a request waits for a worker to finish a backtest.
WORKER_BACKTEST_TIMEOUT_S = 600.0


def parse_params(items: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``NAME=VALUE`` strings (``--param fast=12``) as (name, value) pairs."""
    parsed = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"--param {item!r}: use NAME=VALUE, e.g. --param fast=12")
        parsed.append((key.strip(), value.strip()))
    return tuple(parsed)


_Mode = TypeVar("_Mode", bound=StrEnum)


def build_config(
    strategy: str,
    symbols: str | Sequence[str],
    timeframe: str,
    start: str,
    end: str,
    *,
    capital: float = 10_000.0,
    fee_rate: float | None = None,
    slippage_bps: float = 0.0,
    leverage: float = 1.0,
    params: Iterable[str] | Mapping[str, str] = (),
    exchange: str = "binance",
    stop_loss: float | None = None,
    take_profit: float | None = None,
    margin_mode: str = "isolated",
    position_mode: str = "net",
) -> BacktestConfig:
    """The backtest configuration from user input (``arena backtest run|sweep`` and the API).

    ``symbols``: a list, or one string with comma-separated symbols; ``start``/``end``: UTC
    dates (ISO-8601); ``params``: ``NAME=VALUE`` strings or a mapping of strings. A mistake
    raises InvalidInputError; the strategy's parameters are checked when it runs (a sweep's
    base need not be valid without its grid)."""
    names = symbols.split(",") if isinstance(symbols, str) else symbols
    if isinstance(params, Mapping):
        pairs = tuple((key.strip(), value.strip()) for key, value in params.items())
        if any(not key for key, _ in pairs):
            raise InvalidInputError("a strategy parameter has an empty name")
    else:
        pairs = parse_params(params)
    return BacktestConfig(
        strategy=strategy,
        symbols=tuple(s.strip() for s in names if s.strip()),
        timeframe=timeframe,
        ts_start=parse_ts(start),
        ts_end=parse_ts(end),
        capital=capital,
        fee_rate=fee_rate,
        slippage_bps=slippage_bps,
        leverage=leverage,
        stop_loss=stop_loss,
        take_profit=take_profit,
        params=pairs,
        exchange=exchange,
        margin_mode=_choice(MarginMode, margin_mode, "margin mode"),
        position_mode=_choice(PositionMode, position_mode, "position mode"),
    )


def _choice(kind: type[_Mode], value: str, what: str) -> _Mode:
    """``value`` as a member of ``kind``, or a one-line error naming the choices."""
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(item.value for item in kind)
        raise InvalidInputError(f"unknown {what} {value!r}; use one of: {known}") from None


def check_enabled(context: AppContext, config: BacktestConfig) -> None:
    """Refuse a new backtest of a disabled strategy (``ARENA_DISABLED_STRATEGIES``)."""
    off = registry.disabled(context.settings.disabled_strategies)
    registry.check_enabled([config.strategy], off)


def check_params(config: BacktestConfig) -> None:
    """Build the strategy's parameters (unknown names and bad values raise) and refuse numbers
    too large to mean anything."""
    values = registry.parse_params(config.strategy, dict(config.params))
    for field in dataclasses.fields(values):
        value = getattr(values, field.name)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and abs(value) > MAX_PARAM:
            raise InvalidInputError(
                f"{config.strategy} parameter {field.name} = {value:g} is out of range "
                f"(at most {MAX_PARAM:g} in size)"
            )


def data_service(context: AppContext, exchange: str) -> DataService:
    return DataService(context.market, exchange)


def check_window(context: AppContext, config: BacktestConfig) -> None:
    """Refuse a window that ends in the future or past the stored data of one of its symbols:
    the run would silently stop at the data's last bar and be stored as the window asked."""
    now = context.clock.now_ms()
    if config.ts_end > now:
        raise InvalidInputError(
            f"end {to_iso(config.ts_end)} is in the future (now {to_iso(now)}); "
            "give an end that has passed"
        )
    data = data_service(context, config.exchange)
    step = timeframe_ms(config.timeframe)
    for symbol in config.symbols:
        last = data.candles(symbol, config.timeframe, last=1)
        if not len(last):
            continue  # no data at all: the run says so, naming the window
        ts_last = int(last.ts[-1])
        if config.ts_end > ts_last + step:
            raise InvalidInputError(
                f"end {to_iso(config.ts_end)} is past the stored {config.timeframe} data of "
                f"{symbol}: its last bar opens at {to_iso(ts_last)}; use --end "
                f"{to_iso(ts_last + step)} or earlier, or load newer data"
            )


def run(
    context: AppContext,
    config: BacktestConfig,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, BacktestResult]:
    """Run a backtest on the stored data and store it; return its id and result.

    The strategy's parameters and the window are checked first (``check_params``,
    ``check_window``). A configuration the engine cannot run (an arithmetic or lookup failure
    on the user's strategy, window or sizing) raises InvalidInputError with a one-line
    message; the traceback goes to the log."""
    check_enabled(context, config)
    check_params(config)
    check_window(context, config)
    instruments = {item.symbol: item for item in context.market.instruments(config.exchange)}
    try:
        result = run_backtest(
            data_service(context, config.exchange), instruments, config, None, progress
        )
    except (ArithmeticError, LookupError, ValueError) as error:
        logger.warning("backtest %s cannot run", config, exc_info=error)
        reason = (str(error).splitlines() or [""])[0] or type(error).__name__
        raise InvalidInputError(
            f"the backtest cannot run with this configuration: {reason}"
        ) from error
    run_id = BacktestStore(context.engine).save(to_record(result), context.clock.now_ms())
    return run_id, result


def run_stored(context: AppContext, config: BacktestConfig) -> int:
    """Run a backtest and store it, on a worker when workers are attached; return its id."""
    if context.workers is None:
        return run(context, config)[0]
    check_enabled(context, config)
    check_params(config)
    check_window(context, config)
    return context.workers.run_backtest(config, WORKER_BACKTEST_TIMEOUT_S)


def sweep(
    context: AppContext,
    base: BacktestConfig,
    grid: Mapping[str, list[str]],
    jobs: int = 0,
    rank_by: str = "sharpe",
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run ``base`` over a parameter grid (not stored; rerun a chosen point with ``run``)."""
    check_enabled(context, base)
    check_window(context, base)
    instruments = {item.symbol: item for item in context.market.instruments(base.exchange)}
    return run_sweep(
        data_service(context, base.exchange), instruments, base, grid, jobs, rank_by, progress
    )


def compare_library(
    context: AppContext, symbol: str, timeframe: str, days: int, exchange: str = "binance"
) -> tuple[BacktestConfig, list[tuple[str, BacktestResult]]]:
    """Backtest every enabled library strategy with its defaults over the newest ``days`` of stored
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
    off = registry.disabled(context.settings.disabled_strategies)
    strategies = {name: registry.create(name) for name in registry.enabled_names(off)}
    market = load_market(data, base, max(warmup_bars(s) for s in strategies.values()))
    results = [
        (name, simulate(market, instruments, replace(base, strategy=name), strategy))
        for name, strategy in strategies.items()
    ]
    results.sort(key=lambda item: item[1].metrics.total_return, reverse=True)
    return base, results


def describe_denials(denials: Mapping[str, int]) -> str:
    """``{"margin": 12, "min_notional": 1}`` as ``margin 12, min_notional 1``."""
    return ", ".join(f"{rule} {count:,}" for rule, count in denials.items()) or "none"


def no_trade_warning(
    run_id: int, metrics: Mapping[str, Any], denials: Mapping[str, int]
) -> str | None:
    """The warning for a run that made no trade (None when it traded), with why."""
    if metrics.get("trade_count"):
        return None
    if not denials:
        return f"backtest {run_id} made no trade: the strategy never entered in this window"
    total = sum(denials.values())
    return (
        f"backtest {run_id} made no trade: the risk checks denied {total:,} "
        f"action{'' if total == 1 else 's'} ({describe_denials(denials)})"
    )


def config_as_dict(config: BacktestConfig) -> dict[str, Any]:
    values = asdict(config)
    values["symbols"] = list(config.symbols)
    values["params"] = dict(config.params)
    values["risk"] = dict(config.risk)
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
        denials=result.denials,
        decisions=ledger.decisions,
        targets=result.targets,
        positions=ledger.positions,
        risk_events=ledger.risk_events,
    )


def stored(
    context: AppContext, strategy: str | None = None, symbol: str | None = None
) -> list[BacktestSummary]:
    """Stored backtests, newest first; only those of ``strategy`` or trading ``symbol`` when
    given."""
    return [
        run
        for run in BacktestStore(context.engine).recent(_EVERY_RUN)
        if (strategy is None or run.strategy == strategy)
        and (symbol is None or symbol in run.symbols)
    ]


_EVERY_RUN = 2**31 - 1


def table(context: AppContext, run_id: int, name: Table) -> list[dict[str, Any]]:
    """One table of a stored backtest (NotFoundError for an unknown id), as stored rows."""
    store = BacktestStore(context.engine)
    readers = {
        "equity": store.equity, "trades": store.trades, "orders": store.orders,
        "decisions": store.decisions, "positions": store.positions,
        "risk_events": store.risk_events,
    }  # fmt: skip
    return readers[name](run_id)


def export(context: AppContext, run_id: int, folder: Path) -> list[Path]:
    """Write every table of a stored backtest (``TABLES``: equity.csv, trades.csv, ...) into
    ``folder``."""
    BacktestStore(context.engine).get(run_id)
    if folder.exists() and not folder.is_dir():
        raise InvalidInputError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        path = folder / f"{name}.csv"
        write_csv(path, table(context, run_id, name))
        written.append(path)
    return written
