"""Trading statistics of the fake exchange (tests/support/fake_exchange.py), in the real formats
and paging rules: Binance USD-M ``/futures/data/openInterestHist`` and
``/futures/data/globalLongShortAccountRatio`` (bare JSON arrays, oldest first, ``startTime`` and
``endTime`` inclusive, at most 500 rows, the latest 30 days only) and OKX
``/api/v5/rubik/stat/contracts/open-interest-history`` and ``long-short-account-ratio-contract``
(rows as arrays of strings, newest first, ``begin`` and ``end`` exclusive, at most 100 rows).

The series are synthetic but fixed: one row per period from DATA_START_MS to the fake's clock,
open interest swinging around the listing's amount and the long share of accounts cycling
between 0.45 and 0.54. ``hide`` leaves a window out (an exchange outage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alpha_arena.core.time import DAY_MS, HOUR_MS, timeframe_ms
from tests.support.fake_venues import (
    DATA_START_MS,
    LISTINGS,
    PERPS,
    BadRequestError,
    Listing,
    MarketState,
    Params,
    Route,
    num,
)

#: The quote value of one base unit in the synthetic series (a fixed price keeps it exact).
PRICE = {"BTC": 42_000.5, "ETH": 2_300.25}
_BINANCE_PERIODS = ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")
_OKX_PERIODS = {"5m": "5m", "1H": "1h", "1D": "1d"}
_BINANCE_RETENTION_MS = 30 * DAY_MS


@dataclass(frozen=True, slots=True)
class InterestRow:
    ts: int
    amount: float  # base currency
    value: float  # quote currency


@dataclass(frozen=True, slots=True)
class RatioRow:
    ts: int
    long_share: float
    short_share: float
    ratio: float


class StatisticsApi:
    """Both exchanges' statistics routes over one clock (``market.now_ms``)."""

    def __init__(self, market: MarketState) -> None:
        self.market = market
        self._hidden: list[tuple[int, int]] = []

    def hide(self, ts_from: int, ts_to: int) -> None:
        """Leave out every row stamped from ``ts_from`` to ``ts_to``."""
        self._hidden.append((ts_from, ts_to))

    # -- the series, for assertions ------------------------------------------------------------

    def grid(self, period: str, ts_from: int = DATA_START_MS) -> list[int]:
        """The times rows are served at: every period boundary up to now, less hidden ones."""
        step = timeframe_ms(period)
        first = -(-max(ts_from, DATA_START_MS) // step) * step
        return [
            ts
            for ts in range(first, self.market.now_ms + 1, step)
            if not any(start <= ts <= end for start, end in self._hidden)
        ]

    def open_interest(
        self, symbol: str, period: str, ts_from: int = DATA_START_MS
    ) -> list[InterestRow]:
        listing = next(item for item in LISTINGS if item.symbol == symbol)
        return [_interest(listing, ts) for ts in self.grid(period, ts_from)]

    def ratios(self, period: str, ts_from: int = DATA_START_MS) -> list[RatioRow]:
        return [_ratio(ts) for ts in self.grid(period, ts_from)]

    # -- routes ----------------------------------------------------------------------------------

    def routes(self) -> dict[str, Route]:
        return {
            "/futures/data/openInterestHist": self.binance_open_interest,
            "/futures/data/globalLongShortAccountRatio": self.binance_ratio,
            "/api/v5/rubik/stat/contracts/open-interest-history": self.okx_open_interest,
            "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract": self.okx_ratio,
        }

    def binance_open_interest(self, params: Params) -> Any:
        listing, times = self._binance_window(params)
        rows = [_interest(listing, ts) for ts in times]
        return [
            {
                "symbol": listing.binance_id,
                "sumOpenInterest": num(row.amount),
                "sumOpenInterestValue": num(row.value),
                "CMCCirculatingSupply": "19650000.0",
                "timestamp": row.ts,
            }
            for row in rows
        ]

    def binance_ratio(self, params: Params) -> Any:
        listing, times = self._binance_window(params)
        return [
            {
                "symbol": listing.binance_id,
                "longShortRatio": num(row.ratio),
                "longAccount": num(row.long_share),
                "shortAccount": num(row.short_share),
                "timestamp": row.ts,
            }
            for row in map(_ratio, times)
        ]

    def okx_open_interest(self, params: Params) -> Any:
        listing, times = self._okx_window(params)
        rows = [_interest(listing, ts) for ts in times]
        data = [
            [str(row.ts), num(row.amount / float(listing.ct_val)), num(row.amount), num(row.value)]
            for row in rows
        ]
        return {"code": "0", "msg": "", "data": data}

    def okx_ratio(self, params: Params) -> Any:
        _, times = self._okx_window(params, default_period="5m")
        data = [[str(row.ts), num(row.ratio)] for row in map(_ratio, times)]
        return {"code": "0", "msg": "", "data": data}

    # -- paging ----------------------------------------------------------------------------------

    def _binance_window(self, params: Params) -> tuple[Listing, list[int]]:
        listing = PERPS.get(params.get("symbol", ""))
        if listing is None:
            raise BadRequestError("-1121", "Invalid symbol.")
        period = params.get("period", "")
        if period not in _BINANCE_PERIODS:
            raise BadRequestError("-1130", "Data sent for parameter 'period' is not valid.")
        limit = min(int(params.get("limit", 30)), 500)
        oldest = self.market.now_ms - _BINANCE_RETENTION_MS
        times = [ts for ts in self.grid(period) if ts >= oldest]
        start, end = params.get("startTime"), params.get("endTime")
        if start is not None:
            times = [ts for ts in times if ts >= int(start)]
        if end is not None:
            times = [ts for ts in times if ts <= int(end)]
        return listing, times[:limit] if start is not None else times[-limit:]

    def _okx_window(
        self, params: Params, default_period: str | None = None
    ) -> tuple[Listing, list[int]]:
        listing = next((i for i in PERPS.values() if i.okx_id == params.get("instId")), None)
        if listing is None:
            raise BadRequestError("51001", "Instrument ID does not exist")
        period = params.get("period", default_period or "")
        if period not in _OKX_PERIODS:
            raise BadRequestError("51000", "Parameter period error")
        limit = min(int(params.get("limit", 100)), 100)
        times = self.grid(_OKX_PERIODS[period])
        if "begin" in params:
            times = [ts for ts in times if ts > int(params["begin"])]
        if "end" in params:
            times = [ts for ts in times if ts < int(params["end"])]
        return listing, times[-limit:][::-1]


def _interest(listing: Listing, ts: int) -> InterestRow:
    step = (ts - DATA_START_MS) // (5 * 60_000)
    amount = round(listing.open_interest * (1 + ((step % 48) - 24) / 1000), 3)
    return InterestRow(ts, amount, round(amount * PRICE[listing.base], 2))


def _ratio(ts: int) -> RatioRow:
    long_share = round(0.45 + ((ts // HOUR_MS) % 10) / 100, 4)
    short_share = round(1 - long_share, 4)
    return RatioRow(ts, long_share, short_share, round(long_share / short_share, 4))
