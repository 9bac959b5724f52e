"""Market data: instruments, candles, funding and latest prices, read through the DataService.

Every read names an exchange (default ``binance``, the venue of the bundled sample) and a CCXT
unified symbol. An unknown symbol is a 404 naming the stored ones, an unknown timeframe a 400
naming the accepted ones; a range without data is an empty list. Time ranges are half-open:
``start`` included, ``end`` excluded."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from alpha_arena.api.errors import ERROR_RESPONSES
from alpha_arena.api.pagination import Page, TimeRange, Window, page, time_range, window
from alpha_arena.api.security import require_reader
from alpha_arena.api.state import context_of
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import SUPPORTED_TIMEFRAMES, parse_ts, timeframe_ms, to_iso
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.context import AppContext

router = APIRouter(prefix="/market", tags=["market"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader)])  # fmt: skip

#: CCXT unified symbols (``BTC/USDT:USDT``, ``BTC/USDT``); anything else never reaches storage.
SYMBOL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9/:._-]*$"
EXCHANGE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
_SYMBOL = re.compile(SYMBOL_PATTERN)
MAX_BARS = 5_000
MAX_SYMBOLS = 50
DEFAULT_EXCHANGE = "binance"
_TIMEFRAMES = ", ".join(SUPPORTED_TIMEFRAMES)

SymbolQuery = Annotated[
    str,
    Query(
        min_length=1, max_length=64, pattern=SYMBOL_PATTERN,
        description="CCXT unified symbol: `BTC/USDT:USDT` (perpetual) or `BTC/USDT` (spot).",
        examples=["BTC/USDT:USDT"],
    ),
]  # fmt: skip
ExchangeQuery = Annotated[
    str,
    Query(
        min_length=1, max_length=32, pattern=EXCHANGE_PATTERN,
        description="The exchange the data is stored under.", examples=["binance"],
    ),
]  # fmt: skip
TimeframeQuery = Annotated[
    str,
    Query(
        max_length=8, description=f"Bar length, one of {_TIMEFRAMES}; longer bars than the "
        "stored ones are resampled.", examples=["1h"],
    ),
]  # fmt: skip


class Instrument(BaseModel):
    exchange: str = Field(examples=["binance"])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    market_type: str = Field(examples=["swap"], description="`swap` (perpetual) or `spot`.")
    base: str = Field(examples=["BTC"])
    quote: str = Field(examples=["USDT"])
    settle: str | None = Field(examples=["USDT"], description="None for spot.")
    price_tick: float = Field(examples=[0.1])
    amount_step: float = Field(examples=[0.001])
    min_amount: float = Field(examples=[0.001])
    min_notional: float = Field(examples=[100.0])
    max_leverage: float = Field(examples=[125.0])
    maker_fee: float = Field(examples=[0.0002])
    taker_fee: float = Field(examples=[0.0005])
    maintenance_margin_rate: float = Field(examples=[0.004])
    contract_size: float = Field(examples=[1.0])


class Candle(BaseModel):
    ts: int = Field(examples=[1717200000000], description="Open time, epoch ms (UTC).")
    time: str = Field(examples=["2024-06-01T00:00:00Z"], description="Open time, ISO-8601.")
    open: float = Field(examples=[67472.4])
    high: float = Field(examples=[67680.0])
    low: float = Field(examples=[67412.2])
    close: float = Field(examples=[67530.1])
    volume: float = Field(examples=[2811.457], description="In base currency.")


class CandleSeries(BaseModel):
    exchange: str = Field(examples=["binance"])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    timeframe: str = Field(examples=["1h"])
    limit: int = Field(examples=[1000], description="The most bars asked for.")
    truncated: bool = Field(
        examples=[False], description="True when older bars of the range were left out."
    )
    candles: list[Candle] = Field(description="Oldest first.")


class FundingRate(BaseModel):
    ts: int = Field(examples=[1717200000000], description="Settlement time, epoch ms (UTC).")
    time: str = Field(examples=["2024-06-01T00:00:00Z"])
    rate: float = Field(examples=[0.0001], description="Per interval, as a fraction.")


class FundingSeries(BaseModel):
    exchange: str = Field(examples=["binance"])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    limit: int = Field(examples=[1000])
    truncated: bool = Field(
        examples=[False], description="True when older settlements of the range were left out."
    )
    rates: list[FundingRate] = Field(description="Oldest first.")


class Price(BaseModel):
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    ts: int = Field(examples=[1717200000000], description="When the price was known, epoch ms.")
    time: str = Field(examples=["2024-06-01T00:00:00Z"])
    last: float | None = Field(examples=[67530.1])
    mark: float | None = Field(default=None, examples=[67531.0])
    index: float | None = Field(default=None, examples=[67525.4])
    bid: float | None = Field(default=None, examples=[67530.0])
    ask: float | None = Field(default=None, examples=[67530.1])


class Prices(BaseModel):
    exchange: str = Field(examples=["binance"])
    at: int = Field(examples=[1717200000000], description="As of this time, epoch ms.")
    at_time: str = Field(examples=["2024-06-01T00:00:00Z"])
    prices: list[Price] = Field(description="One per symbol with a known price, as asked.")
    missing: list[str] = Field(
        examples=[[]], description="Symbols with no price known by `at` (no data before it)."
    )


def inclusive_bounds(window: TimeRange) -> tuple[int | None, int | None]:
    """``[start, end)`` as the inclusive bounds the storage reads take; refuse start > end."""
    if window.start is not None and window.end is not None and window.start > window.end:
        raise InvalidInputError(f"start {to_iso(window.start)} is after end {to_iso(window.end)}")
    return window.start, None if window.end is None else window.end - 1


def symbol_list(text: str, limit: int = MAX_SYMBOLS) -> list[str]:
    """Comma-separated symbols: unique, in the order given, at most ``limit``, well formed."""
    symbols = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not symbols:
        raise InvalidInputError("name at least one symbol, e.g. BTC/USDT:USDT")
    if len(symbols) > limit:
        raise InvalidInputError(f"at most {limit} symbols at once, not {len(symbols)}")
    for symbol in symbols:
        if len(symbol) > 64 or not _SYMBOL.match(symbol):
            raise InvalidInputError(
                f"cannot read symbol {symbol[:64]!r}; use the CCXT form BTC/USDT:USDT or BTC/USDT"
            )
    return symbols


@router.get(
    "/instruments", response_model=Page[Instrument], summary="Stored instruments and their specs"
)
def instruments(
    context: Annotated[AppContext, Depends(context_of)],
    at: Annotated[Window, Depends(window)],
    exchange: Annotated[
        str | None,
        Query(
            max_length=32,
            pattern=EXCHANGE_PATTERN,
            description="Only this exchange's.",
            examples=["binance"],
        ),
    ] = None,
) -> Page[Instrument]:
    found = [
        Instrument(
            exchange=item.exchange,
            symbol=item.symbol,
            market_type=item.market_type.value,
            base=item.base,
            quote=item.quote,
            settle=item.settle,
            price_tick=item.price_tick,
            amount_step=item.amount_step,
            min_amount=item.min_amount,
            min_notional=item.min_notional,
            max_leverage=item.max_leverage,
            maker_fee=item.maker_fee,
            taker_fee=item.taker_fee,
            maintenance_margin_rate=item.maintenance_margin_rate,
            contract_size=item.contract_size,
        )
        for item in context.market.instruments(exchange)
    ]
    return page(found, at)


@router.get(
    "/candles",
    response_model=CandleSeries,
    summary="OHLCV bars of a range, oldest first",
    description=f"The newest `limit` (at most {MAX_BARS}) bars opened in `[start, end)`; page "
    "back in time by passing the first bar's time as the next `end`.",
)
def candles(
    context: Annotated[AppContext, Depends(context_of)],
    symbol: SymbolQuery,
    window: Annotated[TimeRange, Depends(time_range)],
    timeframe: TimeframeQuery = "1h",
    exchange: ExchangeQuery = DEFAULT_EXCHANGE,
    limit: Annotated[
        int, Query(ge=1, le=MAX_BARS, description="The most bars to return (the newest).")
    ] = 1000,
) -> CandleSeries:
    start, end = inclusive_bounds(window)
    timeframe_ms(timeframe)  # an unknown timeframe is a 400 before storage is asked
    bars = DataService(context.market, exchange).candles(symbol, timeframe, start, end, limit + 1)
    truncated = len(bars) > limit
    if truncated:
        bars = bars.slice(len(bars) - limit, len(bars))
    rows = zip(
        bars.ts.tolist(), bars.open.tolist(), bars.high.tolist(), bars.low.tolist(),
        bars.close.tolist(), bars.volume.tolist(), strict=True,
    )  # fmt: skip
    return CandleSeries(
        exchange=exchange, symbol=symbol, timeframe=timeframe, limit=limit, truncated=truncated,
        candles=[
            Candle(ts=ts, time=to_iso(ts), open=o, high=h, low=lo, close=c, volume=v)
            for ts, o, h, lo, c, v in rows
        ],
    )  # fmt: skip


@router.get(
    "/funding",
    response_model=FundingSeries,
    summary="Funding settlements of a perpetual, oldest first",
    description=f"The newest `limit` (at most {MAX_BARS}) settlements stamped in `[start, end)`.",
)
def funding(
    context: Annotated[AppContext, Depends(context_of)],
    symbol: SymbolQuery,
    window: Annotated[TimeRange, Depends(time_range)],
    exchange: ExchangeQuery = DEFAULT_EXCHANGE,
    limit: Annotated[
        int, Query(ge=1, le=MAX_BARS, description="The most settlements to return (the newest).")
    ] = 1000,
) -> FundingSeries:
    start, end = inclusive_bounds(window)
    rates = DataService(context.market, exchange).funding(symbol, start, end)
    first = max(len(rates) - limit, 0)
    ts, rate = rates.ts[first:].tolist(), rates.rate[first:].tolist()
    return FundingSeries(
        exchange=exchange, symbol=symbol, limit=limit, truncated=first > 0,
        rates=[FundingRate(ts=t, time=to_iso(t), rate=r) for t, r in zip(ts, rate, strict=True)],
    )  # fmt: skip


@router.get(
    "/prices",
    response_model=Prices,
    summary="The latest price per symbol as of a time",
    description="A stored price snapshot, or else the close of the newest bar closed by `at` "
    "(stamped at its close time), whichever is newer.",
)
def prices(
    context: Annotated[AppContext, Depends(context_of)],
    symbols: Annotated[
        str,
        Query(
            max_length=4_000,
            description=f"Comma-separated symbols, at most {MAX_SYMBOLS}.",
            examples=["BTC/USDT:USDT,ETH/USDT:USDT"],
        ),
    ],
    at: Annotated[
        str | None, Query(description="As of this time (ISO-8601 UTC); default now.")
    ] = None,
    exchange: ExchangeQuery = DEFAULT_EXCHANGE,
    timeframe: TimeframeQuery = "1h",
) -> Prices:
    wanted = symbol_list(symbols)
    as_of = context.clock.now_ms() if at is None else parse_ts(at)
    timeframe_ms(timeframe)
    known = DataService(context.market, exchange).latest_prices(wanted, as_of, timeframe)
    return Prices(
        exchange=exchange, at=as_of, at_time=to_iso(as_of),
        prices=[
            Price(
                symbol=symbol, ts=item.ts, time=to_iso(item.ts), last=item.last, mark=item.mark,
                index=item.index, bid=item.bid, ask=item.ask,
            )
            for symbol in wanted
            if (item := known.get(symbol)) is not None
        ],
        missing=[symbol for symbol in wanted if symbol not in known],
    )  # fmt: skip
