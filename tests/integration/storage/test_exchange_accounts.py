"""The exchange account store on SQLite and PostgreSQL: keys go in encrypted and come out whole,
the raw row holds none of them, and every problem with the master key is a one-line
ConfigurationError (none set, malformed, the wrong one), never a traceback."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import Engine, insert, select

from alpha_arena.core.errors import ConfigurationError, ConflictError, NotFoundError
from alpha_arena.domain.accounts import ExchangeCredentials
from alpha_arena.services.context import AppContext
from alpha_arena.storage.exchange_accounts import ExchangeAccountStore, new_master_key
from alpha_arena.storage.tables import ExchangeAccountRow

KEYS = ExchangeCredentials(
    "7f3e9a21-okx-api-key-4c6d", "B0A7C1D2E3F405162738495A6B7C8D9E", "Passphrase-With-42"
)
TS = 1_780_272_000_000


@pytest.fixture
def store(context: AppContext) -> ExchangeAccountStore:
    return ExchangeAccountStore(context.engine)


def raw_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(ExchangeAccountRow))]


def test_an_account_round_trips_with_its_keys(store: ExchangeAccountStore) -> None:
    key = new_master_key()
    added = store.add("okx-demo", "okx", KEYS, key, TS)
    assert added.name == "okx-demo" and added.exchange == "okx"
    assert added.sandbox is True and added.mode == "demo trading"
    assert added.key_fingerprint == KEYS.fingerprint and len(added.key_fingerprint) == 8
    assert added.ts_created == added.ts_updated == TS
    assert store.get("okx-demo") == added
    assert store.all() == [added]
    assert store.credentials("okx-demo", key) == KEYS
    assert store.credentials("okx-demo", SecretStr(key)) == KEYS  # as Settings holds it


def test_mainnet_is_stored_only_when_asked_for(store: ExchangeAccountStore) -> None:
    key = new_master_key()
    assert store.add("bybit-real", "bybit", KEYS, key, TS, sandbox=False).sandbox is False
    assert store.get("bybit-real").mode == "mainnet"


def test_the_raw_row_holds_no_key_secret_or_passphrase(
    store: ExchangeAccountStore, context: AppContext
) -> None:
    store.add("okx-demo", "okx", KEYS, new_master_key(), TS)
    [row] = raw_rows(context.engine)
    text = " ".join(str(value) for value in row)
    for secret in (*KEYS.secrets(), KEYS.api_key[:8], KEYS.secret[:8], KEYS.passphrase[:8]):  # type: ignore[index]
        assert secret not in text
    with context.engine.connect() as connection:
        token = connection.execute(select(ExchangeAccountRow.ciphertext)).scalar_one()
    assert token.startswith("gAAAA")  # a Fernet token


def test_storing_without_a_master_key_is_refused(store: ExchangeAccountStore) -> None:
    for missing in (None, "", "  ", SecretStr("")):
        with pytest.raises(ConfigurationError) as refused:
            store.add("okx-demo", "okx", KEYS, missing, TS)
        message = str(refused.value)
        assert message.startswith("ARENA_SECRET_KEY is not set")
        assert "arena account new-key" in message and "Fernet.generate_key()" in message
        assert "\n" not in message
    assert store.all() == []


def test_a_malformed_master_key_is_refused_without_echoing_it(store: ExchangeAccountStore) -> None:
    with pytest.raises(ConfigurationError, match="is not a Fernet key") as refused:
        store.add("okx-demo", "okx", KEYS, "not-a-fernet-key-at-all", TS)
    assert "not-a-fernet-key-at-all" not in str(refused.value)


def test_a_wrong_master_key_gives_a_clear_error(store: ExchangeAccountStore) -> None:
    store.add("okx-demo", "okx", KEYS, new_master_key(), TS)
    with pytest.raises(ConfigurationError) as refused:
        store.credentials("okx-demo", new_master_key())
    message = str(refused.value)
    assert message.startswith("ARENA_SECRET_KEY does not decrypt the keys of exchange account")
    assert "'okx-demo'" in message and "\n" not in message
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_a_second_account_under_another_master_key_is_refused(store: ExchangeAccountStore) -> None:
    store.add("okx-demo", "okx", KEYS, new_master_key(), TS)
    other = new_master_key()
    with pytest.raises(ConfigurationError, match="does not decrypt"):
        store.check_master_key(other)
    with pytest.raises(ConfigurationError, match="does not decrypt"):
        store.add("bybit-demo", "bybit", KEYS, other, TS)
    assert [account.name for account in store.all()] == ["okx-demo"]


def test_names_are_unique_and_unknown_names_say_what_is_known(store: ExchangeAccountStore) -> None:
    key = new_master_key()
    store.add("okx-demo", "okx", KEYS, key, TS)
    with pytest.raises(ConflictError, match="exists already"):
        store.add("okx-demo", "okx", KEYS, key, TS)
    with pytest.raises(NotFoundError, match="known: okx-demo"):
        store.get("nope")
    with pytest.raises(NotFoundError, match="no exchange account named 'nope'"):
        store.credentials("nope", key)


def test_remove_deletes_the_account_and_its_keys(
    store: ExchangeAccountStore, context: AppContext
) -> None:
    key = new_master_key()
    store.add("okx-demo", "okx", KEYS, key, TS)
    store.add("bybit-demo", "bybit", ExchangeCredentials("k" * 12, "s" * 12), key, TS)
    removed = store.remove("okx-demo")
    assert removed.name == "okx-demo"
    assert [account.name for account in store.all()] == ["bybit-demo"]
    assert len(raw_rows(context.engine)) == 1
    with pytest.raises(NotFoundError):
        store.remove("okx-demo")


def test_rotation_re_encrypts_every_account_and_the_old_key_no_longer_decrypts(
    store: ExchangeAccountStore, context: AppContext
) -> None:
    old, new = new_master_key(), new_master_key()
    other = ExchangeCredentials("bybit-key-000111", "bybit-secret-000111")
    store.add("okx-demo", "okx", KEYS, old, TS)
    store.add("bybit-demo", "bybit", other, old, TS)
    before = {row[1]: row for row in raw_rows(context.engine)}

    assert store.rotate_master_key(old, new, TS + 1) == 2

    after = {row[1]: row for row in raw_rows(context.engine)}
    for name in ("okx-demo", "bybit-demo"):
        assert after[name] != before[name]
        assert store.get(name).ts_updated == TS + 1
        with pytest.raises(ConfigurationError, match="does not decrypt"):
            store.credentials(name, old)
    assert store.credentials("okx-demo", new) == KEYS
    assert store.credentials("bybit-demo", new) == other
    # The token really is under the new key (not merely refused by the old one).
    with context.engine.connect() as connection:
        token = connection.execute(
            select(ExchangeAccountRow.ciphertext).where(ExchangeAccountRow.name == "okx-demo")
        ).scalar_one()
    assert Fernet(new.encode()).decrypt(token.encode())


def test_rotation_with_the_wrong_old_key_changes_nothing(
    store: ExchangeAccountStore, context: AppContext
) -> None:
    old = new_master_key()
    store.add("okx-demo", "okx", KEYS, old, TS)
    before = raw_rows(context.engine)
    with pytest.raises(ConfigurationError, match="ARENA_SECRET_KEY does not decrypt"):
        store.rotate_master_key(new_master_key(), new_master_key(), TS + 1)
    with pytest.raises(ConfigurationError, match="ARENA_NEW_SECRET_KEY is not a Fernet key"):
        store.rotate_master_key(old, "nope", TS + 1)
    assert raw_rows(context.engine) == before
    assert store.credentials("okx-demo", old) == KEYS


def test_rotation_of_no_accounts_is_a_no_op(store: ExchangeAccountStore) -> None:
    assert store.rotate_master_key(new_master_key(), new_master_key(), TS) == 0


def test_rotation_is_all_or_nothing(store: ExchangeAccountStore, context: AppContext) -> None:
    old = new_master_key()
    store.add("a-first", "okx", KEYS, old, TS)
    # A row no key of ours decrypts (written behind the store's back), after a good one.
    stray = Fernet(new_master_key().encode()).encrypt(KEYS.to_json().encode()).decode()
    with context.engine.begin() as connection:
        connection.execute(
            insert(ExchangeAccountRow).values(
                name="z-stray", exchange="okx", sandbox=True, ciphertext=stray,
                key_fingerprint=KEYS.fingerprint, ts_created=TS, ts_updated=TS,
            )
        )  # fmt: skip
    before = raw_rows(context.engine)
    with pytest.raises(ConfigurationError, match="'z-stray'"):
        store.rotate_master_key(old, new_master_key(), TS + 1)
    assert raw_rows(context.engine) == before  # the first row was not re-encrypted either
    assert store.credentials("a-first", old) == KEYS
