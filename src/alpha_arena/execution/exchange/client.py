"""Build the CCXT client of an exchange account: its keys, USDT-margined swaps by default, and
the exchange's testnet or demo trading switched on unless the account is a mainnet one.

How each exchange does it, as read in CCXT 4.5.90's source:

| exchange    | switch                     | where the requests go, and how           |
|-------------|----------------------------|------------------------------------------|
| okx         | ``set_sandbox_mode(True)`` | www.okx.com, header x-simulated-trading: 1 |
| binanceusdm | ``enable_demo_trading``    | demo-fapi.binance.com (demo trading)     |
| bybit       | ``enable_demo_trading``    | api-demo.bybit.com (demo trading)        |
| bitget      | ``set_sandbox_mode(True)`` | api.bitget.com, header PAPTRADING: 1     |
| hyperliquid | ``set_sandbox_mode(True)`` | api.hyperliquid-testnet.xyz (testnet)    |

- okx: demo trading is the same host and paths; only the header differs. Keys (with their
  passphrase) are made in OKX's demo trading mode.
- binanceusdm: not sandbox mode: that points at the old futures testnet
  (testnet.binancefuture.com), to which CCXT refuses signed calls (NotSupported, "consider
  using the demo trading instead"). Keys are made on demo.binance.com.
- bybit: sandbox mode would be the testnet (api-testnet.bybit.com), a separate site with its
  own accounts and thin markets; demo trading is an isolated sub-account of a mainnet account
  trading on mainnet prices, and serves every market endpoint. Keys are made in the demo
  trading mode of bybit.com; testnet.bybit.com keys do not work here.
- bitget: sandbox mode only sets an option; the header goes on every request but the server
  time and the funding rate, and the URLs stay. Keys (with passphrase) are demo API keys.
- hyperliquid: the testnet host, and orders are signed for the testnet chain (the phantom
  agent's source "b"; mainnet's is "a", so keys used on the wrong chain sign as another
  address, which Hyperliquid does not know). The account is a wallet address (``api_key``);
  the secret is the private key of that wallet or of an API wallet approved for it.

A mainnet account (``sandbox=False``) gets none of these switches. ``base_url`` then sends
every REST call, whichever host the mode chose, to a mirror or a test server, keeping each
URL's path (``rewrite_urls``), so the switch is still visible there (OKX's and Bitget's headers,
Binance's and Bybit's demo paths are the same as mainnet's)."""

from __future__ import annotations

from typing import Any

import ccxt

from alpha_arena.core.errors import ConfigurationError, InvalidInputError
from alpha_arena.domain.accounts import (
    EXCHANGES,
    NEEDS_PASSPHRASE,
    ExchangeAccount,
    ExchangeCredentials,
)
from alpha_arena.marketdata.sources.ccxt_source import rewrite_urls

#: The switch each exchange's testnet or demo trading is turned on with (see the table above).
SANDBOX_SWITCH: dict[str, str] = {
    "okx": "set_sandbox_mode",
    "binanceusdm": "enable_demo_trading",
    "bybit": "enable_demo_trading",
    "bitget": "set_sandbox_mode",
    "hyperliquid": "set_sandbox_mode",
}


