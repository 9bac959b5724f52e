"""A read-only look at the database for the dashboard: the tables, their row counts, and pages
of their rows filtered per column, without ever serving a column that may hold a secret.

Only the tables of ``storage.tables`` are served, and a table or column is named in SQL only
after it was found in that schema: a request names them, it never spells them. Filter values
are bound parameters. Columns that may hold keys, tokens or a provider's error text (which can
echo a key) are left out by an explicit deny-list plus a name rule, so a column added later
whose name says it holds a secret is hidden without anyone remembering to list it.

Counting the bulk tables (millions of candles) exactly would make every page wait for a full
scan, so counts are bounded: at most ``COUNT_CAP`` rows are counted; past that the total is
PostgreSQL's planner estimate when there is no filter, else the cap as a lower bound."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Engine,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    cast,
    func,
    inspect,
    literal,
    select,
    text,
)

from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.redact import redact
from alpha_arena.storage.tables import Base

#: Rows counted at most; a table or filter with more is "at least" this many (or estimated).
COUNT_CAP = 100_000
#: Text longer than this is cut (a prompt is tens of kilobytes): the browser is for looking.
MAX_TEXT = 500

#: Columns that may hold keys, tokens or provider error texts, by table, and why.
DENIED_COLUMNS: dict[str, frozenset[str]] = {
    # an agent's provider settings: the key's env var, a base URL that may carry credentials
    "agents": frozenset({"config"}),
    "season_entries": frozenset({"config"}),  # the agent's configuration, pinned
    # a provider's error text and raw answer echo parts of the key they were sent
    "llm_calls": frozenset({"error", "raw_response"}),
    "llm_cache": frozenset({"response"}),  # the provider's raw answer, errors included
    # exchange errors (CCXT messages can quote signed request URLs)
    "ingestion_runs": frozenset({"error"}),
    "repair_jobs": frozenset({"error"}),
    # why a season stopped (may quote a provider's error); its configuration holds an
    # anonymized season's tape secret (the seasons API serves it without)
    "seasons": frozenset({"message", "config"}),
    # the API keys, encrypted: useless without the master key, yet never handed out
    "exchange_accounts": frozenset({"ciphertext"}),
}
#: Any column whose name says it holds a secret, listed above or not.
SECRET_NAME = re.compile(r"key|token|secret|password|credential", re.IGNORECASE)

Scalar = str | int | float | bool | None
CountKind = Literal["exact", "estimate", "at_least"]
ColumnKind = Literal["integer", "number", "boolean", "text"]
Operator = Literal["eq", "contains"]
OPERATORS: tuple[Operator, ...] = ("eq", "contains")


def is_secret_column(table: str, column: str) -> bool:
    """Whether ``table.column`` may hold a secret and so is never served."""
    return column in DENIED_COLUMNS.get(table, frozenset()) or bool(SECRET_NAME.search(column))


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    name: str
    kind: ColumnKind
    primary_key: bool


@dataclass(frozen=True, slots=True)
class RowCount:
    rows: int
    kind: CountKind


@dataclass(frozen=True, slots=True)
class TableInfo:
    name: str
    count: RowCount
    columns: list[ColumnInfo]
    hidden_columns: int


@dataclass(frozen=True, slots=True)
class ColumnFilter:
    column: str
    operator: Operator
    value: str


@dataclass(frozen=True, slots=True)
class RowsPage:
    table: str
    columns: list[ColumnInfo]
    order_by: list[str]
    rows: list[dict[str, Scalar]]
    count: RowCount


def _kind(column: Column[object]) -> ColumnKind:
    if isinstance(column.type, Boolean):
        return "boolean"
    if isinstance(column.type, Integer):
        return "integer"
    if isinstance(column.type, Float | Numeric):
        return "number"
    return "text"


def _served(table: Table) -> list[Column[object]]:
    return [column for column in table.columns if not is_secret_column(table.name, column.name)]


def parse_filter(text_: str) -> ColumnFilter:
    """``column:operator:value`` (the value may hold colons), e.g. ``timeframe:eq:1h``."""
    parts = text_.split(":", 2)
    if len(parts) != 3 or parts[1] not in OPERATORS:
        raise InvalidInputError(
            f"cannot read filter {text_[:80]!r}: write column:eq:value or column:contains:value"
        )
    column, operator, value = parts
    return ColumnFilter(column, "eq" if operator == "eq" else "contains", value)


class DatabaseBrowser:
    """Read-only pages of the schema's tables, secret columns left out."""

    def __init__(self, engine: Engine, count_cap: int = COUNT_CAP) -> None:
        self._engine = engine
        self._cap = count_cap

    def tables(self) -> list[TableInfo]:
        """Every table of the schema present in the database, by name, with its row count."""
        present = set(inspect(self._engine).get_table_names())
        found = []
        for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
            if table.name not in present:
                continue
            served = _served(table)
            found.append(
                TableInfo(
                    name=table.name,
                    count=self._count(table, []),
                    columns=[ColumnInfo(c.name, _kind(c), c.primary_key) for c in served],
                    hidden_columns=len(table.columns) - len(served),
                )
            )
        return found

    def rows(
        self,
        table_name: str,
        filters: Sequence[ColumnFilter],
        limit: int,
        offset: int,
        descending: bool = False,
    ) -> RowsPage:
        """A page of ``table_name``'s rows in primary-key order, matching every filter."""
        table = self._table(table_name)
        served = _served(table)
        conditions = [self._condition(table, served, item) for item in filters]
        order = list(table.primary_key.columns)
        query = (
            select(*served)
            .where(*conditions)
            .order_by(*(column.desc() if descending else column.asc() for column in order))
            .limit(limit)
            .offset(offset)
        )
        with self._engine.connect() as connection:
            found = connection.execute(query).all()
        return RowsPage(
            table=table.name,
            columns=[ColumnInfo(c.name, _kind(c), c.primary_key) for c in served],
            order_by=[column.name for column in order],
            rows=[
                {column.name: _value(value) for column, value in zip(served, row, strict=True)}
                for row in found
            ],
            count=self._count(table, conditions),
        )

    def _table(self, name: str) -> Table:
        table = Base.metadata.tables.get(name)
        if table is None or table.name not in inspect(self._engine).get_table_names():
            known = ", ".join(sorted(Base.metadata.tables))
            raise NotFoundError(f"no table {name[:64]!r}; tables: {known}")
        return table

    def _condition(
        self, table: Table, served: list[Column[object]], item: ColumnFilter
    ) -> ColumnElement[bool]:
        by_name = {column.name: column for column in served}
        column = by_name.get(item.column)
        if column is None:
            raise InvalidInputError(
                f"cannot filter {table.name} on {item.column[:64]!r}; columns: {', '.join(by_name)}"
            )
        if item.operator == "contains":
            as_text = func.lower(cast(column, String))
            return as_text.contains(item.value.lower(), autoescape=True)
        return column == _typed(column, item.value)

    def _count(self, table: Table, conditions: list[ColumnElement[bool]]) -> RowCount:
        bounded = (
            select(literal(1)).select_from(table).where(*conditions).limit(self._cap + 1).subquery()
        )
        with self._engine.connect() as connection:
            counted = int(
                connection.execute(select(func.count()).select_from(bounded)).scalar_one()
            )
            if counted <= self._cap:
                return RowCount(counted, "exact")
            if not conditions and self._engine.dialect.name == "postgresql":
                estimate = connection.execute(
                    text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"),
                    {"name": table.name},
                ).scalar()
                if estimate is not None and estimate > self._cap:
                    return RowCount(int(estimate), "estimate")
        return RowCount(self._cap, "at_least")


def _typed(column: Column[object], value: str) -> Scalar:
    """The filter's text as the column's type (a bound parameter must match it on PostgreSQL)."""
    kind = _kind(column)
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            number = float(value)
            if not math.isfinite(number):
                raise ValueError(value)
            return number
    except ValueError:
        raise InvalidInputError(
            f"{column.name} holds {kind}s; cannot compare it with {value[:64]!r}"
        ) from None
    if kind == "boolean":
        lowered = value.strip().lower()
        if lowered not in {"true", "false", "1", "0"}:
            raise InvalidInputError(f"{column.name} is true or false, not {value[:64]!r}")
        return lowered in {"true", "1"}
    return value


def _value(value: object) -> Scalar:
    """A database value as JSON: long text cut, key-like strings masked all the same."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    text_ = str(value)
    if len(text_) > MAX_TEXT:
        text_ = text_[:MAX_TEXT] + "…"
    return redact(text_)
