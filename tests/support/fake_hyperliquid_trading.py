"""Hyperliquid's API for the fake exchange (the testnet): ``POST /info`` (tests/support/
fake_hyperliquid_info.py) and ``POST /exchange``, whose signed actions are ``order``,
``cancel``, ``cancelByCloid``, ``updateLeverage``, ``approveBuilderFee`` and ``setReferrer``.

An account is its wallet address (``add_account``'s ``api_key``, lower case); an action is
signed (tests/support/fake_hyperliquid_sign.py) by the wallet's key or by an API wallet's (the
account's ``secret``), for the testnet chain. A signature by any other key is answered as
Hyperliquid answers it: the address it recovers to is not a user.

Orders: a market order is what CCXT sends for one, an immediate-or-cancel limit order: it fills
at once at the fake's price (the open of the current 1h bar) when that is within its limit
price, else nothing fills. A trigger order (``tpsl`` "sl" or "tp", ``isMarket``) rests until a
bar reaches its level and then executes as itself, under its own ``oid``. Client order ids
(``c``) must be Hyperliquid's ``cloid`` (0x + 32 hex digits). An order carrying a builder needs
the builder approved for at least its fee (``approveBuilderFee``); the fee is charged on top of
the taker fee. Margin is isolated when ``updateLeverage`` says ``isCross: false``.

Refusals of an order come back as HTTP 200 with ``status: ok`` and an ``error`` in the order's
entry of ``statuses``; refusals of the whole request as ``status: err`` with the reason in
``response``; a body that cannot be read as HTTP 422. Not modeled: nonce reuse (CCXT's nonces
increase), vaults and sub-accounts, expiresAfter, resting limit orders (never sent here)."""

from __future__ import annotations

import json
import math
import time
from typing import TYPE_CHECKING, Any

from tests.support.fake_accounts import FakeAccount, Order, Rejection
from tests.support.fake_hyperliquid_info import (
    BY_ASSET,
    TAKER_FEE,
    Coin,
    HyperliquidInfo,
    InfoError,
    size_text,
)
from tests.support.fake_hyperliquid_sign import (
    USER_SIGNED,
    BadSignature,
    address_of,
    l1_signer,
    user_signer,
)
from tests.support.fake_venues import num

if TYPE_CHECKING:
    from tests.support.fake_exchange import FakeExchange, PrivateRoute, Request

Body = dict[str, Any]
_DAY_MS = 86_400_000
_REFUSED = {  # Rejection.reason -> Hyperliquid's error, followed by " asset=<index>"
    "insufficient_funds": "Insufficient margin to place order.",
    "invalid_order": "Order has invalid size.",
    "duplicate_client_order_id": "Duplicate cloid.",  # not seen on the wire; CCXT: unmapped
    "no_position": "Reduce only order would increase position.",
    "order_not_found": "Order was never placed, already canceled, or filled.",
    "not_cancelable": "Order was never placed, already canceled, or filled.",
}


class Refused(Exception):  # noqa: N818 - the exchange's answer, not a bug
    """The whole request is refused: ``{"status": "err", "response": message}``."""


