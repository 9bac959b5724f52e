"""Connecting to the database: SQLite (WAL) by default, PostgreSQL through psycopg 3, MySQL 8
and MariaDB 10.11+ through PyMySQL."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import CursorResult, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from alpha_arena.core.errors import ConfigurationError
from alpha_arena.storage.errors import redact_url

if TYPE_CHECKING:
    from alpha_arena.core.settings import Settings

logger = logging.getLogger(__name__)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MB: bulk loads touch many pages
    cursor.close()


def _set_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


@dataclass(frozen=True, slots=True)
class PoolLimits:
    """The connection pool of a server database (PostgreSQL, MySQL/MariaDB); SQLAlchemy's
    defaults unless configured (ARENA_DB_POOL_SIZE and the rest)."""

    size: int = 5
    max_overflow: int = 10
    timeout_s: float = 30.0
    connect_timeout_s: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> PoolLimits:
        return cls(
            size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            timeout_s=settings.db_pool_timeout_s,
            connect_timeout_s=settings.db_connect_timeout_s,
        )

    def engine_arguments(self) -> dict[str, Any]:
        return {
            "pool_size": self.size,
            "max_overflow": self.max_overflow,
            "pool_timeout": self.timeout_s,
        }


def engine_for(settings: Settings) -> Engine:
    """The engine of the configured database, with the configured pool."""
    return create_database_engine(settings.database_url, PoolLimits.from_settings(settings))


def create_database_engine(url: str, pool: PoolLimits | None = None) -> Engine:
    """Create an engine for a SQLAlchemy URL; the SQLite file's folder is created on first use.

    A SQLite file this process may not write (a read-only file, folder or mount) is opened
    read-only, so that it can still be read; a write then fails with one clear line.
    ``pool`` applies to PostgreSQL and MySQL/MariaDB: SQLite keeps SQLAlchemy's pool for a
    file (a connection opens in microseconds, and one writer at a time is SQLite's limit)."""
    pool = pool or PoolLimits()
    try:
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            # A URI (``sqlite:///file:...?mode=ro&uri=true``) says how to open it by itself.
            plain = not path.startswith("file:")
            if plain and path and path != ":memory:" and url.startswith("sqlite:///"):
                if _read_only(Path(path)):
                    return _read_only_sqlite(Path(path))
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url)
            event.listen(engine, "connect", _set_sqlite_pragmas)
            return engine
        if url.startswith(("mysql", "mariadb")):
            return _mysql_engine(url, pool)
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        # The pid in the application name tells whose connection is whose in pg_stat_activity.
        connect_args: dict[str, Any] = {"application_name": application_name()}
        parsed = make_url(url)
        if parsed.get_driver_name() == "psycopg" and "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = pool.connect_timeout_s  # the URL's own wins
        return create_engine(
            url, pool_pre_ping=True, connect_args=connect_args, **pool.engine_arguments()
        )
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as error:
        # ValueError: a port that is not a number; ImportError: a dialect whose driver is not
        # installed (oracle://...). Both are a person's configuration to fix, not a crash.
        raise ConfigurationError(
            f"ARENA_DATABASE_URL {redact_url(url)!r} is not usable: {error}; expected "
            "sqlite:///path.db, postgresql+psycopg://user@host/db or mysql+pymysql://user@host/db"
        ) from None


def _mysql_engine(url: str, pool: PoolLimits) -> Engine:
    """MySQL 8 or MariaDB 10.11+ through PyMySQL (``mysql://`` and ``mariadb://`` mean it).

    utf8mb4 on the wire, whatever the server's default (model output carries any character).
    READ COMMITTED, as on PostgreSQL: a statement sees every transaction committed before it,
    which the conditional UPDATEs of leases and tick commits are written for (InnoDB's default,
    REPEATABLE READ, also takes gap locks that make concurrent writers deadlock more often)."""
    scheme, rest = url.split("://", 1)
    if scheme in ("mysql", "mariadb", "mariadb+pymysql"):
        # SQLAlchemy's mariadb dialect refuses a MySQL server; the mysql one detects MariaDB.
        scheme = "mysql+pymysql"
    parsed = make_url(f"{scheme}://{rest}")
    if "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    connect_args: dict[str, Any] = {}
    if parsed.get_driver_name() == "pymysql":
        # Shown in performance_schema.session_connect_attrs, like application_name on PostgreSQL.
        connect_args["program_name"] = application_name()
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = pool.connect_timeout_s
    return create_engine(
        parsed,
        pool_pre_ping=True,
        isolation_level="READ COMMITTED",
        connect_args=connect_args,
        **pool.engine_arguments(),
    )


def application_name() -> str:
    """How this process names its server connections (PostgreSQL, MySQL)."""
    return f"arena:{os.getpid()}"


def _read_only(path: Path) -> bool:
    """An existing database file this process cannot write, or whose folder it cannot write
    (SQLite needs the folder for its WAL and shared-memory files)."""
    if not path.exists():
        return False
    folder = path.parent if str(path.parent) else Path(".")
    return not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))


def _read_only_sqlite(path: Path) -> Engine:
    """Open ``path`` read-only. A database in WAL mode needs its shared-memory file, which a
    read-only folder cannot hold: such a file is opened as immutable (nothing can write it
    through that folder anyway)."""
    absolute = path.resolve()
    options = "mode=ro"
    shm = absolute.with_name(absolute.name + "-shm")
    if _in_wal_mode(absolute) and not shm.exists() and not os.access(absolute.parent, os.W_OK):
        options = "immutable=1"
    engine = create_engine(f"sqlite:///file:{quote(str(absolute))}?{options}&uri=true")
    event.listen(engine, "connect", _set_read_only_pragmas)
    logger.info("opened %s read-only", absolute)
    return engine


def _in_wal_mode(path: Path) -> bool:
    """Bytes 18 and 19 of a SQLite header are 2 in WAL mode."""
    with path.open("rb") as file:
        header = file.read(20)
    return len(header) == 20 and header[18:20] == b"\x02\x02"


def check_connection(engine: Engine) -> None:
    """Fail with one clear line if the database cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise ConfigurationError(
            f"cannot connect to {redact_url(engine.url.render_as_string())}: {reason}"
        ) from None


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def inserted_id(result: CursorResult[Any]) -> int:
    """The key of the row a one-row INSERT added: the driver's last row id, or what SQLAlchemy
    asked back with RETURNING where it does. Not ``.returning()``: MySQL 8 has none."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the INSERT reported no key")
    return int(key[0])


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """Yield a session whose work commits together, or not at all."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as session:
        yield session
