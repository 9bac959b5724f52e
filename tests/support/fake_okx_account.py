"""OKX v5 private account endpoints of the fake exchange: balance, positions, account config,
leverage, position mode, trading fees, bills (funding payments among them) and currencies, in
OKX's fields (the routes, authentication and orders are in tests/support/fake_okx_trading.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.support.fake_accounts import (
    MAINTENANCE_MARGIN_RATE,
    Bill,
    FakeAccount,
    Position,
)
from tests.support.fake_okx_rows import (
    MAKER_FEE,
    TAKER_FEE,
    OkxError,
    Row,
    between,
    contracts,
    listing_of,
    ms,
    n,
    page,
    swap_listing,
)

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange

Body = dict[str, Any]
Handler = Callable[[FakeAccount, Any], list[Any]]


class OkxAccountApi:
    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake

    def handlers(self) -> dict[tuple[str, str], Handler]:
        """(method, path under /api/v5/) -> handler."""
        return {
            ("GET", "account/balance"): self.balance,
            ("GET", "account/positions"): self.positions,
            ("GET", "account/config"): self.config,
            ("GET", "account/leverage-info"): self.leverage_info,
            ("GET", "account/trade-fee"): self.trade_fee,
            ("GET", "account/bills"): self.bills,
            ("GET", "account/bills-archive"): self.bills,
            ("GET", "asset/currencies"): self.currencies,
            ("POST", "account/set-leverage"): self.set_leverage,
            ("POST", "account/set-position-mode"): self.set_position_mode,
        }

    def balance(self, account: FakeAccount, params: Body) -> list[Any]:
        return [self._balance(account, params.get("ccy"))]

    def positions(self, account: FakeAccount, params: Body) -> list[Any]:
        if params.get("instType") not in (None, "", "SWAP"):
            return []
        wanted = [item for item in str(params.get("instId", "")).split(",") if item]
        return [
            self._position(account, position)
            for position in account.positions.values()
            if not wanted or listing_of(position.symbol).okx_id in wanted
            if params.get("posId") in (None, "", position.position_id)
        ]

    def config(self, account: FakeAccount, params: Body) -> list[Any]:
        return [self._config(account)]

    def leverage_info(self, account: FakeAccount, params: Body) -> list[Any]:
        mode = params.get("mgnMode")
        if mode not in ("cross", "isolated"):
            raise OkxError(200, "51000", "Parameter mgnMode error")
        listings = [swap_listing(inst) for inst in str(params.get("instId", "")).split(",")]
        return [
            {
                "instId": listing.okx_id,
                "mgnMode": mode,
                "posSide": "net",
                "lever": n(account.leverage_of(listing.symbol)),
                "ccy": "",
            }
            for listing in listings
        ]

    def set_leverage(self, account: FakeAccount, params: Body) -> list[Any]:
        listing = swap_listing(params.get("instId", ""))
        mode = params.get("mgnMode")
        if mode not in ("cross", "isolated"):
            raise OkxError(200, "51000", "Parameter mgnMode error")
        try:
            lever = float(params.get("lever", ""))
        except ValueError:
            raise OkxError(200, "51000", "Parameter lever error") from None
        if not 1 <= lever <= 100:
            raise OkxError(200, "59102", "Leverage exceeds the maximum leverage.")
        self.fake.trading.set_leverage(account, listing.symbol, lever)
        account.margin_mode[listing.symbol] = mode
        return [
            {
                "lever": n(lever),
                "mgnMode": mode,
                "instId": listing.okx_id,
                "posSide": params.get("posSide", "net") if mode == "isolated" else "",
            }
        ]

    def set_position_mode(self, account: FakeAccount, params: Body) -> list[Any]:
        mode = params.get("posMode")
        if mode not in ("net_mode", "long_short_mode"):
            raise OkxError(200, "51000", "Parameter posMode error")
        hedged = mode == "long_short_mode"
        if hedged != account.hedged and (account.positions or account.open_orders()):
            raise OkxError(200, "59000", "Settings failed as you have positions or open orders")
        account.hedged = hedged
        return [{"posMode": mode}]

    def trade_fee(self, account: FakeAccount, params: Body) -> list[Any]:
        return [self._trade_fee(params.get("instType", "SWAP"))]

    def bills(self, account: FakeAccount, params: Body) -> list[Any]:
        kinds = {"2": "trade", "8": "funding"}
        chosen = [
            bill
            for bill in account.bills
            if params.get("type") in (None, "", *[k for k, v in kinds.items() if v == bill.kind])
            and params.get("ccy") in (None, "", "USDT")
            and params.get("instType") in (None, "", "SWAP")
            and params.get("mgnMode") in (None, "", "isolated")
            and between(bill.ts, params)
        ]
        return [self._bill(bill) for bill in page(chosen, params, "bill_id")]

    def currencies(self, account: FakeAccount, params: Body) -> list[Any]:
        return [self._currency(code) for code in ("USDT", "BTC", "ETH")]

    # -- rows ----------------------------------------------------------------------------------

    def _balance(self, account: FakeAccount, currency: str | None) -> Row:
        marks = self.fake.marks()
        upl = sum(p.unrealized(marks[p.symbol]) for p in account.positions.values())
        margin = account.margin
        equity = account.cash + margin + upl
        maintenance = sum(
            p.size * marks[p.symbol] * MAINTENANCE_MARGIN_RATE for p in account.positions.values()
        )
        notional = sum(p.size * marks[p.symbol] for p in account.positions.values())
        now = str(self.fake.now_ms)
        details = {
            "ccy": "USDT",
            "eq": n(equity),
            "eqUsd": n(equity),
            "disEq": n(equity),
            "cashBal": n(account.cash + margin),
            "availBal": n(account.cash),
            "availEq": n(account.cash),
            "frozenBal": n(margin),
            "ordFrozen": "0",
            "isoEq": n(margin + upl),
            "upl": n(upl),
            "isoUpl": n(upl),
            "uplLiab": "0",
            "imr": "0",
            "mmr": "0",
            "mgnRatio": "",
            "notionalLever": n(notional / equity) if equity else "0",
            "liab": "0",
            "crossLiab": "0",
            "isoLiab": "0",
            "interest": "0",
            "maxLoan": "",
            "fixedBal": "0",
            "borrowFroz": "",
            "rewardBal": "0",
            "stgyEq": "0",
            "twap": "0",
            "spotInUseAmt": "",
            "spotIsoBal": "0",
            "uTime": now,
        }
        return {
            "adjEq": "",
            "borrowFroz": "",
            "details": [details] if currency in (None, "", "USDT") else [],
            "imr": n(margin),
            "isoEq": n(margin + upl),
            "mgnRatio": n((margin + upl) / maintenance) if maintenance else "",
            "mmr": n(maintenance),
            "notionalUsd": n(notional),
            "ordFroz": "0",
            "totalEq": n(equity),
            "upl": n(upl),
            "uTime": now,
        }

    def _position(self, account: FakeAccount, position: Position) -> Row:
        listing = listing_of(position.symbol)
        mark = self.fake.price_now(position.symbol)
        upl = position.unrealized(mark)
        notional = position.size * mark
        maintenance = notional * MAINTENANCE_MARGIN_RATE
        pnl = position.realized_pnl + position.fees - position.funding
        last_fill = next(
            (fill for fill in reversed(account.fills) if fill.symbol == position.symbol), None
        )
        return {
            "instType": "SWAP",
            "instId": listing.okx_id,
            "posId": position.position_id,
            "posSide": "net",
            "pos": n(contracts(listing, position.quantity)),
            "availPos": n(contracts(listing, position.size)),
            "posCcy": "",
            "ccy": "USDT",
            "mgnMode": "isolated",
            "lever": n(position.leverage),
            "avgPx": n(position.entry_price),
            "markPx": n(mark),
            "last": n(mark),
            "idxPx": n(mark),
            "usdPx": "",
            "margin": n(position.margin),
            "imr": "",
            "mmr": n(maintenance),
            "mgnRatio": n((position.margin + upl) / maintenance) if maintenance else "",
            "liqPx": n(position.liquidation_price),
            "notionalUsd": n(notional),
            "upl": n(upl),
            "uplLastPx": n(upl),
            "uplRatio": n(upl / position.margin) if position.margin else "0",
            "uplRatioLastPx": n(upl / position.margin) if position.margin else "0",
            "realizedPnl": n(position.realized_pnl),
            "pnl": n(pnl),
            "fee": n(-position.fees),
            "fundingFee": n(position.funding),
            "liqPenalty": "0",
            "bePx": n(position.entry_price),
            "adl": "1",
            "interest": "",
            "liab": "",
            "liabCcy": "",
            "optVal": "",
            "pendingCloseOrdLiabVal": "",
            "closeOrderAlgo": [],
            "deltaBS": "",
            "deltaPA": "",
            "gammaBS": "",
            "gammaPA": "",
            "thetaBS": "",
            "thetaPA": "",
            "vegaBS": "",
            "vegaPA": "",
            "spotInUseAmt": "",
            "spotInUseCcy": "",
            "bizRefId": "",
            "bizRefType": "",
            "tradeId": last_fill.trade_id if last_fill else "",
            "cTime": ms(position.opened_ms),
            "uTime": ms(position.updated_ms),
            "pTime": ms(self.fake.now_ms),
        }

    def _config(self, account: FakeAccount) -> Row:
        return {
            "uid": account.uid,
            "mainUid": account.uid,
            "acctLv": "2",
            "acctStpMode": "cancel_maker",
            "posMode": "long_short_mode" if account.hedged else "net_mode",
            "autoLoan": False,
            "ctIsoMode": "automatic",
            "mgnIsoMode": "automatic",
            "greeksType": "PA",
            "level": "Lv1",
            "levelTmp": "",
            "liquidationGear": "-1",
            "spotOffsetType": "",
            "roleType": "0",
            "spotRoleType": "0",
            "traderInsts": [],
            "spotTraderInsts": [],
            "opAuth": "0",
            "kycLv": "0",
            "label": "fake",
            "ip": "",
            "perm": "read_only,trade",
            "enableSpotBorrow": False,
            "spotBorrowAutoRepay": False,
            "type": "0",
            "settleCcy": "USDT",
            "settleCcyList": ["USDT"],
        }

    def _trade_fee(self, kind: str) -> Row:
        taker, maker = n(-TAKER_FEE), n(-MAKER_FEE)
        return {
            "category": "1",
            "delivery": "",
            "exercise": "",
            "instType": kind,
            "level": "Lv1",
            "maker": maker,
            "taker": taker,
            "makerU": maker,
            "takerU": taker,
            "makerUSDC": maker,
            "takerUSDC": taker,
            "ruleType": "normal",
            "ts": str(self.fake.now_ms),
            "fiat": [],
        }

    def _bill(self, bill: Bill) -> Row:
        listing = listing_of(bill.symbol)
        trade = bill.kind == "trade"
        sub_type = (
            ("1" if bill.side == "buy" else "2") if trade else ("173" if bill.amount < 0 else "174")
        )
        return {
            "billId": bill.bill_id,
            "type": "2" if trade else "8",
            "subType": sub_type,
            "ccy": "USDT",
            "instType": "SWAP",
            "instId": listing.okx_id,
            "mgnMode": "isolated",
            "bal": n(bill.balance),
            "balChg": n(bill.amount),
            "posBal": "0",
            "posBalChg": "0",
            "pnl": n(bill.realized_pnl if trade else bill.amount),
            "fee": n(-bill.fee),
            "sz": n(contracts(listing, abs(bill.quantity))),
            "px": n(bill.price),
            "execType": "T" if trade else "",
            "ordId": bill.order_id,
            "clOrdId": bill.client_order_id,
            "tradeId": bill.trade_id,
            "fillTime": ms(bill.ts) if trade else "",
            "fillIdxPx": n(bill.price) if trade else "",
            "fillMarkPx": n(bill.price) if trade else "",
            "fillPxUsd": "",
            "fillPxVol": "",
            "fillMarkVol": "",
            "fillFwdPx": "",
            "interest": "0",
            "notes": "" if trade else f"funding rate {bill.rate!r}",
            "from": "",
            "to": "",
            "tag": "",
            "ts": ms(bill.ts),
        }

    def _currency(self, code: str) -> Row:
        return {
            "ccy": code,
            "chain": f"{code}-ERC20",
            "name": code,
            "canDep": True,
            "canWd": True,
            "canInternal": True,
            "mainNet": False,
            "minDep": "0.00000001",
            "minWd": "0.001",
            "maxWd": "1000000",
            "wdTickSz": "8",
            "minFee": "0.0001",
            "maxFee": "0.001",
            "fee": "0.0001",
            "logoLink": "",
            "usedWdQuota": "0",
            "wdQuota": "10000000",
        }