class HyperliquidTrading:
    """The routes, keyed by (method, path); ``info`` answers ``/info``."""

    order_paths = frozenset({("POST", "/exchange")})

    def __init__(self, fake: FakeExchange) -> None:
        self.fake = fake
        self.info = HyperliquidInfo(fake)
        self.testnet = True
        self.builders: dict[tuple[str, str], int] = {}  # (user, builder) -> max fee, 0.1 bp
        self.referrers: dict[str, str] = {}  # user -> referral code set

    def routes(self) -> dict[tuple[str, str], PrivateRoute]:
        return {("POST", "/info"): self._info, ("POST", "/exchange"): self._exchange}

    def _accounts(self) -> dict[str, FakeAccount]:
        return {key.lower(): a for key, a in self.fake.trading.accounts.items()
                if key.startswith("0x")}  # fmt: skip

    def _info(self, request: Request) -> tuple[int, Any]:
        try:
            return 200, self.info.answer(_json(request), self._accounts())
        except InfoError as error:
            return 422, str(error)

    # -- /exchange ------------------------------------------------------------------------

    def _exchange(self, request: Request) -> tuple[int, Any]:
        try:
            body = _json(request)
            action = body.get("action")
            if not isinstance(action, dict) or "nonce" not in body or "signature" not in body:
                raise InfoError("Failed to deserialize the JSON body into the target type")
            kind = str(action.get("type"))
            account = self._signer(action, body)
            handlers = {
                "order": self.order,
                "cancel": self.cancel,
                "cancelByCloid": self.cancel,
                "updateLeverage": self.update_leverage,
                "approveBuilderFee": self.approve_builder,
                "setReferrer": self.referrer,
            }
            handler = handlers.get(kind)
            if handler is None:
                raise InfoError("Failed to deserialize the JSON body into the target type")
            return 200, {"status": "ok", "response": handler(account, action)}
        except InfoError as error:
            return 422, str(error)
        except Refused as error:
            return 200, {"status": "err", "response": str(error)}

    def _signer(self, action: Body, body: Body) -> FakeAccount:
        nonce = int(body["nonce"])
        now = int(time.time() * 1000)
        if not now - 2 * _DAY_MS < nonce < now + _DAY_MS:
            raise Refused(f"Invalid nonce: duplicate nonce {nonce} or outside the time window")
        try:
            if str(action.get("type")) in USER_SIGNED:
                signer = user_signer(action, body["signature"])
            else:
                signer = l1_signer(action, nonce, body.get("vaultAddress"), body["signature"],
                                   self.testnet, body.get("expiresAfter"))  # fmt: skip
        except BadSignature:
            raise InfoError("Failed to deserialize the JSON body into the target type") from None
        for wallet, account in self._accounts().items():
            if signer in (wallet, address_of(account.secret)):
                if str(action.get("type")) in USER_SIGNED and signer != wallet:
                    raise Refused("User-signed actions must be signed by the user, not an agent.")
                return account
        raise Refused(f"User or API Wallet {signer} does not exist.")

    def order(self, account: FakeAccount, action: Body) -> Body:
        builder = action.get("builder")
        extra_fee = 0.0
        if builder is not None:
            approved = self.builders.get((account.api_key.lower(), str(builder["b"]).lower()))
            if approved is None or int(builder["f"]) > approved:
                raise Refused("Builder fee has not been approved.")
            extra_fee = int(builder["f"]) / 100_000  # tenths of a basis point
        statuses = []
        for wire in action.get("orders") or []:
            coin = BY_ASSET.get(int(wire.get("a", -1)))
            if coin is None:
                raise InfoError("Failed to deserialize the JSON body into the target type")
            try:
                statuses.append(self._place(account, coin, wire, extra_fee))
            except Rejection as rejection:
                statuses.append({"error": f"{_REFUSED[rejection.reason]} asset={coin.asset}"})
            except Refused as error:
                statuses.append({"error": f"{error} asset={coin.asset}"})
        return {"type": "order", "data": {"statuses": statuses}}

    def _place(self, account: FakeAccount, coin: Coin, wire: Body, extra_fee: float) -> Any:
        cloid = wire.get("c")
        if cloid is not None and not _is_cloid(str(cloid)):
            raise InfoError("Failed to deserialize the JSON body into the target type")
        client_id = str(cloid or "").lower()
        size, limit = _size(coin, wire.get("s")), _price(coin, wire.get("p"))
        side = "buy" if wire.get("b") is True else "sell"
        reduce_only = wire.get("r") is True
        kind = self.fake.take_order_rejection()
        if kind is not None:
            raise Rejection(kind)
        trading, now, symbol = self.fake.trading, self.fake.now_ms, coin.listing.symbol
        fee = TAKER_FEE + extra_fee
        order_type = wire.get("t") or {}
        extras = {"limitPx": num(limit)}
        if "trigger" in order_type:
            trigger = order_type["trigger"]
            level = _price(coin, trigger.get("triggerPx"))
            stop = trigger.get("tpsl") == "sl"
            if trigger.get("tpsl") not in ("sl", "tp") or trigger.get("isMarket") is not True:
                raise Refused("Invalid TP/SL price.")  # only market TP/SL are modeled
            order = trading.conditional_order(
                account, symbol, side, size, now=now, fee_rate=fee,
                stop_price=level if stop else None, take_profit_price=None if stop else level,
                client_order_id=client_id, reduce_only=reduce_only, extras=extras,
            )  # fmt: skip
            return _resting(order)
        if (order_type.get("limit") or {}).get("tif") != "Ioc":
            raise Refused("Only immediate-or-cancel orders are modeled by this fake.")
        price = self.fake.price_now(symbol)
        if (price > limit) if side == "buy" else (price < limit):
            raise Refused("Order could not immediately match against any resting orders.")
        if not reduce_only and size * price < 10:
            raise Refused("Order must have minimum value of $10.")
        fraction = self.fake.take_partial_fill()
        step = 10.0**-coin.sz_decimals
        fill = None if fraction is None else math.floor(size * fraction / step + 1e-9) * step
        order = trading.market_order(
            account, symbol, side, size, now=now, price=price, fee_rate=fee,
            client_order_id=client_id, reduce_only=reduce_only, fill_quantity=fill, extras=extras,
        )  # fmt: skip
        filled: Body = {"totalSz": size_text(coin, order.filled), "avgPx": num(price),
                        "oid": int(order.order_id)}  # fmt: skip
        if client_id:
            filled["cloid"] = client_id
        return {"filled": filled}

    def cancel(self, account: FakeAccount, action: Body) -> Body:
        statuses: list[Any] = []
        for wire in action.get("cancels") or []:
            coin = BY_ASSET.get(int(wire.get("a", wire.get("asset", -1))))
            if coin is None:
                raise InfoError("Failed to deserialize the JSON body into the target type")
            if action["type"] == "cancelByCloid":
                order = account.order_by_client_id(str(wire.get("cloid")).lower())
            else:
                order = account.orders.get(str(wire.get("o")))
            if order is None or order.symbol != coin.listing.symbol or not order.is_open:
                statuses.append({"error": f"{_REFUSED['order_not_found']} asset={coin.asset}"})
                continue
            self.fake.trading.cancel(account, order, self.fake.now_ms)
            statuses.append("success")
        return {"type": "cancel", "data": {"statuses": statuses}}

    def update_leverage(self, account: FakeAccount, action: Body) -> Body:
        coin = BY_ASSET.get(int(action.get("asset", -1)))
        leverage = action.get("leverage")
        if coin is None or not isinstance(leverage, int) or isinstance(leverage, bool):
            raise InfoError("Failed to deserialize the JSON body into the target type")
        if not 1 <= leverage <= coin.max_leverage:
            raise Refused("Invalid leverage value.")
        symbol = coin.listing.symbol
        mode = "cross" if action.get("isCross") is True else "isolated"
        if symbol in account.positions and account.margin_mode.get(symbol, "cross") != mode:
            raise Refused("Cannot switch leverage type with open position.")
        account.margin_mode[symbol] = mode
        self.fake.trading.set_leverage(account, symbol, float(leverage))
        return {"type": "default"}

    def approve_builder(self, account: FakeAccount, action: Body) -> Body:
        chain = "Testnet" if self.testnet else "Mainnet"
        if action.get("hyperliquidChain") != chain:
            raise Refused(f"Invalid hyperliquidChain: expected {chain}.")
        rate = str(action.get("maxFeeRate", "")).removesuffix("%")
        tenths = round(float(rate) * 1000)  # percent -> tenths of a basis point
        self.builders[(account.api_key.lower(), str(action["builder"]).lower())] = tenths
        return {"type": "default"}

    def referrer(self, account: FakeAccount, action: Body) -> Body:
        self.referrers[account.api_key.lower()] = str(action.get("code"))
        return {"type": "default"}


