"""Market data repository: instruments, candles, funding, prices and open interest.

Each write is one transaction: a batch is stored whole or not at all. Reads of candles and
funding return numpy columns through the driver's fast path."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Engine, Insert, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from alpha_arena.core.errors import DataIntegrityError, NotFoundError
from alpha_arena.core.time import timeframe_ms
from alpha_arena.domain.instrument import Instrument, MarketType
from alpha_arena.domain.market import (
    Candles,
    FundingRates,
    OpenInterest,
    OpenInterestReading,
    PriceSnapshot,
)
from alpha_arena.storage import bulk
from alpha_arena.storage.tables import (
    CandleRow,
    FundingRateRow,
    InstrumentRow,
    OpenInterestRow,
    PriceSnapshotRow,
)

_CANDLE_VALUES = ("ts", "open", "high", "low", "close", "volume")
# A skip scan: each step is one probe of the primary key (instrument_id, timeframe, ts), so the
# distinct timeframes of an instrument cost a few index lookups, not a scan of its candles.
_DISTINCT_TIMEFRAMES = text(
    "WITH RECURSIVE found(timeframe) AS ("
    " SELECT MIN(timeframe) FROM candles WHERE instrument_id = :id"
    " UNION ALL SELECT (SELECT MIN(timeframe) FROM candles"
    "  WHERE instrument_id = :id AND timeframe > found.timeframe)"
    " FROM found WHERE found.timeframe IS NOT NULL)"
    " SELECT timeframe FROM found WHERE timeframe IS NOT NULL"
)
_CANDLE_DTYPES = [("ts", "i8")] + [(name, "f8") for name in _CANDLE_VALUES[1:]]


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    exchange: str
    symbol: str
    dataset: str  # candles or funding
    timeframe: str  # the bar timeframe, or "funding" for funding settlements
    ts_first: int
    ts_last: int
    rows: int


def _instrument_of(row: InstrumentRow) -> Instrument:
    return Instrument(
        exchange=row.exchange,
        symbol=row.symbol,
        market_type=MarketType(row.market_type),
        base=row.base,
        quote=row.quote,
        settle=row.settle,
        price_tick=row.price_tick,
        amount_step=row.amount_step,
        min_amount=row.min_amount,
        min_notional=row.min_notional,
        max_leverage=row.max_leverage,
        maker_fee=row.maker_fee,
        taker_fee=row.taker_fee,
        maintenance_margin_rate=row.maintenance_margin_rate,
        contract_size=row.contract_size,
    )


class MarketStore:
    """Reads and writes market data for one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._mysql = engine.dialect.name in ("mysql", "mariadb")
        self._ids: dict[tuple[str, str], int] = {}
        self._reader = bulk.ColumnReader(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._reader.close()

    # -- instruments -------------------------------------------------------------------------

    def upsert_instruments(self, instruments: Sequence[Instrument], ts_updated: int) -> None:
        """Insert instruments or refresh their specs; keys are (exchange, symbol)."""
        if not instruments:
            return
        rows = [
            {
                "exchange": item.exchange,
                "symbol": item.symbol,
                "market_type": item.market_type.value,
                "base": item.base,
                "quote": item.quote,
                "settle": item.settle,
                "price_tick": item.price_tick,
                "amount_step": item.amount_step,
                "min_amount": item.min_amount,
                "min_notional": item.min_notional,
                "max_leverage": item.max_leverage,
                "maker_fee": item.maker_fee,
                "taker_fee": item.taker_fee,
                "maintenance_margin_rate": item.maintenance_margin_rate,
                "contract_size": item.contract_size,
                "ts_updated": ts_updated,
            }
            for item in instruments
        ]
        refreshed = [name for name in rows[0] if name not in ("exchange", "symbol")]
        statement: Insert
        if self._mysql:
            from sqlalchemy.dialects.mysql import insert as mysql_insert

            # The key of the duplicate is (exchange, symbol): the id is never given.
            upsert = mysql_insert(InstrumentRow).values(rows)
            statement = upsert.on_duplicate_key_update(
                {name: upsert.inserted[name] for name in refreshed}
            )
        else:
            dialect_insert = pg_insert if self._postgres else sqlite_insert
            values = dialect_insert(InstrumentRow).values(rows)
            statement = values.on_conflict_do_update(
                index_elements=["exchange", "symbol"],
                set_={name: values.excluded[name] for name in refreshed},
            )
        with self._engine.begin() as connection:
            connection.execute(statement)

    def instruments(self, exchange: str | None = None) -> list[Instrument]:
        query = select(InstrumentRow).order_by(InstrumentRow.exchange, InstrumentRow.symbol)
        if exchange is not None:
            query = query.where(InstrumentRow.exchange == exchange)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [_instrument_of(InstrumentRow(**row._mapping)) for row in rows]

    def instrument(self, exchange: str, symbol: str) -> Instrument | None:
        query = select(InstrumentRow).where(
            InstrumentRow.exchange == exchange, InstrumentRow.symbol == symbol
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _instrument_of(InstrumentRow(**row._mapping))

    def instrument_id(self, exchange: str, symbol: str) -> int:
        """Return the id of a stored instrument or raise NotFoundError naming what exists."""
        key = (exchange, symbol)
        if key not in self._ids:
            query = select(InstrumentRow.id).where(
                InstrumentRow.exchange == exchange, InstrumentRow.symbol == symbol
            )
            with self._engine.connect() as connection:
                found = connection.execute(query).scalar()
            if found is None:
                known = ", ".join(sorted({i.symbol for i in self.instruments(exchange)}))
                raise NotFoundError(
                    f"no instrument {symbol!r} on {exchange!r} in the database"
                    + (f"; known: {known}" if known else "; load data first")
                )
            self._ids[key] = int(found)
        return self._ids[key]

    # -- candles -----------------------------------------------------------------------------

    def write_candles(self, exchange: str, symbol: str, timeframe: str, candles: Candles) -> int:
        """Store closed candles in one transaction; existing bars are kept. Return rows added."""
        timeframe_ms(timeframe)  # an unknown timeframe is refused the same way on every database
        if len(candles) == 0:
            return 0
        _require_storable(
            candles.ts,
            _CANDLE_VALUES[1:],
            candles.open,
            candles.high,
            candles.low,
            candles.close,
            candles.volume,
        )
        instrument_id = self.instrument_id(exchange, symbol)
        with self._engine.begin() as connection:
            return self._write_candles(connection, instrument_id, timeframe, candles)

    def _write_candles(
        self, connection: Connection, instrument_id: int, timeframe: str, candles: Candles
    ) -> int:
        count = len(candles)
        if self._postgres:
            fresh = self._lock_series_and_check_fresh(
                connection, "candles", instrument_id, timeframe, candles.ts
            )
            return bulk.copy_into_postgres(
                connection,
                "candles",
                ("instrument_id", "timeframe", *_CANDLE_VALUES),
                [
                    ("int4", np.full(count, instrument_id, dtype=np.int32)),
                    bulk.text_column(timeframe, count),
                    ("int8", candles.ts),
                    ("float8", candles.open),
                    ("float8", candles.high),
                    ("float8", candles.low),
                    ("float8", candles.close),
                    ("float8", candles.volume),
                ],
                merge=not fresh,
            )
        if self._mysql:
            order = np.argsort(candles.ts, kind="stable")  # writers lock keys in one order
            return bulk.insert_rows_mysql(
                connection,
                "candles",
                ("instrument_id", "timeframe", *_CANDLE_VALUES),
                [
                    [instrument_id] * count,
                    [timeframe] * count,
                    *(getattr(candles, name)[order].tolist() for name in _CANDLE_VALUES),
                ],
            )
        return bulk.insert_rows_sqlite(
            connection,
            "candles",
            {"instrument_id": instrument_id, "timeframe": timeframe},
            _CANDLE_VALUES,
            [
                candles.ts.tolist(),
                candles.open.tolist(),
                candles.high.tolist(),
                candles.low.tolist(),
                candles.close.tolist(),
                candles.volume.tolist(),
            ],
        )

    def _lock_series_and_check_fresh(
        self,
        connection: Connection,
        table: str,
        instrument_id: int,
        timeframe: str | None,
        ts: np.ndarray,
    ) -> bool:
        """Serialize writers of one series (PostgreSQL) and tell whether none of ``ts``'s range
        is stored yet, in which case rows can be copied straight into the table."""
        where = f"instrument_id = {int(instrument_id)}"
        if timeframe is not None:
            where += f" AND timeframe = '{_safe(timeframe)}'"
        cursor = bulk.dbapi(connection).cursor()
        try:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                (instrument_id, zlib.crc32(f"{table}/{timeframe}".encode()) & 0x7FFFFFFF),
            )
            cursor.execute(
                f"SELECT 1 FROM {table} WHERE {where} AND ts BETWEEN %s AND %s LIMIT 1",
                (int(ts.min()), int(ts.max())),
            )
            return cursor.fetchone() is None
        finally:
            cursor.close()

    def read_candles(
        self,
        exchange: str,
        symbol: str,
        timeframe: str,
        ts_from: int | None = None,
        ts_to: int | None = None,
        last: int | None = None,
    ) -> Candles:
        """Return candles with ``ts_from <= ts <= ts_to`` (bounds optional), oldest first;
        with ``last``, only the newest ``last`` of them."""
        instrument_id = self.instrument_id(exchange, symbol)
        where = f"instrument_id = {int(instrument_id)} AND timeframe = '{_safe(timeframe)}'"
        if ts_from is not None:
            where += f" AND ts >= {int(ts_from)}"
        if ts_to is not None:
            where += f" AND ts <= {int(ts_to)}"
        query = _newest_first_limited(", ".join(_CANDLE_VALUES), "candles", where, last)
        columns = self._reader.select(query, _CANDLE_DTYPES)
        return Candles(
            columns["ts"],
            columns["open"],
            columns["high"],
            columns["low"],
            columns["close"],
            columns["volume"],
        )

    def candle_timestamps(self, exchange: str, symbol: str, timeframe: str) -> np.ndarray:
        instrument_id = self.instrument_id(exchange, symbol)
        query = (
            f"SELECT ts FROM candles WHERE instrument_id = {int(instrument_id)} "
            f"AND timeframe = '{_safe(timeframe)}' ORDER BY ts"
        )
        return self._reader.select(query, [("ts", "i8")])["ts"]

    def stored_timeframes(self, exchange: str, symbol: str) -> list[str]:
        """Timeframes with at least one stored candle for the instrument, shortest first."""
        instrument_id = self.instrument_id(exchange, symbol)
        with self._engine.connect() as connection:
            found = connection.execute(_DISTINCT_TIMEFRAMES, {"id": instrument_id}).scalars()
            return sorted(found, key=timeframe_ms)

    def last_candle_ts(self, exchange: str, symbol: str, timeframe: str) -> int | None:
        instrument_id = self.instrument_id(exchange, symbol)
        query = select(func.max(CandleRow.ts)).where(
            CandleRow.instrument_id == instrument_id, CandleRow.timeframe == timeframe
        )
        with self._engine.connect() as connection:
            found = connection.execute(query).scalar()
        return None if found is None else int(found)

    # -- funding -----------------------------------------------------------------------------

    def write_funding(self, exchange: str, symbol: str, funding: FundingRates) -> int:
        """Store funding settlements in one transaction; existing ones are kept."""
        if len(funding) == 0:
            return 0
        _require_storable(funding.ts, ("rate",), funding.rate)
        instrument_id = self.instrument_id(exchange, symbol)
        count = len(funding)
        columns = ("instrument_id", "ts", "rate")
        with self._engine.begin() as connection:
            if self._postgres:
                fresh = self._lock_series_and_check_fresh(
                    connection, "funding_rates", instrument_id, None, funding.ts
                )
                return bulk.copy_into_postgres(
                    connection,
                    "funding_rates",
                    columns,
                    [
                        ("int4", np.full(count, instrument_id, dtype=np.int32)),
                        ("int8", funding.ts),
                        ("float8", funding.rate),
                    ],
                    merge=not fresh,
                )
            if self._mysql:
                order = np.argsort(funding.ts, kind="stable")
                return bulk.insert_rows_mysql(
                    connection,
                    "funding_rates",
                    columns,
                    [
                        [instrument_id] * count,
                        funding.ts[order].tolist(),
                        funding.rate[order].tolist(),
                    ],
                )
            return bulk.insert_rows_sqlite(
                connection,
                "funding_rates",
                {"instrument_id": instrument_id},
                ("ts", "rate"),
                [funding.ts.tolist(), funding.rate.tolist()],
            )

    def read_funding(
        self,
        exchange: str,
        symbol: str,
        ts_from: int | None = None,
        ts_to: int | None = None,
        last: int | None = None,
    ) -> FundingRates:
        """Funding settlements with ``ts_from <= ts <= ts_to``, oldest first; with ``last``,
        only the newest ``last`` of them."""
        instrument_id = self.instrument_id(exchange, symbol)
        where = f"instrument_id = {int(instrument_id)}"
        if ts_from is not None:
            where += f" AND ts >= {int(ts_from)}"
        if ts_to is not None:
            where += f" AND ts <= {int(ts_to)}"
        query = _newest_first_limited("ts, rate", "funding_rates", where, last)
        columns = self._reader.select(query, [("ts", "i8"), ("rate", "f8")])
        return FundingRates(columns["ts"], columns["rate"])

    def last_funding_ts(self, exchange: str, symbol: str) -> int | None:
        instrument_id = self.instrument_id(exchange, symbol)
        query = select(func.max(FundingRateRow.ts)).where(
            FundingRateRow.instrument_id == instrument_id
        )
        with self._engine.connect() as connection:
            found = connection.execute(query).scalar()
        return None if found is None else int(found)

    # -- prices and open interest ------------------------------------------------------------

    def write_price_snapshots(self, exchange: str, snapshots: Sequence[PriceSnapshot]) -> int:
        rows = [
            {
                "instrument_id": self.instrument_id(exchange, item.symbol),
                "ts": item.ts,
                "last": item.last,
                "mark": item.mark,
                "index": item.index,
                "bid": item.bid,
                "ask": item.ask,
            }
            for item in snapshots
        ]
        return self._insert_ignoring_existing(PriceSnapshotRow, rows)

    def write_open_interest(self, exchange: str, items: Sequence[OpenInterest]) -> int:
        rows = [
            {
                "instrument_id": self.instrument_id(exchange, item.symbol),
                "ts": item.ts,
                "amount": item.amount,
                "value": item.value,
            }
            for item in items
        ]
        return self._insert_ignoring_existing(OpenInterestRow, rows)

    def _insert_ignoring_existing(
        self,
        table: type[PriceSnapshotRow] | type[OpenInterestRow],
        rows: Sequence[Mapping[str, object]],
    ) -> int:
        if not rows:
            return 0
        statement: Insert
        if self._mysql:
            # IGNORE: a stored snapshot stays, and the rows counted are the ones added.
            statement = insert(table).values(rows).prefix_with("IGNORE", dialect="mysql")
        else:
            dialect_insert = pg_insert if self._postgres else sqlite_insert
            statement = dialect_insert(table).values(rows).on_conflict_do_nothing()
        with self._engine.begin() as connection:
            # Without preserve_rowcount, SQLAlchemy reports -1 for an INSERT on psycopg.
            result = connection.execute(statement, execution_options={"preserve_rowcount": True})
            return int(result.rowcount)

    def latest_price(self, exchange: str, symbol: str, as_of: int) -> PriceSnapshot | None:
        """Return the newest price snapshot stamped at or before ``as_of``."""
        query = (
            select(PriceSnapshotRow)
            .where(
                PriceSnapshotRow.instrument_id == self.instrument_id(exchange, symbol),
                PriceSnapshotRow.ts <= as_of,
            )
            .order_by(PriceSnapshotRow.ts.desc())
            .limit(1)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        values = row._mapping  # Row.index is the tuple method, not the column
        return PriceSnapshot(
            symbol,
            values["ts"],
            values["last"],
            values["mark"],
            values["index"],
            values["bid"],
            values["ask"],
        )

    def latest_open_interest(self, exchange: str, symbol: str, as_of: int) -> OpenInterest | None:
        query = (
            select(OpenInterestRow)
            .where(
                OpenInterestRow.instrument_id == self.instrument_id(exchange, symbol),
                OpenInterestRow.ts <= as_of,
            )
            .order_by(OpenInterestRow.ts.desc())
            .limit(1)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else OpenInterest(symbol, row.ts, row.amount, row.value)

    def open_interest_reading(
        self, exchange: str, symbol: str, as_of: int, window_ms: int
    ) -> OpenInterestReading | None:
        """Open interest at ``as_of`` from the stored history, with its change over
        ``window_ms`` (``DerivativesStore.open_interest_reading``)."""
        from alpha_arena.storage.derivatives_store import DerivativesStore  # it imports this

        return DerivativesStore(self).open_interest_reading(exchange, symbol, as_of, window_ms)

    # -- coverage ----------------------------------------------------------------------------

    def series(self, exchange: str | None = None) -> list[SeriesSummary]:
        """Return first, last and row count of every stored candle and funding series."""
        candle_query = (
            select(
                InstrumentRow.exchange,
                InstrumentRow.symbol,
                CandleRow.timeframe,
                func.min(CandleRow.ts),
                func.max(CandleRow.ts),
                func.count(),
            )
            .join(InstrumentRow, InstrumentRow.id == CandleRow.instrument_id)
            .group_by(InstrumentRow.exchange, InstrumentRow.symbol, CandleRow.timeframe)
        )
        funding_query = (
            select(
                InstrumentRow.exchange,
                InstrumentRow.symbol,
                func.min(FundingRateRow.ts),
                func.max(FundingRateRow.ts),
                func.count(),
            )
            .join(InstrumentRow, InstrumentRow.id == FundingRateRow.instrument_id)
            .group_by(InstrumentRow.exchange, InstrumentRow.symbol)
        )
        if exchange is not None:
            candle_query = candle_query.where(InstrumentRow.exchange == exchange)
            funding_query = funding_query.where(InstrumentRow.exchange == exchange)
        with self._engine.connect() as connection:
            candles = connection.execute(candle_query).all()
            funding = connection.execute(funding_query).all()
        found = [
            SeriesSummary(ex, sym, "candles", tf, int(first), int(last_), int(rows))
            for ex, sym, tf, first, last_, rows in candles
        ] + [
            SeriesSummary(ex, sym, "funding", "funding", int(first), int(last_), int(rows))
            for ex, sym, first, last_, rows in funding
        ]
        return sorted(found, key=lambda s: (s.exchange, s.symbol, s.dataset, s.timeframe))


def _require_storable(ts: np.ndarray, names: Sequence[str], *values: np.ndarray) -> None:
    """Refuse a batch that the two databases would treat differently: a repeated timestamp
    (PostgreSQL raises on the repeated key, SQLite keeps the first row) and non-finite values
    (SQLite drops NaN rows, PostgreSQL stores them). Sources validate before this; the check
    keeps storage consistent on its own."""
    if len(ts) > 1 and not bool(np.all(np.diff(np.sort(ts)) > 0)):
        raise DataIntegrityError("refusing to store a batch that repeats a timestamp")
    for name, column in zip(names, values, strict=True):
        if not bool(np.all(np.isfinite(column))):
            raise DataIntegrityError(f"refusing to store a batch with a non-finite {name}")


def _newest_first_limited(names: str, table: str, where: str, last: int | None) -> str:
    """SELECT rows in time order; with ``last``, only the newest ``last`` (index-ordered)."""
    if last is None:
        return f"SELECT {names} FROM {table} WHERE {where} ORDER BY ts"
    return (
        f"SELECT {names} FROM (SELECT {names} FROM {table} WHERE {where} "
        f"ORDER BY ts DESC LIMIT {int(last)}) AS newest ORDER BY ts"
    )


def _safe(timeframe: str) -> str:
    """Timeframes are inlined into fast-path SQL; only the known alphabet may pass."""
    if not timeframe.isalnum():
        raise NotFoundError(f"unknown timeframe {timeframe!r}")
    return timeframe
