"""``arena config``: the tunable defaults (risk limits, regime thresholds, portfolio scoring)
and where each value comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from alpha_arena.cli.common import console, one_line_errors, print_json

config_app = typer.Typer(
    help="Tunable defaults: risk limits, regime thresholds, portfolio scoring.",
    no_args_is_help=True,
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


@config_app.command("show")
@one_line_errors
def show_command(
    risk_preset: str | None = typer.Option(
        None, "--risk-preset", help="As a season or backtest given this preset would see them."
    ),
    risk_config: Path | None = typer.Option(  # noqa: B008
        None, "--risk-config", help="As a season or backtest given this TOML file would."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Print every effective setting and where it came from: the built-in default,
    ARENA_CONFIG_FILE, a preset or a file (later ones win)."""
    from alpha_arena.core.settings import Settings
    from alpha_arena.services import profiles

    layers = profiles.option_file_layers(risk_preset, risk_config)
    settings = profiles.effective(Settings(), layers)
    if as_json:
        print_json([
            {"table": s.table, "key": s.key, "value": s.value, "source": s.source}
            for s in settings
        ])  # fmt: skip
        return
    table = Table("setting", "value", "from")
    for setting in settings:
        table.add_row(f"{setting.table}.{setting.key}", _text(setting.value), setting.source)
    console.print(table)


@config_app.command("presets")
@one_line_errors
def presets_command(as_json: bool = JsonOption) -> None:
    """List the named presets (`--risk-preset`) and the settings each one sets."""
    from alpha_arena.seasons.profile import PRESETS

    if as_json:
        print_json(PRESETS)
        return
    table = Table("preset", "sets")
    for name, tables in PRESETS.items():
        sets = [f"{t}.{key} = {_text(value)}" for t, keys in tables.items() for key, value in
                keys.items()]  # fmt: skip
        table.add_row(name, "\n".join(sets) or "nothing: the built-in defaults")
    console.print(table)


def _text(value: Any) -> str:
    """A value the way a TOML file writes it; an unset cap is ``off``."""
    if value is None:
        return "off"
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:,g}" if isinstance(value, float) else str(value)
