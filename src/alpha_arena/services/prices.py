"""Current coin prices from CoinGecko, the source that answers where exchanges are geo-blocked."""

from __future__ import annotations

from collections.abc import Sequence

from alpha_arena.core.clock import Clock
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.settings import Settings
from alpha_arena.domain.market import PriceSnapshot
from alpha_arena.services.ingestion import open_coingecko


def current_prices(
    settings: Settings, clock: Clock, coins: Sequence[str], currency: str = "usd"
) -> list[PriceSnapshot]:
    """CoinGecko's current price of each coin (``BTC``, ``ETH``) in ``currency``, in the order
    asked, one request for all; the symbols are ``COIN/CURRENCY``. Nothing is stored."""
    wanted = list(dict.fromkeys(coin.strip().upper() for coin in coins if coin.strip()))
    quote = currency.strip().upper()
    if not wanted:
        raise InvalidInputError("no coins given; e.g. BTC ETH")
    if not quote.isalpha():
        raise InvalidInputError(f"cannot read currency {currency!r}; e.g. usd, eur, btc")
    with open_coingecko(settings) as source:
        return source.fetch_prices([f"{coin}/{quote}" for coin in wanted], clock.now_ms())
