"""SQLite reads through the C column reader (``storage/_sqlite_columns.c``) on a real SQLite file:
bit-identical to sqlite3's plain ``fetchall`` path on the whole bundled sample, the same empty
results, NULLs and errors, one SQLite library in the process, and no torn read while writers
commit and checkpoint."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from sqlalchemy import Engine

from alpha_arena.domain.market import Candles
from alpha_arena.marketdata.sources.sample import (
    SAMPLE_EXCHANGE,
    read_candles,
    sample_files,
    sample_instruments,
)
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage import bulk
from alpha_arena.storage.database import create_database_engine
from alpha_arena.storage.market_store import MarketStore
from alpha_arena.storage.schema import upgrade
from tests.support.databases import settings_for
from tests.support.sample import SAMPLE

COLUMNS = ("ts", "open", "high", "low", "close", "volume")


@pytest.fixture(scope="module")
def sample_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    """The whole bundled sample (every candle and funding file) in a SQLite file."""
    path = tmp_path_factory.mktemp("bulk") / "arena.db"
    context = open_context(settings_for(f"sqlite:///{path}"))
    try:
        load_sample(context)
        yield context
    finally:
        context.close()


def same_bits(ours: npt.NDArray[Any], theirs: npt.NDArray[Any]) -> bool:
    """Equal dtype and length, and every value with the same 64-bit pattern (NaN included)."""
    return (
        ours.dtype == theirs.dtype
        and ours.shape == theirs.shape
        and np.array_equal(ours.view(np.uint64), theirs.view(np.uint64))
    )


def reference(monkeypatch: pytest.MonkeyPatch, read: Any, *args: Any) -> Any:
    """``read(*args)`` through sqlite3's plain ``fetchall`` path."""
    with monkeypatch.context() as patch:
        patch.setattr(bulk, "_read_sqlite_columns", None)
        with np.errstate(invalid="ignore"):  # NULL in an int64 column: NaN cast to int64
            return read(*args)


def test_the_c_reader_is_built_and_on_pythons_own_sqlite_library() -> None:
    assert bulk._read_sqlite_columns is not None, (
        "alpha_arena.storage._sqlite_columns is not built: `pip install -e .` builds it "
        "(needs a C compiler and sqlite3.h)"
    )
    maps = Path("/proc/self/maps")
    if maps.exists():  # Linux: every SQLite mapped into this process is the same file
        mapped = {line.split()[-1] for line in maps.read_text().splitlines() if "sqlite" in line}
        libraries = {path for path in mapped if "libsqlite3" in path}
        assert len(libraries) == 1, mapped


