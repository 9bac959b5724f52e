"""DataService: the only read path for market data.

Everything above storage (strategies, agents, the engine, the API) reads market data here.
As-of reads enforce the rule that makes backtests honest: a candle keyed by its open time ``ts``
is only known once it has closed, at ``ts + timeframe``; a snapshot as of T therefore holds bars
with ``ts + timeframe <= T`` and funding, prices and open interest stamped ``<= T``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from alpha_arena.core.errors import NotFoundError
from alpha_arena.core.time import DAY_MS, timeframe_ms
from alpha_arena.domain.market import (
    Candles,
    FundingRates,
    MarketSnapshot,
    OpenInterest,
    OpenInterestReading,
    PriceSnapshot,
)
from alpha_arena.marketdata.resample import can_resample, resample

#: The window open interest's change is shown over.
OPEN_INTEREST_WINDOW_MS = DAY_MS


class MarketReader(Protocol):
    """What the DataService needs from storage (MarketStore provides it)."""

    def read_candles(
        self,
        exchange: str,
        symbol: str,
        timeframe: str,
        ts_from: int | None = None,
        ts_to: int | None = None,
        last: int | None = None,
    ) -> Candles: ...

    def read_funding(
        self,
        exchange: str,
        symbol: str,
        ts_from: int | None = None,
        ts_to: int | None = None,
        last: int | None = None,
    ) -> FundingRates: ...

    def latest_price(self, exchange: str, symbol: str, as_of: int) -> PriceSnapshot | None: ...

    def latest_open_interest(
        self, exchange: str, symbol: str, as_of: int
    ) -> OpenInterest | None: ...

    def open_interest_reading(
        self, exchange: str, symbol: str, as_of: int, window_ms: int
    ) -> OpenInterestReading | None: ...

    def stored_timeframes(self, exchange: str, symbol: str) -> list[str]: ...


class DataService:
    """Market data of one exchange, as numpy columns or DataFrames."""

    def __init__(self, reader: MarketReader, exchange: str) -> None:
        self._reader = reader
        self.exchange = exchange

    def _source_timeframe(self, symbol: str, timeframe: str) -> str:
        """Return the stored timeframe to read: the one asked for, or the longest stored one
        that resamples into it."""
        timeframe_ms(timeframe)  # validates
        stored = self._reader.stored_timeframes(self.exchange, symbol)
        if timeframe in stored:
            return timeframe
        usable = [tf for tf in stored if can_resample(tf, timeframe)]
        if not usable:
            have = ", ".join(stored) or "none"
            raise NotFoundError(
                f"no {timeframe} candles for {symbol} on {self.exchange} "
                f"and none to resample from (stored: {have})"
            )
        return max(usable, key=timeframe_ms)

    def candles(
        self,
        symbol: str,
        timeframe: str,
        start: int | None = None,
        end: int | None = None,
        last: int | None = None,
    ) -> Candles:
        """Candles opened in ``[start, end]`` (either bound optional), oldest first; with
        ``last``, only the newest ``last``. Longer timeframes are resampled when not stored."""
        source = self._source_timeframe(symbol, timeframe)
        if source == timeframe:
            return self._reader.read_candles(self.exchange, symbol, timeframe, start, end, last)
        step = timeframe_ms(timeframe)
        # Widen to whole target buckets, so the first and last bars are not cut short.
        source_from = None if start is None else start - start % step
        source_to = None if end is None else end - end % step + step - 1
        if last is not None and start is None:
            source_last = (last + 1) * (step // timeframe_ms(source))
            raw = self._reader.read_candles(
                self.exchange, symbol, source, None, source_to, source_last
            )
        else:
            raw = self._reader.read_candles(self.exchange, symbol, source, source_from, source_to)
        bars = _between(resample(raw, source, timeframe), start, end)
        if last is not None:
            bars = bars.slice(max(len(bars) - last, 0), len(bars))
        return bars

    def candles_frame(
        self,
        symbol: str,
        timeframe: str,
        start: int | None = None,
        end: int | None = None,
        last: int | None = None,
    ) -> pd.DataFrame:
        return self.candles(symbol, timeframe, start, end, last).to_frame()

    def closed_candles(self, symbol: str, timeframe: str, as_of: int, last: int) -> Candles:
        """The newest ``last`` candles that had closed by ``as_of``."""
        step = timeframe_ms(timeframe)
        # The bar opened at as_of - step closes exactly at as_of; later ones are unfinished.
        latest_open = as_of - step
        return self.candles(symbol, timeframe, end=latest_open, last=last)

    def funding(
        self, symbol: str, start: int | None = None, end: int | None = None
    ) -> FundingRates:
        return self._reader.read_funding(self.exchange, symbol, start, end)

    def latest_funding(self, symbol: str, as_of: int) -> tuple[int, float] | None:
        """The newest funding settlement at or before ``as_of``: (ts, rate)."""
        funding = self._reader.read_funding(self.exchange, symbol, None, as_of, last=1)
        if len(funding) == 0:
            return None
        return int(funding.ts[-1]), float(funding.rate[-1])

    def latest_prices(
        self, symbols: Sequence[str], as_of: int, timeframe: str = "1h"
    ) -> dict[str, PriceSnapshot]:
        """The newest known price per symbol at ``as_of``: a stored price snapshot, or else the
        close of the newest closed candle (stamped at its close time)."""
        prices: dict[str, PriceSnapshot] = {}
        for symbol in symbols:
            bars = self.closed_candles(symbol, timeframe, as_of, last=1)
            snapshot = self._latest_price(symbol, as_of, timeframe, bars)
            if snapshot is not None:
                prices[symbol] = snapshot
        return prices

    def _latest_price(
        self, symbol: str, as_of: int, timeframe: str, closed: Candles
    ) -> PriceSnapshot | None:
        """The newer of the stored price snapshot and the last closed bar's close."""
        snapshot = self._reader.latest_price(self.exchange, symbol, as_of)
        if len(closed) == 0:
            return snapshot
        close_ts = int(closed.ts[-1]) + timeframe_ms(timeframe)
        if snapshot is not None and snapshot.ts >= close_ts:
            return snapshot
        return PriceSnapshot(symbol, close_ts, float(closed.close[-1]))

    def latest_open_interest(self, symbol: str, as_of: int) -> OpenInterest | None:
        """The newest open-interest reading stamped at or before ``as_of``."""
        return self._reader.latest_open_interest(self.exchange, symbol, as_of)

    def open_interest_at(
        self, symbol: str, as_of: int, window_ms: int = OPEN_INTEREST_WINDOW_MS
    ) -> OpenInterestReading | None:
        """Open interest known at ``as_of`` from the stored history (readings stamped at or
        before it) with its change over ``window_ms``; else the newest stored snapshot, with no
        change (``window_ms`` 0); None when neither is stored."""
        reading = self._reader.open_interest_reading(self.exchange, symbol, as_of, window_ms)
        if reading is not None:
            return reading
        snapshot = self._reader.latest_open_interest(self.exchange, symbol, as_of)
        if snapshot is None:
            return None
        return OpenInterestReading(snapshot.ts, snapshot.amount, snapshot.value, None, 0)

    def snapshot(
        self, symbol: str, as_of: int, timeframe: str = "1h", lookback: int = 100
    ) -> MarketSnapshot:
        """Everything known about ``symbol`` at ``as_of``; nothing stamped later can be in it."""
        candles = self.closed_candles(symbol, timeframe, as_of, lookback)
        funding = self.latest_funding(symbol, as_of)
        price = self._latest_price(symbol, as_of, timeframe, candles)
        return MarketSnapshot(
            symbol=symbol,
            ts=as_of,
            candles=candles,
            funding_rate=None if funding is None else funding[1],
            ts_funding=None if funding is None else funding[0],
            price=price,
            open_interest=self._reader.latest_open_interest(self.exchange, symbol, as_of),
        )


def _between(candles: Candles, start: int | None, end: int | None) -> Candles:
    """Keep the bars opened in ``[start, end]``; bars are sorted, so this is a slice."""
    first = 0 if start is None else int(np.searchsorted(candles.ts, start, side="left"))
    stop = len(candles) if end is None else int(np.searchsorted(candles.ts, end, side="right"))
    return candles.slice(first, stop)
