"""``arena account``: exchange accounts for live seasons, their keys stored encrypted.

Keys are read from the environment (ARENA_ACCOUNT_API_KEY, ARENA_ACCOUNT_API_SECRET,
ARENA_ACCOUNT_PASSPHRASE) or asked for with hidden input, never taken as options: a command
line lands in the shell's history and in every process listing."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import typer

from alpha_arena.cli.common import app_context, console, error_console, one_line_errors, print_json
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import to_iso
from alpha_arena.domain.accounts import EXCHANGES, NEEDS_PASSPHRASE

# The stores, cryptography and CCXT are imported inside the commands: `arena --help` must not
# load them.
if TYPE_CHECKING:
    from alpha_arena.domain.accounts import ExchangeAccount

account_app = typer.Typer(
    help="Exchange accounts for live seasons: add, list, show, test, remove, rotate-key, new-key.",
    no_args_is_help=True,
)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")
API_KEY_VARIABLE = "ARENA_ACCOUNT_API_KEY"
API_SECRET_VARIABLE = "ARENA_ACCOUNT_API_SECRET"
PASSPHRASE_VARIABLE = "ARENA_ACCOUNT_PASSPHRASE"
NEW_KEY_VARIABLE = "ARENA_NEW_SECRET_KEY"


def _secret(variable: str, label: str) -> str:
    """The value of ``variable``, or what is typed at a hidden prompt when it is unset."""
    value = os.environ.get(variable, "")
    if value.strip():
        return value
    typed: str = typer.prompt(f"{label} (hidden; or set {variable})", hide_input=True)
    return typed


def _confirm_mainnet(name: str, exchange: str) -> None:
    """Make whoever adds a mainnet account type its name: it trades real money."""
    error_console.print(
        f"[bold red]{name} will be a MAINNET {exchange} account: seasons on it trade real money."
        "[/]", highlight=False,
    )  # fmt: skip
    typed = typer.prompt(f"Type the account name ({name}) to confirm, or --yes-real-money")
    if typed.strip() != name:
        raise InvalidInputError("not confirmed: nothing was stored")


@account_app.command("add")
@one_line_errors
def add_command(
    name: str = typer.Argument(..., help="A unique name, e.g. okx-demo."),
    exchange: str = typer.Option(..., "--exchange", help=f"One of: {', '.join(EXCHANGES)}."),
    sandbox: bool = typer.Option(
        True,
        "--sandbox/--mainnet",
        help="The exchange's testnet or demo trading (the default), or real money.",
    ),
    yes_real_money: bool = typer.Option(
        False, "--yes-real-money", help="With --mainnet: skip typing the name to confirm."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Add an exchange account; its keys come from ARENA_ACCOUNT_API_KEY,
    ARENA_ACCOUNT_API_SECRET and ARENA_ACCOUNT_PASSPHRASE (okx, bitget), or are asked for."""
    from alpha_arena.domain.accounts import ExchangeCredentials
    from alpha_arena.services.accounts import add_account, check_new_account, credential_labels

    with app_context() as context:
        # Everything that can be refused without the keys is, before anyone types them.
        check_new_account(context, name, exchange)
        if not sandbox and not yes_real_money:
            _confirm_mainnet(name, exchange)
        key_label, secret_label = credential_labels(exchange)
        api_key = _secret(API_KEY_VARIABLE, f"{exchange} {key_label}")
        secret = _secret(API_SECRET_VARIABLE, f"{exchange} {secret_label}")
        passphrase = (
            _secret(PASSPHRASE_VARIABLE, f"{exchange} API passphrase")
            if exchange in NEEDS_PASSPHRASE
            else None
        )
        credentials = ExchangeCredentials(api_key, secret, passphrase)
        account = add_account(context, name, exchange, credentials, sandbox)
    if as_json:
        print_json(_account_json(account))
        return
    console.print(
        f"added {account.exchange} account {account.name} ({account.mode}), key fingerprint "
        f"{account.key_fingerprint}; check it with `arena account test {account.name}`",
        highlight=False, markup=False,
    )  # fmt: skip