def order_accepted(body: Any) -> bool:
    """Whether an ``/exchange`` answer placed an order (what a dropped answer loses)."""
    if not isinstance(body, dict) or body.get("status") != "ok":
        return False
    response = body.get("response") or {}
    statuses = (response.get("data") or {}).get("statuses") or []
    return response.get("type") == "order" and all(
        not (isinstance(item, dict) and "error" in item) for item in statuses
    )


def _resting(order: Order) -> Body:
    resting: Body = {"oid": int(order.order_id)}
    if order.client_order_id:
        resting["cloid"] = order.client_order_id
    return {"resting": resting}


def _is_cloid(text: str) -> bool:
    return (
        len(text) == 34
        and text.startswith("0x")
        and all(c in "0123456789abcdefABCDEF" for c in text[2:])
    )


def _size(coin: Coin, text: Any) -> float:
    try:
        size = float(str(text))
    except ValueError:
        raise InfoError("Failed to deserialize the JSON body into the target type") from None
    step = 10.0**-coin.sz_decimals
    if size <= 0 or abs(round(size / step) * step - size) > step * 1e-6:
        raise Rejection("invalid_order", str(text))
    return size


def _price(coin: Coin, text: Any) -> float:
    """A price Hyperliquid accepts: an integer, or at most 5 significant digits and
    6 - szDecimals decimals."""
    try:
        price = float(str(text))
    except ValueError:
        raise InfoError("Failed to deserialize the JSON body into the target type") from None
    digits = str(text).rstrip("0").rstrip(".") if "." in str(text) else str(text)
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    significant = len(digits.replace(".", "").lstrip("0"))
    if price <= 0 or (decimals and (significant > 5 or decimals > 6 - coin.sz_decimals)):
        raise Refused("Order has invalid price.")
    return price


def _json(request: Request) -> Body:
    try:
        parsed = json.loads(request.body or "")
    except json.JSONDecodeError:
        raise InfoError("Failed to deserialize the JSON body into the target type") from None
    if not isinstance(parsed, dict):
        raise InfoError("Failed to deserialize the JSON body into the target type")
    return parsed
