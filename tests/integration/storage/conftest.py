"""The storage tests run on MySQL/MariaDB too (ARENA_TEST_MYSQL_URL), besides the SQLite and
PostgreSQL of every database test; see ``tests.support.databases``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import STORAGE_BACKENDS, empty_database


@pytest.fixture(params=STORAGE_BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, a private PostgreSQL schema, then a private
    MySQL/MariaDB database."""
    with empty_database(request.param, tmp_path) as url:
        yield url
