"""``arena strategies``: the rule strategies and baselines the arena can run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from alpha_arena.cli.common import console, one_line_errors, print_json

if TYPE_CHECKING:
    from alpha_arena.strategies.registry import ParamInfo

strategies_app = typer.Typer(
    help="The strategy library: rules and parameters.", no_args_is_help=True
)


@strategies_app.command("list")
@one_line_errors
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List every strategy with its rule and parameters (set them with --param name=value).
    Those named in ARENA_DISABLED_STRATEGIES are shown disabled: new agents, backtests and
    seasons may not use them."""
    from alpha_arena.core.settings import Settings
    from alpha_arena.strategies.registry import describe, disabled  # TA-Lib: only when listed

    infos = describe(disabled(Settings().disabled_strategies))
    if as_json:
        print_json([info.as_dict() for info in infos])
        return
    table = Table("strategy", "parameters (default)", "rule", show_lines=True)
    for info in infos:
        name = info.name if info.enabled else f"{info.name}\n(disabled)"
        # The docstring's own line breaks would fight the table's wrapping: reflow it.
        table.add_row(name, _params_text(info.params), escape(" ".join(info.rule.split())))
    console.print(table)


def _params_text(params: tuple[ParamInfo, ...]) -> str:
    if not params:
        return "none"
    return "\n".join(f"{param.name}={_value(param.default)} ({param.type})" for param in params)


def _value(value: int | float | bool | str) -> str:
    # Shown the way --param accepts it back: lower-case booleans.
    return str(value).lower() if isinstance(value, bool) else str(value)
