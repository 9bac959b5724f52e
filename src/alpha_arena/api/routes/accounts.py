"""Exchange accounts, read-only: what is registered, on which exchange, testnet/demo or
mainnet, and a fingerprint of each API key; never a key, a secret or the encrypted keys.

Accounts are added, tested and removed with `arena account` only: taking keys over HTTP would
put them in request bodies, proxies' logs and the browser, which is out of scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from alpha_arena.api.errors import ERROR_RESPONSES
from alpha_arena.api.pagination import Page, Window, page, window
from alpha_arena.api.security import refuse_nul, require_reader
from alpha_arena.api.state import context_of
from alpha_arena.domain.accounts import EXCHANGES, ExchangeAccount
from alpha_arena.services.accounts import list_accounts, show_account
from alpha_arena.services.context import AppContext

router = APIRouter(prefix="/accounts", tags=["accounts"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip

Context = Annotated[AppContext, Depends(context_of)]
AccountName = Annotated[str, Path(min_length=1, max_length=64, examples=["okx-demo"])]
_TS_EXAMPLE = 1_780_272_000_000  # 2026-06-01T00:00Z


class AccountOut(BaseModel):
    name: str = Field(examples=["okx-demo"])
    exchange: str = Field(examples=["okx"], description=f"One of {', '.join(EXCHANGES)}.")
    sandbox: bool = Field(
        examples=[True],
        description="True: the exchange's testnet or demo trading; false: mainnet, real money.",
    )
    mode: str = Field(examples=["demo trading"], description="demo trading, testnet or mainnet.")
    key_fingerprint: str = Field(
        examples=["3f9a1c2e"],
        description="The first 8 hex digits of the API key's SHA-256: tells keys apart, "
        "reveals nothing of them.",
    )
    ts_created: int = Field(examples=[_TS_EXAMPLE], description="Epoch milliseconds, UTC.")
    ts_updated: int = Field(examples=[_TS_EXAMPLE], description="Epoch milliseconds, UTC.")


def _account_out(account: ExchangeAccount) -> AccountOut:
    return AccountOut(
        name=account.name, exchange=account.exchange, sandbox=account.sandbox, mode=account.mode,
        key_fingerprint=account.key_fingerprint, ts_created=account.ts_created,
        ts_updated=account.ts_updated,
    )  # fmt: skip


@router.get("", response_model=Page[AccountOut], summary="The exchange accounts (no keys)")
def list_exchange_accounts(
    context: Context, at: Annotated[Window, Depends(window)]
) -> Page[AccountOut]:
    return page([_account_out(account) for account in list_accounts(context)], at)


@router.get("/{name}", response_model=AccountOut, summary="One exchange account (no keys)")
def get_exchange_account(name: AccountName, context: Context) -> AccountOut:
    return _account_out(show_account(context, name))
