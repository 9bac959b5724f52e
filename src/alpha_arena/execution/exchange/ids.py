"""Client order ids on the exchange: derived from the order's own id, so that re-executing a
tick after a crash asks for the very order it placed before (and finds it) instead of placing
it twice.

Two formats, chosen by the prefix: alphanumeric ids (``aacee`` + ``x`` + a base-36 digest, at
most 32 characters, which OKX, Binance, Bybit and Bitget accept), and Hyperliquid's ``cloid``,
a 128-bit hex number written ``0x`` + 32 hex digits (Hyperliquid refuses anything else): ``0x``
+ 8 hex digits naming the entry + 24 naming the order."""

from __future__ import annotations

import hashlib
import re

_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")
_HEX_PREFIX = re.compile(r"0x[0-9a-f]{8}")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
#: Exchanges whose client order ids are 128-bit hex numbers (Hyperliquid's ``cloid``).
HEX_ID_EXCHANGES = frozenset({"hyperliquid"})


class ClientIds:
    """``prefix`` names the account's owner (a season's entry): ``aacee`` for season 12,
    entry 14 (numbers in base 36), or ``0x`` + 8 hex digits on Hyperliquid; every id of the
    entry starts with it (reconciliation tells the entry's orders apart by it)."""

    def __init__(self, prefix: str) -> None:
        self.hex = bool(_HEX_PREFIX.fullmatch(prefix))
        if not self.hex:
            prefix = _ALPHANUMERIC.sub("", prefix)
            if not prefix or len(prefix) > 18:
                raise ValueError("a client id prefix is 1-18 letters or digits")
        self.prefix = prefix

    @classmethod
    def for_entry(cls, season_id: int, entry_id: int, exchange: str = "") -> ClientIds:
        """The ids of an entry trading on ``exchange`` (its CCXT id)."""
        name = f"aa{_base36(season_id)}e{_base36(entry_id)}"
        if exchange in HEX_ID_EXCHANGES:
            return cls("0x" + hashlib.blake2b(name.encode(), digest_size=4).hexdigest())
        return cls(name)

    def exchange_id(self, client_order_id: str) -> str:
        if self.hex:
            return (
                self.prefix + hashlib.blake2b(client_order_id.encode(), digest_size=12).hexdigest()
            )
        digest = int.from_bytes(hashlib.blake2b(client_order_id.encode(), digest_size=8).digest())
        return self.prefix + "x" + _base36(digest)


def _base36(value: int) -> str:
    text = ""
    while True:
        value, digit = divmod(value, 36)
        text = _DIGITS[digit] + text
        if value == 0:
            return text
