"""Candle load and read throughput: our bulk paths against plain-driver and SQLAlchemy peers.

Run: .venv/bin/python benchmarks/candles_io.py [--rows 1000000] [--postgres URL]
Prints rows/s for each path. The data are real Binance BTC perpetual 1h bars from the bundled
sample, repeated with shifted timestamps to reach the row count."""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import numpy as np
from sqlalchemy import create_engine, insert, text

from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.market import Candles
from alpha_arena.marketdata.sources.sample import read_candles, sample_dir, sample_instruments
from alpha_arena.storage.database import create_database_engine
from alpha_arena.storage.market_store import MarketStore
from alpha_arena.storage.schema import upgrade
from alpha_arena.storage.tables import CandleRow

SYMBOL = "BTC/USDT:USDT"
PEER_QUERY = (
    "SELECT ts, open, high, low, close, volume FROM candles ORDER BY instrument_id, timeframe, ts"
)


def real_candles(rows: int) -> Candles:
    """Tile the bundled BTC perpetual 1h series to ``rows`` bars on a continuous hourly grid."""
    base = read_candles(sample_dir() / "binance_usdm_BTCUSDT_1h.csv.gz")
    repeats = -(-rows // len(base))
    pick = lambda column: np.tile(column, repeats)[:rows]  # noqa: E731
    ts = base.ts[0] + np.arange(rows, dtype=np.int64) * HOUR_MS
    return Candles(
        ts, pick(base.open), pick(base.high), pick(base.low), pick(base.close), pick(base.volume)
    )


def rate(rows: int, action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return rows / (time.perf_counter() - started)


def fresh_store(url: str) -> MarketStore:
    engine = create_database_engine(url)
    upgrade(engine)
    store = MarketStore(engine)
    store.upsert_instruments(sample_instruments(), 0)
    return store


def report(label: str, value: float, note: str = "") -> None:
    print(f"  {label:<46} {value:>12,.0f} rows/s {note}")


def bench_sqlite(candles: Candles, folder: Path) -> None:
    rows = len(candles)
    print(f"SQLite ({sqlite3.sqlite_version}), {rows:,} candles, WAL, synchronous=NORMAL")
    store = fresh_store(f"sqlite:///{folder / 'ours.db'}")
    report(
        "load: alpha_arena MarketStore.write_candles",
        rate(rows, lambda: store.write_candles("binance", SYMBOL, "1h", candles)),
        "(target >= 400,000)",
    )
    report(
        "read: alpha_arena MarketStore.read_candles",
        rate(rows, lambda: store.read_candles("binance", SYMBOL, "1h")),
        "(target >= 1,000,000)",
    )
    store.close()

    # Peer 1: plain sqlite3 executemany of full rows into the same schema.
    plain = fresh_store(f"sqlite:///{folder / 'plain.db'}")
    plain.close()
    connection = sqlite3.connect(folder / "plain.db")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    records = list(
        zip(
            [1] * rows,
            ["1h"] * rows,
            candles.ts.tolist(),
            candles.open.tolist(),
            candles.high.tolist(),
            candles.low.tolist(),
            candles.close.tolist(),
            candles.volume.tolist(),
            strict=True,
        )
    )

    def plain_load() -> None:
        connection.executemany("INSERT INTO candles VALUES (?, ?, ?, ?, ?, ?, ?, ?)", records)
        connection.commit()

    report("load: plain sqlite3 executemany (peer)", rate(rows, plain_load))

    def plain_read() -> None:
        fetched = connection.execute(PEER_QUERY).fetchall()
        np.array(fetched, dtype=np.float64)

    report("read: plain sqlite3 fetchall -> numpy (peer)", rate(rows, plain_read))
    connection.close()

    # Peer 2: SQLAlchemy Core executemany (what an ORM-free but driver-agnostic path gets).
    core = fresh_store(f"sqlite:///{folder / 'core.db'}")
    dicts = [
        {
            "instrument_id": 1,
            "timeframe": "1h",
            "ts": r[2],
            "open": r[3],
            "high": r[4],
            "low": r[5],
            "close": r[6],
            "volume": r[7],
        }
        for r in records
    ]

    def core_load() -> None:
        with core.engine.begin() as conn:
            conn.execute(insert(CandleRow), dicts)

    report("load: SQLAlchemy Core executemany (peer)", rate(rows, core_load))
    core.close()


def bench_postgres(candles: Candles, url: str) -> None:
    rows = len(candles)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        store = fresh_store(f"{url}{separator}options={quote(f'-csearch_path={schema}')}")
        print(f"PostgreSQL ({store.engine.dialect.server_version_info}), {rows:,} candles")
        report(
            "load: MarketStore.write_candles (binary COPY)",
            rate(rows, lambda: store.write_candles("binance", SYMBOL, "1h", candles)),
        )
        report(
            "load again: merge path (all rows exist)",
            rate(rows, lambda: store.write_candles("binance", SYMBOL, "1h", candles)),
        )
        report(
            "read: MarketStore.read_candles (ADBC)",
            rate(rows, lambda: store.read_candles("binance", SYMBOL, "1h")),
        )
        with store.engine.connect() as connection:
            report(
                "read: psycopg fetchall -> numpy (peer)",
                rate(
                    rows,
                    lambda: np.array(
                        connection.exec_driver_sql(PEER_QUERY).all(),
                        dtype=np.float64,
                    ),
                ),
            )
        store.close()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "ARENA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="PostgreSQL URL; 'none' to skip",
    )
    args = parser.parse_args()
    candles = real_candles(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        bench_sqlite(candles, Path(folder))
    if args.postgres != "none":
        bench_postgres(candles, args.postgres)


if __name__ == "__main__":
    main()
