"""Paginated lists: ``{"items", "total", "limit", "offset"}`` with bounded limits.

The query dependencies are coroutines only so that FastAPI runs them on the event loop (a plain
function would cost every request a trip through the thread pool); they do no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from alpha_arena.core.time import parse_ts

T = TypeVar("T")
MAX_LIMIT = 1_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(examples=[42], description="Items in the whole list, not this page.")
    limit: int = Field(examples=[100])
    offset: int = Field(examples=[0])


class Window(BaseModel):
    """Which slice of a list a request asked for."""

    limit: int
    offset: int


async def window(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
) -> Window:
    return Window(limit=limit, offset=offset)


def page(items: Sequence[T], at: Window) -> Page[T]:
    """One page of an already filtered, ordered list."""
    return Page(
        items=list(items[at.offset : at.offset + at.limit]),
        total=len(items),
        limit=at.limit,
        offset=at.offset,
    )


class TimeRange(BaseModel):
    start: int | None
    end: int | None

    def contains(self, ts: int) -> bool:
        return (self.start is None or ts >= self.start) and (self.end is None or ts < self.end)


async def time_range(
    start: Annotated[
        str | None, Query(description="From this time on (ISO-8601 UTC, e.g. 2025-01-01).")
    ] = None,
    end: Annotated[str | None, Query(description="Before this time (ISO-8601 UTC).")] = None,
) -> TimeRange:
    return TimeRange(
        start=None if start is None else parse_ts(start),
        end=None if end is None else parse_ts(end),
    )
