"""Market data from exchanges through CCXT's synchronous REST clients (public endpoints only).

This is the one place that talks to CCXT for market data: it pages candle and funding history,
keeps only closed candles, retries transient failures with exponential back-off, and turns every
CCXT exception into one of ours (``raise ... from``) with a one-line message. No API key is ever
given to the client, so none can leak into an error or a log line."""

from __future__ import annotations

import difflib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import ccxt
import numpy as np

from alpha_arena.core.errors import (
    DataIntegrityError,
    InvalidInputError,
    NotFoundError,
    SourceUnavailableError,
    TemporaryError,
)
from alpha_arena.core.time import SUPPORTED_TIMEFRAMES, floor_ts, timeframe_ms
from alpha_arena.domain.instrument import Instrument, MarketType
from alpha_arena.domain.market import Candles, FundingRates, OpenInterest, PriceSnapshot
from alpha_arena.marketdata.integrity import validate_candles, validate_funding
from alpha_arena.marketdata.ports import CandlePage, ListedInstrument
from alpha_arena.marketdata.sources.ccxt_statistics import TradingStatistics

logger = logging.getLogger(__name__)

T = TypeVar("T")

SUPPORTED_EXCHANGES = (
    "okx", "binance", "binanceusdm", "bitget", "bybit", "hyperliquid", "coinbase",
)  # fmt: skip

#: Used when the exchange's public market list does not say (Binance publishes leverage brackets
#: only to signed requests). 0.5% is the first maintenance tier of the large USDT perpetuals on
#: Binance, OKX and Bybit; 20x is a conservative cap well inside every venue's limit.
DEFAULT_MAINTENANCE_MARGIN_RATE = 0.005
DEFAULT_SWAP_MAX_LEVERAGE = 20.0


@dataclass(frozen=True, slots=True)
class _Paging:
    """How one exchange is paged; pages larger than the exchange allows only cost requests."""

    market_types: tuple[str, ...]  # CCXT fetchMarkets types: spot and linear swaps only
    candle_page: int
    funding_page: int
    funding_newest_first: bool = False  # OKX pages funding history backwards from the newest
    # Coinbase keeps its own choice of markets method in options["fetchMarkets"] (a string)
    # and lists spot in one call: passing market types there would switch it to another API.
    typed_market_list: bool = True
    # Coinbase's best bid/ask call is private; its public product book has the top of book.
    bid_ask_from_book: bool = False


_PAGING = {
    "okx": _Paging(("spot", "swap"), 300, 100, funding_newest_first=True),
    "binance": _Paging(("spot", "linear"), 1000, 1000),
    "binanceusdm": _Paging(("linear",), 1000, 1000),
    "bitget": _Paging(("spot", "swap"), 200, 100),
    "bybit": _Paging(("spot", "linear"), 1000, 200),
    # Hyperliquid's candleSnapshot answers at most 5,000 bars and keeps only the newest 5,000
    # (older windows come back empty, i.e. as a gap); fundingHistory (hourly) 500 per answer.
    # USDC-margined perpetuals only: its spot tokens are not traded here.
    "hyperliquid": _Paging(("swap",), 5000, 500),
    # Coinbase Advanced Trade's public candles answer at most 350 bars (CCXT asks for 300 at
    # most: start and end in seconds, granularity ONE_HOUR...). Spot only: no funding is asked.
    "coinbase": _Paging(("spot",), 300, 0, typed_market_list=False, bid_ask_from_book=True),
}
# Binance USDT-M is the same venue as Binance: unified symbols already tell spot from perpetual.
_STORED_AS = {"binanceusdm": "binance"}


