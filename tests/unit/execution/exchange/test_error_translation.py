"""``translate`` maps every CCXT exception onto our taxonomy (by what the caller should do), and
its messages keep none of the account's keys, nor the query of a signed request URL."""

from __future__ import annotations

import pickle

import ccxt
import pytest

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
from alpha_arena.domain.accounts import ExchangeAccount
from alpha_arena.execution.exchange.errors import translate

ACCOUNT = ExchangeAccount(7, "okx-demo", "okx", True, "3f9a1c2e", 0, 0)
API_KEY = "a1b2c3d4-e5f6-7a8b-9c0d-e1f2a3b4c5d6"
SECRET = "F00DBABE0123456789ABCDEF01234567"
PASSPHRASE = "Correct-Horse-42"

# (CCXT class, our class, OrderRejectedError kind or None). Every CCXT class is listed: a
# class CCXT adds later fails test_every_ccxt_exception_class_is_listed until it is placed.
MAPPING: list[tuple[type[Exception], type[ArenaError], str | None]] = [
    (ccxt.AuthenticationError, ConfigurationError, None),
    (ccxt.PermissionDenied, ConfigurationError, None),
    (ccxt.AccountNotEnabled, ConfigurationError, None),
    (ccxt.AccountSuspended, ConfigurationError, None),
    (ccxt.InsufficientFunds, OrderRejectedError, "insufficient_funds"),
    (ccxt.InvalidOrder, OrderRejectedError, "invalid_order"),
    (ccxt.OrderImmediatelyFillable, OrderRejectedError, "invalid_order"),
    (ccxt.OrderNotFillable, OrderRejectedError, "invalid_order"),
    (ccxt.DuplicateOrderId, OrderRejectedError, "invalid_order"),
    (ccxt.ContractUnavailable, OrderRejectedError, "invalid_order"),
    (ccxt.OrderNotFound, OrderRejectedError, "order_not_found"),
    (ccxt.OrderNotCached, OrderRejectedError, "order_not_found"),
    (ccxt.BadRequest, OrderRejectedError, "invalid_order"),
    (ccxt.BadSymbol, OrderRejectedError, "invalid_order"),
    (ccxt.ArgumentsRequired, OrderRejectedError, "invalid_order"),
    (ccxt.OperationRejected, OrderRejectedError, "rejected"),
    (ccxt.NoChange, OrderRejectedError, "rejected"),
    (ccxt.MarginModeAlreadySet, OrderRejectedError, "rejected"),
    (ccxt.MarketClosed, OrderRejectedError, "rejected"),
    (ccxt.ManualInteractionNeeded, OrderRejectedError, "rejected"),
    (ccxt.RestrictedLocation, OrderRejectedError, "rejected"),
    (ccxt.RateLimitExceeded, RateLimitedError, None),
    (ccxt.DDoSProtection, RateLimitedError, None),
    (ccxt.NetworkError, ExchangeUnreachableError, None),
    (ccxt.RequestTimeout, ExchangeUnreachableError, None),
    (ccxt.ExchangeNotAvailable, ExchangeUnreachableError, None),
    (ccxt.OnMaintenance, ExchangeUnreachableError, None),
    (ccxt.InvalidNonce, ExchangeUnreachableError, None),
    (ccxt.ChecksumError, ExchangeUnreachableError, None),
    (ccxt.OperationFailed, TemporaryError, None),
    (ccxt.BadResponse, TemporaryError, None),
    (ccxt.NullResponse, TemporaryError, None),
    (ccxt.CancelPending, TemporaryError, None),
    (ccxt.NotSupported, ConfigurationError, None),
    (ccxt.InvalidAddress, InvalidInputError, None),
    (ccxt.AddressPending, InvalidInputError, None),
    (ccxt.ExchangeError, SourceUnavailableError, None),
    (ccxt.InvalidProxySettings, SourceUnavailableError, None),
    (ccxt.ExchangeClosedByUser, SourceUnavailableError, None),
    (ccxt.UnsubscribeError, SourceUnavailableError, None),
    (ccxt.BaseError, SourceUnavailableError, None),
]


