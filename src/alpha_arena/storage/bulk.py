"""Driver fast paths for bulk market data.

Writes: sqlite3 ``executemany`` of multi-row INSERTs with the batch's constant key columns
inlined, PostgreSQL binary COPY, and PyMySQL's multi-row INSERT IGNORE on MySQL/MariaDB.
Reads: columns built in C, without a Python object per value (sqlite3 cursors and psycopg COPY
rows cap reads at about 0.4-0.6M rows/s on our machines): on PostgreSQL the ADBC (Arrow Database
Connectivity) driver, on SQLite our ``_sqlite_columns`` extension, which steps the engine's own
sqlite3 connections through the same SQLite library.
See docs/decisions/0001-market-data-storage.md."""

from __future__ import annotations

import contextlib
import logging
import struct
import threading
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Engine

from alpha_arena.core.errors import DatabaseUnavailableError
from alpha_arena.storage.database import application_name
from alpha_arena.storage.errors import redact_url

logger = logging.getLogger(__name__)

_read_sqlite_columns: Callable[[Any, str, str], tuple[bytearray, ...]] | None
try:
    from alpha_arena.storage._sqlite_columns import read as _read_sqlite_columns
except ModuleNotFoundError:  # not built: installed without a C compiler or sqlite3.h
    _read_sqlite_columns = None
except ImportError as error:  # built, but against another copy of SQLite than Python's
    logger.warning("SQLite reads take the slower sqlite3 path: %s", error)
    _read_sqlite_columns = None

# The numpy types the C reader fills, and its code for each.
_SQLITE_KINDS = {np.dtype("i8"): "q", np.dtype("f8"): "d"}

# 200 rows x 6 values stays far below SQLite's limit of 32,766 bound variables per statement.
_ROWS_PER_STATEMENT = 200

_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_PG_TRAILER = struct.pack(">h", -1)

# Column kinds understood by the binary COPY codec: numpy dtype and PostgreSQL wire size.
_PG_WIRE = {"int4": (">i4", 4), "int8": (">i8", 8), "float8": (">f8", 8)}


def dbapi(connection: Connection) -> Any:
    """Return the driver connection under a SQLAlchemy connection (same transaction)."""
    return connection.connection.driver_connection


def _sql_literal(value: int | str) -> str:
    if isinstance(value, int):
        return str(int(value))
    if not value.isalnum():
        raise ValueError(f"refusing to inline {value!r} into SQL")
    return f"'{value}'"


def insert_rows_sqlite(
    connection: Connection,
    table: str,
    constants: Mapping[str, int | str],
    names: Sequence[str],
    columns: Sequence[list[Any]],
) -> int:
    """``INSERT OR IGNORE`` rows given as parallel lists; return how many were inserted.

    Two things make this about twice as fast as a plain ``executemany`` of one row at a time:
    columns that are constant for the batch (instrument, timeframe) are inlined instead of bound
    per row, and each statement carries ``_ROWS_PER_STATEMENT`` rows."""
    width = len(names)
    row = "(" + ", ".join([*map(_sql_literal, constants.values()), *(["?"] * width)]) + ")"
    prefix = f"INSERT OR IGNORE INTO {table} ({', '.join([*constants, *names])}) VALUES "
    flat = list(chain.from_iterable(zip(*columns, strict=True)))
    total = len(flat) // width if width else 0
    full = total - total % _ROWS_PER_STATEMENT
    chunk = width * _ROWS_PER_STATEMENT
    cursor = dbapi(connection).cursor()
    try:
        inserted = 0
        if full:
            cursor.executemany(
                prefix + ", ".join([row] * _ROWS_PER_STATEMENT),
                (flat[start : start + chunk] for start in range(0, full * width, chunk)),
            )
            inserted += cursor.rowcount
        if total > full:
            cursor.execute(prefix + ", ".join([row] * (total - full)), flat[full * width :])
            inserted += cursor.rowcount
        return int(inserted)
    finally:
        cursor.close()


