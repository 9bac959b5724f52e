"""Binance USD-M futures private account endpoints of the fake exchange: leverage, margin type,
position mode, leverage brackets, commission rates, position risk (v2, v3), account and balance,
with what the order endpoints (tests/support/fake_binance_trading.py) share: errors, listings,
fee rates."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.support.fake_accounts import MAINTENANCE_MARGIN_RATE, FakeAccount, Position
from tests.support.fake_venues import PERPS, Listing, num

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange

Row = dict[str, Any]
Handler = Callable[[FakeAccount, dict[str, str]], Any]

#: What CCXT's binanceusdm.load_markets() reports for USDT-M markets (its fees['linear']).
TAKER_FEE = 0.0005
MAKER_FEE = 0.0002
_ACCOUNT_POSITION_FIELDS = (
    "symbol", "positionSide", "positionAmt", "unRealizedProfit", "isolatedMargin", "notional",
    "isolatedWallet", "initialMargin", "maintMargin", "updateTime",
)  # fmt: skip


class BinanceError(Exception):
    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(f"{code} {msg}")
        self.status, self.body = status, {"code": code, "msg": msg}


def binance_listing(params: dict[str, str]) -> Listing:
    try:
        return PERPS[params.get("symbol", "")]
    except KeyError:
        raise BinanceError(400, -1121, "Invalid symbol.") from None


def listing_of(symbol: str) -> Listing:
    return next(item for item in PERPS.values() if item.symbol == symbol)


def qty(value: float) -> str:
    return f"{value:.3f}"


class BinanceAccountApi:
    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake

    def handlers(self) -> dict[tuple[str, str], Handler]:
        """(method, path under /fapi/) -> handler."""
        return {
            ("POST", "v1/leverage"): self.set_leverage,
            ("POST", "v1/marginType"): self.set_margin_type,
            ("POST", "v1/positionSide/dual"): self.set_position_side,
            ("GET", "v1/positionSide/dual"): self.position_side,
            ("GET", "v1/leverageBracket"): self.leverage_brackets,
            ("GET", "v1/commissionRate"): self.commission_rate,
            ("GET", "v2/positionRisk"): lambda a, p: self.position_risk(a, p, v2=True),
            ("GET", "v3/positionRisk"): lambda a, p: self.position_risk(a, p, v2=False),
            ("GET", "v2/account"): self.account,
            ("GET", "v3/account"): self.account,
            ("GET", "v2/balance"): self.balance,
            ("GET", "v3/balance"): self.balance,
        }

    def set_leverage(self, account: FakeAccount, params: dict[str, str]) -> Row:
        listing = binance_listing(params)
        leverage = int(params.get("leverage") or 0)
        if not 1 <= leverage <= 125:
            raise BinanceError(400, -4028, f"Leverage {leverage} is not valid")
        self.fake.trading.set_leverage(account, listing.symbol, float(leverage))
        return {
            "leverage": leverage,
            "maxNotionalValue": "50000000",
            "symbol": listing.binance_id,
        }

    def set_margin_type(self, account: FakeAccount, params: dict[str, str]) -> Row:
        listing = binance_listing(params)
        mode = {"ISOLATED": "isolated", "CROSSED": "cross"}.get(params.get("marginType", ""))
        if mode is None:
            raise BinanceError(400, -4044, "The margin type is invalid.")
        if account.margin_mode.get(listing.symbol, "cross") == mode:
            raise BinanceError(400, -4046, "No need to change margin type.")
        if listing.symbol in account.positions:
            raise BinanceError(
                400, -4048, "Margin type cannot be changed if there exists position."
            )
        account.margin_mode[listing.symbol] = mode
        return {"code": 200, "msg": "success"}

    def set_position_side(self, account: FakeAccount, params: dict[str, str]) -> Row:
        hedged = params.get("dualSidePosition", "").lower() == "true"
        if hedged == account.hedged:
            raise BinanceError(400, -4059, "No need to change position side.")
        if account.positions or account.open_orders():
            raise BinanceError(
                400, -4068, "Position side cannot be changed if there exists position."
            )
        account.hedged = hedged
        return {"code": 200, "msg": "success"}

    def position_side(self, account: FakeAccount, params: dict[str, str]) -> Row:
        return {"dualSidePosition": account.hedged}

    def leverage_brackets(self, account: FakeAccount, params: dict[str, str]) -> Any:
        rows = [
            {
                "symbol": listing.binance_id,
                "notionalCoef": 1.0,
                "brackets": [
                    {
                        "bracket": 1,
                        "initialLeverage": 125,
                        "notionalCap": 50_000_000,
                        "notionalFloor": 0,
                        "maintMarginRatio": MAINTENANCE_MARGIN_RATE,
                        "cum": 0.0,
                    }
                ],
            }
            for listing in PERPS.values()
            if params.get("symbol") in (None, "", listing.binance_id)
        ]
        return rows[0] if params.get("symbol") else rows

    def commission_rate(self, account: FakeAccount, params: dict[str, str]) -> Row:
        return {
            "symbol": binance_listing(params).binance_id,
            "makerCommissionRate": num(MAKER_FEE),
            "takerCommissionRate": num(TAKER_FEE),
            "rpiCommissionRate": "0",
        }

    def position_risk(self, account: FakeAccount, params: dict[str, str], v2: bool) -> list[Row]:
        rows = []
        for listing in PERPS.values():
            if params.get("symbol") not in (None, "", listing.binance_id):
                continue
            position = account.positions.get(listing.symbol)
            if position is None and not v2:
                continue  # v3 lists only symbols with a position
            rows.append(self._position_row(account, listing, position, v2))
        return rows

    def _position_row(
        self, account: FakeAccount, listing: Listing, position: Position | None, v2: bool
    ) -> Row:
        mark = self.fake.price_now(listing.symbol)
        quantity = position.quantity if position else 0.0
        upl = position.unrealized(mark) if position else 0.0
        margin = position.margin if position else 0.0
        leverage = position.leverage if position else account.leverage_of(listing.symbol)
        notional = quantity * mark
        row: Row = {
            "symbol": listing.binance_id,
            "positionSide": "BOTH",
            "positionAmt": qty(quantity),
            "entryPrice": num(position.entry_price) if position else "0.0",
            "breakEvenPrice": num(position.entry_price) if position else "0.0",
            "markPrice": num(mark),
            "unRealizedProfit": num(upl),
            "liquidationPrice": num(position.liquidation_price) if position else "0",
            "isolatedMargin": num(margin + upl) if position else "0",
            "notional": num(notional),
            "marginAsset": "USDT",
            "isolatedWallet": num(margin),
            "initialMargin": num(abs(notional) / leverage),
            "maintMargin": num(abs(notional) * MAINTENANCE_MARGIN_RATE),
            "positionInitialMargin": num(abs(notional) / leverage),
            "openOrderInitialMargin": "0",
            "adl": 1,
            "bidNotional": "0",
            "askNotional": "0",
            "updateTime": position.updated_ms if position else 0,
        }
        if v2:
            row.update(
                leverage=str(int(leverage)),
                marginType="isolated",
                isAutoAddMargin="false",
                maxNotionalValue="50000000",
            )
        return row

    def account(self, account: FakeAccount, params: dict[str, str]) -> Row:
        totals = self._totals(account)
        asset = {
            "asset": "USDT",
            "walletBalance": num(totals["wallet"]),
            "unrealizedProfit": num(totals["upl"]),
            "marginBalance": num(totals["wallet"] + totals["upl"]),
            "maintMargin": num(totals["maintenance"]),
            "initialMargin": num(account.margin),
            "positionInitialMargin": num(account.margin),
            "openOrderInitialMargin": "0",
            "crossWalletBalance": num(account.cash),
            "crossUnPnl": "0",
            "availableBalance": num(account.cash),
            "maxWithdrawAmount": num(account.cash),
            "marginAvailable": True,
            "updateTime": self.fake.now_ms,
        }
        positions = [
            {key: row[key] for key in _ACCOUNT_POSITION_FIELDS}
            for row in self.position_risk(account, {}, v2=False)
        ]
        return {
            "totalInitialMargin": asset["initialMargin"],
            "totalMaintMargin": asset["maintMargin"],
            "totalWalletBalance": asset["walletBalance"],
            "totalUnrealizedProfit": asset["unrealizedProfit"],
            "totalMarginBalance": asset["marginBalance"],
            "totalPositionInitialMargin": asset["positionInitialMargin"],
            "totalOpenOrderInitialMargin": "0",
            "totalCrossWalletBalance": asset["crossWalletBalance"],
            "totalCrossUnPnl": "0",
            "availableBalance": asset["availableBalance"],
            "maxWithdrawAmount": asset["maxWithdrawAmount"],
            "assets": [asset],
            "positions": positions,
        }

    def balance(self, account: FakeAccount, params: dict[str, str]) -> list[Row]:
        totals = self._totals(account)
        return [
            {
                "accountAlias": "fake",
                "asset": "USDT",
                "balance": num(totals["wallet"]),
                "crossWalletBalance": num(account.cash),
                "crossUnPnl": "0",
                "availableBalance": num(account.cash),
                "maxWithdrawAmount": num(account.cash),
                "marginAvailable": True,
                "updateTime": self.fake.now_ms,
            }
        ]

    def _totals(self, account: FakeAccount) -> dict[str, float]:
        marks = self.fake.marks()
        positions = account.positions.values()
        return {
            "wallet": account.cash + account.margin,
            "upl": sum(p.unrealized(marks[p.symbol]) for p in positions),
            "maintenance": sum(
                p.size * marks[p.symbol] * MAINTENANCE_MARGIN_RATE for p in positions
            ),
        }
