"""The up-to-date check every command makes without Alembic: the heads read from the
migration files are Alembic's own, and a database is current exactly when it stores them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from alpha_arena.storage.database import create_database_engine
from alpha_arena.storage.schema import (
    downgrade,
    ensure_schema,
    head_revision,
    script_heads,
    stored_revisions,
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_the_heads_read_from_the_files_are_alembics(engine: Engine) -> None:
    assert script_heads() == {head_revision(engine)}


def test_a_database_is_current_exactly_when_it_stores_the_heads(engine: Engine) -> None:
    assert stored_revisions(engine) == frozenset()  # empty: no alembic_version table yet
    assert ensure_schema(engine) is True
    assert stored_revisions(engine) == script_heads()
    assert ensure_schema(engine) is False  # current: nothing runs
    previous = str(int(head_revision(engine) or "0") - 1).zfill(4)
    downgrade(engine, previous)
    assert stored_revisions(engine) == {previous}
    assert ensure_schema(engine) is True  # behind: migrated again
    assert stored_revisions(engine) == script_heads()
