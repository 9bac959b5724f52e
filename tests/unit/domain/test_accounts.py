"""Exchange credentials never show their keys when printed, and an account's fingerprint is a
short digest of the API key, not a piece of it."""

from __future__ import annotations

import hashlib

from alpha_arena.domain.accounts import ExchangeAccount, ExchangeCredentials, fingerprint

KEYS = ExchangeCredentials("key-0123456789abcdef", "secret-0123456789abcdef", "pass-phrase-99")


def test_credentials_print_without_their_keys() -> None:
    for text in (repr(KEYS), str(KEYS), f"{KEYS}", f"{KEYS!r}", repr([KEYS]), repr({"k": KEYS})):
        for secret in KEYS.secrets():
            assert secret not in text
    assert repr(KEYS) == "ExchangeCredentials(api_key=***, secret=***, passphrase=***)"
    no_passphrase = ExchangeCredentials("key-0123456789abcdef", "secret-0123456789abcdef")
    assert repr(no_passphrase).endswith("passphrase=None)")


def test_credentials_round_trip_through_their_json() -> None:
    assert ExchangeCredentials.from_json(KEYS.to_json()) == KEYS
    plain = ExchangeCredentials("k" * 10, "s" * 10)
    assert ExchangeCredentials.from_json(plain.to_json()) == plain
    assert "passphrase" not in plain.to_json()


def test_the_fingerprint_is_the_start_of_the_keys_sha256() -> None:
    digest = hashlib.sha256(KEYS.api_key.encode()).hexdigest()
    assert KEYS.fingerprint == fingerprint(KEYS.api_key) == digest[:8]
    assert KEYS.fingerprint not in KEYS.api_key


def test_an_account_says_where_it_trades() -> None:
    def mode(exchange: str, sandbox: bool) -> str:
        return ExchangeAccount(1, "a", exchange, sandbox, "0" * 8, 0, 0).mode

    assert mode("okx", True) == "demo trading"
    assert mode("hyperliquid", True) == "testnet"
    assert mode("bybit", False) == "mainnet"
