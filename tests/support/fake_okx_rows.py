"""What the OKX v5 private endpoints of the fake exchange share: fee rates, contract conversion,
number formats, errors and paging, and the order, algo order and fill rows OKX answers with
(tests/support/fake_okx_trading.py and fake_okx_account.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.support.fake_accounts import (
    FakeAccount,
    Fill,
    Order,
    clean,
)
from tests.support.fake_venues import LISTINGS, Listing

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange

Row = dict[str, Any]

#: What CCXT's okx.load_markets() reports for USDT swaps (its fees['swap']); OKX's Lv1 rates.
TAKER_FEE = 0.0005
MAKER_FEE = 0.0002

_BY_ID = {item.okx_id: item for item in LISTINGS}
_BY_SYMBOL = {item.symbol: item for item in LISTINGS}


def listing_of(name: str) -> Listing:
    """The listing of an OKX instrument id or a unified symbol; KeyError if none."""
    return _BY_ID[name] if name in _BY_ID else _BY_SYMBOL[name]


def contracts(listing: Listing, base: float) -> float:
    """Base units -> contracts."""
    return clean(base / float(listing.ct_val))


def n(value: float) -> str:
    """A number as OKX writes it: the shortest string that parses back to it, no ".0"."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def ms(ts: int | None) -> str:
    return "" if ts is None else str(ts)


def _price(value: float | None) -> str:
    return "" if value is None else n(value)


class OkxError(Exception):
    """An answer other than success: HTTP status and OKX body."""

    def __init__(self, status: int, code: str, msg: str, data: list[Any] | None = None) -> None:
        super().__init__(f"{code} {msg}")
        self.status, self.body = status, {"code": code, "msg": msg, "data": data or []}


def swap_listing(inst_id: str, status: int = 200) -> Listing:
    """The swap listing of ``inst_id``, else OKX's "Instrument ID does not exist" (51001)."""
    listing = _BY_ID.get(inst_id)
    if listing is None or listing.spot:
        raise OkxError(status, "51001", "Instrument ID does not exist")
    return listing


def between(ts: int, params: Row) -> bool:
    return (not params.get("begin") or ts >= int(params["begin"])) and (
        not params.get("end") or ts <= int(params["end"])
    )


def page(rows: list[Any], params: Row, key: Any) -> list[Any]:
    """OKX paging: newest first; ``after`` = older than that id, ``before`` = newer; ``limit``
    at most 100 (default 100)."""
    read = key if callable(key) else (lambda row: getattr(row, key))
    newest_first = sorted(rows, key=lambda row: int(read(row)), reverse=True)
    if params.get("after"):
        newest_first = [row for row in newest_first if int(read(row)) < int(params["after"])]
    if params.get("before"):
        newest_first = [row for row in newest_first if int(read(row)) > int(params["before"])]
    limit = min(int(params.get("limit") or 100), 100)
    return newest_first[:limit]


