"""Exchange account use cases on each database: what ``add_account`` accepts and refuses (the
messages name a field, never its value), and changing the master key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from alpha_arena.core.errors import ConfigurationError, ConflictError, InvalidInputError
from alpha_arena.core.redact import redact
from alpha_arena.core.settings import Settings
from alpha_arena.domain.accounts import ExchangeCredentials
from alpha_arena.services.accounts import (
    account_credentials,
    add_account,
    check_new_account,
    list_accounts,
    remove_account,
    rotate_master_key,
    show_account,
)
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.storage.exchange_accounts import new_master_key

OKX = ExchangeCredentials("svc-okx-key-5a6b7c8d", "svc-okx-secret-9e8f7a6b", "svc-pass-1234")
BYBIT = ExchangeCredentials("svc-bybit-key-11223344", "svc-bybit-secret-55667788")
WALLET = "0x" + "12" * 20
PRIVATE_KEY = "0x" + "9a" * 32


@pytest.fixture
def keyed(settings: Settings) -> Iterator[AppContext]:
    """A context whose settings hold a master key."""
    app = open_context(settings.model_copy(update={"secret_key": SecretStr(new_master_key())}))
    try:
        yield app
    finally:
        app.close()


def test_an_okx_account_is_added_shown_listed_and_removed(keyed: AppContext) -> None:
    added = add_account(keyed, "okx-demo", "okx", OKX)
    assert added.sandbox and added.mode == "demo trading"
    assert show_account(keyed, "okx-demo") == added
    assert list_accounts(keyed) == [added]
    assert account_credentials(keyed, "okx-demo") == OKX
    assert remove_account(keyed, "okx-demo") == added
    assert list_accounts(keyed) == []


def test_keys_are_stripped_of_surrounding_blanks(keyed: AppContext) -> None:
    padded = ExchangeCredentials(f"  {BYBIT.api_key}\n", f"{BYBIT.secret} ", "")
    add_account(keyed, "bybit-demo", "bybit", padded)
    assert account_credentials(keyed, "bybit-demo") == BYBIT


def test_added_keys_are_redacted_from_then_on(keyed: AppContext) -> None:
    add_account(keyed, "okx-demo", "okx", OKX)
    text = f"failed with {OKX.api_key} and {OKX.secret} and {OKX.passphrase}"
    assert all(secret not in redact(text) for secret in OKX.secrets())


@pytest.mark.parametrize(
    ("name", "exchange", "credentials", "message"),
    [
        ("Okx Demo", "okx", OKX, "account name 'Okx Demo': use up to 64 lowercase letters"),
        ("okx\n", "okx", OKX, "account name"),
        ("x" * 65, "okx", OKX, "account name"),
        ("kraken-1", "kraken", OKX, "unknown exchange 'kraken'; accepted: okx, binanceusdm"),
        ("okx-1", "okx", ExchangeCredentials("", "s" * 10, "p" * 8), "the API key is missing"),
        ("okx-1", "okx", ExchangeCredentials("k" * 10, " ", "p" * 8), "the API secret is missing"),
        ("okx-1", "okx", ExchangeCredentials("k" * 10, "s" * 10), "okx keys come with a"),
        ("bitget-1", "bitget", BYBIT, "bitget keys come with a passphrase"),
        ("bybit-1", "bybit", OKX, "bybit keys have no passphrase"),
        ("bybit-1", "bybit", ExchangeCredentials("k e y 12345", "s" * 10), "API key has blanks"),
        ("bybit-1", "bybit", ExchangeCredentials("k" * 600, "s" * 10), "over 512 characters"),
        ("hl-1", "hyperliquid", ExchangeCredentials("0x123", PRIVATE_KEY), "wallet address must"),
        ("hl-1", "hyperliquid", ExchangeCredentials(WALLET, "0xnothex"), "private key must be"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_message_naming_no_secret(
    keyed: AppContext, name: str, exchange: str, credentials: ExchangeCredentials, message: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        add_account(keyed, name, exchange, credentials)
    assert message in str(refused.value)
    for secret in credentials.secrets():
        if len(secret) >= 5:
            assert secret not in str(refused.value)
    assert list_accounts(keyed) == []


def test_a_hyperliquid_account_is_a_wallet_and_its_api_wallet_key(keyed: AppContext) -> None:
    added = add_account(keyed, "hl-test", "hyperliquid", ExchangeCredentials(WALLET, PRIVATE_KEY))
    assert added.mode == "testnet"
    assert account_credentials(keyed, "hl-test") == ExchangeCredentials(WALLET, PRIVATE_KEY)


def test_a_new_account_is_checked_before_its_keys_are_asked_for(
    keyed: AppContext, context: AppContext
) -> None:
    with pytest.raises(ConfigurationError, match="ARENA_SECRET_KEY is not set"):
        check_new_account(context, "okx-demo", "okx")  # settings without a master key
    add_account(keyed, "okx-demo", "okx", OKX)
    with pytest.raises(ConflictError, match="exists already"):
        check_new_account(keyed, "okx-demo", "okx")
    with pytest.raises(ConfigurationError, match="does not decrypt"):
        other = keyed.settings.model_copy(update={"secret_key": SecretStr(new_master_key())})
        check_new_account(AppContext(other, keyed.engine, keyed.runs, keyed.integrity),
                          "okx-2", "okx")  # fmt: skip


def test_rotating_to_the_same_key_is_refused(keyed: AppContext) -> None:
    assert keyed.settings.secret_key is not None
    same = keyed.settings.secret_key.get_secret_value()
    with pytest.raises(InvalidInputError, match="the new key is ARENA_SECRET_KEY itself"):
        rotate_master_key(keyed, same)


def test_rotating_re_encrypts_for_the_new_key(keyed: AppContext) -> None:
    add_account(keyed, "okx-demo", "okx", OKX)
    new = new_master_key()
    assert rotate_master_key(keyed, new) == 1
    with pytest.raises(ConfigurationError, match="does not decrypt"):
        account_credentials(keyed, "okx-demo")
    swapped = keyed.settings.model_copy(update={"secret_key": SecretStr(new)})
    moved = AppContext(swapped, keyed.engine, keyed.runs, keyed.integrity)
    assert account_credentials(moved, "okx-demo") == OKX
