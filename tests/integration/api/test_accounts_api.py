"""Exchange accounts through the real app: listed and shown with a fingerprint of the key, and
never a key, a secret, a passphrase or the encrypted keys; no way to add one over HTTP."""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient

from alpha_arena.domain.accounts import ExchangeCredentials
from alpha_arena.services.context import AppContext
from alpha_arena.storage.exchange_accounts import ExchangeAccountStore, new_master_key
from alpha_arena.storage.tables import ExchangeAccountRow
from tests.integration.api.conftest import AUTH, assert_error

ACCOUNTS = "/api/v1/accounts"
BROWSER = "/api/v1/system/database"
KEYS = ExchangeCredentials("api-okx-key-0a1b2c3d4e", "api-okx-secret-5f6a7b8c9d", "api-pass-7788")
MASTER_KEY = new_master_key()  # one per module: the module's database is shared

_ids = itertools.count()


def add(market: AppContext, exchange: str = "okx", sandbox: bool = True) -> str:
    name = f"acct-{next(_ids)}"
    credentials = KEYS if exchange in ("okx", "bitget") else ExchangeCredentials(
        KEYS.api_key, KEYS.secret)  # fmt: skip
    store = ExchangeAccountStore(market.engine)
    store.add(name, exchange, credentials, MASTER_KEY, market.clock.now_ms(), sandbox)
    return name


def ciphertexts(market: AppContext) -> list[str]:
    with market.engine.connect() as connection:
        return list(connection.execute(ExchangeAccountRow.__table__.select()).scalars("ciphertext"))


def assert_no_secret(text: str, market: AppContext) -> None:
    for secret in (*KEYS.secrets(), *ciphertexts(market), MASTER_KEY):
        assert secret not in text
    for secret in KEYS.secrets():
        assert secret[:8] not in text


def test_accounts_are_listed_and_shown_without_keys(client: TestClient, market: AppContext) -> None:
    demo = add(market)
    real = add(market, "bybit", sandbox=False)
    listed = client.get(ACCOUNTS, params={"limit": 500})
    assert listed.status_code == 200, listed.text
    assert_no_secret(listed.text, market)
    by_name = {item["name"]: item for item in listed.json()["items"]}
    assert by_name[demo] == {
        "name": demo, "exchange": "okx", "sandbox": True, "mode": "demo trading",
        "key_fingerprint": KEYS.fingerprint, "ts_created": by_name[demo]["ts_created"],
        "ts_updated": by_name[demo]["ts_updated"],
    }  # fmt: skip
    assert by_name[real]["sandbox"] is False and by_name[real]["mode"] == "mainnet"

    shown = client.get(f"{ACCOUNTS}/{demo}")
    assert shown.status_code == 200, shown.text
    assert shown.json() == by_name[demo]
    assert_no_secret(shown.text, market)


def test_an_unknown_account_is_a_404(client: TestClient) -> None:
    assert_error(client.get(f"{ACCOUNTS}/nobody"), 404, "not_found", "no exchange account named")


def test_accounts_cannot_be_added_or_removed_over_http(
    client: TestClient, market: AppContext
) -> None:
    name = add(market)
    body = {"name": "x", "exchange": "okx", "api_key": KEYS.api_key, "secret": KEYS.secret}
    refused = client.post(ACCOUNTS, json=body, headers=AUTH)
    assert refused.status_code == 405
    assert_no_secret(refused.text, market)
    assert client.delete(f"{ACCOUNTS}/{name}", headers=AUTH).status_code == 405
    assert client.get(f"{ACCOUNTS}/{name}").status_code == 200


def test_the_database_browser_never_serves_the_encrypted_keys(
    client: TestClient, market: AppContext
) -> None:
    add(market)
    tables = client.get(f"{BROWSER}/tables")
    assert tables.status_code == 200, tables.text
    [info] = [table for table in tables.json()["tables"] if table["name"] == "exchange_accounts"]
    served = {column["name"] for column in info["columns"]}
    assert "ciphertext" not in served and "name" in served
    rows = client.get(f"{BROWSER}/tables/exchange_accounts/rows", params={"limit": 500})
    assert rows.status_code == 200, rows.text
    assert rows.json()["items"]
    assert all("ciphertext" not in row for row in rows.json()["items"])
    assert_no_secret(rows.text, market)
    filtered = client.get(f"{BROWSER}/tables/exchange_accounts/rows",
                          params={"filter": "ciphertext:contains:gAAAA"})  # fmt: skip
    assert filtered.status_code == 400
