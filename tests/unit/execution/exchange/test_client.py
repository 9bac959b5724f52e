"""``connect`` builds each exchange's CCXT client on its testnet or demo trading unless the
account is a mainnet one, with its keys where CCXT reads them and every URL sent to the base
URL when one is set. What is checked is the client itself: its headers, URLs, options and the
requests it signs."""

from __future__ import annotations

from typing import Any

import pytest

from alpha_arena.core.errors import ConfigurationError, InvalidInputError
from alpha_arena.domain.accounts import EXCHANGES, ExchangeAccount, ExchangeCredentials
from alpha_arena.execution.exchange.client import close, connect, is_sandboxed

WALLET = "0x" + "ab" * 20
PRIVATE_KEY = "0x" + "cd" * 32
KEYS = ExchangeCredentials("test-api-key-0001", "test-api-secret-0001", "test-passphrase-01")


def account(exchange: str, sandbox: bool = True) -> ExchangeAccount:
    return ExchangeAccount(1, f"{exchange}-acct", exchange, sandbox, "00000000", 0, 0)


def credentials(exchange: str) -> ExchangeCredentials:
    if exchange == "hyperliquid":
        return ExchangeCredentials(WALLET, PRIVATE_KEY)
    if exchange in ("okx", "bitget"):
        return KEYS
    return ExchangeCredentials(KEYS.api_key, KEYS.secret)


def client_of(exchange: str, sandbox: bool = True, base_url: str | None = None) -> Any:
    return connect(account(exchange, sandbox), credentials(exchange), base_url=base_url)


def api_urls(client: Any) -> set[str]:
    urls = client.urls["api"]
    return set(urls.values()) if isinstance(urls, dict) else {urls}


def test_okx_demo_trading_sends_the_simulated_trading_header() -> None:
    client = client_of("okx")
    assert client.headers == {"x-simulated-trading": "1"}
    assert client.options["sandboxMode"] is True and is_sandboxed(client)
    assert client.apiKey == KEYS.api_key and client.secret == KEYS.secret
    assert client.password == KEYS.passphrase
    assert client.options["defaultType"] == "swap"


def test_okx_mainnet_only_when_the_account_says_so() -> None:
    client = client_of("okx", sandbox=False)
    assert "x-simulated-trading" not in (client.headers or {})
    assert not client.options.get("sandboxMode") and not is_sandboxed(client)


def test_binance_futures_use_demo_trading_not_the_retired_testnet() -> None:
    client = client_of("binanceusdm")
    assert client.options["enableDemoTrading"] is True and is_sandboxed(client)
    assert client.urls["api"]["fapiPrivate"] == "https://demo-fapi.binance.com/fapi/v1"
    signed = client.sign("account", ["fapiPrivateV3"], "GET", {})
    assert signed["url"].startswith("https://demo-fapi.binance.com/fapi/v3/account?")
    assert not any("testnet" in url for url in api_urls(client))
    mainnet = client_of("binanceusdm", sandbox=False)
    assert mainnet.urls["api"]["fapiPrivate"] == "https://fapi.binance.com/fapi/v1"
    assert not is_sandboxed(mainnet)


def test_bybit_uses_demo_trading() -> None:
    client = client_of("bybit")
    assert api_urls(client) == {"https://api-demo.{hostname}"}
    signed = client.sign(
        "v5/account/wallet-balance", ["private"], "GET", {"accountType": "UNIFIED"}
    )
    assert signed["url"].startswith("https://api-demo.bybit.com/v5/account/wallet-balance")
    assert client.options["defaultType"] == "swap"
    assert client.options["defaultSubType"] == "linear"
    assert client.options["fetchMarkets"]["types"] == ["linear"]  # not spot, inverse, options
    assert api_urls(client_of("bybit", sandbox=False)) == {"https://api.{hostname}"}


@pytest.mark.parametrize("sandbox", [True, False])
def test_bitget_demo_trading_is_a_header_on_every_request(sandbox: bool) -> None:
    client = client_of("bitget", sandbox)
    signed = client.sign(
        "v2/mix/account/accounts", ["private", "mix"], "GET", {"productType": "USDT-FUTURES"}
    )
    assert signed["url"].startswith("https://api.bitget.com/api/v2/mix/account/accounts")
    assert signed["headers"]["ACCESS-KEY"] == KEYS.api_key
    assert signed["headers"]["ACCESS-PASSPHRASE"] == KEYS.passphrase
    assert (signed["headers"].get("PAPTRADING") == "1") is sandbox
    assert is_sandboxed(client) is sandbox


def test_hyperliquid_testnet_with_the_wallet_and_its_api_wallet_key() -> None:
    client = client_of("hyperliquid")
    assert api_urls(client) == {"https://api.hyperliquid-testnet.xyz"}
    assert client.walletAddress == WALLET and client.privateKey == PRIVATE_KEY
    assert not client.apiKey and is_sandboxed(client)
    assert api_urls(client_of("hyperliquid", sandbox=False)) == {"https://api.{hostname}"}
    # Perpetuals only; no referral code set, and CCXT's builder code at a 0% fee, not 0.01%.
    assert client.options["fetchMarkets"]["types"] == ["swap"]
    assert client.options["builderFee"] is False and client.options["refSet"] is True


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_a_base_url_takes_every_request_keeping_the_mode(exchange: str) -> None:
    client = client_of(exchange, base_url="http://127.0.0.1:8999/mirror")
    assert all(url.startswith("http://127.0.0.1:8999/mirror") for url in api_urls(client))
    assert is_sandboxed(client)
    close(client)


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_every_exchange_is_sandboxed_by_default_and_mainnet_only_on_request(exchange: str) -> None:
    assert is_sandboxed(client_of(exchange))
    assert not is_sandboxed(client_of(exchange, sandbox=False))


def test_the_timeout_is_set_in_milliseconds() -> None:
    client = connect(account("okx"), KEYS, timeout_s=2.5)
    assert client.timeout == 2500


@pytest.mark.parametrize("exchange", ["okx", "bitget"])
def test_an_account_without_its_passphrase_is_refused(exchange: str) -> None:
    with pytest.raises(ConfigurationError, match="passphrase"):
        connect(account(exchange), ExchangeCredentials(KEYS.api_key, KEYS.secret))


def test_an_unknown_exchange_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="accepted: okx"):
        connect(account("kraken"), KEYS)
