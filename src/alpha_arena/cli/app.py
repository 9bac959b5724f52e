"""Entry point of the ``arena`` command."""

from __future__ import annotations

import typer

from alpha_arena import __version__
from alpha_arena.cli.account import account_app
from alpha_arena.cli.agent import agent_app, prompt_app
from alpha_arena.cli.agent_report import report_command
from alpha_arena.cli.audit import audit_command
from alpha_arena.cli.backtest import backtest_app
from alpha_arena.cli.config import config_app
from alpha_arena.cli.data import data_app
from alpha_arena.cli.db import db_app
from alpha_arena.cli.demo import demo
from alpha_arena.cli.season import season_app
from alpha_arena.cli.series import series_app
from alpha_arena.cli.serve import openapi, serve
from alpha_arena.cli.strategies import strategies_app
from alpha_arena.cli.worker import scheduler, worker

app = typer.Typer(
    name="arena",
    help="Alpha Arena: benchmark LLM and rule-based traders on crypto perpetuals.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_app, name="db")
app.add_typer(data_app, name="data")
app.add_typer(backtest_app, name="backtest")
app.add_typer(strategies_app, name="strategies")
agent_app.command("report")(report_command)
app.add_typer(agent_app, name="agent")
app.add_typer(prompt_app, name="prompt")
season_app.add_typer(series_app, name="series")
app.add_typer(season_app, name="season")
app.add_typer(account_app, name="account")
app.add_typer(config_app, name="config")
app.command("demo")(demo)
app.command("serve")(serve)
app.command("openapi")(openapi)
app.command("worker")(worker)
app.command("audit")(audit_command)
app.command("scheduler")(scheduler)


@app.command("version")
def version() -> None:
    """Print the installed version."""
    typer.echo(__version__)


def main() -> None:
    app()
