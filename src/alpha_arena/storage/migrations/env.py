"""Alembic environment: runs on the engine handed over by ``alpha_arena.storage.schema``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from alpha_arena.storage.tables import Base

config = context.config
engine: Engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
