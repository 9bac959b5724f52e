"""Repair gaps from the exchange the data came from (or CoinGecko): the wiring of
``repair_gaps``."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack

from alpha_arena.core.clock import Clock
from alpha_arena.core.settings import Settings
from alpha_arena.domain.market import Candles
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import MarketClient, open_market_source
from alpha_arena.services.integrity import GapSource, RepairResult, repair_gaps

#: Venues whose perpetuals have a CCXT client of their own (it loads only those markets).
_PERPETUALS_CLIENT = {"binance": "binanceusdm"}


class VenueGapSource:
    """A venue's CCXT clients seen as one GapSource: closed candles of a range, as of now."""

    def __init__(self, venue: str, settings: Settings, clock: Clock, stack: ExitStack) -> None:
        self.name = venue
        self._settings = settings
        self._clock = clock
        self._stack = stack
        self._clients: dict[str, MarketClient] = {}

    def _client(self, symbol: str) -> MarketClient:
        is_perpetual = ":" in symbol
        exchange = _PERPETUALS_CLIENT.get(self.name, self.name) if is_perpetual else self.name
        if exchange not in self._clients:
            source = open_market_source(self._settings, exchange)
            self._stack.callback(source.close)
            self._clients[exchange] = source
        return self._clients[exchange]

    def fetch_candle_range(self, symbol: str, timeframe: str, ts_from: int, ts_to: int) -> Candles:
        return self._client(symbol).fetch_candle_range(
            symbol, timeframe, ts_from, ts_to, self._clock.now_ms()
        )


def repair_from_exchanges(
    context: AppContext,
    exchange: str | None = None,
    symbols: Sequence[str] | None = None,
    timeframes: Sequence[str] | None = None,
) -> list[RepairResult]:
    """Refetch the open gaps of the selected series from their exchanges."""
    with ExitStack() as stack:

        def open_gap_source(venue: str) -> GapSource:
            return VenueGapSource(venue, context.settings, context.clock, stack)

        return repair_gaps(context, open_gap_source, exchange, symbols, timeframes)
