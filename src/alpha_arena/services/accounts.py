"""Exchange account use cases: add, list, show, test (read the balance), remove, and change the
master key the accounts' API keys are encrypted with.

Testing an account only reads its balance, so it is allowed without ARENA_TRADING_ENABLED;
nothing here sends an order. Keys never appear in a message, a log line or a return value."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from alpha_arena.core.errors import ConflictError, InvalidInputError
from alpha_arena.core.redact import remember_secret
from alpha_arena.domain.accounts import (
    EXCHANGES,
    NEEDS_PASSPHRASE,
    SETTLE_CURRENCY,
    ExchangeAccount,
    ExchangeCredentials,
)
from alpha_arena.services.context import AppContext
from alpha_arena.storage.agent_secrets import AgentSecretStore
from alpha_arena.storage.exchange_accounts import ExchangeAccountStore, fernet, new_master_key

logger = logging.getLogger(__name__)

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_WALLET_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_PRIVATE_KEY = re.compile(r"(0x)?[0-9a-fA-F]{64}")
#: Longest key, secret or passphrase accepted (real ones are under 100 characters).
MAX_SECRET_CHARS = 512


@dataclass(frozen=True, slots=True)
class BalanceCheck:
    """What ``check_account`` found: the account answered with this balance."""

    account: ExchangeAccount
    currency: str  # USDT, USDC on Hyperliquid
    total: float
    free: float
    sandbox: bool  # whether the client talked to the exchange's testnet or demo trading


def add_account(
    context: AppContext,
    name: str,
    exchange: str,
    credentials: ExchangeCredentials,
    sandbox: bool = True,
) -> ExchangeAccount:
    """Validate and store an account, its keys encrypted with ARENA_SECRET_KEY."""
    check_new_account(context, name, exchange)
    checked = _checked_credentials(exchange, credentials)
    for secret in checked.secrets():
        remember_secret(secret)
    account = ExchangeAccountStore(context.engine).add(
        name, exchange, checked, context.settings.secret_key, context.clock.now_ms(), sandbox
    )
    logger.info(
        "exchange account added: %s (%s, %s, fingerprint %s)",
        account.name, account.exchange, account.mode, account.key_fingerprint,
    )  # fmt: skip
    return account


def check_new_account(context: AppContext, name: str, exchange: str) -> None:
    """Refuse what ``add_account`` would refuse without looking at the keys: a bad or taken
    name, an unknown exchange, no usable master key (so nobody types keys for nothing)."""
    if not _NAME.fullmatch(name):
        raise InvalidInputError(
            f"account name {name!r}: use up to 64 lowercase letters, digits, '-', '_' or '.', "
            "starting with a letter or digit"
        )
    if exchange not in EXCHANGES:
        raise InvalidInputError(f"unknown exchange {exchange!r}; accepted: {', '.join(EXCHANGES)}")
    require_master_key(context)
    if any(account.name == name for account in list_accounts(context)):
        raise ConflictError(f"an exchange account named {name!r} exists already")


def require_master_key(context: AppContext) -> None:
    """Refuse (ConfigurationError) unless ARENA_SECRET_KEY is set to a Fernet key that
    decrypts the accounts stored already: without it no account can be stored or used, so
    say so before asking anyone for keys."""
    ExchangeAccountStore(context.engine).check_master_key(context.settings.secret_key)


def _checked_credentials(exchange: str, credentials: ExchangeCredentials) -> ExchangeCredentials:
    """The keys stripped of surrounding blanks, refused when one is missing or malformed (the
    messages name the field, never its value)."""
    labels = _labels(exchange)
    api_key = credentials.api_key.strip()
    secret = credentials.secret.strip()
    passphrase = (credentials.passphrase or "").strip() or None
    for label, value in ((labels[0], api_key), (labels[1], secret), ("passphrase", passphrase)):
        if value is not None and (len(value) > MAX_SECRET_CHARS or any(c.isspace() for c in value)):
            raise InvalidInputError(
                f"the {label} has blanks inside or is over {MAX_SECRET_CHARS} characters; "
                "paste it again"
            )
    if not api_key:
        raise InvalidInputError(f"the {labels[0]} is missing")
    if not secret:
        raise InvalidInputError(f"the {labels[1]} is missing")
    if exchange in NEEDS_PASSPHRASE and passphrase is None:
        raise InvalidInputError(f"{exchange} keys come with a passphrase; it is missing")
    if exchange not in NEEDS_PASSPHRASE and passphrase is not None:
        raise InvalidInputError(
            f"{exchange} keys have no passphrase; leave it out (unset ARENA_ACCOUNT_PASSPHRASE)"
        )
    if exchange == "hyperliquid":
        if not _WALLET_ADDRESS.fullmatch(api_key):
            raise InvalidInputError(
                "the hyperliquid wallet address must be 0x followed by 40 hex digits"
            )
        if not _PRIVATE_KEY.fullmatch(secret):
            raise InvalidInputError(
                "the hyperliquid API wallet's private key must be 64 hex digits (0x first or not)"
            )
    return ExchangeCredentials(api_key, secret, passphrase)


def credential_labels(exchange: str) -> tuple[str, str]:
    """What the key and the secret are called on ``exchange`` (for prompts and messages)."""
    return _labels(exchange)


def _labels(exchange: str) -> tuple[str, str]:
    if exchange == "hyperliquid":
        return "wallet address", "API wallet private key"
    return "API key", "API secret"


def list_accounts(context: AppContext) -> list[ExchangeAccount]:
    return ExchangeAccountStore(context.engine).all()


def show_account(context: AppContext, name: str) -> ExchangeAccount:
    return ExchangeAccountStore(context.engine).get(name)


def account_credentials(context: AppContext, name: str) -> ExchangeCredentials:
    """Decrypt the keys of account ``name`` (for building its client, nothing else); from now
    on this process redacts them from every text it redacts."""
    credentials = ExchangeAccountStore(context.engine).credentials(
        name, context.settings.secret_key
    )
    for secret in credentials.secrets():
        remember_secret(secret)
    return credentials


def check_account(context: AppContext, name: str) -> BalanceCheck:
    """Connect to account ``name`` and read its balance: proves the keys work, on the network
    (testnet, demo or mainnet) the account says. Read-only: no order is sent."""
    import ccxt

    from alpha_arena.execution.exchange.client import close, connect, is_sandboxed
    from alpha_arena.execution.exchange.errors import translate

    account = show_account(context, name)
    credentials = account_credentials(context, name)
    settings = context.settings
    client = connect(
        account, credentials, base_url=settings.exchange_base_url,
        timeout_s=settings.exchange_timeout_s,
    )  # fmt: skip
    try:
        balance = client.fetch_balance()
    except ccxt.BaseError as error:
        raise translate(error, account, credentials.secrets()) from None
    finally:
        close(client)
    currency = SETTLE_CURRENCY[account.exchange]
    held = balance.get(currency) or {}
    logger.info("exchange account tested: %s (%s)", account.name, account.mode)
    return BalanceCheck(
        account, currency, _amount(held.get("total")), _amount(held.get("free")),
        is_sandboxed(client),
    )  # fmt: skip


def _amount(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def remove_account(context: AppContext, name: str) -> ExchangeAccount:
    """Delete account ``name`` and its keys (refused while a season uses it)."""
    account = ExchangeAccountStore(context.engine).remove(name)
    logger.info("exchange account removed: %s", account.name)
    return account


def rotate_master_key(context: AppContext, new_key: str) -> int:
    """Re-encrypt every account's keys from ARENA_SECRET_KEY to ``new_key``, all or nothing;
    return how many accounts were re-encrypted. ARENA_SECRET_KEY must then be set to
    ``new_key``: the old key no longer decrypts them."""
    old_key = context.settings.secret_key
    fernet(old_key)
    fernet(new_key, "ARENA_NEW_SECRET_KEY")
    if old_key is not None and old_key.get_secret_value().strip() == new_key.strip():
        raise InvalidInputError("the new key is ARENA_SECRET_KEY itself; make a new one")
    # Remote agents' signing secrets share the master key: re-encrypted first, and back again
    # if the accounts cannot be, so that one key always decrypts everything.
    secrets = AgentSecretStore(context.engine)
    signing = secrets.rotate_master_key(old_key, new_key)
    try:
        rotated = ExchangeAccountStore(context.engine).rotate_master_key(
            old_key, new_key, context.clock.now_ms()
        )
    except BaseException:
        secrets.rotate_master_key(new_key, old_key)
        raise
    logger.info("exchange account keys re-encrypted with a new master key: %d accounts", rotated)
    logger.info("remote agents' signing secrets re-encrypted: %d agents", signing)
    return rotated


def make_master_key() -> str:
    """A new master key for ARENA_SECRET_KEY."""
    return new_master_key()
