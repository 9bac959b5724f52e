"""``arena db``: schema migrations."""

from __future__ import annotations

import typer

from alpha_arena.cli.common import console, fail, one_line_errors, print_json

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
@one_line_errors
def upgrade_command(
    revision: str = typer.Argument("head", help="Target revision (default: newest)."),
) -> None:
    """Create or migrate the schema of ARENA_DATABASE_URL."""
    from alpha_arena.core.settings import Settings
    from alpha_arena.storage.database import check_connection, engine_for
    from alpha_arena.storage.schema import current_revision, upgrade

    engine = engine_for(Settings())
    check_connection(engine)
    before = current_revision(engine)
    upgrade(engine, revision)
    after = current_revision(engine)
    state = "already at" if before == after else f"upgraded from {before or 'empty'} to"
    console.print(f"database {state} revision {after}")


@db_app.command("current")
@one_line_errors
def current_command() -> None:
    """Print the schema revision of the database and the newest one available."""
    from alpha_arena.core.settings import Settings
    from alpha_arena.storage.database import check_connection, engine_for
    from alpha_arena.storage.schema import current_revision, head_revision

    engine = engine_for(Settings())
    check_connection(engine)
    console.print(f"current: {current_revision(engine) or 'empty'}; head: {head_revision(engine)}")


# ``-1`` is a revision, not an option: click would refuse it as an unknown one.
@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
@one_line_errors
def downgrade_command(
    revision: str = typer.Argument(
        ..., help="Target revision: an id such as 0011, -N for N steps down, or base."
    ),
    yes: bool = typer.Option(
        False, "--yes", help="Confirm a downgrade to base (drops every table)."
    ),
) -> None:
    """Take the schema of ARENA_DATABASE_URL down to an older revision (its data goes with it)."""
    from alpha_arena.core.settings import Settings
    from alpha_arena.storage.database import check_connection, engine_for
    from alpha_arena.storage.schema import current_revision, downgrade, downgrade_target

    engine = engine_for(Settings())
    check_connection(engine)
    before = current_revision(engine)
    target = downgrade_target(engine, revision)
    if target is None and not yes:
        fail("downgrading to base drops every table and all their data; add --yes to confirm")
    if target == before:
        console.print(f"database already at revision {before}")
        return
    downgrade(engine, target or "base")
    console.print(f"database downgraded from revision {before} to {target or 'base (empty)'}")


@db_app.command("history")
@one_line_errors
def history_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List every schema revision, oldest first, marking the database's current one."""
    from rich.table import Table

    from alpha_arena.core.settings import Settings
    from alpha_arena.storage.database import check_connection, engine_for
    from alpha_arena.storage.schema import current_revision, revision_history

    engine = engine_for(Settings())
    check_connection(engine)
    current = current_revision(engine)
    history = revision_history(engine)
    head = history[-1].revision if history else None
    if as_json:
        print_json({
            "current": current,
            "head": head,
            "revisions": [
                {"revision": item.revision, "description": item.description,
                 "current": item.revision == current, "head": item.revision == head}
                for item in history
            ],
        })  # fmt: skip
        return
    table = Table("revision", "description", "")
    for item in history:
        marks = [mark for mark, on in (("current", item.revision == current),
                                       ("head", item.revision == head)) if on]  # fmt: skip
        table.add_row(item.revision, item.description, ", ".join(marks))
    console.print(table)
    if current is None:
        console.print("the database is empty: `arena db upgrade` creates the schema")
