"""``arena agent report NAME``: how an agent's calls turned out, per horizon, by market regime
and by coin (``services.outcomes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from alpha_arena.cli.common import app_context, console, one_line_errors, print_json
from alpha_arena.cli.tables import Field, coin, fitted_table

if TYPE_CHECKING:
    from alpha_arena.analytics.outcomes import HorizonReport, Tally
    from alpha_arena.services.outcomes import AgentReport

FIELDS = [
    Field("which calls", text=True), Field("long or short"), Field("pending"), Field("hit rate"),
    Field("average outcome"), Field("aside"), Field("average move aside"),
]  # fmt: skip


@one_line_errors
def report_command(
    name: str = typer.Argument(..., help="The agent's name."),
    season: int | None = typer.Option(None, "--season", help="Only this season's decisions."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """How the agent's calls turned out 1, 4 and 24 bars later: hit rate and average outcome,
    by market regime and by coin."""
    from alpha_arena.services.outcomes import agent_report, report_json

    with app_context() as context:
        found = agent_report(context, name, season)
    if as_json:
        print_json(report_json(found))
        return
    if found.message:
        console.print(found.message, highlight=False, markup=False)
        return
    console.print(_heading(found), highlight=False, markup=False)
    for horizon in found.horizons:
        console.print(_table(found.agent, horizon))
    console.print(
        "A hit: a long call followed by a rise, or a short by a fall. Average outcome: the "
        "price change after the call, signed so that a gain for the call is positive. Aside: "
        "calls to hold or close; their average move is what the price did meanwhile, either "
        "way. Pending: not enough bars after the call yet.",
        highlight=False, markup=False,
    )  # fmt: skip


def _heading(found: AgentReport) -> str:
    seasons = ", ".join(
        f"{s.season_id} {s.name} ({s.timeframe}, {s.decisions:,} decisions)" for s in found.seasons
    )
    calls = f"{found.calls:,} calls in {found.decisions:,} decisions"
    return f"{found.agent}: {calls}; seasons {seasons}"


def _table(agent: str, horizon: HorizonReport) -> object:
    rows = [["all", *_cells(horizon.overall)]]
    rows += [[f"regime {name}", *_cells(t)] for name, t in horizon.by_regime.items()]
    rows += [[coin(symbol), *_cells(t)] for symbol, t in horizon.by_coin.items()]
    plural = "" if horizon.bars == 1 else "s"
    return fitted_table(FIELDS, rows, title=f"{agent}: {horizon.bars} bar{plural} after a call")


def _cells(tally: Tally) -> list[str]:
    return [
        f"{tally.calls:,}", f"{tally.pending:,}", _percent(tally.hit_rate, signed=False),
        _percent(tally.average_outcome), f"{tally.aside:,}",
        _percent(tally.average_move_aside, signed=False),
    ]  # fmt: skip


def _percent(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "-"
    return f"{value * 100:+.2f}%" if signed else f"{value * 100:.2f}%"
