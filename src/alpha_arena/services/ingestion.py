"""Use cases over exchange market data: ingest into the database, fetch a candle range.

This is where settings become an exchange client and the stores are plugged into the ingestor."""

from __future__ import annotations

from collections.abc import Sequence

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import DAY_MS
from alpha_arena.domain.market import Candles
from alpha_arena.marketdata.derivatives import DerivativesIngestor
from alpha_arena.marketdata.ingestion import IngestionReport, Ingestor, ProgressCallback
from alpha_arena.marketdata.sources.ccxt_source import (
    SUPPORTED_EXCHANGES,
    CcxtSource,
    ExchangeConfig,
)
from alpha_arena.marketdata.sources.coingecko import CoinGeckoSource, parse_coin_ids
from alpha_arena.marketdata.sources.coingecko_http import NAME as COINGECKO
from alpha_arena.marketdata.sources.coingecko_http import CoinGeckoConfig
from alpha_arena.services.context import AppContext
from alpha_arena.storage.ingestion_runs import RowCounts

#: Where a first ingestion starts when no ``since`` is given.
DEFAULT_LOOKBACK_MS = 30 * DAY_MS
#: Every source ``ingest`` reads from: the CCXT exchanges, and CoinGecko's price history.
SUPPORTED_SOURCES = (*SUPPORTED_EXCHANGES, COINGECKO)
#: An open market-data client of either kind (each a context manager).
MarketClient = CcxtSource | CoinGeckoSource


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


def coingecko_config(settings: Settings) -> CoinGeckoConfig:
    """Build the CoinGecko client configuration from the settings."""
    key = settings.coingecko_api_key
    return CoinGeckoConfig(
        base_url=settings.coingecko_base_url,
        api_key=key.get_secret_value() if key is not None else None,
        key_type=settings.coingecko_key_type,
        timeout_s=settings.exchange_timeout_s,
        max_retries=settings.coingecko_max_retries,
        retry_base_s=settings.exchange_retry_base_s,
        calls_per_minute=settings.coingecko_calls_per_minute,
    )


def open_coingecko(settings: Settings) -> CoinGeckoSource:
    """Return a CoinGecko client (with the coins the settings add); close it when done."""
    return CoinGeckoSource(coingecko_config(settings), parse_coin_ids(settings.coingecko_coins))


def open_market_source(settings: Settings, name: str) -> MarketClient:
    """Return a client for ``name``: an exchange through CCXT, or CoinGecko. Raise
    InvalidInputError naming every supported source for any other name."""
    source = name.strip().lower()
    if source == COINGECKO:
        return open_coingecko(settings)
    if source not in SUPPORTED_EXCHANGES:
        raise InvalidInputError(
            f"unknown exchange {name!r}; accepted: {', '.join(SUPPORTED_SOURCES)}"
        )
    return open_source(settings, source)


def ingest(
    context: AppContext,
    exchange: str,
    symbols: Sequence[str],
    timeframes: Sequence[str],
    since: int | None = None,
    backfill: bool = False,
    progress: ProgressCallback | None = None,
    source: MarketClient | None = None,
) -> IngestionReport:
    """Download candles, funding history, prices, open interest and (where the exchange
    publishes them, at each of ``timeframes`` it offers) open interest history and long/short
    account ratios of ``symbols`` from ``exchange`` into the database, from the newest stored
    candle on (or from ``since``, epoch ms, when nothing is stored, when it is later, or with
    ``backfill``). Without ``since``, a first ingestion starts DEFAULT_LOOKBACK_MS ago.
    ``source``: an open client of ``exchange`` to use (a season following the market keeps
    one), else one is opened."""
    ts_since = since if since is not None else context.clock.now_ms() - DEFAULT_LOOKBACK_MS
    if source is None:
        with open_market_source(context.settings, exchange) as opened:
            return ingest(context, exchange, symbols, timeframes, ts_since, backfill, progress,
                          opened)  # fmt: skip
    # CoinGecko publishes no derivatives statistics: only exchanges' clients have them.
    derivatives = (
        DerivativesIngestor(source.statistics(), context.derivatives, source.venue)
        if isinstance(source, CcxtSource)
        else None
    )
    ingestor = Ingestor(source, context.market, context.runs, RowCounts, context.clock, derivatives)
    return ingestor.run(symbols, timeframes, ts_since, backfill, progress)


def fetch_candles(
    context: AppContext, exchange: str, symbol: str, timeframe: str, ts_from: int, ts_to: int
) -> Candles:
    """Fetch the closed candles with ``ts_from <= open time <= ts_to`` from ``exchange``
    (validated, not stored): what a repair needs to refill a gap."""
    with open_market_source(context.settings, exchange) as source:
        return source.fetch_candle_range(symbol, timeframe, ts_from, ts_to, context.clock.now_ms())