def test_every_bundled_series_reads_bit_identical_to_the_plain_path(
    sample_database: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = sample_database.market
    series = sample_files()
    assert {item.dataset for item in series} == {"candles", "funding"}
    for item in series:
        if item.dataset == "funding":
            ours = market.read_funding(SAMPLE_EXCHANGE, item.symbol)
            theirs = reference(monkeypatch, market.read_funding, SAMPLE_EXCHANGE, item.symbol)
            assert len(ours.ts) > 0
            assert same_bits(ours.ts, theirs.ts), item
            assert same_bits(ours.rate, theirs.rate), item
            continue
        args = (SAMPLE_EXCHANGE, item.symbol, item.timeframe)
        candles = market.read_candles(*args)
        expected = reference(monkeypatch, market.read_candles, *args)
        assert len(candles) == len(read_candles(item.path)) > 0, item
        for column in COLUMNS:
            ours_column = getattr(candles, column)
            assert same_bits(ours_column, getattr(expected, column)), (item, column)
            assert ours_column.flags.c_contiguous and ours_column.flags.writeable
        newest = market.read_candles(*args, last=7)
        assert same_bits(newest.close, reference(monkeypatch, market.read_candles, *args, None,
                                                 None, 7).close)  # fmt: skip
        stamps = market.candle_timestamps(*args)
        assert same_bits(stamps, reference(monkeypatch, market.candle_timestamps, *args))


def test_an_empty_result_has_typed_empty_columns(
    sample_database: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = sample_database.market
    nothing = (SAMPLE_EXCHANGE, "BTC/USDT:USDT", "1h", 0, 1)
    candles = market.read_candles(*nothing)
    expected = reference(monkeypatch, market.read_candles, *nothing)
    for column in COLUMNS:
        assert same_bits(getattr(candles, column), getattr(expected, column))
        assert len(getattr(candles, column)) == 0
    assert candles.ts.dtype == np.int64 and candles.open.dtype == np.float64


@pytest.fixture
def odd_values(tmp_path: Path) -> Iterator[Engine]:
    """A table whose columns hold NULLs, zeros, integers in a REAL column,
    reals in an INTEGER column and extreme floats: what the plain path converts in its way."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'odd.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE odd (k INTEGER, x REAL, y ANY)")
        rows = [
            (1, None, None),
            (None, 0.0, 0),
            (3, -0.0, 2.5),
            (4, 1e308, -7),
            (-5, 5e-324, 9_007_199_254_740_992),
            (2**53, float("inf"), -2.75),
        ]
        connection.exec_driver_sql("INSERT INTO odd VALUES (?, ?, ?)", rows)
    yield engine
    engine.dispose()


def test_nulls_zeros_and_mixed_storage_read_as_the_plain_path_reads_them(
    odd_values: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = bulk.ColumnReader(odd_values)
    query = "SELECT k, x, y, y, k FROM odd ORDER BY rowid"
    dtypes = [("k", "i8"), ("x", "f8"), ("y", "f8"), ("y_int", "i8"), ("k_float", "f8")]
    ours = reader.select(query, dtypes)
    theirs = reference(monkeypatch, reader.select, query, dtypes)
    for name, _dtype in dtypes:
        assert same_bits(ours[name], theirs[name]), (name, ours[name], theirs[name])
    assert np.isnan(ours["x"][0]) and np.isnan(ours["y"][0])
    assert ours["k"][1] == np.iinfo(np.int64).min  # NULL, as numpy casts NaN


def test_a_failing_query_raises_sqlite3s_own_error(
    odd_values: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = bulk.ColumnReader(odd_values)
    with pytest.raises(sqlite3.OperationalError) as plain:
        reference(monkeypatch, reader.select, "SELECT x FROM missing", [("x", "f8")])
    with pytest.raises(sqlite3.OperationalError) as ours:
        reader.select("SELECT x FROM missing", [("x", "f8")])
    assert str(ours.value) == str(plain.value) == "no such table: missing"
    two = "SELECT x FROM odd; SELECT k FROM odd"
    with pytest.raises(sqlite3.ProgrammingError, match="one statement at a time"):
        reference(monkeypatch, reader.select, two, [("x", "f8")])
    with pytest.raises(sqlite3.ProgrammingError, match="one statement at a time"):
        reader.select(two, [("x", "f8")])
    # A trailing comment is no second statement; the connection went back to the pool usable.
    assert len(reader.select("SELECT x FROM odd; -- all", [("x", "f8")])["x"]) == 6


def test_the_plain_path_is_used_for_types_the_c_reader_does_not_fill(odd_values: Engine) -> None:
    columns = bulk.ColumnReader(odd_values).select("SELECT k FROM odd WHERE k = 3", [("k", "i4")])
    assert columns["k"].dtype == np.int32 and columns["k"].tolist() == [3]


# -- torn reads ----------------------------------------------------------------------------------

BATCH = 100  # rows per committed transaction


def test_concurrent_readers_see_whole_commits_no_torn_reads_while_writers_commit_and_checkpoint(
    tmp_path: Path,
) -> None:
    """Readers in threads read a series while a writer appends it 100 bars per transaction and
    another thread checkpoints the WAL. Every read must be whole commits (a multiple of 100
    bars), hold every commit made before it started, and equal the source to the bit.

    Two copies of the SQLite library in one process (the ADBC SQLite driver's bundled one beside
    Python's) fail this within a second: disk I/O errors, a malformed image, missed commits."""
    source = read_candles(SAMPLE / "binance_usdm_BTCUSDT_1h.csv.gz")
    symbols = ("BTC/USDT:USDT", "ETH/USDT:USDT")
    engine = create_database_engine(f"sqlite:///{tmp_path / 'arena.db'}")
    upgrade(engine)
    store = MarketStore(engine)
    store.upsert_instruments(sample_instruments(), 0)
    committed = dict.fromkeys(symbols, 0)
    finished = threading.Event()
    failures: list[str] = []
    reads = [0]

    def write() -> None:
        try:
            for symbol in symbols:
                for start in range(0, len(source), BATCH):
                    store.write_candles(
                        SAMPLE_EXCHANGE, symbol, "1h", source.slice(start, start + BATCH)
                    )
                    committed[symbol] = min(start + BATCH, len(source))
        finally:
            finished.set()

    def checkpoint() -> None:
        with engine.connect() as connection:
            # Give up a checkpoint that waits for readers at once rather than after 10 s.
            connection.exec_driver_sql("PRAGMA busy_timeout=20")
            while not finished.wait(0.002):
                mode = ("PASSIVE", "TRUNCATE")[reads[0] % 2]
                connection.exec_driver_sql(f"PRAGMA wal_checkpoint({mode})").all()
            connection.exec_driver_sql("PRAGMA busy_timeout=10000")

    def check(symbol: str, floor: int, candles: Candles) -> None:
        count = len(candles)
        if count < floor:
            failures.append(f"{symbol}: {count} bars, but {floor} were committed before the read")
        if count % BATCH and count != len(source):
            failures.append(f"{symbol}: {count} bars, a part of a transaction")
        for column in COLUMNS:
            if not same_bits(getattr(candles, column), getattr(source, column)[:count]):
                failures.append(f"{symbol}: {column} differs from the source in {count} bars")

    def read() -> None:
        while not finished.is_set():
            for symbol in symbols:
                floor = committed[symbol]
                try:
                    check(symbol, floor, store.read_candles(SAMPLE_EXCHANGE, symbol, "1h"))
                except Exception as error:  # reported below with the rest
                    failures.append(f"{symbol}: {error!r}")
                reads[0] += 1

    threads = [threading.Thread(target=job) for job in (write, checkpoint, read, read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    store.close()
    engine.dispose()
    assert not failures, failures[:10]
    assert reads[0] >= 20, reads  # the readers did overlap the writes
    assert committed == dict.fromkeys(symbols, len(source))
