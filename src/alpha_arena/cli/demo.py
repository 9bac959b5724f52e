"""``arena demo``: the README's main job, offline on the embedded default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from alpha_arena.cli.common import app_context, console, one_line_errors, progress_bar
from alpha_arena.cli.compare import comparison_table
from alpha_arena.cli.leaderboard import leaderboard_table

if TYPE_CHECKING:
    from alpha_arena.services.integrity import SeriesStats


@one_line_errors
def demo() -> None:
    """Load the bundled Binance sample, register the built-in agents (the library strategies,
    the portfolio agent, and an LLM trader for every provider whose API key is set), run a
    replay season over the 90 days before the last day all six perpetuals have data, with both
    baselines, and print its leaderboard (with alpha and beta) and its pairwise comparison."""
    from alpha_arena.services import integrity, seasons
    from alpha_arena.services.demo import prepare_demo
    from alpha_arena.services.sample import load_sample
    from alpha_arena.storage.season_store import SeasonStore

    with app_context() as context:
        console.print(f"database: {context.engine.url.render_as_string(hide_password=True)}")
        with console.status("loading the bundled Binance sample..."):
            report = load_sample(context)
        console.print(
            f"sample: {report.inserted:,} rows inserted, "
            f"{report.rows - report.inserted:,} already present ({len(report.files)} files)"
        )
        console.print(_data_table(integrity.series_stats(context)))
        with console.status("registering agents; backtesting the year before the season..."):
            plan = prepare_demo(context)
        season_id = plan.season.id
        llm = ", ".join(plan.llm_agents) or "none (no provider API key is set)"
        console.print(
            f"season {season_id} {plan.season.name!r}: {len(plan.agents)} agents + 2 baselines; "
            f"LLM traders: {llm}"
        )
        with progress_bar(f"season {season_id}", "ticks", hidden=False) as advance:
            run = seasons.run_season(context, season_id, advance)
        board = seasons.leaderboard(context, season_id)
        comparison = seasons.compare(context, season_id)
        digest = SeasonStore(context.engine).ledger_hash(season_id)
    console.print(leaderboard_table(board))
    console.print(comparison_table(comparison))
    console.print(f"season {season_id} {run.status}: {run.message}; ledger sha256 {digest[:16]}")
    console.print(
        f"next: `arena season show {season_id}`, `arena season leaderboard {season_id} "
        "--rank-by alpha`, "
        f"`arena season export {season_id} --out season-{season_id}`; create your own with "
        "`arena season create --name NAME --symbols BTC/USDT:USDT --start 2025-01-01 --end "
        "2025-04-01 --agents ema-trend,breakout` and `arena season run ID`."
    )
    console.print(
        f"watch it in a browser: `make serve` (or `arena serve`), then open "
        f"http://127.0.0.1:8000/arena/{season_id}"
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
