"""Derivatives statistics: open interest history and long/short account ratios per period, and
the next funding time of stored funding settlements.

Rows are keyed (instrument, period, ts) and written insert-or-keep, as candles are: a row
already stored stays, so re-ingesting a range adds nothing. Each batch is one transaction."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Insert, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from alpha_arena.core.errors import DataIntegrityError
from alpha_arena.core.time import timeframe_ms
from alpha_arena.domain.market import LongShortRatio, OpenInterest, OpenInterestReading
from alpha_arena.storage.market_store import MarketStore, SeriesSummary
from alpha_arena.storage.tables import (
    FundingRateRow,
    InstrumentRow,
    LongShortRatioRow,
    OpenInterestHistoryRow,
)

#: Dataset names, as integrity events and series summaries carry them.
OPEN_INTEREST = "open_interest"
LONG_SHORT = "long_short_ratio"

_Table = type[OpenInterestHistoryRow] | type[LongShortRatioRow]


class DerivativesStore:
    """Reads and writes derivatives statistics; instruments are resolved by the MarketStore."""

    def __init__(self, market: MarketStore) -> None:
        self._market = market
        self._engine = market.engine
        dialect = self._engine.dialect.name
        self._postgres = dialect == "postgresql"
        self._mysql = dialect in ("mysql", "mariadb")

    # -- open interest -----------------------------------------------------------------------

    def write_open_interest_history(
        self, exchange: str, symbol: str, period: str, items: Sequence[OpenInterest]
    ) -> int:
        """Store open-interest readings of one period; return the rows added."""
        timeframe_ms(period)
        _require_storable([item.ts for item in items], [(i.amount, i.value) for i in items])
        instrument_id = self._market.instrument_id(exchange, symbol)
        rows = [
            {"instrument_id": instrument_id, "period": period, "ts": item.ts,
             "amount": item.amount, "value": item.value}
            for item in items
        ]  # fmt: skip
        return self._insert_keeping_stored(OpenInterestHistoryRow, rows)

    def read_open_interest_history(
        self,
        exchange: str,
        symbol: str,
        period: str,
        ts_from: int | None = None,
        ts_to: int | None = None,
        last: int | None = None,
    ) -> list[OpenInterest]:
        """Readings with ``ts_from <= ts <= ts_to``, oldest first; with ``last``, the newest."""
        table = OpenInterestHistoryRow
        rows = self._read(table, exchange, symbol, period, ts_from, ts_to, last)
        return [OpenInterest(symbol, row.ts, row.amount, row.value) for row in rows]

    def latest_open_interest(
        self, exchange: str, symbol: str, as_of: int, period: str | None = None
    ) -> tuple[str, OpenInterest] | None:
        """The newest reading stamped at or before ``as_of`` (of ``period``, or of the shortest
        stored period that has one), with its period; None when none is stored by then."""
        periods = [period] if period is not None else self.periods(exchange, symbol)
        for candidate in periods:
            found = self.read_open_interest_history(
                exchange, symbol, candidate, ts_to=as_of, last=1
            )
            if found:
                return candidate, found[0]
        return None

    def open_interest_reading(
        self, exchange: str, symbol: str, as_of: int, window_ms: int
    ) -> OpenInterestReading | None:
        """Open interest as known at ``as_of`` (shortest stored period first), with its change
        against the reading ``window_ms`` earlier when that one is stored (no later than one
        period before the window's start, so a gap does not pass for the window)."""
        latest = self.latest_open_interest(exchange, symbol, as_of)
        if latest is None:
            return None
        period, now = latest
        start = now.ts - window_ms
        before = self.read_open_interest_history(
            exchange, symbol, period, ts_from=start - timeframe_ms(period) + 1, ts_to=start,
            last=1,
        )  # fmt: skip
        change = None
        if before:
            then = before[0]
            if now.amount is not None and then.amount:
                change = (now.amount / then.amount - 1.0) * 100.0
            elif now.value is not None and then.value:
                change = (now.value / then.value - 1.0) * 100.0
        return OpenInterestReading(now.ts, now.amount, now.value, change, window_ms)

    # -- long/short ratio --------------------------------------------------------------------

    def write_long_short_ratios(
        self, exchange: str, symbol: str, period: str, items: Sequence[LongShortRatio]
    ) -> int:
        """Store long/short account ratios of one period; return the rows added."""
        timeframe_ms(period)
        _require_storable(
            [item.ts for item in items],
            [(i.ratio, i.long_share, i.short_share) for i in items],
        )
        instrument_id = self._market.instrument_id(exchange, symbol)
        rows = [
            {"instrument_id": instrument_id, "period": period, "ts": item.ts,
             "ratio": item.ratio, "long_share": item.long_share, "short_share": item.short_share}
            for item in items
        ]  # fmt: skip
        return self._insert_keeping_stored(LongShortRatioRow, rows)

    def read_long_short_ratios(
        self,
        exchange: str,
        symbol: str,
        period: str,
        ts_from: int | None = None,
        ts_to: int | None = None,
        last: int | None = None,
    ) -> list[LongShortRatio]:
        rows = self._read(LongShortRatioRow, exchange, symbol, period, ts_from, ts_to, last)
        return [
            LongShortRatio(symbol, row.ts, row.ratio, row.long_share, row.short_share)
            for row in rows
        ]

    # -- both --------------------------------------------------------------------------------

    def last_open_interest_ts(self, exchange: str, symbol: str, period: str) -> int | None:
        """The newest stored open-interest time of a period, None when there is none."""
        return self._last_ts(OpenInterestHistoryRow, exchange, symbol, period)

    def last_long_short_ts(self, exchange: str, symbol: str, period: str) -> int | None:
        """The newest stored ratio time of a period, None when there is none."""
        return self._last_ts(LongShortRatioRow, exchange, symbol, period)

    def _last_ts(self, table: _Table, exchange: str, symbol: str, period: str) -> int | None:
        query = select(func.max(table.ts)).where(
            table.instrument_id == self._market.instrument_id(exchange, symbol),
            table.period == period,
        )
        with self._engine.connect() as connection:
            found = connection.execute(query).scalar()
        return None if found is None else int(found)

    def timestamps(self, dataset: str, exchange: str, symbol: str, period: str) -> np.ndarray:
        table = _table(dataset)
        query = (
            select(table.ts)
            .where(
                table.instrument_id == self._market.instrument_id(exchange, symbol),
                table.period == period,
            )
            .order_by(table.ts)
        )
        with self._engine.connect() as connection:
            return np.array(connection.execute(query).scalars().all(), dtype=np.int64)

    def periods(self, exchange: str, symbol: str) -> list[str]:
        """Periods with stored open interest for the instrument, shortest first."""
        table = OpenInterestHistoryRow
        query = (
            select(table.period)
            .where(table.instrument_id == self._market.instrument_id(exchange, symbol))
            .distinct()
        )
        with self._engine.connect() as connection:
            found = connection.execute(query).scalars().all()
        return sorted(found, key=timeframe_ms)

    def series(self, exchange: str | None = None) -> list[SeriesSummary]:
        """First, last and row count of every stored open-interest and ratio series."""
        found = []
        for dataset, table in ((OPEN_INTEREST, OpenInterestHistoryRow),
                               (LONG_SHORT, LongShortRatioRow)):  # fmt: skip
            query = (
                select(
                    InstrumentRow.exchange, InstrumentRow.symbol, table.period,
                    func.min(table.ts), func.max(table.ts), func.count(),
                )
                .join(InstrumentRow, InstrumentRow.id == table.instrument_id)
                .group_by(InstrumentRow.exchange, InstrumentRow.symbol, table.period)
            )  # fmt: skip
            if exchange is not None:
                query = query.where(InstrumentRow.exchange == exchange)
            with self._engine.connect() as connection:
                rows = connection.execute(query).all()
            found += [
                SeriesSummary(ex, sym, dataset, period, int(first), int(last), int(count))
                for ex, sym, period, first, last, count in rows
            ]
        return sorted(found, key=lambda s: (s.exchange, s.symbol, s.dataset, s.timeframe))

    # -- next funding time -------------------------------------------------------------------

    def fill_next_funding(self, exchange: str, symbol: str, announced: int | None = None) -> int:
        """Set each stored settlement's next funding time that is still unknown: the following
        stored settlement's time, and for the newest one ``announced`` (the next settlement
        the exchange names) when it lies after it. Return the rows updated."""
        instrument_id = self._market.instrument_id(exchange, symbol)
        table = FundingRateRow
        query = select(table.ts, table.ts_next).where(table.instrument_id == instrument_id)
        with self._engine.begin() as connection:
            rows = connection.execute(query.order_by(table.ts)).all()
            updates = []
            for index, (ts, ts_next) in enumerate(rows):
                following = rows[index + 1][0] if index + 1 < len(rows) else announced
                if ts_next is None and following is not None and following > ts:
                    updates.append({"key": ts, "next": int(following)})
            if updates:
                statement = (
                    update(table)
                    .where(table.instrument_id == instrument_id, table.ts == bindparam("key"))
                    .values(ts_next=bindparam("next"))
                )
                connection.execute(statement, updates)
        return len(updates)

    def next_funding(self, exchange: str, symbol: str, as_of: int) -> tuple[int, int | None] | None:
        """The newest settlement at or before ``as_of`` and its next funding time (None when
        not known)."""
        table = FundingRateRow
        query = (
            select(table.ts, table.ts_next)
            .where(
                table.instrument_id == self._market.instrument_id(exchange, symbol),
                table.ts <= as_of,
            )
            .order_by(table.ts.desc())
            .limit(1)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else (int(row[0]), None if row[1] is None else int(row[1]))

    # -- plumbing ----------------------------------------------------------------------------

    def _read(
        self,
        table: _Table,
        exchange: str,
        symbol: str,
        period: str,
        ts_from: int | None,
        ts_to: int | None,
        last: int | None,
    ) -> list[Any]:
        query = select(table).where(
            table.instrument_id == self._market.instrument_id(exchange, symbol),
            table.period == period,
        )
        if ts_from is not None:
            query = query.where(table.ts >= ts_from)
        if ts_to is not None:
            query = query.where(table.ts <= ts_to)
        if last is not None:
            query = query.order_by(table.ts.desc()).limit(last)
        else:
            query = query.order_by(table.ts)
        with self._engine.connect() as connection:
            rows = list(connection.execute(query).all())
        return rows[::-1] if last is not None else rows

    def _insert_keeping_stored(self, table: _Table, rows: Sequence[Mapping[str, object]]) -> int:
        if not rows:
            return 0
        statement: Insert
        if self._mysql:
            statement = insert(table).values(rows).prefix_with("IGNORE", dialect="mysql")
        else:
            dialect_insert = pg_insert if self._postgres else sqlite_insert
            statement = dialect_insert(table).values(rows).on_conflict_do_nothing()
        with self._engine.begin() as connection:
            result = connection.execute(statement, execution_options={"preserve_rowcount": True})
            return int(result.rowcount)


def _table(dataset: str) -> _Table:
    if dataset == OPEN_INTEREST:
        return OpenInterestHistoryRow
    if dataset == LONG_SHORT:
        return LongShortRatioRow
    raise ValueError(f"unknown derivatives dataset {dataset!r}")


def _require_storable(ts: Sequence[int], values: Sequence[tuple[float | None, ...]]) -> None:
    """Refuse what the databases would treat differently: a repeated time (PostgreSQL raises,
    SQLite keeps one) and NaN or infinite values (store None for what is not published)."""
    if len(set(ts)) != len(ts):
        raise DataIntegrityError("refusing to store a batch that repeats a timestamp")
    for row in values:
        if any(value is not None and not math.isfinite(value) for value in row):
            raise DataIntegrityError("refusing to store a batch with a non-finite value")
