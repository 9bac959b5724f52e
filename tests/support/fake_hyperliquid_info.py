"""Hyperliquid's ``POST /info`` for the fake exchange: market metadata, the account's state,
orders, fills and funding, in Hyperliquid's answer shapes (numbers as strings, sides "B"/"A",
coins by name, assets by their index in the perpetuals' universe).

Perpetuals are USDC-margined ``BTC`` and ``ETH`` (assets 0 and 1, as on Hyperliquid), served
from the sample's BTC and ETH rows (the core names them by their sample symbols). Fills are
answered oldest first from ``startTime``, at most ``page_cap`` (2,000) a request, and funding
payments 500 at most, as Hyperliquid does; there is no ``limit``. Funding is the sample's
(Binance's 8-hourly rates, where Hyperliquid settles hourly): the sample has nothing finer.

Public market data: ``candleSnapshot`` answers the sample's bars opened from ``startTime`` to
``endTime`` and by the fake's now, oldest first, and only among the newest 5,000 (Hyperliquid
keeps no more); ``fundingHistory`` answers the sample's 8-hourly rates from ``startTime``, 500
at most, oldest first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alpha_arena.core.time import HOUR_MS
from tests.support.fake_accounts import FakeAccount, Fill, Order
from tests.support.fake_venues import PERPS, Listing, num

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange

Body = dict[str, Any]
#: Hyperliquid's base taker and maker rates for perpetuals (tier 0).
TAKER_FEE = 0.00045
MAKER_FEE = 0.00015
FILLS_PER_PAGE = 2_000
FUNDING_PER_PAGE = 500
CANDLES_KEPT = 5_000  # candleSnapshot serves only the newest 5,000 bars of an interval
#: candleSnapshot intervals the sample can serve (minute bars split the hours, see ``bars``).
INTERVALS = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
             "1h": HOUR_MS, "2h": 2 * HOUR_MS, "4h": 4 * HOUR_MS, "8h": 8 * HOUR_MS,
             "12h": 12 * HOUR_MS, "1d": 24 * HOUR_MS}  # fmt: skip
ZERO_HASH = "0x" + "0" * 64


@dataclass(frozen=True, slots=True)
class Coin:
    name: str
    asset: int
    sz_decimals: int
    max_leverage: int
    listing: Listing  # the sample rows it trades on (the core's symbol)


COINS = (
    Coin("BTC", 0, 5, 40, PERPS["BTCUSDT"]),
    Coin("ETH", 1, 4, 25, PERPS["ETHUSDT"]),
)
BY_ASSET = {coin.asset: coin for coin in COINS}
BY_SYMBOL = {coin.listing.symbol: coin for coin in COINS}
BY_NAME = {coin.name: coin for coin in COINS}
PUBLIC = frozenset({"metaAndAssetCtxs", "spotMeta", "exchangeStatus", "candleSnapshot",
                    "fundingHistory"})  # fmt: skip


class InfoError(Exception):
    """Hyperliquid answers a request it cannot read with HTTP 422 and this text."""


def size_text(coin: Coin, size: float) -> str:
    return f"{size:.{coin.sz_decimals}f}"


def usd(value: float) -> str:
    return f"{value:.6f}"


class HyperliquidInfo:
    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake
        self.page_cap = FILLS_PER_PAGE  # lower it to make a test page
        self.requests: Counter[str] = Counter()  # by request type

    def answer(self, body: Body, accounts: dict[str, FakeAccount]) -> Any:
        kind = str(body.get("type"))
        self.requests[kind] += 1
        handlers: dict[str, Callable[[Body, FakeAccount | None], Any]] = {
            "metaAndAssetCtxs": lambda _b, _a: self.meta_and_contexts(),
            "spotMeta": lambda _b, _a: {
                "universe": [],
                "tokens": [
                    {
                        "name": "USDC",
                        "szDecimals": 8,
                        "weiDecimals": 8,
                        "index": 0,
                        "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054",
                        "isCanonical": True,
                        "evmContract": None,
                        "fullName": None,
                    }
                ],
            },
            "exchangeStatus": lambda _b, _a: {
                "specialStatuses": None,
                "time": str(self.fake.now_ms),
            },
            "userAbstraction": lambda _b, _a: "default",
            "clearinghouseState": self.clearinghouse,
            "frontendOpenOrders": self.open_orders,
            "openOrders": self.open_orders,
            "orderStatus": self.order_status,
            "userFillsByTime": self.fills,
            "userFills": self.fills,
            "userFunding": self.funding,
            "candleSnapshot": lambda b, _a: self.candles(b),
            "fundingHistory": lambda b, _a: self.funding_history(b),
        }
        handler = handlers.get(kind)
        if handler is None:
            raise InfoError("Failed to deserialize the JSON body into the target type")
        user = str(body.get("user") or "").lower()
        if kind not in PUBLIC and not user:
            raise InfoError("Failed to deserialize the JSON body into the target type")
        return handler(body, accounts.get(user))

    # -- market -----------------------------------------------------------------------------

    def meta_and_contexts(self) -> list[Any]:
        universe, contexts = [], []
        for coin in COINS:
            symbol = coin.listing.symbol
            quote = self.fake.quote(symbol)
            mid = self.fake.price_now(symbol)
            universe.append({"szDecimals": coin.sz_decimals, "name": coin.name,
                             "maxLeverage": coin.max_leverage})  # fmt: skip
            contexts.append({
                "funding": "0.0000125", "openInterest": num(coin.listing.open_interest),
                "prevDayPx": num(quote["last"]), "dayNtlVlm": "1000000.0", "premium": "0.0",
                "oraclePx": num(quote["index"]), "markPx": num(quote["mark"]), "midPx": num(mid),
                "impactPxs": [num(mid), num(mid)], "dayBaseVlm": "100.0",
            })  # fmt: skip
        return [{"universe": universe, "marginTables": []}, contexts]

    def candles(self, body: Body) -> list[Body]:
        request = body.get("req")
        if not isinstance(request, dict) or request.get("interval") not in INTERVALS:
            raise InfoError("Failed to deserialize the JSON body into the target type")
        coin, step = _coin(request.get("coin")), INTERVALS[request["interval"]]
        table = self.fake.served_bars(coin.listing.symbol, step)[-CANDLES_KEPT:]
        start, end = int(request.get("startTime", 0)), int(request.get("endTime", self.fake.now_ms))
        rows = table[(table[:, 0] >= start) & (table[:, 0] <= end)]
        return [
            {"t": int(ts), "T": int(ts) + step - 1, "s": coin.name, "i": request["interval"],
             "o": num(o), "c": num(c), "h": num(h), "l": num(lo), "v": num(v), "n": 100}
            for ts, o, h, lo, c, v in rows
        ]  # fmt: skip

    def funding_history(self, body: Body) -> list[Body]:
        coin = _coin(body.get("coin"))
        table = self.fake.funding(coin.listing.symbol, int(body.get("startTime", 0)))
        if body.get("endTime") is not None:
            table = table[table[:, 0] <= int(body["endTime"])]
        return [
            {"coin": coin.name, "fundingRate": f"{rate:.8f}", "premium": "0.0", "time": int(ts)}
            for ts, rate in table[:FUNDING_PER_PAGE]
        ]

    # -- account ----------------------------------------------------------------------------

    def clearinghouse(self, body: Body, account: FakeAccount | None) -> Body:
        positions, notional, margin_used = [], 0.0, 0.0
        marks = self.fake.marks()
        held = account.positions if account else {}
        modes = account.margin_mode if account else {}
        for symbol, position in held.items():
            coin = BY_SYMBOL[symbol]
            raw_usd = -position.quantity * position.entry_price + position.margin
            funding = usd(-position.funding)  # Hyperliquid counts funding paid as positive
            mark = marks[symbol]
            unrealized = position.unrealized(mark)
            notional += position.size * mark
            margin_used += position.margin + unrealized
            positions.append({"type": "oneWay", "position": {
                "coin": coin.name, "szi": size_text(coin, position.quantity),
                "leverage": {"type": modes.get(symbol, "cross"), "value": int(position.leverage),
                             "rawUsd": usd(raw_usd)},
                "entryPx": num(position.entry_price), "positionValue": usd(position.size * mark),
                "unrealizedPnl": usd(unrealized),
                "returnOnEquity": usd(unrealized / position.margin if position.margin else 0.0),
                "liquidationPx": num(position.liquidation_price),
                "marginUsed": usd(position.margin + unrealized), "maxLeverage": coin.max_leverage,
                "cumFunding": {"allTime": funding, "sinceOpen": funding, "sinceChange": funding},
            }})  # fmt: skip
        cash = account.cash if account else 0.0
        value = cash + margin_used
        summary = {"accountValue": usd(value), "totalNtlPos": usd(notional),
                   "totalRawUsd": usd(value), "totalMarginUsed": usd(margin_used)}  # fmt: skip
        return {"marginSummary": summary, "crossMarginSummary": summary,
                "crossMaintenanceMarginUsed": "0.0", "withdrawable": usd(cash),
                "assetPositions": positions, "time": self.fake.now_ms}  # fmt: skip

    def open_orders(self, body: Body, account: FakeAccount | None) -> list[Body]:
        orders = account.open_orders() if account else []
        return [self.order_row(order) for order in reversed(orders)]  # newest first

    def order_status(self, body: Body, account: FakeAccount | None) -> Body:
        wanted = body.get("oid")
        order = None
        if account is not None and isinstance(wanted, str) and wanted.startswith("0x"):
            order = account.order_by_client_id(wanted.lower())
        elif account is not None and wanted is not None:
            order = account.orders.get(str(wanted))
        if order is None:
            return {"status": "unknownOid"}
        return {"status": "order", "order": {"order": self.order_row(order),
                "status": status_of(order), "statusTimestamp": order.updated_ms}}  # fmt: skip

    def order_row(self, order: Order) -> Body:
        coin = BY_SYMBOL[order.symbol]
        trigger = order.kind == "conditional"
        level = order.stop_price if order.stop_price is not None else order.take_profit_price
        remaining = max(order.quantity - order.filled, 0.0)  # what was left when it ended
        if not trigger:
            kind = "Limit"
        else:
            kind = "Stop Market" if order.stop_price is not None else "Take Profit Market"
        row: Body = {
            "coin": coin.name, "side": "B" if order.side == "buy" else "A",
            "limitPx": order.extras.get("limitPx", "0.0"), "sz": size_text(coin, remaining),
            "oid": int(order.order_id), "timestamp": order.created_ms,
            "triggerCondition": _condition(order) if trigger else "N/A", "isTrigger": trigger,
            "triggerPx": num(level) if trigger and level is not None else "0.0",
            "children": [], "isPositionTpsl": False, "reduceOnly": order.reduce_only,
            "orderType": kind, "origSz": size_text(coin, order.quantity),
            "tif": None if trigger else "Ioc",
        }  # fmt: skip
        if order.client_order_id:
            row["cloid"] = order.client_order_id
        return row

    # -- records ----------------------------------------------------------------------------

    def fills(self, body: Body, account: FakeAccount | None) -> list[Body]:
        start = int(body.get("startTime") or 0)
        end = int(body.get("endTime") or 2**62)
        rows = [self.fill_row(account, fill) for fill in (account.fills if account else [])
                if start <= fill.ts <= end]  # fmt: skip
        rows.sort(key=lambda row: (row["time"], row["tid"]))
        return rows[: self.page_cap]

    def fill_row(self, account: FakeAccount | None, fill: Fill) -> Body:
        assert account is not None
        coin = BY_SYMBOL[fill.symbol]
        order = account.orders[fill.order_id]
        parent = account.orders.get(order.parent_id or "")
        if (
            parent is not None
            and parent.kind == "conditional"
            and parent.child_id == order.order_id
        ):
            order = parent  # a triggered order executes as itself
        before = _position_before(account, fill)
        return {
            "coin": coin.name, "px": num(fill.price), "sz": size_text(coin, fill.quantity),
            "side": "B" if fill.side == "buy" else "A", "time": fill.ts,
            "startPosition": size_text(coin, before), "dir": _direction(before, fill),
            "closedPnl": usd(fill.realized_pnl), "hash": "0x" + f"{int(fill.trade_id):064x}",
            "oid": int(order.order_id), "crossed": True, "fee": usd(fill.fee),
            "tid": int(fill.trade_id), "feeToken": "USDC",
        }  # fmt: skip

    def funding(self, body: Body, account: FakeAccount | None) -> list[Body]:
        start = int(body.get("startTime") or 0)
        end = int(body.get("endTime") or 2**62)
        bills = [b for b in (account.bills if account else []) if b.kind == "funding"
                 and start <= b.ts <= end]  # fmt: skip
        bills.sort(key=lambda bill: bill.ts)
        rows: list[Body] = [{"time": bill.ts, "hash": ZERO_HASH, "delta": {
            "type": "funding", "coin": BY_SYMBOL[bill.symbol].name, "usdc": usd(bill.amount),
            "szi": size_text(BY_SYMBOL[bill.symbol], bill.quantity),
            "fundingRate": f"{bill.rate:.8f}", "nSamples": None}} for bill in bills]  # fmt: skip
        return rows[: min(self.page_cap, FUNDING_PER_PAGE)]


def _coin(name: Any) -> Coin:
    if name not in BY_NAME:  # Hyperliquid answers an unknown coin with a bare 500
        raise InfoError("Failed to deserialize the JSON body into the target type")
    return BY_NAME[name]


def status_of(order: Order) -> str:
    """Hyperliquid's status word for an order of the core."""
    if order.kind == "conditional":
        if order.status == "triggered":
            return "filled"  # it executed as itself
        if order.status == "failed":
            return "reduceOnlyCanceled" if order.reduce_only else "marginCanceled"
    return order.status  # open, filled, canceled


def _condition(order: Order) -> str:
    level = order.stop_price if order.stop_price is not None else order.take_profit_price
    falling = (order.stop_price is not None) == (order.side == "sell")
    return f"Price {'below' if falling else 'above'} {num(level or 0.0)}"


def _position_before(account: FakeAccount, fill: Fill) -> float:
    signed = 0.0
    for other in account.fills:
        if other is fill:
            break
        if other.symbol == fill.symbol:
            signed += other.quantity if other.side == "buy" else -other.quantity
    return round(signed, 12)


def _direction(before: float, fill: Fill) -> str:
    buy = fill.side == "buy"
    if before == 0 or (before > 0) == buy:
        return "Open Long" if buy else "Open Short"
    return "Close Short" if buy else "Close Long"
