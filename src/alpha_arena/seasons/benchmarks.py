"""The market a season's entries are measured against: each coin's price at the season's start
and at every tick, BTC buy-and-hold and the equal-weight basket of the season's coins.

These are the market's own curves, not the baseline entries' (which pay fees and may be left
out): beta and alpha are exposure to, and return beyond, the market itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from alpha_arena.analytics.skill import equal_weight_basket
from alpha_arena.core.errors import NotFoundError
from alpha_arena.domain.market import FloatArray
from alpha_arena.marketdata.service import DataService
from alpha_arena.seasons.config import SeasonConfig


@dataclass(frozen=True, slots=True)
class SeasonMarketCurves:
    """``prices[symbol]``: the price at the start, then at each tick (NaN where unknown)."""

    prices: dict[str, FloatArray]
    btc: FloatArray | None  # BTC's price curve, None where any point is unknown
    basket: FloatArray | None  # the equal-weight buy-and-hold of the season's coins

    def closes(self) -> dict[str, FloatArray]:
        """Each coin's price at each tick (the start left out)."""
        return {symbol: curve[1:] for symbol, curve in self.prices.items()}


def btc_symbol(config: SeasonConfig) -> str:
    """BTC in the season's quote and settlement (``BTC/USDT:USDT`` for USDT perpetuals)."""
    quote = config.symbols[0].partition("/")[2] or "USDT"
    return f"BTC/{quote}"


def market_curves(
    data: DataService, config: SeasonConfig, ticks: np.ndarray, traded: Iterable[str] = ()
) -> SeasonMarketCurves:
    """The curves at ``ticks`` (when each measured tick closed) for the season's coins, BTC and
    any other ``traded`` coin."""
    btc = btc_symbol(config)
    symbols = sorted({*config.symbols, btc, *traded})
    prices = {symbol: _price_curve(data, symbol, config, ticks) for symbol in symbols}
    basket_curves = [prices[symbol] for symbol in config.symbols]
    basket = None
    if len(ticks) and all(np.isfinite(curve).all() for curve in basket_curves):
        basket = equal_weight_basket(basket_curves)
    btc_curve = prices[btc] if len(ticks) and np.isfinite(prices[btc]).all() else None
    return SeasonMarketCurves(prices, btc_curve, basket)


def _price_curve(
    data: DataService, symbol: str, config: SeasonConfig, ticks: np.ndarray
) -> FloatArray:
    """The open of the bar at the start, then the close of the bar that closed at each tick."""
    curve = np.full(len(ticks) + 1, np.nan)
    last = int(ticks[-1]) if len(ticks) else config.start
    try:
        bars = data.candles(symbol, config.timeframe, config.start, last - config.step_ms)
    except NotFoundError:  # no data for the coin (BTC outside a season's coins, say)
        return curve
    if len(bars) == 0:
        return curve
    opened = np.asarray(bars.ts, dtype=np.int64)
    first = np.searchsorted(opened, config.start)
    if first < len(opened) and opened[first] == config.start:
        curve[0] = float(bars.open[first])
    wanted = np.asarray(ticks, dtype=np.int64) - config.step_ms
    at = np.minimum(np.searchsorted(opened, wanted), len(opened) - 1)
    found = opened[at] == wanted
    curve[1:] = np.where(found, np.asarray(bars.close, dtype=np.float64)[at], np.nan)
    # A missing bar (a gap in the data) keeps the last known price: the market did not move
    # as far as anyone measured.
    known = np.where(np.isfinite(curve), np.arange(curve.size), -1)
    latest = np.maximum.accumulate(known)
    return np.where(latest >= 0, curve[np.maximum(latest, 0)], np.nan)