def connect(
    account: ExchangeAccount,
    credentials: ExchangeCredentials,
    base_url: str | None = None,
    timeout_s: float = 15.0,
    rate_limit_ms: int | None = None,
) -> ccxt.Exchange:
    """The CCXT client of ``account`` with ``credentials``: testnet or demo trading unless
    ``account.sandbox`` is False, swaps as the default market type, requests sent to
    ``base_url`` when given (a mirror, a test server) and cut off after ``timeout_s``;
    ``rate_limit_ms``: at least this long between requests (0: no pacing, None: CCXT's).
    Close it with ``close`` when done."""
    if account.exchange not in EXCHANGES:
        raise InvalidInputError(
            f"exchange account {account.name!r}: unknown exchange {account.exchange!r}; "
            f"accepted: {', '.join(EXCHANGES)}"
        )
    if account.exchange in NEEDS_PASSPHRASE and not credentials.passphrase:
        raise ConfigurationError(
            f"exchange account {account.name!r}: {account.exchange} keys need their passphrase; "
            "add the account again with it"
        )
    config: dict[str, Any] = {
        "timeout": int(timeout_s * 1000),
        "enableRateLimit": rate_limit_ms != 0,
        "options": _options(account.exchange),
    }
    if account.exchange == "hyperliquid":
        config |= {"walletAddress": credentials.api_key, "privateKey": credentials.secret}
    else:
        config |= {"apiKey": credentials.api_key, "secret": credentials.secret}
        if credentials.passphrase is not None:
            config["password"] = credentials.passphrase
    client = getattr(ccxt, account.exchange)(config)
    if rate_limit_ms:
        client.rateLimit = rate_limit_ms
    if account.sandbox:
        getattr(client, SANDBOX_SWITCH[account.exchange])(True)
    if base_url:
        client.urls["api"] = rewrite_urls(client.urls["api"], base_url)
        if account.exchange == "binanceusdm":
            # CCXT picks Binance's USD-M error codes by the URL's host, which a mirror replaces:
            # without this, "margin is insufficient" would be a bare ExchangeError.
            client.exceptions["exact"].update(client.exceptions["linear"]["exact"])
    if account.exchange == "bybit":
        # Bybit refuses to set the leverage a symbol already has (110043, "leverage not
        # modified"); CCXT calls that a BadRequest, yet nothing is wrong with the request.
        client.exceptions["exact"]["110043"] = ccxt.NoChange
    if account.exchange == "bitget":
        # Keys of the other environment (demo keys without the demo header, or live keys
        # with it) get 40099, which CCXT leaves a bare ExchangeError: it is the keys' fault.
        client.exceptions["exact"]["40099"] = ccxt.AuthenticationError
    if account.exchange == "hyperliquid":
        # An action signed by a key Hyperliquid does not know (another key, or signed for the
        # other chain) is "User or API Wallet 0x… does not exist."; CCXT calls that an
        # InvalidOrder, yet it is the keys' fault, whatever the action.
        client.exceptions["broad"]["User or API Wallet "] = ccxt.AuthenticationError
    return client


def _options(exchange: str) -> dict[str, Any]:
    if exchange == "binanceusdm":  # USDT-M futures only; its own default type says so
        return {}
    if exchange == "bybit":
        # Only USDT linear perpetuals are traded: their markets alone are loaded (CCXT would
        # also load spot, inverse and option markets, a dozen requests).
        return {
            "defaultType": "swap",
            "defaultSubType": "linear",
            "fetchMarkets": {"types": ["linear"]},
        }
    if exchange == "bitget":
        # The v2 (classic account) API, said rather than probed: CCXT would otherwise ask
        # v3/account/settings first; a unified account's keys then fail plainly (40085).
        # USDT-M swaps only: their markets alone are loaded (not spot, margin, coin-M).
        return {"defaultType": "swap", "uta": False, "fetchMarkets": {"types": ["swap"]}}
    if exchange == "hyperliquid":
        # Perpetuals only (not spot nor HIP-3 dexes). No referral code is set on the account
        # (refSet), and CCXT's builder code is attached at a 0% fee (builderFee: False): CCXT
        # would otherwise have the account approve a 0.01% fee on every order to CCXT's builder.
        return {
            "defaultType": "swap",
            "fetchMarkets": {"types": ["swap"]},
            "builderFee": False,
            "refSet": True,
        }
    return {"defaultType": "swap"}


def is_sandboxed(client: ccxt.Exchange) -> bool:
    """Whether ``client`` talks to its exchange's testnet or demo trading (by what the switch
    left behind: sandbox mode, demo trading or the simulated-trading header)."""
    options = client.options or {}
    return bool(
        getattr(client, "isSandboxModeEnabled", False)
        or options.get("sandboxMode")
        or options.get("enableDemoTrading")
    )


def close(client: ccxt.Exchange) -> None:
    """Release the client's HTTP connections."""
    session = getattr(client, "session", None)
    if session is not None:
        session.close()
