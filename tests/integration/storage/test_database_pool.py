"""The connection pool of a server database follows the settings: PostgreSQL really holds the
configured number of connections and no more, opens them with the configured connect timeout,
and a pool that stays exhausted fails with one line naming the settings to raise; SQLite keeps
SQLAlchemy's own pool."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import typer
from pydantic import ValidationError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from alpha_arena.cli.common import one_line_errors
from alpha_arena.core.errors import DatabaseUnavailableError
from alpha_arena.core.settings import Settings
from alpha_arena.storage.database import PoolLimits, create_database_engine, engine_for
from alpha_arena.storage.errors import database_error
from tests.support.databases import postgres_schema_url


def settings(url: str, **pool: object) -> Settings:
    return Settings(_env_file=None, database_url=url, **pool)  # type: ignore[arg-type]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_schema_url()


@pytest.fixture
def small_pool(postgres_url: str) -> Iterator[Engine]:
    """One connection, none beyond it, a quarter of a second's wait."""
    engine = engine_for(settings(postgres_url, db_pool_size=1, db_max_overflow=0,
                                 db_pool_timeout_s=0.25))  # fmt: skip
    yield engine
    engine.dispose()


def backends_seen(connection: Connection) -> int:
    """How many server connections this engine's application name has open."""
    name = connection.execute(text("SELECT current_setting('application_name')")).scalar_one()
    query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
    return int(connection.execute(query, {"name": name}).scalar_one())


def test_postgresql_holds_exactly_the_configured_pool_and_overflow(postgres_url: str) -> None:
    engine = engine_for(settings(postgres_url, db_pool_size=3, db_max_overflow=2,
                                 db_pool_timeout_s=0.25, db_connect_timeout_s=7))  # fmt: skip
    try:
        assert (engine.pool.size(), engine.pool.timeout()) == (3, 0.25)  # type: ignore[attr-defined]
        with ExitStack() as stack:
            held = [stack.enter_context(engine.connect()) for _ in range(5)]  # 3 + 2 overflow
            assert backends_seen(held[0]) >= 5
            parameters = held[0].connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
            assert parameters["connect_timeout"] == "7"
            with pytest.raises(PoolTimeoutError, match="size 3 overflow 2"):
                engine.connect()
        # Back in the pool: the overflow connections were closed, the three pooled ones kept.
        assert engine.pool.checkedin() == 3  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_an_exhausted_pool_is_one_transient_line_naming_the_settings(
    small_pool: Engine, postgres_url: str
) -> None:
    with small_pool.connect(), pytest.raises(PoolTimeoutError) as raised:
        small_pool.connect()
    translated = database_error(raised.value, postgres_url)
    assert isinstance(translated, DatabaseUnavailableError)  # the season runner retries it
    message = str(translated)
    assert "\n" not in message and "stayed busy" in message and "size 1 overflow 0" in message
    assert "ARENA_DB_POOL_SIZE" in message and "sqlalche.me" not in message


def test_a_command_that_finds_the_pool_exhausted_ends_with_one_error_line(
    small_pool: Engine, postgres_url: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("ARENA_DATABASE_URL", postgres_url)
    ran: list[str] = []

    @one_line_errors  # what every CLI command is wrapped in
    def command() -> None:
        with small_pool.connect():
            ran.append("query")

    with small_pool.connect(), pytest.raises(typer.Exit) as exited:  # the only connection
        command()
    assert exited.value.exit_code == 2 and ran == []
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: every pooled connection"), lines
    assert "Traceback" not in lines[0] and "ARENA_DB_MAX_OVERFLOW" in lines[0]


def test_mysql_engines_take_the_pool_settings_too() -> None:
    engine = create_database_engine(
        "mysql+pymysql://arena@127.0.0.1:1/arena", PoolLimits(size=4, max_overflow=1, timeout_s=2)
    )
    assert (engine.pool.size(), engine.pool.timeout()) == (4, 2)  # type: ignore[attr-defined]
    assert engine.pool._max_overflow == 1  # type: ignore[attr-defined]
    engine.dispose()


def test_sqlite_keeps_sqlalchemys_own_pool(tmp_path: Path) -> None:
    engine = engine_for(settings(f"sqlite:///{tmp_path}/arena.db", db_pool_size=1,
                                 db_max_overflow=0, db_pool_timeout_s=0.25))  # fmt: skip
    try:
        with engine.connect(), engine.connect():  # a pool of one would time out here
            assert engine.pool.size() == 5  # type: ignore[attr-defined]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("field", "value"),
    [("db_pool_size", 0), ("db_pool_size", 5_000), ("db_max_overflow", -1),
     ("db_pool_timeout_s", 0), ("db_connect_timeout_s", 1), ("db_connect_timeout_s", 9_999)],
)  # fmt: skip
def test_absurd_pool_settings_are_refused_naming_the_setting(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, **{field: value})  # type: ignore[arg-type]
    assert raised.value.errors()[0]["loc"] == (field,)
