"""Schema migrations through Alembic, run programmatically so the installed package needs no
alembic.ini on disk.

Every command opens the database through ``ensure_schema``; importing Alembic costs more than
most commands take, so the up-to-date case is decided without it: the stored revision is read
with one query and compared with the heads named in the migration files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from alpha_arena.core.errors import InvalidInputError

if TYPE_CHECKING:
    from alembic.config import Config

# ``revision = "0006"`` and ``down_revision = "0005"`` (or None, or a tuple when branches merge).
_REVISION = re.compile(r"^revision\b[^=]*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def _config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "alpha_arena.storage:migrations")
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (the newest by default)."""
    from alembic import command

    command.upgrade(_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema down to ``revision`` (``base``: no tables at all)."""
    from alembic import command

    command.downgrade(_config(engine), revision)


@dataclass(frozen=True, slots=True)
class Revision:
    """One migration: its id and the first line of its docstring."""

    revision: str
    description: str


def revision_history(engine: Engine) -> list[Revision]:
    """Every revision, oldest first (the chain is linear)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_config(engine)).walk_revisions()
    history = [Revision(script.revision, (script.doc or "").splitlines()[0]) for script in scripts]
    return history[::-1]


def downgrade_target(engine: Engine, target: str) -> str | None:
    """The revision ``target`` names below the current one: an id, ``-N`` (N steps down) or
    ``base`` (None: the empty database). Anything else is one clear line."""
    ids = [revision.revision for revision in revision_history(engine)]
    current = current_revision(engine)
    if current is None:
        raise InvalidInputError(
            "the database is empty (no revision): there is nothing to downgrade"
        )
    below = ids.index(current)  # the revisions older than the current one: ids[:below]
    if target == "base":
        return None
    if re.fullmatch(r"-\d+", target):
        steps = int(target[1:])
        if steps < 1:
            raise InvalidInputError(f"{target!r}: give at least one step, e.g. -1")
        if steps > below + 1:
            raise InvalidInputError(
                f"{target!r}: revision {current} has only {below} revisions below it; "
                "use 'base' to drop every table"
            )
        return None if steps == below + 1 else ids[below - steps]
    if target not in ids:
        raise InvalidInputError(
            f"unknown revision {target!r}: `arena db history` lists the valid ones "
            "(or give -N, or base)"
        )
    if ids.index(target) > below:
        raise InvalidInputError(
            f"revision {target} is newer than the current {current}: "
            f"use `arena db upgrade {target}`"
        )
    return target


def ensure_schema(engine: Engine) -> bool:
    """Upgrade when the database is behind; return True if anything ran."""
    heads = script_heads()
    if heads and stored_revisions(engine) == heads:
        return False  # up to date, decided without importing Alembic
    if current_revision(engine) == head_revision(engine):
        return False
    upgrade(engine)
    return True


@cache
def script_heads() -> frozenset[str]:
    """The head revisions named by the migration files: revisions no other one revises."""
    folder = resources.files("alpha_arena.storage.migrations") / "versions"
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in folder.iterdir():
        if not script.name.endswith(".py"):
            continue
        source = script.read_text()
        revisions.update(_REVISION.findall(source))
        for value in _DOWN_REVISION.findall(source):
            revised.update(_QUOTED.findall(value))
    return frozenset(revisions - revised)


def stored_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database says it is at (none for an empty database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return frozenset()
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        return frozenset(str(row[0]) for row in rows)
