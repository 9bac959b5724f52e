"""CoinGecko as a market-data source: current prices and daily candles of coins from its public
API, for where exchanges are geo-blocked. Symbols are spot pairs against a currency CoinGecko
quotes in (``BTC/USD``, ``ETH/EUR``); rows are stored under the exchange ``coingecko``.

What the daily candles contain (CoinGecko publishes prices, not trades):

- ``/coins/{id}/market_chart/range``, asked in windows of at most 90 days, so that CoinGecko
  answers hourly price samples (longer ranges come back as one price a day). A day's bar is
  built from the samples stamped within that UTC day: open the first, high the highest, low the
  lowest, close the last. High and low are those of the hourly samples, not traded extremes.
- volume: CoinGecko's 24-hour volume in the quote currency (summed over the exchanges it
  tracks) at the day's last sample, divided by the day's close to express it in the base coin
  as exchanges' candles do. An approximation of the day's volume.
- a day is fetched once it ended at least an hour ago (CoinGecko caches these ranges up to
  30 minutes), so a stored bar never lacks its last hours.
- ``/coins/{id}/ohlc`` is not used: without a paid plan its candles are 30 minutes, 4 hours or
  4 days wide depending on how far back one asks, never one day.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from alpha_arena.core.errors import DataIntegrityError, InvalidInputError, NotFoundError
from alpha_arena.core.time import DAY_MS, HOUR_MS, floor_ts
from alpha_arena.domain.instrument import Instrument, MarketType, parse_symbol
from alpha_arena.domain.market import (
    CANDLE_COLUMNS,
    Candles,
    FundingRates,
    OpenInterest,
    PriceSnapshot,
)
from alpha_arena.marketdata.integrity import validate_candles
from alpha_arena.marketdata.ports import CandlePage, ListedInstrument
from alpha_arena.marketdata.sources.coingecko_http import NAME, CoinGeckoClient, CoinGeckoConfig

#: CoinGecko's API ids of common coins; ARENA_COINGECKO_COINS adds others (``PEPE=pepe``).
COIN_IDS: dict[str, str] = {
    "BTC": "bitcoin",
    "ETH": "ethereum",
    "SOL": "solana",
    "BNB": "binancecoin",
    "DOGE": "dogecoin",
    "XRP": "ripple",
    "ADA": "cardano",
    "AVAX": "avalanche-2",
    "LINK": "chainlink",
    "DOT": "polkadot",
    "LTC": "litecoin",
    "TRX": "tron",
    "USDT": "tether",
    "USDC": "usd-coin",
}
TIMEFRAME = "1d"
#: The longest window whose samples CoinGecko still answers hourly.
WINDOW_DAYS = 90
#: How long after a day ends its bar is fetched: CoinGecko caches hourly ranges 30 minutes.
SETTLE_MS = HOUR_MS
# Not published by CoinGecko (it quotes prices, it lists no market): fine steps, no fees.
_PRICE_TICK = _AMOUNT_STEP = 1e-8


def parse_coin_ids(text: str) -> dict[str, str]:
    """Read ``"PEPE=pepe,WIF=dogwifcoin"`` (coin symbol = CoinGecko API id) into a mapping."""
    mapping: dict[str, str] = {}
    for part in (item.strip() for item in text.split(",")):
        if not part:
            continue
        coin, _, coin_id = (value.strip() for value in part.partition("="))
        if not coin or not coin_id:
            raise InvalidInputError(
                f"cannot read CoinGecko coin {part!r}; write SYMBOL=api-id, e.g. PEPE=pepe"
            )
        mapping[coin.upper()] = coin_id.lower()
    return mapping


class CoinGeckoSource:
    """Prices and daily candles from CoinGecko. Close it (or use ``with``) when done."""

    def __init__(
        self,
        config: CoinGeckoConfig,
        coins: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = CoinGeckoClient(config, sleep, monotonic)
        self._coins = {**COIN_IDS, **{key.upper(): value for key, value in (coins or {}).items()}}

    @property
    def name(self) -> str:
        return NAME

    @property
    def venue(self) -> str:
        return NAME

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> CoinGeckoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- symbols -----------------------------------------------------------------------------

    def coin(self, symbol: str) -> tuple[str, str]:
        """Return (CoinGecko id, currency) of ``symbol``; refuse perpetuals and unknown coins."""
        base, quote, settle = parse_symbol(symbol)
        if settle is not None:
            raise InvalidInputError(
                f"{NAME}: {symbol} is a perpetual; CoinGecko quotes spot prices, e.g. {base}/USD"
            )
        coin_id = self._coins.get(base.upper())
        if coin_id is None:
            raise NotFoundError(
                f"{NAME}: unknown coin {base!r}; known: {', '.join(sorted(self._coins))} "
                "(add others as SYMBOL=api-id in ARENA_COINGECKO_COINS)"
            )
        return coin_id, quote.lower()

    # -- instruments -------------------------------------------------------------------------

    def load_instruments(self, symbols: Sequence[str]) -> list[ListedInstrument]:
        """Check that CoinGecko prices every symbol (one request); raise NotFoundError naming
        any it does not, before anything is stored."""
        quotes = self._prices(symbols)
        listed = []
        for symbol in symbols:
            coin_id, currency = self.coin(symbol)
            if quotes.get(symbol) is None:
                raise NotFoundError(
                    f"{NAME}: no {currency.upper()} price for coin id {coin_id!r} ({symbol}); "
                    "check the id on coingecko.com or the currency"
                )
            base, quote, _ = parse_symbol(symbol)
            listed.append(ListedInstrument(_instrument(symbol, base, quote)))
        return listed

    # -- candles -----------------------------------------------------------------------------

    def fetch_candles(
        self, symbol: str, timeframe: str, ts_from: int, ts_to: int, now_ms: int
    ) -> Iterator[CandlePage]:
        """Yield validated pages of daily candles with ``ts_from <= open time <= ts_to``, oldest
        first, one page per window of at most 90 days; days that ended less than an hour before
        ``now_ms`` are left for a later run."""
        if timeframe != TIMEFRAME:
            raise InvalidInputError(
                f"{NAME} offers daily candles only (built from its price samples); "
                f"accepted: {TIMEFRAME}"
            )
        coin_id, currency = self.coin(symbol)
        end = min(ts_to, floor_ts(now_ms - SETTLE_MS, DAY_MS) - DAY_MS)
        cursor = -(-ts_from // DAY_MS) * DAY_MS
        while cursor <= end:
            last_open = min(cursor + (WINDOW_DAYS - 1) * DAY_MS, end)
            answer = self._client.get(
                f"/coins/{coin_id}/market_chart/range",
                {
                    "vs_currency": currency,
                    # Seconds; up to the last second of the window's last day.
                    "from": str(cursor // 1000),
                    "to": str((last_open + DAY_MS) // 1000 - 1),
                    "precision": "full",
                },
                f"fetching {symbol} daily history",
            )
            candles = daily_candles(answer, f"{symbol} daily history")
            candles = candles.where((candles.ts >= cursor) & (candles.ts <= last_open))
            validate_candles(candles, DAY_MS, f"{NAME} {symbol} {TIMEFRAME}")
            yield CandlePage(cursor, last_open, candles)
            cursor = last_open + DAY_MS

    def fetch_candle_range(
        self, symbol: str, timeframe: str, ts_from: int, ts_to: int, now_ms: int
    ) -> Candles:
        """Return every daily candle with ``ts_from <= open time <= ts_to`` in one series."""
        pages = [p.candles for p in self.fetch_candles(symbol, timeframe, ts_from, ts_to, now_ms)]
        kept = [page for page in pages if len(page)]
        if not kept:
            return Candles.empty()
        return Candles(
            *(np.concatenate([getattr(page, name) for page in kept]) for name in CANDLE_COLUMNS)
        )

    # -- funding, prices, open interest ------------------------------------------------------

    def fetch_funding_history(self, symbol: str, ts_from: int) -> Iterator[FundingRates]:
        """Spot prices settle no funding: nothing."""
        return iter(())

    def fetch_prices(self, symbols: Sequence[str], now_ms: int) -> list[PriceSnapshot]:
        """Return CoinGecko's current price of each symbol, stamped when CoinGecko last updated
        it (``now_ms`` when it does not say); one request for all of them."""
        quotes = self._prices(symbols)
        snapshots = []
        for symbol in symbols:
            found = quotes.get(symbol)
            if found is None:
                coin_id, currency = self.coin(symbol)
                raise NotFoundError(f"{NAME}: no {currency.upper()} price for {coin_id!r}")
            price, ts = found
            snapshots.append(PriceSnapshot(symbol=symbol, ts=ts or now_ms, last=price))
        return snapshots

    def fetch_open_interest(self, symbol: str, now_ms: int) -> OpenInterest | None:
        """CoinGecko lists no derivatives positions here: None."""
        return None

    def _prices(self, symbols: Sequence[str]) -> dict[str, tuple[float, int | None]]:
        """(price, epoch ms of its last update or None) per symbol CoinGecko prices."""
        wanted = {symbol: self.coin(symbol) for symbol in symbols}
        if not wanted:
            return {}
        ids = sorted({coin_id for coin_id, _ in wanted.values()})
        currencies = sorted({currency for _, currency in wanted.values()})
        answer = self._client.get(
            "/simple/price",
            {
                "ids": ",".join(ids),
                "vs_currencies": ",".join(currencies),
                "include_last_updated_at": "true",
                "precision": "full",
            },
            "fetching prices",
        )
        if not isinstance(answer, dict):
            raise _unexpected("prices", answer)
        found: dict[str, tuple[float, int | None]] = {}
        for symbol, (coin_id, currency) in wanted.items():
            entry = answer.get(coin_id)
            if entry is None:
                continue
            if not isinstance(entry, dict):
                raise _unexpected("prices", answer)
            price, updated = entry.get(currency), entry.get("last_updated_at")
            if price is None:
                continue
            if not _is_number(price) or price <= 0 or not (updated is None or _is_number(updated)):
                raise _unexpected("prices", answer)
            found[symbol] = (float(price), None if updated is None else int(updated) * 1000)
        return found


def daily_candles(answer: Any, what: str) -> Candles:
    """Daily bars from a ``market_chart`` answer (``prices`` and ``total_volumes``, each a list
    of ``[epoch ms, value]``): per UTC day, OHLC of the price samples and the last 24-hour
    volume sample divided by the close. Raise DataIntegrityError for any other shape."""
    if not isinstance(answer, dict):
        raise _unexpected(what, answer)
    prices = _samples(answer.get("prices"), what)
    volumes = _samples(answer.get("total_volumes"), what)
    if len(prices) == 0:
        return Candles.empty()
    prices = prices[np.argsort(prices[:, 0], kind="stable")]
    days = (prices[:, 0] // DAY_MS * DAY_MS).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    ends = np.r_[starts[1:], len(prices)] - 1
    close = prices[ends, 1]
    volume = np.zeros(len(starts))
    if len(volumes):
        volumes = volumes[np.argsort(volumes[:, 0], kind="stable")]
        volume_days = (volumes[:, 0] // DAY_MS * DAY_MS).astype(np.int64)
        for index, day in enumerate(days[starts]):
            in_day = np.flatnonzero(volume_days == day)
            if len(in_day):  # the last sample of the day; none (rare): no volume known, 0
                volume[index] = volumes[in_day[-1], 1] / close[index]
    return Candles(
        days[starts],
        prices[starts, 1],
        np.maximum.reduceat(prices[:, 1], starts),
        np.minimum.reduceat(prices[:, 1], starts),
        close,
        volume,
    )


def _samples(value: Any, what: str) -> np.ndarray:
    """An (n, 2) float array from a list of ``[epoch ms, number]`` pairs."""
    if not isinstance(value, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(_is_number(x) for x in pair)
        for pair in value
    ):
        raise _unexpected(what, value)
    return np.asarray(value, dtype=np.float64).reshape(-1, 2)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unexpected(what: str, answer: Any) -> DataIntegrityError:
    text = " ".join(repr(answer).split())
    text = text if len(text) <= 120 else text[:117] + "..."
    return DataIntegrityError(f"{NAME}: {what}: unexpected answer {text}")


def _instrument(symbol: str, base: str, quote: str) -> Instrument:
    """CoinGecko quotes a price, it lists no market: a spot instrument with fine steps, no
    minimum, no fees and no leverage."""
    return Instrument(
        exchange=NAME,
        symbol=symbol,
        market_type=MarketType.SPOT,
        base=base,
        quote=quote,
        settle=None,
        price_tick=_PRICE_TICK,
        amount_step=_AMOUNT_STEP,
        min_amount=0.0,
        min_notional=0.0,
        max_leverage=1.0,
        maker_fee=0.0,
        taker_fee=0.0,
        maintenance_margin_rate=0.0,
    )
