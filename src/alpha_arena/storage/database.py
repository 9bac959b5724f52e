"""Connecting to the database: SQLite (WAL) by default, PostgreSQL through psycopg 3."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from alpha_arena.core.errors import ConfigurationError

logger = logging.getLogger(__name__)


def _redact(url: str) -> str:
    """Hide the password of a URL before it goes into a message."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return "<unreadable URL>"


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MB: bulk loads touch many pages
    cursor.close()


def create_database_engine(url: str) -> Engine:
    """Create an engine for a SQLAlchemy URL; the SQLite file's folder is created on first use."""
    try:
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:" and url.startswith("sqlite:///"):
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url)
            event.listen(engine, "connect", _set_sqlite_pragmas)
            return engine
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as error:
        # ValueError: a port that is not a number; ImportError: a dialect whose driver is not
        # installed (mysql://...). Both are a person's configuration to fix, not a crash.
        raise ConfigurationError(
            f"ARENA_DATABASE_URL {_redact(url)!r} is not usable: {error}; "
            "expected sqlite:///path.db or postgresql+psycopg://user@host/db"
        ) from None


def check_connection(engine: Engine) -> None:
    """Fail with one clear line if the database cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise ConfigurationError(
            f"cannot connect to {_redact(engine.url.render_as_string())}: {reason}"
        ) from None


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """Yield a session whose work commits together, or not at all."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        yield session
