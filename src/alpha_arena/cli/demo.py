"""``arena demo``: the README's main job, offline on the embedded default."""

from __future__ import annotations

from rich.table import Table

from alpha_arena.backtest.run import BacktestConfig, BacktestResult
from alpha_arena.cli.common import app_context, console, one_line_errors
from alpha_arena.core.time import to_iso
from alpha_arena.services import backtests, integrity
from alpha_arena.services.integrity import SeriesStats
from alpha_arena.services.sample import load_sample

DEMO_SYMBOL = "BTC/USDT:USDT"


@one_line_errors
def demo() -> None:
    """Set up the database, load the bundled Binance sample, show what is stored, and backtest
    the strategy library on the newest year of BTC perpetual data."""
    with app_context() as context:
        console.print(f"database: {context.engine.url.render_as_string(hide_password=True)}")
        with console.status("loading the bundled Binance sample..."):
            report = load_sample(context)
        console.print(
            f"sample: {report.inserted:,} rows inserted, "
            f"{report.rows - report.inserted:,} already present ({len(report.files)} files)"
        )
        stats = integrity.series_stats(context)
        with console.status("backtesting the strategy library..."):
            base, results = backtests.compare_library(context, DEMO_SYMBOL, "1h", days=365)
    console.print(_data_table(stats))
    console.print(_library_table(base, results))
    console.print(
        "next: `arena backtest run --strategy ema_trend --symbol BTC/USDT:USDT --start 2024-01-01 "
        "--end 2025-01-01` stores a run; `arena data scan` records the gaps above as integrity "
        "events; `arena data stats --json` prints the data table as JSON."
    )


def _data_table(stats: list[SeriesStats]) -> Table:
    table = Table(
        "symbol", "series", "first", "last", "rows", "gaps", "missing",
        title="Market data (Binance; perpetuals are SYMBOL/USDT:USDT)",
    )  # fmt: skip
    for item in sorted(stats, key=lambda item: (":" not in item.symbol, item.symbol)):
        table.add_row(
            item.symbol, item.timeframe, item.first, item.last, f"{item.rows:,}",
            str(item.gaps), str(item.missing_rows),
        )  # fmt: skip
    return table


def _library_table(base: BacktestConfig, results: list[tuple[str, BacktestResult]]) -> Table:
    table = Table(
        "strategy", "return", "buy & hold", "max drawdown", "Sharpe", "trades", "fees",
        title=(
            f"Strategy library on {DEMO_SYMBOL} 1h, {to_iso(base.ts_start)[:10]} to "
            f"{to_iso(base.ts_end)[:10]} (10,000 USDT, 1x, 0.05% fee, 2 bps slippage)"
        ),
    )  # fmt: skip
    for name, result in results:
        m = result.metrics
        table.add_row(
            name, _pct(m.total_return), _pct(m.buy_and_hold_return), _pct(m.max_drawdown),
            "-" if m.sharpe is None else f"{m.sharpe:.2f}", str(m.trade_count),
            f"{m.fees_paid:,.0f}",
        )  # fmt: skip
    return table


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"
