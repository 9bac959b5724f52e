"""Shared fixtures: every storage test runs on a fresh SQLite file and on PostgreSQL.

PostgreSQL comes from ARENA_TEST_POSTGRES_URL; each test gets its own schema, dropped afterwards.
Without the variable the PostgreSQL cases skip with a reason, unless ARENA_REQUIRE_POSTGRES=1,
which turns a missing or unreachable server into a failure (CI sets both)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from alpha_arena.core.settings import Settings
from alpha_arena.services.context import AppContext, open_context

POSTGRES_URL = os.environ.get("ARENA_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("ARENA_REQUIRE_POSTGRES") == "1"


def _postgres_schema_url() -> Iterator[str]:
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


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, then a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'arena.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]


@pytest.fixture
def context(settings: Settings) -> Iterator[AppContext]:
    """A migrated, connected application context on each database."""
    app = open_context(settings)
    try:
        yield app
    finally:
        app.close()
