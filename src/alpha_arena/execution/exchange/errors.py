"""Turn CCXT's exceptions into ours, by what the caller should do about them.

| CCXT                                              | ours                                        |
|---------------------------------------------------|---------------------------------------------|
| AuthenticationError, PermissionDenied,            | ConfigurationError: a person must fix the   |
| AccountNotEnabled, AccountSuspended               | account's keys or permissions               |
| InsufficientFunds                                 | OrderRejectedError, kind insufficient_funds |
| OrderNotFound, OrderNotCached                     | OrderRejectedError, kind order_not_found    |
| InvalidOrder, BadRequest, BadSymbol,              | OrderRejectedError, kind invalid_order      |
| ArgumentsRequired                                 |                                             |
| OperationRejected (market closed, no change, ...) | OrderRejectedError, kind rejected           |
| RateLimitExceeded, DDoSProtection                 | RateLimitedError (a TemporaryError)         |
| NetworkError: RequestTimeout, ExchangeNotAvailable, | ExchangeUnreachableError (TemporaryError) |
| OnMaintenance, InvalidNonce                       |                                             |
| BadResponse, NullResponse, CancelPending          | TemporaryError                              |
| NotSupported                                      | ConfigurationError                          |
| InvalidAddress                                    | InvalidInputError                           |
| anything else                                     | SourceUnavailableError                      |

CCXT's messages repeat the exchange's answer and sometimes the request (a signed URL with its
query); the message kept is one line, with URL queries cut and the account's keys and anything
key-like redacted."""

from __future__ import annotations

import re
from collections.abc import Iterable

import ccxt

from alpha_arena.core.errors import (
    ArenaError,
    ConfigurationError,
    ExchangeUnreachableError,
    InvalidInputError,
    OrderRejectedError,
    RateLimitedError,
    SourceUnavailableError,
    TemporaryError,
)
from alpha_arena.core.redact import redact
from alpha_arena.domain.accounts import ExchangeAccount

#: Longest reason kept from a CCXT message.
MAX_REASON = 300

_URL_QUERY = re.compile(r"(https?://[^\s?\"']+)\?[^\s\"']*")
# Network failures carry a long urllib3 repr; these markers name what happened instead.
_NETWORK_FAILURES = (
    ("Connection refused", "connection refused"),
    ("RemoteDisconnected", "connection closed without a response"),
    ("Connection aborted", "connection closed without a response"),
    ("NameResolutionError", "cannot resolve the host name"),
    ("Read timed out", "no answer within the timeout"),
    ("Max retries exceeded", "cannot connect"),
)


def reason(error: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """One short line from a CCXT message, without URL queries and without secrets."""
    chain = f"{error} {error.__cause__ or ''}"
    for marker, meaning in _NETWORK_FAILURES:
        if marker in chain:
            return meaning
    text = _URL_QUERY.sub(r"\1?…", " ".join(str(error).split()))
    text = redact(text, secrets)
    if len(text) > MAX_REASON:
        text = text[: MAX_REASON - 3] + "..."
    return text or type(error).__name__


def translate(
    error: ccxt.BaseError,
    account: ExchangeAccount | None = None,
    secrets: Iterable[str | None] = (),
) -> ArenaError:
    """Our error for ``error``, raised by a call on ``account`` (named in the message) whose
    keys are ``secrets`` (redacted from it); raise it ``from error``."""
    why = reason(error, secrets)
    where = "the exchange" if account is None else f"exchange account {account.name!r}"
    if isinstance(error, ccxt.AuthenticationError):
        return ConfigurationError(
            f"the exchange refused the credentials of {where}: {why}; {_key_hint(account)}"
        )
    if isinstance(error, ccxt.InsufficientFunds):
        return OrderRejectedError(f"{where}: insufficient funds: {why}", "insufficient_funds")
    if isinstance(error, ccxt.OrderNotFound | ccxt.OrderNotCached):
        return OrderRejectedError(f"{where}: no such order: {why}", "order_not_found")
    if isinstance(error, ccxt.InvalidOrder | ccxt.BadRequest | ccxt.ArgumentsRequired):
        return OrderRejectedError(f"{where}: invalid order: {why}", "invalid_order")
    if isinstance(error, ccxt.OperationRejected):
        return OrderRejectedError(f"{where}: the exchange refused it: {why}", "rejected")
    if isinstance(error, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
        return RateLimitedError(f"{where}: rate-limited, try again later: {why}")
    if isinstance(error, ccxt.NetworkError):
        return ExchangeUnreachableError(f"{where}: the exchange did not answer: {why}")
    if isinstance(error, ccxt.OperationFailed):  # a garbled answer, a cancel still pending
        return TemporaryError(f"{where}: the exchange failed, try again later: {why}")
    if isinstance(error, ccxt.NotSupported):
        return ConfigurationError(f"{where}: not supported by the exchange: {why}")
    if isinstance(error, ccxt.InvalidAddress):
        return InvalidInputError(f"{where}: invalid address: {why}")
    return SourceUnavailableError(f"{where}: the exchange refused the request: {why}")


def _key_hint(account: ExchangeAccount | None) -> str:
    if account is None:
        return "check the keys and their permissions"
    kind = f"{account.exchange} {account.mode} keys"
    return (
        f"check that they are {kind}, have trading and reading permissions (and the right "
        "passphrase), then add the account again"
    )
