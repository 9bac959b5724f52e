"""Schema migrations through Alembic, run programmatically so the installed package needs no
alembic.ini on disk."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "alpha_arena.storage:migrations")
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (the newest by default)."""
    command.upgrade(_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(_config(engine), revision)


def ensure_schema(engine: Engine) -> bool:
    """Upgrade when the database is behind; return True if anything ran."""
    if current_revision(engine) == head_revision(engine):
        return False
    upgrade(engine)
    return True
