"""``arena backtest``: run, list, show and export backtests; run, list and show sweeps."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from alpha_arena.cli.common import (
    app_context,
    console,
    error_console,
    one_line_errors,
    print_json,
    progress_bar,
)
from alpha_arena.core.time import to_iso

if TYPE_CHECKING:
    from alpha_arena.storage.sweep_store import SweepSummary

backtest_app = typer.Typer(help="Backtests on the stored market data.", no_args_is_help=True)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")
MarginModeOption = typer.Option(
    "isolated", "--margin-mode",
    help="isolated (each position on its own margin) or cross (the account backs them all).",
)  # fmt: skip
PositionModeOption = typer.Option(
    "net", "--position-mode", help="net, or long_short: a long and a short of a coin at once."
)
RiskPresetOption = typer.Option(
    None, "--risk-preset", help="Risk limits of a named preset: default or conservative."
)
RiskConfigOption = typer.Option(
    None, "--risk-config", help="TOML file whose [risk] table sets the risk limits."
)

#: How each metric is shown: label and format.
_METRICS: tuple[tuple[str, str, str], ...] = (
    ("total_return", "total return", "pct"),
    ("cagr", "CAGR", "pct"),
    ("buy_and_hold_return", "buy & hold return", "pct"),
    ("max_drawdown", "max drawdown", "pct"),
    ("max_drawdown_bars", "max drawdown duration (bars)", "int"),
    ("volatility", "volatility (annualized)", "pct"),
    ("sharpe", "Sharpe", "num"),
    ("sortino", "Sortino", "num"),
    ("calmar", "Calmar", "num"),
    ("profit_factor", "profit factor", "num"),
    ("win_rate", "win rate", "pct"),
    ("average_win", "average win", "usd"),
    ("average_loss", "average loss", "usd"),
    ("expectancy", "expectancy per trade", "usd"),
    ("trade_count", "trades", "int"),
    ("exposure", "exposure (time in market)", "pct"),
    ("fees_paid", "fees paid", "usd"),
    ("funding_paid", "funding paid", "usd"),
    ("best_trade", "best trade", "usd"),
    ("worst_trade", "worst trade", "usd"),
    ("end_equity", "final equity", "usd"),
)


def _format(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kind == "pct":
        return f"{value * 100:,.2f}%"
    if kind == "usd":
        return f"{value:,.2f}"
    if kind == "int":
        return f"{int(value):,}"
    return f"{value:,.3f}"


def _metrics_table(title: str, metrics: dict[str, Any]) -> Table:
    table = Table("metric", "value", title=title)
    for key, label, kind in _METRICS:
        table.add_row(label, _format(metrics.get(key), kind))
    return table


@backtest_app.command("run")
@one_line_errors
def run_command(
    strategy: str = typer.Option(..., "--strategy", help="See `arena strategies list`."),
    symbol: str = typer.Option(
        ..., "--symbol", help="CCXT symbol, e.g. BTC/USDT:USDT; comma-separated for several."
    ),
    timeframe: str = typer.Option("1h", "--timeframe"),
    start: str = typer.Option(..., "--start", help="UTC date, e.g. 2024-01-01."),
    end: str = typer.Option(..., "--end", help="UTC date (exclusive), e.g. 2025-01-01."),
    capital: float = typer.Option(10_000.0, "--capital", help="Starting capital in USDT."),
    fee_rate: float | None = typer.Option(
        None, "--fee-rate", help="Fee per fill as a fraction (default: the instrument's)."
    ),
    slippage_bps: float = typer.Option(0.0, "--slippage-bps", help="Market-order slippage."),
    leverage: float = typer.Option(1.0, "--leverage"),
    stop_loss: float | None = typer.Option(
        None, "--stop-loss", help="Stop-loss distance as a fraction of the entry, e.g. 0.05."
    ),
    take_profit: float | None = typer.Option(
        None, "--take-profit", help="Take-profit distance as a fraction of the entry."
    ),
    param: list[str] = typer.Option([], "--param", help="Strategy parameter NAME=VALUE."),  # noqa: B008
    exchange: str = typer.Option("binance", "--exchange", help="Whose stored data to use."),
    margin_mode: str = MarginModeOption,
    position_mode: str = PositionModeOption,
    risk_preset: str | None = RiskPresetOption,
    risk_config: Path | None = RiskConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Backtest a library strategy on the stored data, print its metrics and store the run."""
    from alpha_arena.services import backtests, profiles  # the engine and the data stack

    config = backtests.build_config(
        strategy, symbol, timeframe, start, end, capital=capital, fee_rate=fee_rate,
        slippage_bps=slippage_bps, leverage=leverage, params=param, exchange=exchange,
        stop_loss=stop_loss, take_profit=take_profit, margin_mode=margin_mode,
        position_mode=position_mode,
    )  # fmt: skip
    layers = profiles.option_file_layers(risk_preset, risk_config)
    with app_context() as context, progress_bar("backtest", "bars", as_json) as advance:
        config = profiles.with_backtest_profile(context.settings, config, layers)
        run_id, result = backtests.run(context, config, advance)
    metrics, denials = result.metrics.as_dict(), result.denials
    warning = backtests.no_trade_warning(run_id, metrics, denials)
    if warning is not None:  # on stderr: visible, and --json stays parseable
        error_console.print(f"[bold yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    if as_json:
        print_json({"id": run_id, "config": backtests.config_as_dict(config), "metrics": metrics,
                    "denials": denials})  # fmt: skip
        return
    title = (
        f"Backtest {run_id}: {config.strategy} on {', '.join(config.symbols)} {config.timeframe}, "
        f"{to_iso(config.ts_start)} to {to_iso(config.ts_end)}"
    )
    console.print(_metrics_table(title, metrics))
    console.print(f"risk denials: {backtests.describe_denials(denials)}", highlight=False)
    console.print(f"stored as backtest {run_id}; `arena backtest export {run_id} --out DIR`")


@backtest_app.command("sweep")
@one_line_errors
def sweep_command(
    strategy: str = typer.Option(..., "--strategy", help="See `arena strategies list`."),
    symbol: str = typer.Option(..., "--symbol", help="CCXT symbol, e.g. BTC/USDT:USDT."),
    timeframe: str = typer.Option("1h", "--timeframe"),
    start: str = typer.Option(..., "--start", help="UTC date, e.g. 2021-01-01."),
    end: str = typer.Option(..., "--end", help="UTC date (exclusive)."),
    grid: list[str] = typer.Option(  # noqa: B008
        ..., "--grid", help="NAME=START:STOP:STEP (inclusive) or NAME=A,B,C; repeatable."
    ),
    param: list[str] = typer.Option([], "--param", help="Fixed parameter NAME=VALUE."),  # noqa: B008
    capital: float = typer.Option(10_000.0, "--capital"),
    fee_rate: float | None = typer.Option(None, "--fee-rate"),
    slippage_bps: float = typer.Option(0.0, "--slippage-bps"),
    leverage: float = typer.Option(1.0, "--leverage"),
    jobs: int = typer.Option(
        0, "--jobs", min=0, max=256, help="Processes of a local sweep (0: one per core)."
    ),
    workers: bool = typer.Option(
        False, "--workers", help="Run the combinations on the workers connected to "
        "ARENA_BROKER_URL (`arena worker`), in chunks, instead of on this machine.",
    ),
    timeout: float = typer.Option(
        3600.0, "--timeout", min=1, help="With --workers: seconds to wait for them."
    ),
    rank_by: str = typer.Option("sharpe", "--rank-by", help="Metric to rank by."),
    top: int = typer.Option(20, "--top", min=1, help="Rows to print."),
    exchange: str = typer.Option("binance", "--exchange"),
    margin_mode: str = MarginModeOption,
    position_mode: str = PositionModeOption,
    risk_preset: str | None = RiskPresetOption,
    risk_config: Path | None = RiskConfigOption,
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Run a strategy over a parameter grid, print the combinations ranked and store the
    sweep; the best combination is run once more as a stored backtest, ready for
    `arena agent add NAME --from-backtest ID`."""
    from alpha_arena.backtest.sweep import parse_grid
    from alpha_arena.services import backtests, profiles, sweeps

    base = backtests.build_config(
        strategy, symbol, timeframe, start, end, capital=capital, fee_rate=fee_rate,
        slippage_bps=slippage_bps, leverage=leverage, params=param, exchange=exchange,
        margin_mode=margin_mode, position_mode=position_mode,
    )  # fmt: skip
    grid_values = parse_grid(grid)
    layers = profiles.option_file_layers(risk_preset, risk_config)
    with app_context() as context:
        base = profiles.with_backtest_profile(context.settings, base, layers)
        runner: sweeps.SweepRunner = sweeps.LocalSweeps(jobs)
        if workers:
            from alpha_arena.worker.sweeps import WorkerSweeps

            runner = WorkerSweeps(context.settings, timeout)
        with progress_bar("sweep", "runs", as_json) as advance:
            stored = sweeps.run(context, base, grid_values, runner, rank_by, advance)
    result = stored.run.result
    if as_json:
        print_json({
            "id": stored.sweep_id, "rank_by": result.rank_by,
            "ran": _ran(stored.run.mode, stored.run.workers), "chunks": stored.run.chunks,
            "duration_ms": stored.duration_ms, "best_backtest": stored.best_backtest_id,
            "results": [{"params": dict(p.params), "metrics": p.metrics_dict()}
                        for p in result.points],
            "skipped": [{"params": dict(params), "reason": reason}
                        for params, reason in result.skipped],
            "overfitting": None if result.overfitting is None else result.overfitting.as_dict(),
        })  # fmt: skip
        return
    console.print(_sweep_table(
        f"{strategy} sweep, ranked by {rank_by}", list(grid_values), result.rank_by,
        [(dict(point.params), point.metrics_dict()) for point in result.points[:top]],
    ))  # fmt: skip
    note = f"{len(result.points)} combinations run"
    if result.skipped:
        note += f", {len(result.skipped)} skipped as invalid (e.g. {result.skipped[0][1]})"
    console.print(note, highlight=False, markup=False)
    console.print(
        _pbo_line(None if result.overfitting is None else result.overfitting.as_dict()),
        highlight=False, markup=False,
    )  # fmt: skip
    console.print(
        f"stored as sweep {stored.sweep_id} ({_ran(stored.run.mode, stored.run.workers)}, "
        f"{stored.duration_ms / 1000:,.1f} s); `arena backtest sweep-show {stored.sweep_id}`",
        highlight=False, markup=False,
    )  # fmt: skip
    console.print(
        f"best: backtest #{stored.best_backtest_id} — register it with: "
        f"arena agent add NAME --from-backtest {stored.best_backtest_id}",
        highlight=False, markup=False,
    )  # fmt: skip


def _ran(mode: str, workers: int | None) -> str:
    """How a sweep ran, in words: ``local`` or ``2 workers``."""
    if mode != "workers":
        return mode
    return f"{workers or 0} worker{'' if workers == 1 else 's'}"


def _pbo_line(overfitting: dict[str, Any] | None) -> str:
    """The sweep's probability of backtest overfitting in one line, or why there is none."""
    if overfitting is None:
        return (
            "PBO: not measured (it needs 2 combinations or more and at least 8 bars; sweeps "
            "stored before it existed have none)"
        )
    return (
        f"PBO {overfitting['pbo']:.2f} ({overfitting['splits']:,} splits): the chance the best "
        "in-sample combination is below the median out of sample"
    )


def _sweep_table(
    title: str, names: list[str], rank_by: str, points: list[tuple[dict[str, str], dict[str, Any]]]
) -> Table:
    """Ranked points: the swept parameters, the headline metrics (DSR: the deflated Sharpe
    ratio, the chance the Sharpe ratio is real given how many combinations were tried) and the
    one ranked by."""
    shown = ("total_return", "max_drawdown", "sharpe", "trade_count", "fees_paid")
    extra = [] if rank_by in shown else [rank_by]
    kinds = {key: kind for key, _, kind in _METRICS}
    table = Table("#", *names, "return", "max dd", "Sharpe", "DSR", "trades", "fees", *extra,
                  title=title)  # fmt: skip
    for rank, (params, metrics) in enumerate(points, start=1):
        table.add_row(
            str(rank), *(params.get(name, "-") for name in names),
            _format(metrics.get("total_return"), "pct"),
            _format(metrics.get("max_drawdown"), "pct"), _format(metrics.get("sharpe"), "num"),
            _format(metrics.get("deflated_sharpe"), "num"),
            _format(metrics.get("trade_count"), "int"), _format(metrics.get("fees_paid"), "usd"),
            *(_format(metrics.get(key), kinds.get(key, "num")) for key in extra),
        )  # fmt: skip
    return table


@backtest_app.command("sweeps")
@one_line_errors
def sweeps_command(
    limit: int = typer.Option(50, "--limit", min=1, max=10_000), as_json: bool = JsonOption
) -> None:
    """List stored sweeps, newest first, each with its best combination."""
    from alpha_arena.storage.sweep_store import SweepStore

    with app_context() as context:
        stored = SweepStore(context.engine).recent(limit)
    if as_json:
        print_json([_sweep_json(sweep) for sweep in stored])
        return
    table = Table("id", "strategy", "symbols", "tf", "start", "end", "combinations", "rank by",
                  "best", "best params", "PBO", "ran", "time", "best backtest",
                  title="Sweeps")  # fmt: skip
    kinds = {key: kind for key, _, kind in _METRICS}
    for sweep in stored:
        best = sweep.best
        swept = list(sweep.grid)
        table.add_row(
            str(sweep.id), sweep.strategy, ",".join(sweep.symbols), sweep.timeframe,
            to_iso(sweep.ts_start)[:10], to_iso(sweep.ts_end)[:10], f"{sweep.combinations:,}",
            sweep.rank_by,
            "-" if best is None else _format(best.metrics.get(sweep.rank_by),
                                             kinds.get(sweep.rank_by, "num")),
            "-" if best is None else " ".join(f"{n}={best.params.get(n, '-')}" for n in swept),
            "-" if sweep.overfitting is None else f"{sweep.overfitting['pbo']:.2f}",
            _ran(sweep.mode, sweep.workers), f"{sweep.duration_ms / 1000:,.1f} s",
            "-" if sweep.best_backtest_id is None else str(sweep.best_backtest_id),
        )  # fmt: skip
    console.print(table)


@backtest_app.command("sweep-show")
@one_line_errors
def sweep_show_command(
    sweep_id: int = typer.Argument(..., help="Sweep id (see `arena backtest sweeps`)."),
    top: int = typer.Option(20, "--top", min=1, help="Rows to print (JSON: all of them)."),
    as_json: bool = JsonOption,
) -> None:
    """Show a stored sweep: its configuration and its combinations ranked."""
    from alpha_arena.storage.sweep_store import SweepStore

    with app_context() as context:
        store = SweepStore(context.engine)
        sweep = store.get(sweep_id)
        points = store.points(sweep_id, None if as_json else top)
    if as_json:
        print_json({
            **_sweep_json(sweep),
            "results": [{"rank": p.rank, "params": p.params, "metrics": p.metrics}
                        for p in points],
        })  # fmt: skip
        return
    config = sweep.config
    console.print(
        f"sweep {sweep.id}: {sweep.strategy} on {', '.join(sweep.symbols)} {sweep.timeframe}, "
        f"{config['start']} to {config['end']}, capital {config['capital']:,}, leverage "
        f"{config['leverage']}, fixed params {config['params'] or 'none'}; "
        f"{sweep.combinations:,} combinations ({len(sweep.skipped):,} skipped), "
        f"{_ran(sweep.mode, sweep.workers)}, {sweep.duration_ms / 1000:,.1f} s",
        highlight=False, markup=False,
    )  # fmt: skip
    console.print(_sweep_table(
        f"Sweep {sweep.id}, ranked by {sweep.rank_by}", list(sweep.grid), sweep.rank_by,
        [(point.params, point.metrics) for point in points],
    ))  # fmt: skip
    console.print(_pbo_line(sweep.overfitting), highlight=False, markup=False)
    if sweep.best_backtest_id is not None:
        console.print(
            f"best: backtest #{sweep.best_backtest_id} — register it with: "
            f"arena agent add NAME --from-backtest {sweep.best_backtest_id}",
            highlight=False, markup=False,
        )  # fmt: skip


def _sweep_json(sweep: SweepSummary) -> dict[str, Any]:
    return {
        "id": sweep.id, "strategy": sweep.strategy, "symbols": sweep.symbols,
        "timeframe": sweep.timeframe, "exchange": sweep.exchange,
        "start": to_iso(sweep.ts_start), "end": to_iso(sweep.ts_end), "config": sweep.config,
        "grid": sweep.grid, "rank_by": sweep.rank_by, "combinations": sweep.combinations,
        "skipped": sweep.skipped, "ran": _ran(sweep.mode, sweep.workers),
        "duration_ms": sweep.duration_ms, "best_backtest": sweep.best_backtest_id,
        "created": to_iso(sweep.ts_created),
        "best": None if sweep.best is None else {"params": sweep.best.params,
                                                  "metrics": sweep.best.metrics},
        "overfitting": sweep.overfitting,
    }  # fmt: skip


@backtest_app.command("list")
@one_line_errors
def list_command(
    limit: int = typer.Option(50, "--limit", min=1, max=10_000), as_json: bool = JsonOption
) -> None:
    """List stored backtests, newest first."""
    from alpha_arena.storage.backtest_store import BacktestStore

    with app_context() as context:
        runs = BacktestStore(context.engine).recent(limit)
    if as_json:
        print_json([
            {"id": r.id, "strategy": r.strategy, "symbols": r.symbols, "timeframe": r.timeframe,
             "start": to_iso(r.ts_start), "end": to_iso(r.ts_end), "metrics": r.metrics}
            for r in runs
        ])  # fmt: skip
        return
    table = Table("id", "strategy", "symbols", "tf", "start", "end", "return", "max dd", "Sharpe",
                  "trades", title="Backtests")  # fmt: skip
    for r in runs:
        m = r.metrics
        table.add_row(
            str(r.id), r.strategy, ",".join(r.symbols), r.timeframe, to_iso(r.ts_start)[:10],
            to_iso(r.ts_end)[:10], _format(m.get("total_return"), "pct"),
            _format(m.get("max_drawdown"), "pct"), _format(m.get("sharpe"), "num"),
            _format(m.get("trade_count"), "int"),
        )  # fmt: skip
    console.print(table)


@backtest_app.command("show")
@one_line_errors
def show_command(
    run_id: int = typer.Argument(..., help="Backtest id."), as_json: bool = JsonOption
) -> None:
    """Show a stored backtest's configuration and metrics."""
    from alpha_arena.services import backtests
    from alpha_arena.storage.backtest_store import BacktestStore

    with app_context() as context:
        summary = BacktestStore(context.engine).get(run_id)
    if as_json:
        print_json({"id": summary.id, "config": summary.config, "metrics": summary.metrics,
                    "denials": summary.denials})  # fmt: skip
        return
    config = summary.config
    console.print(
        f"backtest {summary.id}: {summary.strategy} on {', '.join(summary.symbols)} "
        f"{summary.timeframe}, {config['start']} to {config['end']}, "
        f"capital {config['capital']:,}, leverage {config['leverage']}, "
        f"params {config['params'] or 'defaults'}"
    )
    console.print(_metrics_table(f"Backtest {summary.id}", summary.metrics))
    console.print(f"risk denials: {backtests.describe_denials(summary.denials)}", highlight=False)
    warning = backtests.no_trade_warning(summary.id, summary.metrics, summary.denials)
    if warning is not None:
        error_console.print(f"[bold yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)


@backtest_app.command("export")
@one_line_errors
def export_command(
    run_id: int = typer.Argument(..., help="Backtest id."),
    out: Path = typer.Option(  # noqa: B008
        ..., "--out", help="Folder for equity.csv, trades.csv, orders.csv, decisions.csv, "
        "positions.csv and risk_events.csv.",
    ),
) -> None:  # fmt: skip
    """Write a stored backtest's equity curve, trades, orders, decisions, position path and
    risk events as CSV files."""
    from alpha_arena.services import backtests

    with app_context() as context:
        written = backtests.export(context, run_id, out)
    for path in written:
        console.print(f"wrote {path}")
