"""Bybit v5 private account endpoints of the fake exchange: position mode, margin mode, leverage,
the position list and the unified wallet, with what the order endpoints
(tests/support/fake_bybit_trading.py) share: errors, fee rate, number formats."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.support.fake_accounts import MAINTENANCE_MARGIN_RATE, FakeAccount, Position
from tests.support.fake_bybit_public import bybit_listing, qty_text
from tests.support.fake_venues import PERPS, Listing, num

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange

Body = dict[str, Any]
Handler = Callable[[FakeAccount, Body], Any]

#: Bybit's base taker and maker rates for perpetuals (non-VIP); CCXT reads none of them.
TAKER_FEE = 0.00055
MAKER_FEE = 0.0002


class BybitError(Exception):
    """A refusal: Bybit answers it with HTTP 200 and this ``retCode``."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(f"{code} {msg}")
        self.code, self.msg = code, msg


def linear_listing(body: Body) -> Listing:
    if body.get("category") != "linear":
        raise BybitError(10001, "params error: Category is invalid")
    listing = bybit_listing(str(body.get("symbol", "")))
    if listing is None:
        raise BybitError(10001, "params error: symbol invalid")
    return listing


def listing_of(symbol: str) -> Listing:
    return next(item for item in PERPS.values() if item.symbol == symbol)


