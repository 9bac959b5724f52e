"""Use cases over exchange market data: ingest into the database, fetch a candle range.

This is where settings become an exchange client and the stores are plugged into the ingestor."""

from __future__ import annotations

from collections.abc import Sequence

from alpha_arena.core.settings import Settings
from alpha_arena.core.time import DAY_MS
from alpha_arena.domain.market import Candles
from alpha_arena.marketdata.ingestion import IngestionReport, Ingestor, ProgressCallback
from alpha_arena.marketdata.sources.ccxt_source import CcxtSource, ExchangeConfig
from alpha_arena.services.context import AppContext
from alpha_arena.storage.ingestion_runs import RowCounts

#: Where a first ingestion starts when no ``since`` is given.
DEFAULT_LOOKBACK_MS = 30 * DAY_MS


def exchange_config(settings: Settings, exchange: str) -> ExchangeConfig:
    """Build the client configuration of ``exchange`` from the settings."""
    return ExchangeConfig(
        exchange=exchange.strip().lower(),
        base_url=settings.exchange_base_url,
        timeout_s=settings.exchange_timeout_s,
        max_retries=settings.exchange_max_retries,
        retry_base_s=settings.exchange_retry_base_s,
        rate_limit_ms=settings.exchange_rate_limit_ms,
    )


def open_source(settings: Settings, exchange: str) -> CcxtSource:
    """Return a market-data client for ``exchange``; close it when done (it is a context
    manager). Raise InvalidInputError for an exchange that is not supported."""
    return CcxtSource(exchange_config(settings, exchange))


def ingest(
    context: AppContext,
    exchange: str,
    symbols: Sequence[str],
    timeframes: Sequence[str],
    since: int | None = None,
    backfill: bool = False,
    progress: ProgressCallback | None = None,
    source: CcxtSource | None = None,
) -> IngestionReport:
    """Download candles, funding history, prices and open interest of ``symbols`` from
    ``exchange`` into the database, from the newest stored candle on (or from ``since``, epoch
    ms, when nothing is stored, when it is later, or with ``backfill``). Without ``since``, a
    first ingestion starts DEFAULT_LOOKBACK_MS ago. ``source``: an open client of
    ``exchange`` to use (a season following the market keeps one), else one is opened."""
    ts_since = since if since is not None else context.clock.now_ms() - DEFAULT_LOOKBACK_MS
    if source is None:
        with open_source(context.settings, exchange) as opened:
            return ingest(context, exchange, symbols, timeframes, ts_since, backfill, progress,
                          opened)  # fmt: skip
    ingestor = Ingestor(source, context.market, context.runs, RowCounts, context.clock)
    return ingestor.run(symbols, timeframes, ts_since, backfill, progress)


def fetch_candles(
    context: AppContext, exchange: str, symbol: str, timeframe: str, ts_from: int, ts_to: int
) -> Candles:
    """Fetch the closed candles with ``ts_from <= open time <= ts_to`` from ``exchange``
    (validated, not stored): what a repair needs to refill a gap."""
    with open_source(context.settings, exchange) as source:
        return source.fetch_candle_range(symbol, timeframe, ts_from, ts_to, context.clock.now_ms())
