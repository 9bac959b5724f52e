"""Market exposure: how much of the market an entry held, and how much it traded.

Beside alpha and beta (``skill``), these say how an entry made its return: an entry that was
long all the time in a rising market looks different from one that was flat most of the time
and right when it acted. Each tick's holdings are the fills up to that tick (one net position
per coin), valued at the tick's close; exposure is that value over the tick's equity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.fills import Fill


@dataclass(frozen=True, slots=True)
class Exposure:
    """Averages over the ticks; every field is None when there are no ticks.

    ``net`` is the signed value of the positions over equity (0.5: half the equity long, net);
    ``gross`` the unsigned value (longs plus shorts); ``long_share``, ``short_share`` and
    ``flat_share`` the share of ticks whose net exposure was above, below or at zero (a tick
    with no position, or longs exactly offsetting shorts, is flat); ``turnover`` the notional
    traded over the average equity (2.0: the equity was traded twice over)."""

    net: float | None
    gross: float | None
    long_share: float | None
    short_share: float | None
    flat_share: float | None
    turnover: float | None


def exposure(
    ticks: npt.ArrayLike,
    equity: npt.ArrayLike,
    fills: Sequence[Fill],
    closes: Mapping[str, npt.ArrayLike],
) -> Exposure:
    """Measure exposure at each of ``ticks`` (their times, ascending) with ``equity`` after each
    and ``closes[symbol]`` each traded coin's price at each (NaN where unknown: the last known
    price is used). A fill counts from the first tick at or after its time. Raise
    InvalidInputError when a fill's coin has no closes or an array's length differs."""
    stamps = np.asarray(ticks, dtype=np.int64)
    values = np.asarray(equity, dtype=np.float64)
    n = stamps.size
    if values.shape != (n,):
        raise InvalidInputError(f"equity has {values.size} points but there are {n} ticks")
    if n == 0:
        return Exposure(None, None, None, None, None, None)
    net = np.zeros(n)
    gross = np.zeros(n)
    for symbol, quantities in _holdings(stamps, fills).items():
        if symbol not in closes:
            raise InvalidInputError(f"no closes for {symbol}, which was traded")
        prices = _filled_forward(np.asarray(closes[symbol], dtype=np.float64), n, symbol)
        worth = quantities * prices
        net += worth
        gross += np.abs(worth)
    traded = float(sum(abs(fill.quantity * fill.price) for fill in fills))
    safe = np.where(values > 0, values, np.nan)  # a bust entry holds nothing worth measuring
    net_share = np.nan_to_num(net / safe)
    gross_share = np.nan_to_num(gross / safe)
    average = float(np.mean(np.maximum(values, 0.0)))
    return Exposure(
        net=float(net_share.mean()),
        gross=float(gross_share.mean()),
        long_share=float(np.mean(net_share > 0)),
        short_share=float(np.mean(net_share < 0)),
        flat_share=float(np.mean(net_share == 0)),
        turnover=traded / average if average > 0 else None,
    )


def _holdings(stamps: np.ndarray, fills: Sequence[Fill]) -> dict[str, np.ndarray]:
    """Each coin's signed quantity held after each tick."""
    changes: dict[str, np.ndarray] = {}
    for fill in fills:
        at = int(np.searchsorted(stamps, fill.ts, side="left"))
        if at >= stamps.size:
            continue  # filled after the last tick measured
        row = changes.setdefault(fill.symbol, np.zeros(stamps.size))
        row[at] += fill.side.sign * fill.quantity
    # Cumulative sums leave dust where a position was closed: below a nano-unit it is flat.
    return {
        symbol: np.where(np.abs(held := np.cumsum(row)) < 1e-9, 0.0, held)
        for symbol, row in changes.items()
    }


def _filled_forward(prices: np.ndarray, n: int, symbol: str) -> np.ndarray:
    if prices.shape != (n,):
        raise InvalidInputError(f"{symbol} has {prices.size} closes but there are {n} ticks")
    known = np.where(np.isfinite(prices), np.arange(n), -1)
    latest = np.maximum.accumulate(known)
    # Before the first known price nothing can be held at a price; value it at zero.
    return np.where(latest >= 0, prices[np.maximum(latest, 0)], 0.0)
