"""The market a season runs on: every symbol's closed bars of the season window (plus warm-up
bars before it for the rule strategies), as the engine's feed and as strategy input."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alpha_arena.backtest.run import funding_per_bar
from alpha_arena.core.errors import NotFoundError
from alpha_arena.core.time import timeframe_ms, to_iso
from alpha_arena.domain.instrument import Instrument
from alpha_arena.domain.market import Candles, FundingRates
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.marketdata.service import DataService
from alpha_arena.strategies.base import StrategyInput


@dataclass(frozen=True, slots=True)
class SeasonMarket:
    feed: ReplayFeed
    inputs: dict[str, StrategyInput]  # warm-up bars, then the season's bars
    offsets: dict[str, int]  # warm-up bars before each symbol's first season bar
    instruments: dict[str, Instrument]


def load_season_market(
    data: DataService,
    instruments: Mapping[str, Instrument],
    symbols: Sequence[str],
    timeframe: str,
    start: int,
    until: int,
    warmup: int,
) -> SeasonMarket:
    """Bars opening in [start, until - one bar], i.e. closed by ``until``."""
    step = timeframe_ms(timeframe)
    unknown = [symbol for symbol in symbols if symbol not in instruments]
    if unknown:
        raise NotFoundError(
            f"no instrument {', '.join(unknown)} on {data.exchange}; known: "
            + ", ".join(sorted(instruments))
        )
    inputs: dict[str, StrategyInput] = {}
    offsets: dict[str, int] = {}
    window: dict[str, Candles] = {}
    funding: dict[str, FundingRates] = {}
    for symbol in symbols:
        candles = data.candles(symbol, timeframe, start - warmup * step, until - step)
        first = int(np.searchsorted(candles.ts, start))
        if first == len(candles):
            raise NotFoundError(
                f"no {timeframe} candles of {symbol} between {to_iso(start)} and {to_iso(until)}"
            )
        rates = data.funding(symbol, int(candles.ts[0]), until)
        inputs[symbol] = StrategyInput(
            symbol, timeframe, candles, funding_per_bar(candles, rates, step)
        )
        offsets[symbol] = first
        window[symbol] = candles.slice(first, len(candles))
        funding[symbol] = rates
    return SeasonMarket(
        ReplayFeed(timeframe, window, funding),
        inputs,
        offsets,
        {symbol: instruments[symbol] for symbol in symbols},
    )
