"""Test databases: a fresh SQLite file, or a private PostgreSQL schema dropped afterwards.

PostgreSQL comes from ARENA_TEST_POSTGRES_URL. Without it the PostgreSQL cases skip with a
reason, unless ARENA_REQUIRE_POSTGRES=1, which turns a missing or unreachable server into a
failure (CI sets both)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from alpha_arena.core.settings import Settings

POSTGRES_URL = os.environ.get("ARENA_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("ARENA_REQUIRE_POSTGRES") == "1"

#: The backends every storage test runs on; use as ``params`` of a database fixture.
BACKENDS = ("sqlite", "postgres")


def postgres_schema_url() -> Iterator[str]:
    """Yield a URL whose search_path is a new, empty schema; drop the schema afterwards."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("ARENA_REQUIRE_POSTGRES=1 but ARENA_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL case: set ARENA_TEST_POSTGRES_URL to run it")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL at ARENA_TEST_POSTGRES_URL is unreachable: {error.orig}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def empty_database(backend: str, folder: Path) -> Iterator[str]:
    """A URL to an empty database of ``backend`` (a SQLite file goes into ``folder``)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'arena.db'}"
    else:
        yield from postgres_schema_url()


def settings_for(database_url: str) -> Settings:
    """Settings for ``database_url`` that ignore any ``.env`` file in the working directory."""
    return Settings(_env_file=None, database_url=database_url)
