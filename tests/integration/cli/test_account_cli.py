"""``arena account`` end to end on each database: keys from the environment or typed at hidden
prompts, never printed or logged (every output and log record is scanned for them), mainnet
only when confirmed, one-line errors for every problem with the master key, and rotation."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.domain.accounts import ExchangeCredentials
from alpha_arena.services.context import open_context
from alpha_arena.storage.exchange_accounts import ExchangeAccountStore, new_master_key
from tests.support.databases import settings_for
from tests.support.fake_exchange import FakeExchange

API_KEY = "cli-7d1e4f0a-api-key-2b9c"
SECRET = "CLI0SECRET1F2E3D4C5B6A7980"
PASSPHRASE = "Cli-Passphrase-31415"
SECRETS = (API_KEY, SECRET, PASSPHRASE)
ACCOUNT_VARIABLES = ("ARENA_ACCOUNT_API_KEY", "ARENA_ACCOUNT_API_SECRET",
                     "ARENA_ACCOUNT_PASSPHRASE", "ARENA_NEW_SECRET_KEY")  # fmt: skip


class Arena:
    """Runs ``arena`` and keeps every output, to scan them all for secrets at the end."""

    def __init__(self, database_url: str, master_key: str) -> None:
        self.database_url = database_url
        self.master_key = master_key
        self.outputs: list[str] = []

    def __call__(self, *args: str, input: str | None = None) -> Result:
        result = CliRunner().invoke(app, list(args), input=input)
        self.outputs += [result.output, result.stdout, result.stderr]
        return result

    def credentials(self, name: str, key: str | None = None) -> ExchangeCredentials:
        context = open_context(settings_for(self.database_url))
        try:
            return ExchangeAccountStore(context.engine).credentials(name, key or self.master_key)
        finally:
            context.close()


@pytest.fixture
def arena(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[Arena]:
    monkeypatch.chdir(tmp_path)  # no .env of the project's
    monkeypatch.setenv("ARENA_DATABASE_URL", database_url)
    monkeypatch.setenv("ARENA_LOG_LEVEL", "DEBUG")
    for variable in ACCOUNT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    key = new_master_key()
    monkeypatch.setenv("ARENA_SECRET_KEY", key)
    caplog.set_level(logging.DEBUG)
    runner = Arena(database_url, key)
    yield runner
    # Nothing printed, echoed or logged by any command of the test shows a key.
    logged = [caplog.text, *(record.getMessage() for record in caplog.records)]
    for text in (*runner.outputs, *logged):
        for secret in SECRETS:
            assert secret not in text
            assert secret[:8] not in text


def keys_in_environment(monkeypatch: pytest.MonkeyPatch, passphrase: bool = True) -> None:
    monkeypatch.setenv("ARENA_ACCOUNT_API_KEY", API_KEY)
    monkeypatch.setenv("ARENA_ACCOUNT_API_SECRET", SECRET)
    if passphrase:
        monkeypatch.setenv("ARENA_ACCOUNT_PASSPHRASE", PASSPHRASE)


def one_line_error(result: Result, *fragments: str) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def test_add_from_the_environment_then_list_show_and_remove(
    arena: Arena, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    keys_in_environment(monkeypatch)
    added = arena("account", "add", "okx-demo", "--exchange", "okx")
    assert added.exit_code == 0, added.output
    fingerprint = ExchangeCredentials(API_KEY, SECRET).fingerprint
    assert "added okx account okx-demo (demo trading)" in added.stdout
    assert fingerprint in added.stdout
    assert "hidden" not in added.output  # nothing was asked
    assert arena.credentials("okx-demo") == ExchangeCredentials(API_KEY, SECRET, PASSPHRASE)
    assert f"exchange account added: okx-demo (okx, demo trading, fingerprint {fingerprint})" in (
        caplog.text
    )  # the log is scanned for the keys at the end: it holds the account's records

    listed = arena("account", "list")
    assert listed.exit_code == 0, listed.output
    assert "okx-demo" in listed.stdout and "demo trading" in listed.stdout
    assert fingerprint in listed.stdout
    [entry] = json.loads(arena("account", "list", "--json").stdout)
    assert entry["name"] == "okx-demo" and entry["sandbox"] is True
    assert entry["key_fingerprint"] == fingerprint and entry["mode"] == "demo trading"
    shown = arena("account", "show", "okx-demo", "--json")
    assert json.loads(shown.stdout) == entry

    removed = arena("account", "remove", "okx-demo")
    assert removed.exit_code == 0, removed.output
    assert "removed okx account okx-demo" in removed.stdout
    assert json.loads(arena("account", "list", "--json").stdout) == []
    one_line_error(arena("account", "show", "okx-demo"), "no exchange account named 'okx-demo'")


def test_keys_missing_from_the_environment_are_asked_for_hidden(arena: Arena) -> None:
    typed = f"{API_KEY}\n{SECRET}\n{PASSPHRASE}\n"
    added = arena("account", "add", "bitget-demo", "--exchange", "bitget", input=typed)
    assert added.exit_code == 0, added.output
    assert "bitget API key (hidden; or set ARENA_ACCOUNT_API_KEY)" in added.output
    assert "bitget API secret (hidden" in added.output
    assert "bitget API passphrase (hidden" in added.output
    assert arena.credentials("bitget-demo") == ExchangeCredentials(API_KEY, SECRET, PASSPHRASE)


def test_only_the_missing_keys_are_asked_for_and_no_passphrase_off_okx_and_bitget(
    arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARENA_ACCOUNT_API_KEY", API_KEY)
    monkeypatch.setenv("ARENA_ACCOUNT_PASSPHRASE", PASSPHRASE)  # left over: bybit has none
    added = arena("account", "add", "bybit-demo", "--exchange", "bybit", input=f"{SECRET}\n")
    assert added.exit_code == 0, added.output
    assert "API key (hidden" not in added.output and "passphrase" not in added.output
    assert arena.credentials("bybit-demo") == ExchangeCredentials(API_KEY, SECRET)


def test_mainnet_needs_the_name_typed_or_yes_real_money(
    arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys_in_environment(monkeypatch, passphrase=False)
    wrong = arena("account", "add", "bybit-real", "--exchange", "bybit", "--mainnet",
                  input="yes\n")  # fmt: skip
    assert wrong.exit_code == 2, wrong.output
    warning, refusal = wrong.stderr.strip().splitlines()
    assert "bybit-real will be a MAINNET bybit account" in warning
    assert refusal == "error: not confirmed: nothing was stored"
    assert json.loads(arena("account", "list", "--json").stdout) == []

    typed = arena("account", "add", "bybit-real", "--exchange", "bybit", "--mainnet",
                  input="bybit-real\n")  # fmt: skip
    assert typed.exit_code == 0, typed.output
    assert "(mainnet)" in typed.stdout

    flagged = arena("account", "add", "bybit-real-2", "--exchange", "bybit", "--mainnet",
                    "--yes-real-money", "--json")  # fmt: skip
    assert flagged.exit_code == 0, flagged.output
    assert json.loads(flagged.stdout)["sandbox"] is False
    sandboxed = {entry["name"]: entry["sandbox"]
                 for entry in json.loads(arena("account", "list", "--json").stdout)}  # fmt: skip
    assert sandboxed == {"bybit-real": False, "bybit-real-2": False}


def test_without_a_master_key_nothing_is_asked_for_or_stored(
    arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARENA_SECRET_KEY")
    refused = arena("account", "add", "okx-demo", "--exchange", "okx", input="x\n" * 3)
    line = one_line_error(refused, "ARENA_SECRET_KEY is not set", "arena account new-key")
    assert "Fernet.generate_key()" in line
    assert "hidden" not in refused.output
    assert json.loads(arena("account", "list", "--json").stdout) == []


def test_bad_input_is_refused_before_the_keys_are_asked_for(arena: Arena) -> None:
    for args, fragment in (
        (("Bad Name", "--exchange", "okx"), "account name 'Bad Name'"),
        (("kr-1", "--exchange", "kraken"), "unknown exchange 'kraken'; accepted: okx"),
    ):
        refused = arena("account", "add", *args, input="x\n" * 3)
        one_line_error(refused, fragment)
        assert "hidden" not in refused.output


def test_a_blank_variable_counts_as_unset_and_empty_answers_are_asked_again(
    arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARENA_ACCOUNT_API_KEY", "   ")
    added = arena("account", "add", "bybit-demo", "--exchange", "bybit",
                    input=f"\n{API_KEY}\n{SECRET}\n")  # fmt: skip
    # click asks again for an empty answer, so the second line is taken as the key.
    assert added.exit_code == 0, added.output
    assert arena.credentials("bybit-demo") == ExchangeCredentials(API_KEY, SECRET)


def test_a_wrong_master_key_is_a_one_line_error(
    arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys_in_environment(monkeypatch)
    assert arena("account", "add", "okx-demo", "--exchange", "okx").exit_code == 0
    monkeypatch.setenv("ARENA_SECRET_KEY", new_master_key())
    one_line_error(
        arena("account", "test", "okx-demo"),
        "ARENA_SECRET_KEY does not decrypt the keys of exchange account 'okx-demo'",
    )
    one_line_error(arena("account", "add", "okx-2", "--exchange", "okx"), "does not decrypt")
    monkeypatch.setenv("ARENA_SECRET_KEY", "not-a-key")
    one_line_error(arena("account", "test", "okx-demo"), "ARENA_SECRET_KEY is not a Fernet key")
    # Listing needs no key: nothing is decrypted.
    assert arena("account", "list").exit_code == 0


def test_rotate_key_re_encrypts_with_the_new_key_from_the_environment_or_a_prompt(
    arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys_in_environment(monkeypatch)
    assert arena("account", "add", "okx-demo", "--exchange", "okx").exit_code == 0
    old, new = arena.master_key, new_master_key()
    monkeypatch.setenv("ARENA_NEW_SECRET_KEY", new)
    rotated = arena("account", "rotate-key")
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted the keys of 1 account" in rotated.stdout
    assert "set ARENA_SECRET_KEY to it" in rotated.stdout
    assert new not in rotated.output and old not in rotated.output
    one_line_error(arena("account", "test", "okx-demo"), "does not decrypt")  # the old key
    expected = ExchangeCredentials(API_KEY, SECRET, PASSPHRASE)
    assert arena.credentials("okx-demo", new) == expected

    monkeypatch.setenv("ARENA_SECRET_KEY", new)
    monkeypatch.delenv("ARENA_NEW_SECRET_KEY")
    newer = new_master_key()
    prompted = arena("account", "rotate-key", input=f"{newer}\n")
    assert prompted.exit_code == 0, prompted.output
    assert "New master key (hidden; or set ARENA_NEW_SECRET_KEY)" in prompted.output
    assert newer not in prompted.output
    assert arena.credentials("okx-demo", newer) == expected

    monkeypatch.setenv("ARENA_SECRET_KEY", newer)
    one_line_error(arena("account", "rotate-key", input="garbage\n"),
                   "ARENA_NEW_SECRET_KEY is not a Fernet key")  # fmt: skip
    assert arena.credentials("okx-demo", newer) == expected


def test_new_key_prints_a_fernet_key_and_nothing_else_on_stdout(arena: Arena) -> None:
    result = arena("account", "new-key")
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert len(result.stdout.splitlines()) == 1
    Fernet(key.encode())  # a valid key
    assert "ARENA_SECRET_KEY" in result.stderr
    assert arena("account", "new-key").stdout.strip() != key


def test_settings_hold_the_master_key_as_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from alpha_arena.core.settings import Settings

    key = new_master_key()
    monkeypatch.setenv("ARENA_SECRET_KEY", key)
    monkeypatch.setenv("ARENA_TRADING_ENABLED", "true")
    settings = Settings(_env_file=None)
    assert isinstance(settings.secret_key, SecretStr)
    assert settings.secret_key.get_secret_value() == key
    assert key not in repr(settings) and key not in str(settings.model_dump())
    assert settings.trading_enabled is True
    monkeypatch.delenv("ARENA_TRADING_ENABLED")
    assert Settings(_env_file=None).trading_enabled is False


# --- `arena account test` against the loopback exchange (OKX's private API) -----------------


@pytest.fixture
def okx(arena: Arena, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeExchange]:
    with FakeExchange() as fake:
        monkeypatch.setenv("ARENA_EXCHANGE_BASE_URL", fake.url)
        monkeypatch.setenv("ARENA_EXCHANGE_TIMEOUT_S", "5")
        yield fake


def test_account_test_reads_the_demo_balance_with_the_simulated_trading_header(
    arena: Arena, okx: FakeExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    okx.add_account(API_KEY, SECRET, PASSPHRASE, usdt=12_345.5, demo=True)
    keys_in_environment(monkeypatch)
    assert arena("account", "add", "okx-demo", "--exchange", "okx").exit_code == 0
    monkeypatch.delenv("ARENA_TRADING_ENABLED", raising=False)  # a read needs no trading

    tested = arena("account", "test", "okx-demo", "--json")
    assert tested.exit_code == 0, tested.output
    report = json.loads(tested.stdout)
    assert report["currency"] == "USDT" and report["total"] == pytest.approx(12_345.5)
    assert report["free"] == pytest.approx(12_345.5)
    assert report["sandboxed"] is True and report["mode"] == "demo trading"
    assert okx.requests["/api/v5/account/balance"] >= 1
    assert okx.simulated_requests >= 1 and okx.live_requests == 0

    text = arena("account", "test", "okx-demo")
    assert text.exit_code == 0, text.output
    assert "answered from testnet/demo: USDT total 12,345.50, free 12,345.50" in text.stdout


def test_account_test_says_which_credentials_the_exchange_refused(
    arena: Arena, okx: FakeExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    okx.add_account(API_KEY, "another-secret-entirely", PASSPHRASE, demo=True)
    keys_in_environment(monkeypatch)
    assert arena("account", "add", "okx-demo", "--exchange", "okx").exit_code == 0
    one_line_error(arena("account", "test", "okx-demo"),
                   "the exchange refused the credentials of exchange account 'okx-demo'",
                   "okx demo trading keys")  # fmt: skip


def test_a_demo_key_added_as_mainnet_is_refused_by_the_exchange(
    arena: Arena, okx: FakeExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    okx.add_account(API_KEY, SECRET, PASSPHRASE, demo=True)
    keys_in_environment(monkeypatch)
    added = arena("account", "add", "okx-real", "--exchange", "okx", "--mainnet",
                  "--yes-real-money")  # fmt: skip
    assert added.exit_code == 0, added.output
    one_line_error(arena("account", "test", "okx-real"),
                   "refused the credentials of exchange account 'okx-real'",
                   "okx mainnet keys")  # fmt: skip
    assert okx.simulated_requests == 0  # mainnet: no demo header on any request


def test_an_unreachable_exchange_is_a_one_line_error(
    arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys_in_environment(monkeypatch)
    assert arena("account", "add", "okx-demo", "--exchange", "okx").exit_code == 0
    with FakeExchange() as fake:
        gone = fake.url  # a port nobody listens on once the fake has stopped
    monkeypatch.setenv("ARENA_EXCHANGE_BASE_URL", gone)
    one_line_error(arena("account", "test", "okx-demo"),
                   "exchange account 'okx-demo': the exchange did not answer")  # fmt: skip