class OkxRows:
    """Orders, algo orders and fills as OKX answers them."""

    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake

    def order(self, account: FakeAccount, order: Order) -> Row:
        listing = listing_of(order.symbol)
        fills = [fill for fill in account.fills if fill.order_id == order.order_id]
        last = fills[-1] if fills else None
        parent = account.orders.get(order.parent_id or "")
        algo = parent if parent is not None and parent.kind == "conditional" else None
        state = {"filled": "filled", "canceled": "canceled"}.get(order.status, "live")
        return {
            "instType": "SWAP",
            "instId": listing.okx_id,
            "tgtCcy": "",
            "ccy": "",
            "ordId": order.order_id,
            "clOrdId": order.client_order_id,
            "tag": order.extras.get("tag", ""),
            "px": "",
            "pxUsd": "",
            "pxVol": "",
            "pxType": "",
            "sz": n(contracts(listing, order.quantity)),
            "pnl": n(order.realized_pnl),
            "ordType": order.extras.get("ordType", "market"),
            "side": order.side,
            "posSide": "net",
            "tdMode": "isolated",
            "accFillSz": n(contracts(listing, order.filled)),
            "fillPx": n(last.price) if last else "",
            "tradeId": last.trade_id if last else "",
            "fillSz": n(contracts(listing, last.quantity)) if last else "0",
            "fillTime": ms(last.ts) if last else "",
            "avgPx": n(order.average_price) if order.filled else "",
            "state": state,
            "lever": order.extras.get("lever", n(account.leverage_of(order.symbol))),
            "attachAlgoClOrdId": "",
            "tpTriggerPx": "",
            "tpTriggerPxType": "",
            "tpOrdPx": "",
            "slTriggerPx": "",
            "slTriggerPxType": "",
            "slOrdPx": "",
            "attachAlgoOrds": self._attached(account, order),
            "linkedAlgoOrd": {"algoId": ""},
            "stpId": "",
            "stpMode": "cancel_maker",
            "feeCcy": "USDT",
            "fee": n(-order.fee),
            "rebateCcy": "USDT",
            "rebate": "0",
            "source": "",
            "category": order.extras.get("category", "normal"),
            "reduceOnly": "true" if order.reduce_only else "false",
            "isTpLimit": "false",
            "cancelSource": "" if state != "canceled" else "1",
            "cancelSourceReason": order.cancel_reason if state == "canceled" else "",
            "quickMgnType": "",
            "algoClOrdId": algo.client_order_id if algo else "",
            "algoId": algo.order_id if algo else "",
            "uTime": ms(order.updated_ms),
            "cTime": ms(order.created_ms),
            "tradeQuoteCcy": "USDT",
        }

    def _attached(self, account: FakeAccount, entry: Order) -> list[Row]:
        exits = entry.exits
        if exits is None:
            return []
        placed = next((o for o in account.orders.values() if o.parent_id == entry.order_id), None)
        return [
            {
                "attachAlgoId": placed.order_id if placed else "",
                "attachAlgoClOrdId": exits.client_order_id,
                "tpOrdKind": "condition",
                "tpTriggerPx": _price(exits.take_profit_price),
                "tpTriggerPxType": exits.extras.get("tpTriggerPxType", "last"),
                "tpOrdPx": "-1" if exits.take_profit_price is not None else "",
                "slTriggerPx": _price(exits.stop_price),
                "slTriggerPxType": exits.extras.get("slTriggerPxType", "last"),
                "slOrdPx": "-1" if exits.stop_price is not None else "",
                "sz": "",
                "amendPxOnTriggerType": "0",
                "failCode": "",
                "failReason": "",
            }
        ]

    def algo(self, account: FakeAccount, order: Order) -> Row:
        listing = listing_of(order.symbol)
        state = {
            "open": "live",
            "triggered": "effective",
            "canceled": "canceled",
            "failed": "order_failed",
        }[order.status]
        fired = order.triggered_leg
        return {
            "instType": "SWAP",
            "instId": listing.okx_id,
            "ccy": "",
            "ordId": order.child_id or "",
            "ordIdList": [order.child_id] if order.child_id else [],
            "algoId": order.order_id,
            "clOrdId": order.extras.get("clOrdId", ""),
            "algoClOrdId": order.client_order_id,
            "sz": n(contracts(listing, order.quantity)) if order.quantity else "",
            "closeFraction": "1" if order.close_position else "",
            "ordType": order.extras.get("ordType", "conditional"),
            "side": order.side,
            "posSide": "net",
            "tdMode": "isolated",
            "tgtCcy": "",
            "state": state,
            "lever": order.extras.get("lever", ""),
            "tpTriggerPx": _price(order.take_profit_price),
            "tpTriggerPxType": order.extras.get("tpTriggerPxType", "last")
            if order.take_profit_price is not None
            else "",
            "tpOrdPx": "-1" if order.take_profit_price is not None else "",
            "slTriggerPx": _price(order.stop_price),
            "slTriggerPxType": order.extras.get("slTriggerPxType", "last")
            if order.stop_price is not None
            else "",
            "slOrdPx": "-1" if order.stop_price is not None else "",
            "triggerPx": "",
            "triggerPxType": "",
            "ordPx": "",
            "actualSz": n(contracts(listing, order.filled)) if fired else "",
            "actualPx": n(order.average_price) if fired and order.filled else "",
            "actualSide": {"stop": "sl", "take_profit": "tp"}.get(fired or "", ""),
            "triggerTime": ms(order.updated_ms) if fired else "",
            "reduceOnly": "true" if order.reduce_only else "false",
            "failCode": "1" if order.status == "failed" else "",
            "algoClOrdIdAttached": "",
            "isTradeBorrowMode": "",
            "attachAlgoOrds": [],
            "linkedOrd": {"ordId": ""},
            "last": n(self.fake.price_now(order.symbol)),
            "quickMgnType": "",
            "amendPxOnTriggerType": "0",
            "tag": order.extras.get("tag", ""),
            "cTime": ms(order.created_ms),
            "uTime": ms(order.updated_ms),
        }

    def fill(self, fill: Fill, bill_id: str) -> Row:
        listing = listing_of(fill.symbol)
        return {
            "instType": "SWAP",
            "instId": listing.okx_id,
            "tradeId": fill.trade_id,
            "ordId": fill.order_id,
            "clOrdId": fill.client_order_id,
            "billId": bill_id,
            "subType": "1" if fill.side == "buy" else "2",
            "tag": "",
            "fillPx": n(fill.price),
            "fillSz": n(contracts(listing, fill.quantity)),
            "fillIdxPx": n(fill.price),
            "fillPnl": n(fill.realized_pnl),
            "fillPxVol": "",
            "fillPxUsd": "",
            "fillMarkVol": "",
            "fillFwdPx": "",
            "fillMarkPx": n(fill.price),
            "side": fill.side,
            "posSide": "net",
            "execType": "T",
            "feeCcy": "USDT",
            "fee": n(-fill.fee),
            "feeRate": n(-fill.fee_rate),
            "ts": ms(fill.ts),
            "fillTime": ms(fill.ts),
            "tradeQuoteCcy": "USDT",
        }
