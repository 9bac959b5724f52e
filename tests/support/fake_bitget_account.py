"""Bitget v2 USDT-M futures account endpoints of the fake exchange (``/api/v2/mix/account`` and
``/position``): balances, positions, leverage, margin and position modes, and the bills
(funding payments among them), in Bitget's fields (the routes and authentication are in
tests/support/fake_bitget_trading.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.support.fake_accounts import MAINTENANCE_MARGIN_RATE, Bill, FakeAccount, Position
from tests.support.fake_bitget_rows import (
    BitgetError,
    Row,
    between,
    bitget_id,
    check_product,
    listing,
    n,
    page,
)

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange

Handler = Callable[[FakeAccount, Row], Any]

_SETTINGS_REFUSED = ("40920", "Position or order exists, the position mode and margin mode "
                     "cannot be switched")  # fmt: skip


class BitgetAccountApi:
    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake

    def handlers(self) -> dict[tuple[str, str], Handler]:
        """(method, path under /api/v2/mix/) -> handler."""
        return {
            ("GET", "account/accounts"): self.accounts,
            ("GET", "account/bill"): self.bills,
            ("GET", "position/all-position"): self.positions,
            ("GET", "position/single-position"): self.positions,
            ("POST", "account/set-leverage"): self.set_leverage,
            ("POST", "account/set-margin-mode"): self.set_margin_mode,
            ("POST", "account/set-position-mode"): self.set_position_mode,
        }

    def accounts(self, account: FakeAccount, params: Row) -> list[Row]:
        check_product(params)
        marks = self.fake.marks()
        upl = sum(p.unrealized(marks[p.symbol]) for p in account.positions.values())
        equity = account.cash + account.margin + upl
        return [
            {
                "marginCoin": "USDT",
                "locked": "0",
                "available": n(account.cash + account.margin),
                "crossedMaxAvailable": n(account.cash),
                "isolatedMaxAvailable": n(account.cash),
                "maxTransferOut": n(account.cash),
                "accountEquity": n(equity),
                "usdtEquity": n(equity),
                "btcEquity": n(equity / marks["BTC/USDT:USDT"]),
                "crossedRiskRate": "0",
                "unrealizedPL": n(upl),
                "coupon": "0",
                "unionTotalMargin": n(equity),
                "unionAvailable": n(account.cash),
                "unionMm": "0",
                "assetList": [],
                "isolatedMargin": n(account.margin),
                "crossedMargin": "0",
                "crossedUnrealizedPL": "0",
                "isolatedUnrealizedPL": n(upl),
                "assetMode": "single",
            }
        ]

    def positions(self, account: FakeAccount, params: Row) -> list[Row]:
        check_product(params)
        return [
            self._position(account, position)
            for position in account.positions.values()
            if params.get("symbol") in (None, "", bitget_id(position.symbol))
        ]

    def set_leverage(self, account: FakeAccount, params: Row) -> Row:
        check_product(params)
        item = listing(str(params.get("symbol", "")))
        try:
            lever = float(params.get("leverage", ""))
        except ValueError:
            raise BitgetError(400, "40017", "Parameter verification failed: leverage") from None
        if not 1 <= lever <= 125 or lever != int(lever):
            raise BitgetError(400, "40104", "Lever adjustment failure")
        self.fake.trading.set_leverage(account, item.symbol, lever)
        mode = account.margin_mode.get(item.symbol, "crossed")
        return {
            "symbol": item.binance_id,
            "marginCoin": "USDT",
            "longLeverage": str(int(lever)),
            "shortLeverage": str(int(lever)),
            "crossMarginLeverage": str(int(lever)) if mode == "crossed" else "",
            "marginMode": mode,
        }

    def set_margin_mode(self, account: FakeAccount, params: Row) -> Row:
        check_product(params)
        item = listing(str(params.get("symbol", "")))
        mode = params.get("marginMode")
        if mode not in ("isolated", "crossed"):
            raise BitgetError(400, "40017", "Parameter verification failed: marginMode")
        busy = item.symbol in account.positions or account.open_orders(item.symbol)
        if mode != account.margin_mode.get(item.symbol, "crossed") and busy:
            raise BitgetError(400, *_SETTINGS_REFUSED)
        account.margin_mode[item.symbol] = mode
        lever = str(int(account.leverage_of(item.symbol)))
        return {"symbol": item.binance_id, "marginCoin": "USDT", "longLeverage": lever,
                "shortLeverage": lever, "marginMode": mode}  # fmt: skip

    def set_position_mode(self, account: FakeAccount, params: Row) -> Row:
        check_product(params)
        mode = params.get("posMode")
        if mode not in ("one_way_mode", "hedge_mode"):
            raise BitgetError(400, "40017", "Parameter verification failed: posMode")
        hedged = mode == "hedge_mode"
        if hedged != account.hedged and (account.positions or account.open_orders()):
            raise BitgetError(400, *_SETTINGS_REFUSED)
        account.hedged = hedged
        return {"posMode": mode}

    def bills(self, account: FakeAccount, params: Row) -> Row:
        check_product(params)
        business = params.get("businessType")
        chosen = [
            bill
            for bill in account.bills
            if params.get("symbol") in (None, "", bitget_id(bill.symbol))
            and params.get("coin") in (None, "", "USDT")
            and business in (None, "", _business(bill))
            and between(bill.ts, params)
        ]
        rows, end = page(chosen, params, "bill_id")
        return {"bills": [_bill_row(bill) for bill in rows], "endId": end or None}

    def _position(self, account: FakeAccount, position: Position) -> Row:
        mark = self.fake.price_now(position.symbol)
        upl = position.unrealized(mark)
        notional = position.size * mark
        return {
            "marginCoin": "USDT",
            "symbol": bitget_id(position.symbol),
            "holdSide": "long" if position.quantity > 0 else "short",
            "openDelegateSize": "0",
            "marginSize": n(position.margin),
            "available": n(position.size),
            "locked": "0",
            "total": n(position.size),
            "leverage": n(position.leverage),
            "achievedProfits": n(position.realized_pnl + position.fees - position.funding),
            "openPriceAvg": n(position.entry_price),
            "marginMode": account.margin_mode.get(position.symbol, "isolated"),
            "posMode": "hedge_mode" if account.hedged else "one_way_mode",
            "unrealizedPL": n(upl),
            "liquidationPrice": n(position.liquidation_price),
            "keepMarginRate": n(MAINTENANCE_MARGIN_RATE),
            "markPrice": n(mark),
            "marginRatio": n(notional * MAINTENANCE_MARGIN_RATE / (position.margin + upl))
            if position.margin + upl > 0
            else "1",
            "breakEvenPrice": n(position.entry_price),
            "totalFee": n(position.funding),
            "deductedFee": n(position.fees),
            "cTime": str(position.opened_ms),
            "uTime": str(position.updated_ms),
        }


def _business(bill: Bill) -> str:
    """Bitget's ``businessType`` of a bill (one-way mode: open or close, long or short)."""
    if bill.kind == "funding":
        return "contract_settle_fee"
    long = (bill.side == "buy") != bill.reduced  # a buy opens a long, a sell reduces one
    return f"{'close' if bill.reduced else 'open'}_{'long' if long else 'short'}"


def _bill_row(bill: Bill) -> Row:
    trade = bill.kind == "trade"
    return {
        "billId": bill.bill_id,
        "symbol": bitget_id(bill.symbol),
        "amount": n(bill.realized_pnl if trade else bill.amount),
        "fee": n(-bill.fee),
        "feeByCoupon": "",
        "businessType": _business(bill),
        "coin": "USDT",
        "balance": n(bill.balance),
        "cTime": str(bill.ts),
    }
