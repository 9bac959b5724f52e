"""What the Bitget v2 endpoints of the fake exchange share (tests/support/fake_bitget_public.py,
fake_bitget_trading.py, fake_bitget_account.py): the answer envelope, errors, the USDT-M
listings, number formats, fee rates and paging.

Every answer is ``{"code": "00000", "msg": "success", "requestTime": ms, "data": ...}``; an error
keeps the envelope with Bitget's code, its message and ``"data": null``."""

from __future__ import annotations

from typing import Any

from tests.support.fake_venues import PERPS, Listing

Row = dict[str, Any]

PRODUCT = "USDT-FUTURES"
#: Bitget's VIP 0 rates for USDT-M futures (what its contracts list reports).
TAKER_FEE = 0.0006
MAKER_FEE = 0.0002
#: Bitget's contract specs of the fake's perpetuals: (pricePlace, volumePlace, sizeMultiplier).
SPECS = {"BTC": (1, 3, "0.001"), "ETH": (2, 2, "0.01")}


class BitgetError(Exception):
    """An answer other than success: HTTP status, Bitget's code and message."""

    def __init__(self, status: int, code: str, msg: str) -> None:
        super().__init__(f"{code} {msg}")
        self.status, self.code, self.msg = status, code, msg

    def body(self, now_ms: int) -> Row:
        return {"code": self.code, "msg": self.msg, "requestTime": now_ms, "data": None}


def ok(data: Any, now_ms: int) -> Row:
    return {"code": "00000", "msg": "success", "requestTime": now_ms, "data": data}


def error_body(status: int, now_ms: int) -> Row:
    """What Bitget answers with a 429 or a 5xx status."""
    if status == 429:
        return BitgetError(429, "429", "Too Many Requests").body(now_ms)
    return BitgetError(status, "40604", "Server is busy, please try again later").body(now_ms)


def n(value: float) -> str:
    """A number as Bitget writes it: the shortest string that parses back to it, no ".0"."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def listing(symbol: str) -> Listing:
    """The perpetual of a Bitget symbol (``BTCUSDT``), else Bitget's 40034 error."""
    found = PERPS.get(symbol)
    if found is None:
        raise BitgetError(400, "40034", "Parameter symbol does not exist")
    return found


def bitget_id(unified: str) -> str:
    """``BTC/USDT:USDT`` -> ``BTCUSDT``."""
    return unified.split("/", maxsplit=1)[0] + "USDT"


def check_product(params: Row) -> None:
    """``productType`` is required, and this fake lists USDT-M futures only."""
    product = str(params.get("productType") or "")
    if not product:
        raise BitgetError(400, "40019", "Parameter productType cannot be empty")
    if product.upper() != PRODUCT:
        raise BitgetError(400, "40034", f"Parameter productType {product} does not exist")


def between(ts: int, params: Row) -> bool:
    """``startTime`` and ``endTime``, both inclusive."""
    start, end = params.get("startTime"), params.get("endTime")
    return (not start or ts >= int(start)) and (not end or ts <= int(end))


def page(rows: list[Any], params: Row, key: str) -> tuple[list[Any], str]:
    """Bitget's cursor paging: newest first, ``idLessThan`` = older than that id, ``limit`` at
    most 100 (default 100); returns the page and its ``endId`` (the oldest id on it)."""
    newest_first = sorted(rows, key=lambda row: int(getattr(row, key)), reverse=True)
    if params.get("idLessThan"):
        cursor = int(params["idLessThan"])
        newest_first = [row for row in newest_first if int(getattr(row, key)) < cursor]
    limit = min(int(params.get("limit") or 100), 100)
    chosen = newest_first[:limit]
    return chosen, (str(getattr(chosen[-1], key)) if chosen else "")
