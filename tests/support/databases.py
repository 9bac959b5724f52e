"""Test databases: a fresh SQLite file, a private PostgreSQL schema or a private MySQL/MariaDB
database, the last two dropped afterwards.

PostgreSQL comes from ARENA_TEST_POSTGRES_URL, MySQL or MariaDB from ARENA_TEST_MYSQL_URL.
Without its variable a server's cases skip with a reason, unless ARENA_REQUIRE_POSTGRES=1 or
ARENA_REQUIRE_MYSQL=1, which turns a missing or unreachable server into a failure (CI sets all
four)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from alpha_arena.core.settings import Settings
from alpha_arena.storage.database import create_database_engine

POSTGRES_URL = os.environ.get("ARENA_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("ARENA_REQUIRE_POSTGRES") == "1"

MYSQL_URL = os.environ.get("ARENA_TEST_MYSQL_URL")
REQUIRE_MYSQL = os.environ.get("ARENA_REQUIRE_MYSQL") == "1"

#: The backends every test of a database runs on; use as ``params`` of a database fixture.
BACKENDS = ("sqlite", "postgres")
#: The storage tests (tests/integration/storage) also run on MySQL/MariaDB; the rest of the
#: suite does not, to keep its time.
STORAGE_BACKENDS = (*BACKENDS, "mariadb")


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


def mysql_database_url() -> Iterator[str]:
    """Yield a URL to a new, empty MySQL/MariaDB database; drop the database afterwards.

    The database takes the server's default character set and collation: what makes the
    tables utf8mb4 and case-sensitive must be the migrations, not the test."""
    if not MYSQL_URL:
        if REQUIRE_MYSQL:
            pytest.fail("ARENA_REQUIRE_MYSQL=1 but ARENA_TEST_MYSQL_URL is not set")
        pytest.skip("MySQL/MariaDB case: set ARENA_TEST_MYSQL_URL to run it")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_database_engine(MYSQL_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE DATABASE `{name}`"))
    except OperationalError as error:
        admin.dispose()
        message = f"MySQL/MariaDB at ARENA_TEST_MYSQL_URL is unreachable: {error.orig}"
        if REQUIRE_MYSQL:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield make_url(MYSQL_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


@contextmanager
def empty_database(backend: str, folder: Path) -> Iterator[str]:
    """A URL to an empty database of ``backend`` (a SQLite file goes into ``folder``)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'arena.db'}"
    elif backend == "mariadb":
        yield from mysql_database_url()
    else:
        yield from postgres_schema_url()


def settings_for(database_url: str) -> Settings:
    """Settings for ``database_url`` that ignore any ``.env`` file in the working directory."""
    return Settings(_env_file=None, database_url=database_url)