@account_app.command("list")
@one_line_errors
def list_command(as_json: bool = JsonOption) -> None:
    """List the exchange accounts (never their keys: a fingerprint of the API key only)."""
    from rich.table import Table

    from alpha_arena.services.accounts import list_accounts

    with app_context() as context:
        accounts = list_accounts(context)
    if as_json:
        print_json([_account_json(account) for account in accounts])
        return
    table = Table("name", "exchange", "mode", "key fingerprint", "created",
                  title="Exchange accounts")  # fmt: skip
    for account in accounts:
        table.add_row(account.name, account.exchange, account.mode, account.key_fingerprint,
                      to_iso(account.ts_created))  # fmt: skip
    console.print(table)


@account_app.command("show")
@one_line_errors
def show_command(name: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Show one exchange account (no keys)."""
    from alpha_arena.services.accounts import show_account

    with app_context() as context:
        account = show_account(context, name)
    if as_json:
        print_json(_account_json(account))
        return
    for field, value in (
        ("name", account.name), ("exchange", account.exchange), ("mode", account.mode),
        ("key fingerprint", account.key_fingerprint), ("added", to_iso(account.ts_created)),
        ("changed", to_iso(account.ts_updated)),
    ):  # fmt: skip
        console.print(f"{field:>16}  {value}", highlight=False, markup=False)


@account_app.command("test")
@one_line_errors
def test_command(name: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Connect to an account and read its balance (read-only: sends no order)."""
    from alpha_arena.services.accounts import check_account

    with app_context() as context:
        check = check_account(context, name)
    account = check.account
    if as_json:
        print_json({
            **_account_json(account), "currency": check.currency, "total": check.total,
            "free": check.free, "sandboxed": check.sandbox,
        })  # fmt: skip
        return
    where = "testnet/demo" if check.sandbox else "MAINNET"
    console.print(
        f"{account.exchange} account {account.name} ({account.mode}) answered from {where}: "
        f"{check.currency} total {check.total:,.2f}, free {check.free:,.2f}",
        highlight=False, markup=False,
    )  # fmt: skip


@account_app.command("remove")
@one_line_errors
def remove_command(name: str = typer.Argument(...)) -> None:
    """Remove an exchange account and its stored keys."""
    from alpha_arena.services.accounts import remove_account

    with app_context() as context:
        account = remove_account(context, name)
    console.print(
        f"removed {account.exchange} account {account.name} and its keys",
        highlight=False, markup=False,
    )  # fmt: skip


@account_app.command("rotate-key")
@one_line_errors
def rotate_key_command() -> None:
    """Re-encrypt every account's keys with a new master key: from ARENA_NEW_SECRET_KEY, or
    typed (hidden). Then set ARENA_SECRET_KEY to the new key."""
    from alpha_arena.services.accounts import require_master_key, rotate_master_key

    with app_context() as context:
        require_master_key(context)
        new_key = _secret(NEW_KEY_VARIABLE, "New master key")
        rotated = rotate_master_key(context, new_key)
    plural = "" if rotated == 1 else "s"
    console.print(
        f"re-encrypted the keys of {rotated} account{plural} with the new master key; now set "
        "ARENA_SECRET_KEY to it (the old key no longer decrypts them) and unset "
        f"{NEW_KEY_VARIABLE}",
        highlight=False, markup=False,
    )  # fmt: skip


@account_app.command("new-key")
def new_key_command() -> None:
    """Print a new random master key, for ARENA_SECRET_KEY (or ARENA_NEW_SECRET_KEY)."""
    from alpha_arena.services.accounts import make_master_key

    sys.stdout.write(make_master_key() + "\n")
    error_console.print(
        "keep it secret and apart from the database's backups: set it as ARENA_SECRET_KEY "
        "(or ARENA_NEW_SECRET_KEY for `arena account rotate-key`)",
        highlight=False,
    )


def _account_json(account: ExchangeAccount) -> dict[str, Any]:
    return {
        "name": account.name, "exchange": account.exchange, "sandbox": account.sandbox,
        "mode": account.mode, "key_fingerprint": account.key_fingerprint,
        "created": to_iso(account.ts_created), "updated": to_iso(account.ts_updated),
    }  # fmt: skip