def insert_rows_mysql(
    connection: Connection,
    table: str,
    names: Sequence[str],
    columns: Sequence[list[Any]],
) -> int:
    """``INSERT IGNORE`` rows given as parallel lists; return how many were inserted.

    PyMySQL's ``executemany`` sends a one-row ``VALUES (%s, ...)`` as multi-row INSERTs of up to
    1 MB each: a round trip per thousands of rows, not per row. IGNORE keeps stored rows as
    they are (it would also turn a bad value into a warning, but the callers refuse those
    before: NaN, infinities, repeated keys)."""
    placeholders = ", ".join(["%s"] * len(names))
    statement = f"INSERT IGNORE INTO {table} ({', '.join(names)}) VALUES ({placeholders})"
    cursor = dbapi(connection).cursor()
    try:
        return int(cursor.executemany(statement, list(zip(*columns, strict=True))) or 0)
    finally:
        cursor.close()


def text_column(value: str, length: int) -> tuple[str, npt.NDArray[Any]]:
    """A column repeating one text value, in the form ``copy_into_postgres`` takes."""
    encoded = value.encode()
    return "text", np.full(length, encoded, dtype=f"S{len(encoded)}")


def _pg_binary_records(columns: Sequence[tuple[str, npt.NDArray[Any]]]) -> bytes:
    """Encode equal-length numpy columns as a PostgreSQL binary COPY stream (no NULLs)."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    sizes: list[int] = []
    for index, (kind, values) in enumerate(columns):
        # Text columns are fixed-width byte strings: every value has the same length.
        dtype, size = (
            (values.dtype.str, values.dtype.itemsize) if kind == "text" else _PG_WIRE[kind]
        )
        fields += [(f"len{index}", ">i4"), (f"val{index}", dtype)]
        sizes.append(size)
    records = np.empty(len(columns[0][1]), dtype=np.dtype(fields))
    records["count"] = len(columns)
    for index, (_kind, values) in enumerate(columns):
        records[f"len{index}"] = sizes[index]
        records[f"val{index}"] = values
    return _PG_HEADER + records.tobytes() + _PG_TRAILER


def copy_into_postgres(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    values: Sequence[tuple[str, npt.NDArray[Any]]],
    merge: bool,
) -> int:
    """COPY columns into ``table``. With ``merge``, go through a temporary table and keep rows
    whose key already exists; without, the caller guarantees there are none. Return rows added."""
    cursor = dbapi(connection).cursor()
    names = ", ".join(columns)
    target = f"_incoming_{table}" if merge else table
    try:
        if merge:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {target} "
                f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
        with cursor.copy(f"COPY {target} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_pg_binary_records(values))
        if not merge:
            return len(values[0][1])
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {target} ON CONFLICT DO NOTHING"
        )
        added = int(cursor.rowcount)
        cursor.execute(f"TRUNCATE {target}")
        return added
    finally:
        cursor.close()


class ColumnReader:
    """Run SELECTs and return numpy columns: on SQLite through the engine's connections, on
    PostgreSQL through ADBC on a per-thread connection."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._local = threading.local()
        self._opened: list[Any] = []  # every thread's, so that close() closes them all
        self._lock = threading.Lock()

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            import adbc_driver_postgresql.dbapi as adbc_postgres

            libpq_url = (
                self._engine.url.set(drivername="postgresql")
                .update_query_dict({"application_name": application_name()})
                .render_as_string(hide_password=False)
            )
            # Autocommit: each read sees every write committed before it.
            connection = adbc_postgres.connect(libpq_url, autocommit=True)
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    def select(self, query: str, dtypes: Sequence[tuple[str, str]]) -> dict[str, npt.NDArray[Any]]:
        """Return the query's columns, named and typed by ``dtypes`` (numpy type codes); the
        types hold even for an empty result, whose column types a driver cannot infer."""
        if self._engine.url.get_backend_name() == "mysql":
            return self._select_mysql(query, dtypes)
        if self._engine.url.get_backend_name() == "sqlite":
            # Never ADBC on SQLite: its driver bundles a second copy of the SQLite library, and
            # two copies in one process break each other's POSIX locks (a checkpoint by one
            # can pull pages from under a reader of the other: torn reads, at worst a corrupt
            # file). The engine's own sqlite3 connections share one library.
            return self._select_sqlite(query, dtypes)
        connection = None
        try:
            connection = self._connection()
            cursor = connection.cursor()
            try:
                cursor.execute(query)
                table = cursor.fetch_arrow_table()
            finally:
                cursor.close()
        except Exception as error:
            # A dropped connection (a server restart, a terminated backend) stays dead: forget
            # it, so the next read of this thread connects anew, and say the failure is
            # transient. Any other error of the driver is not ours to explain.
            if connection is not None:
                self._forget(connection)
            if "connection" in str(error).lower() or "terminat" in str(error).lower():
                reason = str(error).strip().splitlines()[0]
                raise DatabaseUnavailableError(
                    f"lost the connection to {redact_url(str(self._engine.url))} ({reason})"
                ) from error
            raise
        return {
            name: np.ascontiguousarray(
                table.column(index).to_numpy(zero_copy_only=False), dtype=dtype
            )
            for index, (name, dtype) in enumerate(dtypes)
        }

    def _select_sqlite(
        self, query: str, dtypes: Sequence[tuple[str, str]]
    ) -> dict[str, npt.NDArray[Any]]:
        kinds = "".join(_SQLITE_KINDS.get(np.dtype(dtype), "") for _name, dtype in dtypes)
        raw = self._engine.raw_connection()
        try:
            driver = raw.driver_connection
            if _read_sqlite_columns is not None and len(kinds) == len(dtypes):
                # One statement on the pooled connection, outside any transaction of ours: its
                # own read transaction, which sees every write committed before it.
                buffers = _read_sqlite_columns(driver, query, kinds)
                return {
                    name: np.frombuffer(buffer, dtype=dtype)
                    for (name, dtype), buffer in zip(dtypes, buffers, strict=True)
                }
            rows = driver.execute(query).fetchall()  # type: ignore[union-attr]
        finally:
            raw.close()
        return _columns_of_rows(rows, dtypes)

    def _select_mysql(
        self, query: str, dtypes: Sequence[tuple[str, str]]
    ) -> dict[str, npt.NDArray[Any]]:
        """MySQL/MariaDB have no ADBC driver: PyMySQL's plain tuples (its parsing of the rows
        takes most of the time; see the README's figures)."""
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(query)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        finally:
            raw.close()  # back to the pool, which ends the read's transaction
        # One float64 matrix converts tuples fastest (4x a column at a time); the integer
        # columns read here (epoch milliseconds) are far below 2**53 and survive it exactly.
        table = np.array(rows, dtype=np.float64).reshape(len(rows), len(dtypes))
        return {
            name: np.ascontiguousarray(table[:, index], dtype=dtype)
            for index, (name, dtype) in enumerate(dtypes)
        }

    def _forget(self, connection: Any) -> None:
        self._local.connection = None
        with self._lock:
            if connection in self._opened:
                self._opened.remove(connection)
        with contextlib.suppress(Exception):  # already broken: nothing to close cleanly
            connection.close()

    def close(self) -> None:
        """Close every thread's connection (call it once no thread reads any more)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()
        self._local = threading.local()


def _columns_of_rows(
    rows: list[tuple[Any, ...]], dtypes: Sequence[tuple[str, str]]
) -> dict[str, npt.NDArray[Any]]:
    """Columns of sqlite3's plain tuples: the path without the C reader, and its reference."""
    # One float64 matrix is the fastest conversion of tuples; the integer columns here
    # (epoch milliseconds) are far below 2**53, so they survive the round trip exactly.
    table = np.array(rows, dtype=np.float64).reshape(len(rows), len(dtypes))
    return {
        name: np.ascontiguousarray(table[:, index], dtype=dtype)
        for index, (name, dtype) in enumerate(dtypes)
    }
