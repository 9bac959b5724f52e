"""``arena db``: schema migrations."""

from __future__ import annotations

import typer

from alpha_arena.cli.common import console, one_line_errors

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
@one_line_errors
def upgrade_command(
    revision: str = typer.Argument("head", help="Target revision (default: newest)."),
) -> None:
    """Create or migrate the schema of ARENA_DATABASE_URL."""
    from alpha_arena.core.settings import Settings
    from alpha_arena.storage.database import check_connection, create_database_engine
    from alpha_arena.storage.schema import current_revision, upgrade

    engine = create_database_engine(Settings().database_url)
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
    from alpha_arena.storage.database import check_connection, create_database_engine
    from alpha_arena.storage.schema import current_revision, head_revision

    engine = create_database_engine(Settings().database_url)
    check_connection(engine)
    console.print(f"current: {current_revision(engine) or 'empty'}; head: {head_revision(engine)}")
