"""Filtered, paginated reads of season ledgers for the API: by entry, symbol and time range,
pushed down to SQL so that a page costs the same on a season of a day or of a year."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, bindparam, func, select, tuple_

from alpha_arena.domain.llm import LlmCall
from alpha_arena.storage.llm_store import call_from_row, with_versions
from alpha_arena.storage.tables import (
    LlmCallRow,
    SeasonDecisionRow,
    SeasonEntryRow,
    SeasonEquityRow,
    SeasonFillRow,
    SeasonLlmCallRow,
    SeasonOrderEventRow,
    SeasonOrderRow,
    SeasonRiskEventRow,
    SeasonRow,
)


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    """Which rows: of these entries (all of the season's if empty), one symbol, a time range
    (``ts_from`` inclusive, ``ts_to`` exclusive), newest first or oldest first."""

    entry_ids: Sequence[int]
    symbol: str | None = None
    ts_from: int | None = None
    ts_to: int | None = None
    newest_first: bool = True


@dataclass(frozen=True, slots=True)
class SeasonVersion:
    """What changes whenever anything readable about a season changes (a cache key)."""

    status: str
    ticks_done: int
    ts_updated: int


_VERSION = select(SeasonRow.status, SeasonRow.ticks_done, SeasonRow.ts_updated).where(
    SeasonRow.id == bindparam("season_id")
)


class SeasonQueries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def version(self, season_id: int) -> SeasonVersion | None:
        """Read on every leaderboard and equity request: the statement is built once, so
        SQLAlchemy finds its compiled form without rebuilding and re-keying it each time."""
        with self._engine.connect() as connection:
            row = connection.execute(_VERSION, {"season_id": season_id}).first()
        return None if row is None else SeasonVersion(row[0], int(row[1]), int(row[2]))

    def entry_names(self, season_id: int) -> dict[int, str]:
        query = select(SeasonEntryRow.id, SeasonEntryRow.name).where(
            SeasonEntryRow.season_id == season_id
        )
        with self._engine.connect() as connection:
            return {int(row[0]): str(row[1]) for row in connection.execute(query)}

    def denial_counts(self, season_id: int) -> dict[str, dict[str, int]]:
        """Every entry's denied actions counted by risk rule (most first; "unknown" for events
        stored before rules were), by entry name; an entry never denied has an empty count."""
        events = SeasonRiskEventRow
        query = (
            select(SeasonEntryRow.name, events.rule, func.count())
            .join(events, events.entry_id == SeasonEntryRow.id)
            .where(SeasonEntryRow.season_id == season_id, events.approved.is_(False))
            .group_by(SeasonEntryRow.name, events.rule)
        )
        names = self.entry_names(season_id).values()
        counts: dict[str, dict[str, int]] = {name: {} for name in names}
        with self._engine.connect() as connection:
            rows = sorted(connection.execute(query), key=lambda row: (-int(row[2]), row[1]))
        for name, rule, count in rows:
            counts.setdefault(str(name), {})[str(rule) or "unknown"] = int(count)
        return counts

    def decisions(
        self, where: LedgerFilter, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        table = SeasonDecisionRow
        query = select(table).where(table.entry_id.in_(where.entry_ids))
        if where.symbol is not None:
            # Actions are stored as JSON written by json.dumps: match the symbol's field.
            fragment = json.dumps({"symbol": where.symbol})[1:-1]
            query = query.where(table.actions.contains(fragment, autoescape=True))
        query = _in_time(query, table.ts, where)
        order = (table.ts, table.entry_id, table.seq)
        rows, total = self._page(query, order, where.newest_first, limit, offset)
        return [{**row, "actions": json.loads(row["actions"])} for row in rows], total

    def decision(self, entry_id: int, seq: int) -> dict[str, Any] | None:
        """Decision ``seq`` of entry ``entry_id`` (its key), or None when there is none."""
        table = SeasonDecisionRow
        query = select(table).where(table.entry_id == entry_id, table.seq == seq)
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else {**row._mapping, "actions": json.loads(row.actions)}

    def decision_count(self, entry_id: int) -> int:
        """How many decisions entry ``entry_id`` made (numbered 0 to count - 1)."""
        table = SeasonDecisionRow
        query = select(func.count()).select_from(table).where(table.entry_id == entry_id)
        with self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def calls_at(self, ticks: Sequence[tuple[int, int]]) -> dict[tuple[int, int], list[LlmCall]]:
        """The LLM calls made at each (entry, tick), in the order they were made."""
        if not ticks:
            return {}
        query = (
            with_versions(
                select(SeasonLlmCallRow.entry_id, SeasonLlmCallRow.tick, LlmCallRow).join(
                    LlmCallRow, LlmCallRow.id == SeasonLlmCallRow.call_id
                )
            )
            .where(tuple_(SeasonLlmCallRow.entry_id, SeasonLlmCallRow.tick).in_(list(ticks)))
            .order_by(LlmCallRow.id)
        )
        found: dict[tuple[int, int], list[LlmCall]] = {}
        with self._engine.connect() as connection:
            for row in connection.execute(query):
                found.setdefault((row.entry_id, row.tick), []).append(call_from_row(row))
        return found

    def orders(
        self, where: LedgerFilter, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        table = SeasonOrderRow
        query = select(table).where(table.entry_id.in_(where.entry_ids))
        if where.symbol is not None:
            query = query.where(table.symbol == where.symbol)
        query = _in_time(query, table.ts_created, where)
        order = (table.ts_created, table.entry_id, table.client_order_id)
        return self._page(query, order, where.newest_first, limit, offset)

    def order_events(self, keys: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
        """The lifecycle events of the orders ``(entry_id, client_order_id)``, in order."""
        if not keys:
            return []
        table = SeasonOrderEventRow
        query = (
            select(table)
            .where(tuple_(table.entry_id, table.client_order_id).in_(list(keys)))
            .order_by(table.entry_id, table.seq)
        )
        with self._engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def fills(
        self, where: LedgerFilter, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        table = SeasonFillRow
        query = select(table).where(table.entry_id.in_(where.entry_ids))
        if where.symbol is not None:
            query = query.where(table.symbol == where.symbol)
        query = _in_time(query, table.ts, where)
        return self._page(query, (table.ts, table.entry_id, table.seq), where.newest_first,
                          limit, offset)  # fmt: skip

    def equity(self, entry_id: int, ts_from: int | None, ts_to: int | None) -> list[Any]:
        """``(tick, ts, equity, cash, exposure)`` of one entry, oldest first."""
        table = SeasonEquityRow
        query = select(table.tick, table.ts, table.equity, table.cash, table.exposure).where(
            table.entry_id == entry_id
        )
        if ts_from is not None:
            query = query.where(table.ts >= ts_from)
        if ts_to is not None:
            query = query.where(table.ts < ts_to)
        with self._engine.connect() as connection:
            return list(connection.execute(query.order_by(table.tick)))

    def ticks_between(
        self, entry_ids: Sequence[int], first: int, last: int
    ) -> dict[str, list[dict[str, Any]]]:
        """Every entry's equity rows, fills and decisions of ticks ``first..last`` (inclusive),
        in the order they happened: what a live feed sends for those ticks."""
        found: dict[str, list[dict[str, Any]]] = {}
        tables: dict[str, tuple[Any, Any]] = {"equity": (SeasonEquityRow, SeasonEquityRow.tick),
                  "fills": (SeasonFillRow, SeasonFillRow.seq),
                  "decisions": (SeasonDecisionRow, SeasonDecisionRow.seq)}  # fmt: skip
        with self._engine.connect() as connection:
            for name, (table, seq) in tables.items():
                query = (
                    select(table)
                    .where(table.entry_id.in_(entry_ids), table.tick.between(first, last))
                    .order_by(table.tick, table.entry_id, seq)
                )
                found[name] = [dict(row._mapping) for row in connection.execute(query)]
        for row in found["decisions"]:
            row["actions"] = json.loads(row["actions"])
        return found

    def _page(
        self, query: Select[Any], order: tuple[Any, ...], newest_first: bool, limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        counted = select(func.count()).select_from(query.subquery())
        ordered = query.order_by(*(column.desc() if newest_first else column for column in order))
        with self._engine.connect() as connection:
            total = int(connection.execute(counted).scalar_one())
            rows = connection.execute(ordered.limit(limit).offset(offset))
            return [dict(row._mapping) for row in rows], total


def _in_time(query: Select[Any], column: Any, where: LedgerFilter) -> Select[Any]:
    if where.ts_from is not None:
        query = query.where(column >= where.ts_from)
    if where.ts_to is not None:
        query = query.where(column < where.ts_to)
    return query
