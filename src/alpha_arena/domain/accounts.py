"""Exchange accounts: where a live season trades, and the keys it trades with.

``ExchangeAccount`` is what may be shown anywhere (no secret in it, only a fingerprint of the
API key). ``ExchangeCredentials`` holds the keys themselves; it exists only where a client is
built, and neither its ``repr`` nor its ``str`` shows them.

Hyperliquid has no API key pair: its ``api_key`` is the account's wallet address (0x…, public)
and its ``secret`` the private key of an API wallet authorised to trade for that account."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

ExchangeId = Literal["okx", "binanceusdm", "bybit", "bitget", "hyperliquid"]
#: The exchanges an account may be on (CCXT ids).
EXCHANGES: tuple[ExchangeId, ...] = ("okx", "binanceusdm", "bybit", "bitget", "hyperliquid")
#: Exchanges whose keys come with a passphrase (CCXT's ``password``).
NEEDS_PASSPHRASE: frozenset[str] = frozenset({"okx", "bitget"})
#: What an exchange's sandbox is called there (where ``sandbox=True`` accounts trade).
SANDBOX_NAME: dict[str, str] = {
    "okx": "demo trading", "binanceusdm": "demo trading", "bybit": "demo trading",
    "bitget": "demo trading", "hyperliquid": "testnet",
}  # fmt: skip
#: The currency an account's margin is in: USDT, but USDC on Hyperliquid.
SETTLE_CURRENCY: dict[str, str] = {
    "okx": "USDT", "binanceusdm": "USDT", "bybit": "USDT", "bitget": "USDT", "hyperliquid": "USDC",
}  # fmt: skip
#: Hex digits of the key's SHA-256 shown as its fingerprint: enough to tell keys apart.
FINGERPRINT_DIGITS = 8


def fingerprint(api_key: str) -> str:
    """A short, non-reversible name of ``api_key``, safe to show: the first hex digits of its
    SHA-256."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:FINGERPRINT_DIGITS]


@dataclass(frozen=True, slots=True)
class ExchangeAccount:
    """A registered exchange account, without its keys."""

    id: int
    name: str
    exchange: str
    sandbox: bool  # True: the exchange's testnet or demo trading; False: real money (mainnet)
    key_fingerprint: str
    ts_created: int
    ts_updated: int

    @property
    def mode(self) -> str:
        """Where it trades: the exchange's "demo trading" or "testnet", or "mainnet"."""
        return SANDBOX_NAME.get(self.exchange, "sandbox") if self.sandbox else "mainnet"


@dataclass(frozen=True, slots=True, repr=False)
class ExchangeCredentials:
    """An account's keys. Shown as ``ExchangeCredentials(api_key=***, …)``, never in clear."""

    api_key: str = field(repr=False)
    secret: str = field(repr=False)
    passphrase: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        passphrase = "None" if self.passphrase is None else "***"
        return f"ExchangeCredentials(api_key=***, secret=***, passphrase={passphrase})"

    __str__ = __repr__

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.api_key)

    def secrets(self) -> tuple[str, ...]:
        """Every value to redact from text that may echo a request (errors, logs)."""
        return tuple(value for value in (self.api_key, self.secret, self.passphrase) if value)

    def to_json(self) -> str:
        """The plain text that is encrypted for storage."""
        values: dict[str, str] = {"api_key": self.api_key, "secret": self.secret}
        if self.passphrase is not None:
            values["passphrase"] = self.passphrase
        return json.dumps(values, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ExchangeCredentials:
        values = json.loads(text)
        return cls(values["api_key"], values["secret"], values.get("passphrase"))