def ccxt_classes() -> set[type[Exception]]:
    found: set[type[Exception]] = set()
    pending: list[type[Exception]] = [ccxt.BaseError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("ccxt") and cls not in found:
            found.add(cls)
            pending += cls.__subclasses__()
    return found


def test_every_ccxt_exception_class_is_listed() -> None:
    assert ccxt_classes() == {ccxt_class for ccxt_class, _, _ in MAPPING}


@pytest.mark.parametrize(
    ("ccxt_class", "ours", "kind"), MAPPING, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_each_ccxt_exception_maps_onto_the_taxonomy(
    ccxt_class: type[Exception], ours: type[ArenaError], kind: str | None
) -> None:
    translated = translate(ccxt_class('okx {"code":"1","msg":"boom"}'), ACCOUNT)
    assert type(translated) is ours
    assert "okx-demo" in str(translated)
    if kind is not None:
        assert isinstance(translated, OrderRejectedError) and translated.kind == kind


def test_temporary_failures_are_temporary_errors() -> None:
    for error in (ccxt.RateLimitExceeded("x"), ccxt.RequestTimeout("x")):
        assert isinstance(translate(error), TemporaryError)


def test_refused_credentials_name_the_account_and_what_to_check() -> None:
    refused = ccxt.AuthenticationError('okx {"msg":"Invalid OK-ACCESS-KEY","code":"50111"}')
    error = translate(refused, ACCOUNT)
    assert isinstance(error, ConfigurationError)
    message = str(error)
    assert message.startswith("the exchange refused the credentials of exchange account 'okx-demo'")
    assert "okx demo trading keys" in message and "\n" not in message


def test_messages_keep_no_key_secret_passphrase_or_signed_query() -> None:
    leaky = (
        f"okx GET https://www.okx.com/api/v5/account/balance?ccy=USDT&apiKey={API_KEY}"
        f"&signature=9f8e7d6c5b4a39281706f5e4d3c2b1a0 headers OK-ACCESS-KEY: {API_KEY} "
        f"OK-ACCESS-PASSPHRASE: {PASSPHRASE} secret {SECRET} body "
        f'{{"code":"51008","msg":"Order failed. Insufficient USDT margin in account"}}'
    )
    for ccxt_class, _, _ in MAPPING:
        message = str(translate(ccxt_class(leaky), ACCOUNT, (API_KEY, SECRET, PASSPHRASE)))
        for secret in (API_KEY, SECRET, PASSPHRASE, "9f8e7d6c5b4a", API_KEY[:8], SECRET[:8]):
            assert secret not in message, (ccxt_class.__name__, message)
    kept = str(translate(ccxt.InsufficientFunds(leaky), ACCOUNT, (API_KEY, SECRET, PASSPHRASE)))
    assert "Insufficient USDT margin" in kept  # the exchange's reason survives


def test_network_failures_say_what_happened_in_a_few_words() -> None:
    cause = ConnectionError("HTTPSConnectionPool(...): Max retries exceeded (Connection refused)")
    error = ccxt.NetworkError("okx GET https://www.okx.com/api/v5/account/balance")
    error.__cause__ = cause
    assert str(translate(error, ACCOUNT)).endswith(
        "the exchange did not answer: connection refused"
    )


def test_a_long_message_is_cut_to_one_short_line() -> None:
    message = str(translate(ccxt.ExchangeError("okx " + "x" * 2_000 + "\n\nmore"), ACCOUNT))
    assert len(message) < 420 and "\n" not in message


def test_an_order_rejection_keeps_its_kind_across_processes() -> None:
    error = translate(ccxt.InsufficientFunds("okx no margin"), ACCOUNT)
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, OrderRejectedError)
    assert copy.kind == "insufficient_funds" and str(copy) == str(error)
