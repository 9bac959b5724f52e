"""``arena demo``: the README's main job, offline on the embedded default."""

from __future__ import annotations

from rich.table import Table

from alpha_arena.cli.common import app_context, console, one_line_errors
from alpha_arena.services import integrity
from alpha_arena.services.sample import load_sample


@one_line_errors
def demo() -> None:
    """Set up the database, load the bundled Binance sample and show what is stored."""
    with app_context() as context:
        console.print(f"database: {context.engine.url.render_as_string(hide_password=True)}")
        with console.status("loading the bundled Binance sample..."):
            report = load_sample(context)
        console.print(
            f"sample: {report.inserted:,} rows inserted, "
            f"{report.rows - report.inserted:,} already present ({len(report.files)} files)"
        )
        stats = integrity.series_stats(context)
    table = Table(
        "symbol",
        "series",
        "first",
        "last",
        "rows",
        "gaps",
        "missing",
        title="Market data (Binance; perpetuals are SYMBOL/USDT:USDT)",
    )
    perpetuals_first = sorted(stats, key=lambda item: (":" not in item.symbol, item.symbol))
    for item in perpetuals_first:
        table.add_row(
            item.symbol,
            item.timeframe,
            item.first,
            item.last,
            f"{item.rows:,}",
            str(item.gaps),
            str(item.missing_rows),
        )
    console.print(table)
    console.print(
        "next: `arena data scan` records the gaps above as integrity events; "
        "`arena data stats --json` prints this table as JSON."
    )
