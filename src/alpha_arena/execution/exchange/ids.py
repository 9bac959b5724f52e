"""Client order ids on the exchange: derived from the order's own id, so that re-executing a
tick after a crash asks for the very order it placed before (and finds it) instead of placing
it twice."""

from __future__ import annotations

import hashlib
import re

_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class ClientIds:
    """``prefix`` names the account's owner (a season's entry): ``aacee`` for season 12,
    entry 14 (numbers in base 36). Ids are alphanumeric and at most 32 characters, which
    every supported exchange accepts (OKX allows nothing else)."""

    def __init__(self, prefix: str) -> None:
        prefix = _ALPHANUMERIC.sub("", prefix)
        if not prefix or len(prefix) > 18:
            raise ValueError("a client id prefix is 1-18 letters or digits")
        self.prefix = prefix

    @classmethod
    def for_entry(cls, season_id: int, entry_id: int) -> ClientIds:
        return cls(f"aa{_base36(season_id)}e{_base36(entry_id)}")

    def exchange_id(self, client_order_id: str) -> str:
        digest = int.from_bytes(hashlib.blake2b(client_order_id.encode(), digest_size=8).digest())
        return self.prefix + "x" + _base36(digest)


def _base36(value: int) -> str:
    text = ""
    while True:
        value, digit = divmod(value, 36)
        text = _DIGITS[digit] + text
        if value == 0:
            return text
