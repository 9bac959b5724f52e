"""Candle load and read throughput: our bulk paths against plain-driver and SQLAlchemy peers.

Run: .venv/bin/python benchmarks/candles_io.py [--rows 1000000] [--repeat 3] [--postgres URL]
     [--mysql URL]
Prints the median rows/s of each path over the repeats (min-max in brackets). Every load goes
into a fresh database. SQLite reads are also timed without the C column reader
(storage/_sqlite_columns.c), as an installation without a compiler reads. The data are real
Binance BTC perpetual 1h bars from the bundled sample, repeated on a continuous hourly grid to
reach the row count."""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import numpy as np
from sqlalchemy import create_engine, insert, make_url, text

from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.market import Candles
from alpha_arena.marketdata.sources.sample import read_candles, sample_dir, sample_instruments
from alpha_arena.storage import bulk
from alpha_arena.storage.database import create_database_engine
from alpha_arena.storage.market_store import MarketStore
from alpha_arena.storage.schema import upgrade
from alpha_arena.storage.tables import CandleRow

SYMBOL = "BTC/USDT:USDT"
COLUMNS = "ts, open, high, low, close, volume"
PEER_QUERY = f"SELECT {COLUMNS} FROM candles ORDER BY instrument_id, timeframe, ts"


def real_candles(rows: int) -> Candles:
    """Tile the bundled BTC perpetual 1h series to ``rows`` bars on a continuous hourly grid."""
    base = read_candles(sample_dir() / "binance_usdm_BTCUSDT_1h.csv.gz")
    repeats = -(-rows // len(base))

    def tiled(column: np.ndarray) -> np.ndarray:
        return np.tile(column, repeats)[:rows]

    ts = base.ts[0] + np.arange(rows, dtype=np.int64) * HOUR_MS
    return Candles(
        ts, tiled(base.open), tiled(base.high), tiled(base.low), tiled(base.close),
        tiled(base.volume),
    )  # fmt: skip


def measure(label: str, rows: int, repeat: int, run: Callable[[], Callable[[], object]]) -> None:
    """Print the median rate of ``repeat`` runs; ``run`` prepares a case and returns the timed
    action (preparation, such as creating a fresh database, is not timed)."""
    rates = []
    for _ in range(repeat):
        action = run()
        started = time.perf_counter()
        action()
        rates.append(rows / (time.perf_counter() - started))
    print(
        f"  {label:<48} {statistics.median(rates):>11,.0f} rows/s"
        f"  [{min(rates):,.0f} - {max(rates):,.0f}]"
    )


def fresh_store(url: str) -> MarketStore:
    engine = create_database_engine(url)
    upgrade(engine)
    store = MarketStore(engine)
    store.upsert_instruments(sample_instruments(), 0)
    return store


def bench_sqlite(candles: Candles, repeat: int) -> None:
    rows = len(candles)
    print(f"SQLite {sqlite3.sqlite_version}, {rows:,} candles, WAL, synchronous=NORMAL")
    with tempfile.TemporaryDirectory() as folder:
        paths = (Path(folder) / f"db{n}.db" for n in range(1000))

        def ours_load() -> Callable[[], object]:
            store = fresh_store(f"sqlite:///{next(paths)}")
            return lambda: store.write_candles("binance", SYMBOL, "1h", candles)

        measure("load: MarketStore.write_candles (ours)", rows, repeat, ours_load)

        loaded = fresh_store(f"sqlite:///{next(paths)}")
        loaded.write_candles("binance", SYMBOL, "1h", candles)
        measure(
            "read: MarketStore.read_candles (ours)", rows, repeat,
            lambda: lambda: loaded.read_candles("binance", SYMBOL, "1h"),
        )  # fmt: skip
        c_reader, bulk._read_sqlite_columns = bulk._read_sqlite_columns, None
        measure(
            "read: the same without the C reader (fallback)", rows, repeat,
            lambda: lambda: loaded.read_candles("binance", SYMBOL, "1h"),
        )  # fmt: skip
        bulk._read_sqlite_columns = c_reader
        loaded.close()

        columns = [candles.ts, candles.open, candles.high, candles.low, candles.close]
        records = list(
            zip([1] * rows, ["1h"] * rows, *(c.tolist() for c in columns),
                candles.volume.tolist(), strict=True)
        )  # fmt: skip

        def plain_load() -> Callable[[], object]:
            path = next(paths)
            fresh_store(f"sqlite:///{path}").close()
            connection = sqlite3.connect(path)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")

            def load() -> None:
                connection.executemany("INSERT INTO candles VALUES (?,?,?,?,?,?,?,?)", records)
                connection.commit()

            return load

        measure("load: plain sqlite3 executemany (peer)", rows, repeat, plain_load)

        def plain_read() -> Callable[[], object]:
            connection = sqlite3.connect(loaded.engine.url.database or "")
            return lambda: np.array(connection.execute(PEER_QUERY).fetchall(), dtype=np.float64)

        measure("read: plain sqlite3 fetchall -> numpy (peer)", rows, repeat, plain_read)

        dicts = [dict(zip(("instrument_id", "timeframe", *COLUMNS.split(", ")), record,
                          strict=True)) for record in records]  # fmt: skip

        def core_load() -> Callable[[], object]:
            store = fresh_store(f"sqlite:///{next(paths)}")

            def load() -> None:
                with store.engine.begin() as connection:
                    connection.execute(insert(CandleRow), dicts)

            return load

        measure("load: SQLAlchemy Core executemany (peer)", rows, repeat, core_load)


@contextmanager
def postgres_schemas(url: str) -> Iterator[Callable[[], str]]:
    """Yield a factory of URLs to fresh schemas; drop them all at the end."""
    admin = create_engine(url)
    created: list[str] = []
    separator = "&" if "?" in url else "?"

    def new_schema() -> str:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        created.append(schema)
        return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"

    try:
        yield new_schema
    finally:
        with admin.begin() as connection:
            for schema in created:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bench_postgres(candles: Candles, url: str, repeat: int) -> None:
    rows = len(candles)
    with postgres_schemas(url) as new_schema:
        loaded = fresh_store(new_schema())
        version = ".".join(map(str, loaded.engine.dialect.server_version_info or ()))
        print(f"PostgreSQL {version}, {rows:,} candles")

        def ours_load() -> Callable[[], object]:
            store = fresh_store(new_schema())
            return lambda: store.write_candles("binance", SYMBOL, "1h", candles)

        measure("load: MarketStore.write_candles, binary COPY", rows, repeat, ours_load)
        loaded.write_candles("binance", SYMBOL, "1h", candles)
        measure(
            "load again: merge path, every row exists", rows, repeat,
            lambda: lambda: loaded.write_candles("binance", SYMBOL, "1h", candles),
        )  # fmt: skip
        measure(
            "read: MarketStore.read_candles (ours, ADBC)", rows, repeat,
            lambda: lambda: loaded.read_candles("binance", SYMBOL, "1h"),
        )  # fmt: skip

        def peer_read() -> Callable[[], object]:
            def read() -> None:
                with loaded.engine.connect() as connection:
                    fetched = connection.exec_driver_sql(PEER_QUERY).all()
                    np.array(fetched, dtype=np.float64)

            return read

        measure("read: SQLAlchemy + psycopg fetchall -> numpy (peer)", rows, repeat, peer_read)
        loaded.close()


@contextmanager
def mysql_databases(url: str) -> Iterator[Callable[[], str]]:
    """Yield a factory of URLs to fresh MySQL/MariaDB databases; drop them all at the end."""
    admin = create_database_engine(url)
    created: list[str] = []

    def new_database() -> str:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as connection:
            connection.execute(text(f"CREATE DATABASE `{name}`"))
        created.append(name)
        return make_url(url).set(database=name).render_as_string(hide_password=False)

    try:
        yield new_database
    finally:
        with admin.begin() as connection:
            for name in created:
                connection.execute(text(f"DROP DATABASE `{name}`"))
        admin.dispose()


def bench_mysql(candles: Candles, url: str, repeat: int) -> None:
    rows = len(candles)
    with mysql_databases(url) as new_database:
        loaded = fresh_store(new_database())
        dialect = loaded.engine.dialect
        version = ".".join(map(str, dialect.server_version_info or ()))
        server = "MariaDB" if getattr(dialect, "is_mariadb", False) else "MySQL"
        print(f"{server} {version}, {rows:,} candles, PyMySQL")

        def ours_load() -> Callable[[], object]:
            store = fresh_store(new_database())
            return lambda: store.write_candles("binance", SYMBOL, "1h", candles)

        measure("load: MarketStore.write_candles, INSERT IGNORE", rows, repeat, ours_load)
        loaded.write_candles("binance", SYMBOL, "1h", candles)
        measure(
            "load again: every row exists (ignored)", rows, repeat,
            lambda: lambda: loaded.write_candles("binance", SYMBOL, "1h", candles),
        )  # fmt: skip
        measure(
            "read: MarketStore.read_candles (ours, fetchall)", rows, repeat,
            lambda: lambda: loaded.read_candles("binance", SYMBOL, "1h"),
        )  # fmt: skip

        def peer_read() -> Callable[[], object]:
            def read() -> None:
                with loaded.engine.connect() as connection:
                    fetched = connection.exec_driver_sql(PEER_QUERY).all()
                    np.array(fetched, dtype=np.float64)

            return read

        measure("read: SQLAlchemy + PyMySQL fetchall -> numpy (peer)", rows, repeat, peer_read)
        loaded.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "ARENA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="PostgreSQL URL, or 'none' to skip",
    )
    parser.add_argument(
        "--mysql",
        default=os.environ.get("ARENA_TEST_MYSQL_URL", "none"),
        help="MySQL/MariaDB URL (mysql+pymysql://user@host/db), or 'none' to skip (the default)",
    )
    args = parser.parse_args()
    candles = real_candles(args.rows)
    bench_sqlite(candles, args.repeat)
    if args.postgres != "none":
        bench_postgres(candles, args.postgres, args.repeat)
    if args.mysql != "none":
        bench_mysql(candles, args.mysql, args.repeat)


if __name__ == "__main__":
    main()
