"""Live seasons: what their exchange accounts reported (balance snapshots and reconciliation
events), and ``flatten``, which ends the season and closes everything it holds on the exchange
(with the token)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from alpha_arena.api.errors import ERROR_RESPONSES, WRITE_RESPONSES
from alpha_arena.api.routes.seasons import WRITER, Context, SeasonId
from alpha_arena.api.security import refuse_nul, require_reader
from alpha_arena.core.time import to_iso
from alpha_arena.services.live_trading import flatten_season, season_reconciliation
from alpha_arena.storage.season_store import SeasonStore

router = APIRouter(prefix="/seasons", tags=["live trading"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip


class ReconciliationEventOut(BaseModel):
    entry: str = Field(examples=["gpt-5"])
    ts: int = Field(examples=[1735693200000])
    time: str = Field(examples=["2025-01-01T01:00:00Z"])
    kind: str = Field(
        examples=["unknown_position"],
        description="unknown_position, missing_position, position_mismatch, unknown_order, "
        "missing_order or flattened.",
    )
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    detail: str = Field(examples=["not opened by this entry: 0.5; left alone"])


class BalanceOut(BaseModel):
    entry: str = Field(examples=["gpt-5"])
    ts: int = Field(examples=[1735693200000])
    total: float = Field(examples=[10_012.5], description="USDT, as the exchange says.")
    free: float = Field(examples=[8_500.0])
    ledger_equity: float = Field(examples=[10_010.2], description="The entry's equity then.")


class ReconciliationOut(BaseModel):
    snapshots: int = Field(examples=[240], description="Exchange snapshots taken, all entries.")
    balances: list[BalanceOut] = Field(description="Each entry's newest exchange balance.")
    events: list[ReconciliationEventOut] = Field(description="Oldest first.")


class FlattenedOut(BaseModel):
    entry: str = Field(examples=["gpt-5"])
    account: str = Field(examples=["okx-demo-1"])
    canceled: int = Field(examples=[2], description="Orders canceled.")
    closed: list[str] = Field(examples=[["BTC/USDT:USDT"]], description="Positions closed.")
    left_alone: list[str] = Field(
        examples=[[]], description="Positions in symbols the season does not trade."
    )
    remaining_positions: int = Field(examples=[0])
    remaining_orders: int = Field(examples=[0])


@router.get(
    "/{season_id}/reconciliation",
    response_model=ReconciliationOut,
    summary="A live season's exchange snapshots and reconciliation events",
)
def get_reconciliation(context: Context, season_id: SeasonId) -> ReconciliationOut:
    found = season_reconciliation(context, season_id)
    names = {e.id: e.name for e in SeasonStore(context.engine).entries(season_id)}
    return ReconciliationOut(
        snapshots=found.snapshots,
        balances=[
            BalanceOut(entry=names[b.entry_id], ts=b.ts, total=b.total, free=b.free,
                       ledger_equity=b.ledger_equity)
            for b in found.balances
        ],
        events=[
            ReconciliationEventOut(entry=names[e.entry_id], ts=e.ts, time=to_iso(e.ts),
                                   kind=e.kind, symbol=e.symbol, detail=e.detail)
            for e in found.events
        ],
    )  # fmt: skip


@router.post(
    "/{season_id}/flatten",
    response_model=list[FlattenedOut],
    summary="End a live season and close every position and order it holds on the exchange",
    dependencies=WRITER,
    responses=WRITE_RESPONSES,
)
def flatten(context: Context, season_id: SeasonId) -> list[FlattenedOut]:
    return [
        FlattenedOut(entry=f.entry, account=f.account, canceled=f.canceled, closed=list(f.closed),
                     left_alone=list(f.left_alone), remaining_positions=f.remaining_positions,
                     remaining_orders=f.remaining_orders)
        for f in flatten_season(context, season_id)
    ]  # fmt: skip
