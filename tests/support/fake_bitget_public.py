"""Bitget v2 public market data for the fake exchange (USDT-M futures, ``/api/v2/mix/market``),
in Bitget's response format, over the rows of the bundled sample that the OKX and Binance
formats serve (tests/support/fake_venues.py): contracts, candles, funding rate history,
tickers and the server time."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from alpha_arena.core.time import HOUR_MS
from tests.support.fake_bitget_rows import (
    MAKER_FEE,
    PRODUCT,
    SPECS,
    TAKER_FEE,
    BitgetError,
    Row,
    check_product,
    listing,
    n,
    ok,
)
from tests.support.fake_venues import PERPS, BadRequestError, Listing, MarketState, Params, Route

_GRANULARITIES = {
    "1H": HOUR_MS,
    "2H": 2 * HOUR_MS,
    "4H": 4 * HOUR_MS,
    "6H": 6 * HOUR_MS,
    "12H": 12 * HOUR_MS,
    "1D": 24 * HOUR_MS,
    "6Hutc": 6 * HOUR_MS,
    "12Hutc": 12 * HOUR_MS,
    "1Dutc": 24 * HOUR_MS,
}
_MINUTES = {"1m", "3m", "5m", "15m", "30m"}  # valid granularities the sample has no rows of
_PRODUCTS = ("USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES", "SUSDT-FUTURES", "SCOIN-FUTURES",
             "SUSDC-FUTURES")  # fmt: skip


class BitgetApi:
    """``/api/v2``: public routes; errors leave as ``BadRequestError`` (code, msg)."""

    def __init__(self, market: MarketState) -> None:
        self.market = market

    def routes(self) -> dict[str, Route]:
        return {
            "/api/v2/public/time": lambda _: self._ok({"serverTime": str(self.market.now_ms)}),
            "/api/v2/spot/public/coins": lambda _: self._ok(
                [_coin(c) for c in ("USDT", "BTC", "ETH")]
            ),
            "/api/v2/mix/market/contracts": self.contracts,
            "/api/v2/mix/market/candles": functools.partial(self.candles, limit_max=1000),
            "/api/v2/mix/market/history-candles": functools.partial(self.candles, limit_max=200),
            "/api/v2/mix/market/history-fund-rate": self.funding,
            "/api/v2/mix/market/tickers": self.tickers,
            "/api/v2/mix/market/ticker": self.tickers,
        }

    def _ok(self, data: Any) -> Row:
        return ok(data, self.market.now_ms)

    def contracts(self, params: Params) -> Any:
        product = params.get("productType", "").upper()
        if product not in _PRODUCTS:
            raise BadRequestError("40034", f"Parameter productType {product} does not exist")
        chosen = [item for item in PERPS.values() if product == PRODUCT]
        if params.get("symbol"):
            chosen = [item for item in chosen if item.binance_id == params["symbol"]]
        return self._ok([_contract(item) for item in chosen])

    def candles(self, params: Params, limit_max: int) -> Any:
        item = _listing(params)
        granularity = params.get("granularity", "")
        if granularity in _MINUTES:
            return self._ok([])
        if granularity not in _GRANULARITIES:
            raise BadRequestError("40034", "Parameter granularity does not exist")
        step = _GRANULARITIES[granularity]
        table = self.market.served_bars(item.symbol, step)
        limit = min(int(params.get("limit") or 100), limit_max, self.market.candle_page_cap or 1000)
        mask = np.ones(len(table), dtype=bool)
        if params.get("startTime"):
            mask &= table[:, 0] >= int(params["startTime"])
        if params.get("endTime"):
            mask &= table[:, 0] <= int(params["endTime"])
        rows = table[mask][-limit:]  # the newest of the range, oldest first
        return self._ok(
            [[str(int(ts)), n(o), n(h), n(lo), n(c), n(v), n(v * c)] for ts, o, h, lo, c, v in rows]
        )

    def funding(self, params: Params) -> Any:
        item = _listing(params)
        size = min(int(params.get("pageSize") or 20), 100)
        number = max(int(params.get("pageNo") or 1), 1)
        newest_first = self.market.funding(item.symbol)[::-1]
        rows = newest_first[(number - 1) * size : number * size]
        return self._ok(
            [
                {
                    "symbol": item.binance_id,
                    "fundingRate": f"{rate:.6f}",
                    "fundingTime": str(int(ts)),
                }
                for ts, rate in rows
            ]
        )

    def tickers(self, params: Params) -> Any:
        chosen = [_listing(params)] if params.get("symbol") else list(PERPS.values())
        rows = []
        for item in chosen:
            quote = self.market.quote(item.symbol)
            day = self.market.served_bars(item.symbol, HOUR_MS)[-24:]
            funding = self.market.funding(item.symbol)
            rows.append(
                {
                    "symbol": item.binance_id,
                    "lastPr": n(quote["last"]),
                    "askPr": n(quote["ask"]),
                    "bidPr": n(quote["bid"]),
                    "bidSz": "8.25",
                    "askSz": "12.5",
                    "high24h": n(day[:, 2].max()),
                    "low24h": n(day[:, 3].min()),
                    "ts": str(self.market.now_ms),
                    "change24h": n(quote["last"] / day[0, 1] - 1),
                    "baseVolume": n(day[:, 5].sum()),
                    "quoteVolume": n((day[:, 5] * day[:, 4]).sum()),
                    "usdtVolume": n((day[:, 5] * day[:, 4]).sum()),
                    "openUtc": n(day[0, 1]),
                    "changeUtc24h": "0",
                    "indexPrice": n(quote["index"]),
                    "fundingRate": f"{funding[-1, 1]:.6f}" if len(funding) else "0",
                    "holdingAmount": n(item.open_interest),
                    "deliveryStartTime": None,
                    "deliveryTime": None,
                    "deliveryStatus": "",
                    "open24h": n(day[0, 1]),
                    "markPrice": n(quote["mark"]),
                }
            )
        return self._ok(rows)


def _listing(params: Params) -> Listing:
    check = {"productType": params.get("productType", PRODUCT)}
    try:
        check_product(check)
        return listing(params.get("symbol", ""))
    except BitgetError as error:
        raise BadRequestError(error.code, error.msg) from None


def _coin(code: str) -> Row:
    chain = {"chain": "ERC20", "needTag": "false", "withdrawable": "true", "rechargeable": "true",
             "withdrawFee": "0.0001", "extraWithdrawFee": "0", "depositConfirm": "12",
             "withdrawConfirm": "64", "minDepositAmount": "0.0001", "minWithdrawAmount": "0.001",
             "browserUrl": "https://etherscan.io/tx/", "contractAddress": "", "withdrawStep": "0",
             "withdrawMinScale": "8", "congestion": "normal"}  # fmt: skip
    return {"coinId": str(len(code)), "coin": code, "transfer": "true", "chains": [chain],
            "areaCoin": "no"}  # fmt: skip


def _contract(item: Listing) -> Row:
    price_place, volume_place, multiplier = SPECS[item.base]
    return {
        "symbol": item.binance_id,
        "baseCoin": item.base,
        "quoteCoin": "USDT",
        "buyLimitPriceRatio": "0.05",
        "sellLimitPriceRatio": "0.05",
        "feeRateUpRatio": "0.005",
        "makerFeeRate": n(MAKER_FEE),
        "takerFeeRate": n(TAKER_FEE),
        "openCostUpRatio": "0.01",
        "supportMarginCoins": ["USDT"],
        "minTradeNum": multiplier,
        "priceEndStep": "1",
        "volumePlace": str(volume_place),
        "pricePlace": str(price_place),
        "sizeMultiplier": multiplier,
        "symbolType": "perpetual",
        "minTradeUSDT": "5",
        "maxSymbolOrderNum": "200",
        "maxProductOrderNum": "400",
        "maxPositionNum": "150",
        "symbolStatus": "normal",
        "offTime": "-1",
        "limitOpenTime": "-1",
        "deliveryTime": "",
        "deliveryStartTime": "",
        "deliveryPeriod": "",
        "launchTime": "",
        "fundInterval": "8",
        "minLever": "1",
        "maxLever": "125",
        "posLimit": "0.05",
        "maintainTime": "",
        "maxMarketOrderQty": "220",
        "maxOrderQty": "1200",
    }