@dataclass(frozen=True, slots=True)
class ExchangeConfig:
    """How to reach one exchange."""

    exchange: str
    base_url: str | None = None  # send every REST call to this host instead (mirror, proxy, test)
    timeout_s: float = 15.0
    max_retries: int = 5
    retry_base_s: float = 1.0  # first back-off delay; doubles on every retry
    rate_limit_ms: int | None = None  # minimum delay between requests; CCXT's default if None

    def __post_init__(self) -> None:
        if self.exchange not in SUPPORTED_EXCHANGES:
            raise InvalidInputError(
                f"unknown exchange {self.exchange!r}; accepted: {', '.join(SUPPORTED_EXCHANGES)}"
            )
        if self.base_url is not None and urlsplit(self.base_url).scheme not in ("http", "https"):
            raise InvalidInputError(
                f"exchange base URL {self.base_url!r} must start with http:// or https://"
            )
        if self.timeout_s <= 0 or self.max_retries < 0 or self.retry_base_s < 0:
            raise InvalidInputError("exchange timeout must be > 0, retries and back-off >= 0")


def rewrite_urls(urls: Any, base_url: str) -> Any:
    """Return CCXT's ``urls['api']`` with the scheme and host of every URL replaced by those of
    ``base_url`` (its path prefixed), keeping each URL's own path."""
    if isinstance(urls, dict):
        return {key: rewrite_urls(value, base_url) for key, value in urls.items()}
    if isinstance(urls, str):
        base = urlsplit(base_url)
        # Templates such as "https://api.{hostname}/v5" split fine: the template is the host.
        path = urlsplit(urls).path
        return f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}{path}"
    return urls


