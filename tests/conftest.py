"""Shared fixtures: every storage test runs on a fresh SQLite file and on PostgreSQL.

PostgreSQL comes from ARENA_TEST_POSTGRES_URL; each test gets its own schema, dropped afterwards.
Without the variable the PostgreSQL cases skip with a reason, unless ARENA_REQUIRE_POSTGRES=1,
which turns a missing or unreachable server into a failure (CI sets both). The machinery lives in
``tests.support.databases`` so that module-scoped fixtures can use it too."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from alpha_arena.core.settings import Settings
from alpha_arena.services.context import AppContext, open_context
from tests.support.databases import BACKENDS, empty_database, settings_for

# pytest-xdist's workers inherit COLUMNS=80, which the CLI honours for output that is not a
# terminal: tests that read the CLI's tables would see them cut at 80 columns under -n only.
os.environ.pop("COLUMNS", None)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, then a private PostgreSQL schema."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture
def context(settings: Settings) -> Iterator[AppContext]:
    """A migrated, connected application context on each database."""
    app = open_context(settings)
    try:
        yield app
    finally:
        app.close()
