"""Derivatives statistics: the stored open interest history and long/short account ratios of a
perpetual, per period, oldest first. Same conventions as the other market reads
(``routes/market.py``): an unknown symbol is a 404 naming the stored ones, an unknown period a
400 naming the accepted ones, a range without data an empty list, ``[start, end)`` half-open."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from alpha_arena.api.errors import ERROR_RESPONSES
from alpha_arena.api.pagination import TimeRange, time_range
from alpha_arena.api.routes.market import (
    DEFAULT_EXCHANGE,
    MAX_BARS,
    ExchangeQuery,
    SymbolQuery,
    inclusive_bounds,
)
from alpha_arena.api.security import require_reader
from alpha_arena.api.state import context_of
from alpha_arena.core.time import timeframe_ms, to_iso
from alpha_arena.services.context import AppContext

router = APIRouter(prefix="/market", tags=["market"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader)])  # fmt: skip

PeriodQuery = Annotated[
    str,
    Query(
        max_length=8, examples=["1h"],
        description="How often the exchange measured: Binance 5m to 1d, OKX 5m, 1h or 1d "
        "(the periods `arena data ingest --timeframes` stored).",
    ),
]  # fmt: skip
LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_BARS, description="The most rows to return (the newest).")
]


class OpenInterestReading(BaseModel):
    ts: int = Field(examples=[1717200000000], description="When measured, epoch ms (UTC).")
    time: str = Field(examples=["2024-06-01T00:00:00Z"])
    amount: float | None = Field(examples=[81234.567], description="In base currency.")
    value: float | None = Field(examples=[3.41e9], description="In quote currency.")


class OpenInterestSeries(BaseModel):
    exchange: str = Field(examples=["binance"])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    period: str = Field(examples=["1h"])
    limit: int = Field(examples=[1000])
    truncated: bool = Field(
        examples=[False], description="True when older readings of the range were left out."
    )
    readings: list[OpenInterestReading] = Field(description="Oldest first.")


class LongShortRatio(BaseModel):
    ts: int = Field(examples=[1717200000000], description="When measured, epoch ms (UTC).")
    time: str = Field(examples=["2024-06-01T00:00:00Z"])
    ratio: float = Field(examples=[0.8868], description="Accounts long per account short.")
    long_share: float | None = Field(
        examples=[0.47], description="Share of accounts long; null where only the ratio is "
        "published (OKX).",
    )  # fmt: skip
    short_share: float | None = Field(examples=[0.53], description="Share of accounts short.")


class LongShortSeries(BaseModel):
    exchange: str = Field(examples=["binance"])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    period: str = Field(examples=["1h"])
    limit: int = Field(examples=[1000])
    truncated: bool = Field(
        examples=[False], description="True when older ratios of the range were left out."
    )
    ratios: list[LongShortRatio] = Field(description="Oldest first.")


@router.get(
    "/open-interest",
    response_model=OpenInterestSeries,
    summary="Open interest history of a perpetual, oldest first",
    description=f"The newest `limit` (at most {MAX_BARS}) readings measured in `[start, end)`.",
)
def open_interest(
    context: Annotated[AppContext, Depends(context_of)],
    symbol: SymbolQuery,
    window: Annotated[TimeRange, Depends(time_range)],
    period: PeriodQuery = "1h",
    exchange: ExchangeQuery = DEFAULT_EXCHANGE,
    limit: LimitQuery = 1000,
) -> OpenInterestSeries:
    start, end = inclusive_bounds(window)
    timeframe_ms(period)  # an unknown period is a 400 before storage is asked
    rows = context.derivatives.read_open_interest_history(
        exchange, symbol, period, start, end, limit + 1
    )
    truncated = len(rows) > limit
    kept = rows[len(rows) - limit :] if truncated else rows
    return OpenInterestSeries(
        exchange=exchange, symbol=symbol, period=period, limit=limit, truncated=truncated,
        readings=[
            OpenInterestReading(ts=row.ts, time=to_iso(row.ts), amount=row.amount, value=row.value)
            for row in kept
        ],
    )  # fmt: skip


@router.get(
    "/long-short-ratio",
    response_model=LongShortSeries,
    summary="Long/short account ratio history of a perpetual, oldest first",
    description=f"The newest `limit` (at most {MAX_BARS}) ratios measured in `[start, end)`.",
)
def long_short_ratio(
    context: Annotated[AppContext, Depends(context_of)],
    symbol: SymbolQuery,
    window: Annotated[TimeRange, Depends(time_range)],
    period: PeriodQuery = "1h",
    exchange: ExchangeQuery = DEFAULT_EXCHANGE,
    limit: LimitQuery = 1000,
) -> LongShortSeries:
    start, end = inclusive_bounds(window)
    timeframe_ms(period)
    rows = context.derivatives.read_long_short_ratios(
        exchange, symbol, period, start, end, limit + 1
    )
    truncated = len(rows) > limit
    kept = rows[len(rows) - limit :] if truncated else rows
    return LongShortSeries(
        exchange=exchange, symbol=symbol, period=period, limit=limit, truncated=truncated,
        ratios=[
            LongShortRatio(ts=row.ts, time=to_iso(row.ts), ratio=row.ratio,
                           long_share=row.long_share, short_share=row.short_share)
            for row in kept
        ],
    )  # fmt: skip
