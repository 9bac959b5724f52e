"""Tradable markets as the exchange defines them: precision, limits, fees, margin."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from alpha_arena.core.errors import InvalidInputError


class MarketType(StrEnum):
    SPOT = "spot"
    SWAP = "swap"  # perpetual futures


@dataclass(frozen=True, slots=True)
class Instrument:
    """One market on one exchange, keyed by the CCXT unified symbol (``BTC/USDT:USDT``)."""

    exchange: str
    symbol: str
    market_type: MarketType
    base: str
    quote: str
    settle: str | None
    price_tick: float
    amount_step: float
    min_amount: float
    min_notional: float
    max_leverage: float
    maker_fee: float
    taker_fee: float
    maintenance_margin_rate: float
    contract_size: float = 1.0

    def on_tick(self, price: float) -> float:
        """``price`` rounded to the nearest multiple of the price tick."""
        if self.price_tick <= 0:
            return price
        return round(round(price / self.price_tick) * self.price_tick, 12)


def parse_symbol(symbol: str) -> tuple[str, str, str | None]:
    """Split a CCXT unified symbol into (base, quote, settle); settle is None for spot."""
    pair, _, settle = symbol.partition(":")
    base, _, quote = pair.partition("/")
    if not base or not quote or (":" in symbol and not settle):
        raise InvalidInputError(
            f"cannot read symbol {symbol!r}; use the CCXT form BTC/USDT:USDT (perp) or BTC/USDT"
        )
    return base, quote, settle or None