class BybitAccountApi:
    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake

    def handlers(self) -> dict[tuple[str, str], Handler]:
        """(method, path under /v5/) -> handler."""
        return {
            ("POST", "position/switch-mode"): self.switch_mode,
            ("POST", "account/set-margin-mode"): self.set_margin_mode,
            ("POST", "position/set-leverage"): self.set_leverage,
            ("GET", "position/list"): self.positions,
            ("GET", "account/wallet-balance"): self.wallet,
        }

    def switch_mode(self, account: FakeAccount, body: Body) -> Body:
        if body.get("category") != "linear" or not (body.get("symbol") or body.get("coin")):
            raise BybitError(10001, "params error: symbol or coin is required")
        hedged = str(body.get("mode")) == "3"
        if hedged == account.hedged:
            raise BybitError(110025, "Position mode is not modified")
        if account.positions:
            raise BybitError(
                110024, "You have an existing position, so position mode cannot be switched"
            )
        if account.open_orders():
            raise BybitError(110028, "Open orders exist, so you cannot change position mode")
        account.hedged = hedged
        return {}

    def set_margin_mode(self, account: FakeAccount, body: Body) -> Body:
        """The unified account's margin mode: one for every position (isolated, cross or
        portfolio)."""
        mode = {"ISOLATED_MARGIN": "isolated", "REGULAR_MARGIN": "cross"}.get(
            str(body.get("setMarginMode"))
        )
        if mode is None:
            raise BybitError(10001, "params error: setMarginMode is invalid")
        for listing in PERPS.values():
            account.margin_mode[listing.symbol] = mode
        return {"reasons": []}

    def set_leverage(self, account: FakeAccount, body: Body) -> Body:
        listing = linear_listing(body)
        buy, sell = str(body.get("buyLeverage", "")), str(body.get("sellLeverage", ""))
        if buy != sell:
            raise BybitError(10001, "params error: buy leverage must be equal to sell leverage")
        try:
            leverage = float(buy)
        except ValueError:
            raise BybitError(10001, "params error: buyLeverage invalid") from None
        if not 1 <= leverage <= 100:
            raise BybitError(10001, "leverage invalid")
        if account.leverage_of(listing.symbol) == leverage:
            raise BybitError(110043, "leverage not modified")
        self.fake.trading.set_leverage(account, listing.symbol, leverage)
        return {}

    def positions(self, account: FakeAccount, body: Body) -> Body:
        if body.get("category") != "linear":
            raise BybitError(10001, "params error: Category is invalid")
        if body.get("symbol"):
            chosen = [linear_listing(body)]  # a symbol's row even when flat, as Bybit does
        elif body.get("settleCoin") == "USDT":
            chosen = [listing_of(symbol) for symbol in account.positions]
        else:
            raise BybitError(10001, "params error: symbol or settleCoin is required")
        rows = [self._position_row(account, item, account.positions.get(item.symbol))
                for item in chosen]  # fmt: skip
        return {"category": "linear", "list": rows, "nextPageCursor": ""}

    def _position_row(
        self, account: FakeAccount, listing: Listing, position: Position | None
    ) -> Body:
        mark = self.fake.price_now(listing.symbol)
        size = position.size if position else 0.0
        leverage = position.leverage if position else account.leverage_of(listing.symbol)
        value = size * (position.entry_price if position else 0.0)
        side = "" if position is None else ("Buy" if position.quantity > 0 else "Sell")
        return {
            "positionIdx": 0,
            "riskId": 1,
            "riskLimitValue": "2000000",
            "symbol": listing.binance_id,
            "side": side,
            "size": qty_text(listing, size),
            "avgPrice": num(position.entry_price) if position else "0",
            "positionValue": num(value),
            "tradeMode": 1,
            "autoAddMargin": 0,
            "positionStatus": "Normal",
            "leverage": num(leverage),
            "markPrice": num(mark),
            "liqPrice": num(position.liquidation_price) if position else "",
            "bustPrice": "",
            "positionIM": num(position.margin) if position else "0",
            "positionMM": num(size * mark * MAINTENANCE_MARGIN_RATE),
            "positionBalance": num(position.margin) if position else "0",
            "takeProfit": "0.00",
            "stopLoss": "0.00",
            "trailingStop": "0.00",
            "sessionAvgPrice": "",
            "unrealisedPnl": num(position.unrealized(mark)) if position else "0",
            "curRealisedPnl": num(position.realized_pnl) if position else "0",
            "cumRealisedPnl": num(position.realized_pnl) if position else "0",
            "adlRankIndicator": 2 if position else 0,
            "createdTime": str(position.opened_ms) if position else "0",
            "updatedTime": str(position.updated_ms) if position else "0",
            "seq": 1,
            "isReduceOnly": False,
            "mmrSysUpdatedTime": "",
            "leverageSysUpdatedTime": "",
            "tpslMode": "Full",
        }

    def wallet(self, account: FakeAccount, body: Body) -> Body:
        if body.get("accountType") != "UNIFIED":
            raise BybitError(10001, "accountType only support UNIFIED.")
        marks = self.fake.marks()
        positions = account.positions.values()
        wallet = account.cash + account.margin
        upl = sum(p.unrealized(marks[p.symbol]) for p in positions)
        maintenance = sum(p.size * marks[p.symbol] * MAINTENANCE_MARGIN_RATE for p in positions)
        coin = {
            "coin": "USDT",
            "equity": num(wallet + upl),
            "usdValue": num(wallet + upl),
            "walletBalance": num(wallet),
            "free": "",
            "locked": "0",
            "spotHedgingQty": "0",
            "borrowAmount": "0",
            "availableToWithdraw": "",  # deprecated on unified accounts: CCXT counts what is used
            "accruedInterest": "0",
            "totalOrderIM": "0",
            "totalPositionIM": num(account.margin),
            "totalPositionMM": num(maintenance),
            "unrealisedPnl": num(upl),
            "cumRealisedPnl": num(sum(p.realized_pnl for p in positions)),
            "bonus": "0",
            "marginCollateral": True,
            "collateralSwitch": True,
        }
        return {
            "list": [
                {
                    "accountType": "UNIFIED",
                    "totalEquity": coin["equity"],
                    "totalWalletBalance": coin["walletBalance"],
                    "totalMarginBalance": coin["equity"],
                    "totalAvailableBalance": num(account.cash),
                    "totalPerpUPL": coin["unrealisedPnl"],
                    "totalInitialMargin": coin["totalPositionIM"],
                    "totalMaintenanceMargin": coin["totalPositionMM"],
                    "accountIMRate": "0",
                    "accountMMRate": "0",
                    "accountLTV": "0",
                    "coin": [coin],
                }
            ]
        }