class CcxtSource:
    """Market data from one exchange. Close it (or use ``with``) to release its connections."""

    def __init__(self, config: ExchangeConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        self._config = config
        self._paging = _PAGING[config.exchange]
        self._sleep = sleep
        options: dict[str, Any] = {}
        if self._paging.typed_market_list:
            options["fetchMarkets"] = {"types": list(self._paging.market_types)}
        client_config: dict[str, Any] = {
            "timeout": int(config.timeout_s * 1000),
            "enableRateLimit": config.rate_limit_ms != 0,
            "options": options,
        }
        self._exchange = getattr(ccxt, config.exchange)(client_config)
        if config.rate_limit_ms:
            self._exchange.rateLimit = config.rate_limit_ms
        if config.base_url:
            self._exchange.urls["api"] = rewrite_urls(self._exchange.urls["api"], config.base_url)

    @property
    def name(self) -> str:
        """The exchange id, e.g. ``binanceusdm``."""
        return self._config.exchange

    @property
    def venue(self) -> str:
        """The exchange name data is stored under (``binanceusdm`` is stored as ``binance``)."""
        return _STORED_AS.get(self.name, self.name)

    def close(self) -> None:
        """Release the client's HTTP connections."""
        session = getattr(self._exchange, "session", None)
        if session is not None:
            session.close()

    def __enter__(self) -> CcxtSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- instruments -------------------------------------------------------------------------

    def load_instruments(self, symbols: Sequence[str]) -> list[ListedInstrument]:
        """Return the specs of ``symbols``; raise NotFoundError naming any the exchange lacks."""
        return [self._listing(self._market(symbol)) for symbol in symbols]

    def _markets(self) -> dict[str, Any]:
        markets: dict[str, Any] = self._call("loading markets", self._exchange.load_markets)
        return markets

    def _market(self, symbol: str) -> dict[str, Any]:
        markets = self._markets()
        if symbol not in markets:
            by_lower = {known.lower(): known for known in markets}
            close = [
                by_lower[match]
                for match in difflib.get_close_matches(symbol.lower(), by_lower, n=3, cutoff=0.6)
            ]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise NotFoundError(
                f"{self.name}: unknown symbol {symbol!r} (use the CCXT form, e.g. "
                f"BTC/USDT:USDT for the perpetual, BTC/USDT for spot){hint}"
            )
        market: dict[str, Any] = markets[symbol]
        return market

    def _listing(self, market: dict[str, Any]) -> ListedInstrument:
        symbol = market["symbol"]
        if market.get("spot"):
            market_type = MarketType.SPOT
        elif self._paging.market_types == ("spot",):
            raise InvalidInputError(
                f"{self.name}: {symbol} is a {market.get('type')} market; only spot markets "
                "are supported here (e.g. BTC/USD)"
            )
        elif market.get("swap") and market.get("linear"):
            market_type = MarketType.SWAP
        else:
            raise InvalidInputError(
                f"{self.name}: {symbol} is a {market.get('type')} market; only spot and "
                "linear (USDT- or USDC-margined) perpetual swaps are supported"
            )
        precision, limits = market.get("precision") or {}, market.get("limits") or {}
        price_tick = self._step(symbol, "price", precision.get("price"))
        amount_step = self._step(symbol, "amount", precision.get("amount"))
        estimated: set[str] = set()
        max_leverage = (limits.get("leverage") or {}).get("max")
        if market_type is MarketType.SPOT:
            max_leverage, margin_rate = 1.0, 0.0
        else:
            if max_leverage is None:
                max_leverage = DEFAULT_SWAP_MAX_LEVERAGE
                estimated.add("max_leverage")
            margin_rate = DEFAULT_MAINTENANCE_MARGIN_RATE
            estimated.add("maintenance_margin_rate")
        instrument = Instrument(
            exchange=self.venue,
            symbol=symbol,
            market_type=market_type,
            base=market["base"],
            quote=market["quote"],
            settle=market.get("settle") if market_type is MarketType.SWAP else None,
            price_tick=price_tick,
            amount_step=amount_step,
            min_amount=_number((limits.get("amount") or {}).get("min"), amount_step),
            min_notional=_number((limits.get("cost") or {}).get("min"), 0.0),
            max_leverage=float(max_leverage),
            maker_fee=_number(market.get("maker"), 0.0),
            taker_fee=_number(market.get("taker"), 0.0),
            maintenance_margin_rate=margin_rate,
            contract_size=_number(market.get("contractSize"), 1.0),
        )
        return ListedInstrument(instrument, frozenset(estimated))

    def _step(self, symbol: str, what: str, value: Any) -> float:
        """Turn a CCXT precision into a step size; CCXT 4 reports most exchanges as tick sizes."""
        if value is None:
            raise DataIntegrityError(f"{self.name}: {symbol} has no {what} precision")
        mode = self._exchange.precisionMode
        if mode == ccxt.TICK_SIZE:
            return float(value)
        if mode == ccxt.DECIMAL_PLACES:
            return float(10.0 ** -int(value))
        raise DataIntegrityError(f"{self.name}: precision mode {mode} is not supported")

    # -- candles -----------------------------------------------------------------------------

    def fetch_candles(
        self, symbol: str, timeframe: str, ts_from: int, ts_to: int, now_ms: int
    ) -> Iterator[CandlePage]:
        """Yield validated pages of closed candles with ``ts_from <= open time <= ts_to``, oldest
        first. A bar still open at ``now_ms`` is never included. Each page covers one request
        window, so an empty page (a gap at the exchange) still moves progress on."""
        step = timeframe_ms(timeframe)
        self._market(symbol)
        offered = self._exchange.timeframes or {}
        if timeframe not in offered:
            accepted = ", ".join(t for t in SUPPORTED_TIMEFRAMES if t in offered)
            raise InvalidInputError(
                f"{self.name} does not offer {timeframe} candles; accepted: {accepted}"
            )
        end = min(ts_to, floor_ts(now_ms, step) - step)  # the newest bar that has closed
        cursor = -(-ts_from // step) * step  # the first bar on the grid at or after ts_from
        page = self._paging.candle_page
        while cursor <= end:
            last_open = min(cursor + (page - 1) * step, end)
            # Always a bounded window (OKX pages by window; Bybit answers newest-first without
            # one), ending on the last millisecond of its last bar: "until" is inclusive on some
            # exchanges and exclusive on others (OKX's "after"), and this works for both.
            candles = self._candle_window(symbol, timeframe, cursor, last_open)
            # Bars missing at the start of the window are a gap, or a page the exchange cut
            # shorter than asked and filled newest-first (OKX, Bybit): ask again for what lies
            # before, so pages are always stored oldest first and a resumed run leaves no hole.
            while len(candles) and candles.ts[0] > cursor:
                earlier = self._candle_window(symbol, timeframe, cursor, int(candles.ts[0]) - step)
                if not len(earlier):
                    break
                candles = _concatenate([earlier, candles])
            validate_candles(candles, step, f"{self.name} {symbol} {timeframe}")
            yield CandlePage(cursor, last_open, candles)
            # Continue after the newest bar received: an exchange that caps pages below our
            # size then resumes exactly where it stopped instead of skipping bars.
            cursor = int(candles.ts[-1]) + step if len(candles) else last_open + step

    def _candle_window(self, symbol: str, timeframe: str, first: int, last: int) -> Candles:
        """Fetch the bars opened from ``first`` to ``last`` (one page at most)."""
        step = timeframe_ms(timeframe)
        rows = self._call(
            f"fetching {symbol} {timeframe} candles",
            self._exchange.fetch_ohlcv,
            symbol,
            timeframe,
            since=first,
            limit=self._paging.candle_page,
            params={"until": last + step - 1},
        )
        return _candles(rows, first, last)

    def fetch_candle_range(
        self, symbol: str, timeframe: str, ts_from: int, ts_to: int, now_ms: int
    ) -> Candles:
        """Return every closed candle with ``ts_from <= open time <= ts_to`` in one series."""
        pages = self.fetch_candles(symbol, timeframe, ts_from, ts_to, now_ms)
        return _concatenate([page.candles for page in pages])

    # -- funding -----------------------------------------------------------------------------

    def fetch_funding_history(self, symbol: str, ts_from: int) -> Iterator[FundingRates]:
        """Yield validated funding settlements stamped at or after ``ts_from``, oldest first."""
        self._market(symbol)
        page = self._paging.funding_page
        if self._paging.funding_newest_first:
            collected: list[tuple[int, float]] = []
            older_than: int | None = None
            while True:
                params = {} if older_than is None else {"after": str(older_than)}
                raw = self._funding_page(symbol, ts_from, page, params)
                rows = _funding_rows(raw, ts_from)
                collected.extend(rows)
                if not rows or len(raw) < page:
                    break
                older_than = min(ts for ts, _ in rows)
            batches = [sorted(set(collected))] if collected else []
        else:
            batches = []
            cursor = ts_from
            while True:
                raw = self._funding_page(symbol, cursor, page, {})
                rows = _funding_rows(raw, cursor)
                if not rows:
                    break
                batches.append(rows)
                if len(raw) < page:
                    break
                cursor = rows[-1][0] + 1
        for rows in batches:
            funding = FundingRates(
                np.array([ts for ts, _ in rows], dtype=np.int64),
                np.array([rate for _, rate in rows], dtype=np.float64),
            )
            validate_funding(funding, f"{self.name} {symbol} funding")
            yield funding

    def _funding_page(
        self, symbol: str, since: int, limit: int, params: dict[str, str]
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self._call(
            f"fetching {symbol} funding history",
            self._exchange.fetch_funding_rate_history,
            symbol,
            since=since,
            limit=limit,
            params=params,
        )
        return rows

    # -- prices and open interest ------------------------------------------------------------

    def fetch_prices(self, symbols: Sequence[str], now_ms: int) -> list[PriceSnapshot]:
        """Return one snapshot per symbol: last, bid, ask and, for swaps, mark and index prices
        where the exchange publishes them. Unstamped prices are stamped ``now_ms``."""
        by_type: dict[bool, list[str]] = {}
        for symbol in symbols:
            by_type.setdefault(bool(self._market(symbol).get("spot")), []).append(symbol)
        snapshots: list[PriceSnapshot] = []
        for spot, group in by_type.items():
            tickers = self._tickers(group)
            books: dict[str, Any] = {}
            unquoted = [s for s in group if tickers.get(s, {}).get("bid") is None]
            if unquoted and self._paging.bid_ask_from_book:
                books = {s: self._top_of_book(s) for s in unquoted}
            elif unquoted and self._has("fetchBidsAsks"):
                books = self._call("fetching bid/ask", self._exchange.fetch_bids_asks, group)
            marks: dict[str, Any] = {}
            unmarked = any(tickers.get(s, {}).get("markPrice") is None for s in group)
            if not spot and self._has("fetchMarkPrices"):
                marks = self._call("fetching mark prices", self._exchange.fetch_mark_prices, group)
            elif not spot and unmarked and self._has("fetchFundingRates"):
                # Hyperliquid's tickers carry no mark nor oracle price and it has no mark-price
                # call; CCXT's funding rates carry both (read from the same asset contexts).
                marks = self._call(
                    "fetching mark prices", self._exchange.fetch_funding_rates, group
                )
            for symbol in group:
                ticker = tickers.get(symbol) or {}
                book, mark = books.get(symbol) or {}, marks.get(symbol) or {}
                snapshots.append(
                    PriceSnapshot(
                        symbol=symbol,
                        ts=int(ticker.get("timestamp") or now_ms),
                        last=_optional(ticker.get("last")),
                        mark=_optional(ticker.get("markPrice") or mark.get("markPrice")),
                        index=_optional(ticker.get("indexPrice") or mark.get("indexPrice")),
                        bid=_optional(ticker.get("bid") or book.get("bid")),
                        ask=_optional(ticker.get("ask") or book.get("ask")),
                    )
                )
        return snapshots

    def _top_of_book(self, symbol: str) -> dict[str, Any]:
        """The best bid and ask of ``symbol`` from one level of its public order book."""
        book: dict[str, Any] = self._call(
            f"fetching {symbol} order book", self._exchange.fetch_order_book, symbol, 1
        )
        bids, asks = book.get("bids") or [], book.get("asks") or []
        return {"bid": bids[0][0] if bids else None, "ask": asks[0][0] if asks else None}

    def _tickers(self, symbols: list[str]) -> dict[str, Any]:
        if self._has("fetchTickers"):
            tickers: dict[str, Any] = self._call(
                "fetching tickers", self._exchange.fetch_tickers, symbols
            )
            return tickers
        return {
            s: self._call(f"fetching {s} ticker", self._exchange.fetch_ticker, s) for s in symbols
        }

    def fetch_open_interest(self, symbol: str, now_ms: int) -> OpenInterest | None:
        """Return the open interest of a swap in base currency (and quote value when known), or
        None for spot markets and exchanges that do not publish it."""
        market = self._market(symbol)
        if not market.get("contract") or not self._has("fetchOpenInterest"):
            return None
        found: dict[str, Any] = self._call(
            f"fetching {symbol} open interest", self._exchange.fetch_open_interest, symbol
        )
        amount = _optional(found.get("baseVolume"))
        contracts = _optional(found.get("openInterestAmount"))
        if amount is None and contracts is not None:
            amount = contracts * _number(market.get("contractSize"), 1.0)
        return OpenInterest(
            symbol=symbol,
            ts=int(found.get("timestamp") or now_ms),
            amount=amount,
            value=_optional(found.get("openInterestValue")),
        )

    def statistics(self) -> TradingStatistics:
        """Open interest history and long/short ratios of this exchange (ccxt_statistics.py)."""
        return TradingStatistics(self.name, self._exchange, self._call, self._market)

    # -- calling CCXT ------------------------------------------------------------------------

    def _has(self, capability: str) -> bool:
        return bool(self._exchange.has.get(capability))

    def _call(self, what: str, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call CCXT, retrying what may pass on a second try (rate limits, timeouts, network
        errors, 5xx) with exponential back-off, and translate every failure into our errors."""
        attempt = 0
        while True:
            try:
                return method(*args, **kwargs)
            except ccxt.BadSymbol as error:
                raise NotFoundError(f"{self.name}: {what}: {self._reason(error)}") from error
            except ccxt.OperationFailed as error:
                # An unresolvable host name means no network (or a typo): waiting will not help,
                # and an offline user should hear so at once, not after a minute of back-off.
                if attempt >= self._config.max_retries or self._reason(error) == _UNRESOLVABLE:
                    raise self._gave_up(what, error, attempt + 1) from error
                delay = self._config.retry_base_s * 2**attempt
                attempt += 1
                logger.warning(
                    "%s: %s failed (%s); retry %d of %d in %.2fs",
                    self.name,
                    what,
                    type(error).__name__,
                    attempt,
                    self._config.max_retries,
                    delay,
                )
                self._sleep(delay)
            except ccxt.BaseError as error:
                raise SourceUnavailableError(
                    f"{self.name}: {what} was refused: {self._reason(error)}"
                ) from error

    def _gave_up(self, what: str, error: Exception, attempts: int) -> Exception:
        tries = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
        if isinstance(error, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
            return TemporaryError(
                f"{self.name}: {what}: still rate-limited {tries}; try again later "
                f"({self._reason(error)})"
            )
        if isinstance(error, ccxt.RequestTimeout):
            return TemporaryError(f"{self.name}: {what}: timed out {tries}; try again later")
        return SourceUnavailableError(f"{self.name}: {what} failed {tries}: {self._reason(error)}")

    def _reason(self, error: Exception) -> str:
        """One short line from a CCXT message (which repeats the exchange id, URL and body)."""
        # CCXT keeps the network library's own error (the useful part) as the cause.
        chain = f"{error} {error.__cause__ or ''}"
        for marker, meaning in _NETWORK_FAILURES:
            if marker in chain:
                return meaning
        text = " ".join(str(error).split()).removeprefix(f"{self.name} ")
        if len(text) > 200:
            text = text[:197] + "..."
        return text or type(error).__name__


_FIELDS = ("ts", "open", "high", "low", "close", "volume")
_UNRESOLVABLE = "cannot resolve the host name"
# Network failures carry a long urllib3 repr; these markers name what happened instead.
_NETWORK_FAILURES = (
    ("Connection refused", "connection refused"),
    ("RemoteDisconnected", "connection closed without a response"),
    ("Connection aborted", "connection closed without a response"),
    ("NameResolutionError", _UNRESOLVABLE),
    ("Read timed out", "no answer within the timeout"),
    ("Max retries exceeded", "cannot connect"),
)


def _concatenate(parts: list[Candles]) -> Candles:
    kept = [part for part in parts if len(part)]
    if not kept:
        return Candles.empty()
    return Candles(*(np.concatenate([getattr(part, name) for part in kept]) for name in _FIELDS))


def _candles(rows: list[list[Any]], ts_from: int, ts_to: int) -> Candles:
    """Keep rows inside the window, one per open time, oldest first."""
    kept = {int(row[0]): row for row in rows if ts_from <= int(row[0]) <= ts_to}
    if not kept:
        return Candles.empty()
    table = [
        [ts, *(np.nan if value is None else float(value) for value in row[1:6])]
        for ts, row in sorted(kept.items())
    ]
    return Candles.from_rows(table)


def _funding_rows(raw: list[dict[str, Any]], ts_from: int) -> list[tuple[int, float]]:
    rows = {
        int(item["timestamp"]): float(item["fundingRate"])
        for item in raw
        if item.get("timestamp") is not None
        and item.get("fundingRate") is not None
        and int(item["timestamp"]) >= ts_from
    }
    return sorted(rows.items())


def _number(value: Any, default: float) -> float:
    return default if value is None else float(value)


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)
