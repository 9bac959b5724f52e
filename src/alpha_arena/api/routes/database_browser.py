"""A read-only database browser: the tables with their row counts and filtered pages of rows.

Columns that may hold keys, tokens or a provider's error text are never served (see
``storage.database_browser``). Counts are bounded so that the bulk tables page fast: ``count``
says whether a total is exact, PostgreSQL's estimate, or a lower bound."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from alpha_arena.api.errors import ERROR_RESPONSES
from alpha_arena.api.pagination import Window, window
from alpha_arena.api.security import refuse_nul, require_reader
from alpha_arena.api.state import context_of
from alpha_arena.services.context import AppContext
from alpha_arena.storage.database_browser import (
    COUNT_CAP,
    ColumnInfo,
    DatabaseBrowser,
    RowCount,
    parse_filter,
)

router = APIRouter(prefix="/system/database", tags=["system"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip

MAX_FILTERS = 10
CountKindField = Field(
    examples=["exact"],
    description=f"`exact`; `estimate` (PostgreSQL's statistics, for a table of more than "
    f"{COUNT_CAP:,} rows); or `at_least` (more than {COUNT_CAP:,} rows match: the total is that "
    "lower bound). Counting is bounded so that the bulk tables page fast.",
)


class ColumnOut(BaseModel):
    name: str = Field(examples=["timeframe"])
    kind: Literal["integer", "number", "boolean", "text"] = Field(examples=["text"])
    primary_key: bool = Field(examples=[True])


class TableOut(BaseModel):
    name: str = Field(examples=["candles"])
    rows: int = Field(examples=[593829], description="Rows in the table (see `count`).")
    count: Literal["exact", "estimate", "at_least"] = CountKindField
    columns: list[ColumnOut] = Field(description="The columns served, in table order.")
    hidden_columns: int = Field(
        examples=[0], description="Columns never served: they may hold keys, tokens or error "
        "texts from providers.",
    )  # fmt: skip


class DatabaseTables(BaseModel):
    backend: str = Field(examples=["sqlite"])
    count_cap: int = Field(examples=[COUNT_CAP], description="Rows counted at most per table.")
    tables: list[TableOut] = Field(description="By name.")


Scalar = str | int | float | bool | None


class TableRows(BaseModel):
    """A page of rows: ``{items, total, limit, offset}`` like every list, plus the columns."""

    table: str = Field(examples=["candles"])
    columns: list[ColumnOut]
    order_by: list[str] = Field(examples=[["instrument_id", "timeframe", "ts"]],
                                description="The primary key the rows are ordered by.")  # fmt: skip
    items: list[dict[str, Scalar]] = Field(
        examples=[[{"instrument_id": 1, "timeframe": "1h", "ts": 1704067200000, "open": 42283.5}]],
        description="Column name to value; text longer than 500 characters is cut.",
    )
    total: int = Field(examples=[100000], description="Rows matching the filters (see `count`).")
    count: Literal["exact", "estimate", "at_least"] = CountKindField
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


def _column(column: ColumnInfo) -> ColumnOut:
    return ColumnOut(name=column.name, kind=column.kind, primary_key=column.primary_key)


def _count(count: RowCount) -> tuple[int, Literal["exact", "estimate", "at_least"]]:
    return count.rows, count.kind


@router.get("/tables", response_model=DatabaseTables, summary="The tables and their row counts")
def tables(context: Annotated[AppContext, Depends(context_of)]) -> DatabaseTables:
    found = DatabaseBrowser(context.engine).tables()
    return DatabaseTables(
        backend=context.engine.dialect.name, count_cap=COUNT_CAP,
        tables=[
            TableOut(
                name=item.name, rows=item.count.rows, count=item.count.kind,
                columns=[_column(c) for c in item.columns], hidden_columns=item.hidden_columns,
            )
            for item in found
        ],
    )  # fmt: skip


@router.get(
    "/tables/{table}/rows",
    response_model=TableRows,
    summary="A page of a table's rows, filtered per column",
    description="Ordered by the primary key. Each `filter` is `column:eq:value` (equal) or "
    "`column:contains:value` (the value, as text, contains it; case-insensitive); all must "
    "match. A column that is not served cannot be filtered on.",
)
def table_rows(
    context: Annotated[AppContext, Depends(context_of)],
    table: Annotated[str, Path(max_length=64, description="A table name.", examples=["candles"])],
    at: Annotated[Window, Depends(window)],
    filter_texts: Annotated[
        list[str] | None,
        Query(
            alias="filter",
            max_length=MAX_FILTERS,
            description="`column:eq:value` or `column:contains:value`; repeat for several.",
            examples=[["timeframe:eq:1h"]],
        ),
    ] = None,
    order: Annotated[
        Literal["asc", "desc"], Query(description="Primary key order: oldest or newest first.")
    ] = "asc",
) -> TableRows:
    filters = [parse_filter(item) for item in filter_texts or []]
    found = DatabaseBrowser(context.engine).rows(
        table, filters, at.limit, at.offset, descending=order == "desc"
    )
    total, kind = _count(found.count)
    return TableRows(
        table=found.table, columns=[_column(c) for c in found.columns], order_by=found.order_by,
        items=found.rows, total=total, count=kind, limit=at.limit, offset=at.offset,
    )  # fmt: skip
