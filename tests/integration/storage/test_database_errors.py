"""A deadlock between two writers is a transient failure on the servers (PostgreSQL, MySQL,
MariaDB): the season runner retries it with back-off instead of stopping the season."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import DBAPIError

from alpha_arena.core.errors import DatabaseUnavailableError
from alpha_arena.marketdata.sources.sample import sample_instruments
from alpha_arena.services.context import AppContext
from alpha_arena.storage.errors import database_error, is_transient
from alpha_arena.storage.tables import InstrumentRow


def lock_in_turn(engine: Engine, first: int, second: int, barrier: threading.Barrier) -> None:
    """Update row ``first``, wait for the other writer to hold its row, then update ``second``."""
    with engine.begin() as connection:
        touch = update(InstrumentRow).values(ts_updated=InstrumentRow.ts_updated + 1)
        connection.execute(touch.where(InstrumentRow.id == first))
        barrier.wait(timeout=30)
        connection.execute(touch.where(InstrumentRow.id == second))


# Not on SQLite: it locks the whole file, so the second writer waits and no deadlock occurs.
@pytest.mark.parametrize("database_url", ["postgres", "mariadb"], indirect=True)
def test_a_deadlock_between_two_writers_is_transient(context: AppContext) -> None:
    context.market.upsert_instruments(sample_instruments(), 0)
    with context.engine.connect() as connection:
        query = select(InstrumentRow.id).order_by(InstrumentRow.id).limit(2)
        first, second = connection.execute(query).scalars()
    barrier = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(lock_in_turn, context.engine, first, second, barrier),
            pool.submit(lock_in_turn, context.engine, second, first, barrier),
        ]
        errors = [run.exception(timeout=60) for run in runs]

    failed = [error for error in errors if error is not None]
    assert len(failed) == 1, errors  # the server broke the cycle: one writer went through
    [error] = failed
    assert isinstance(error, DBAPIError) and is_transient(error)
    assert isinstance(database_error(error, str(context.engine.url)), DatabaseUnavailableError)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_backend_terminated_mid_pipeline_is_transient(context: AppContext) -> None:
    """psycopg's executemany runs in pipeline mode; when the backend dies in there, the next
    call fails with "the connection is lost" or, mid-pipeline, libpq's "sending query failed:
    cannot exit pipeline mode while busy" (seen in CI), not a closed-connection message."""
    raw = context.engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        pid = driver.info.backend_pid
        with context.engine.begin() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        failure: Exception | None = None
        try:
            with driver.pipeline():
                driver.execute("SELECT 1")
                driver.execute("SELECT 2")
        except Exception as error:
            failure = error
        try:
            driver.rollback()
        except Exception as error:
            failure = error
        assert failure is not None
        wrapped = DBAPIError(None, None, failure)  # as SQLAlchemy hands it to the runner
        assert is_transient(wrapped), failure
    finally:
        with contextlib.suppress(Exception):
            raw.close()
