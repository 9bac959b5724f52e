"""What a season's entries went through besides their orders: completed round trips (as
`arena season trades` prints them), funding payments, and the actions the risk checks denied
or adjusted. Each is a page like every list, filtered by entry, symbol and time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from alpha_arena.api.errors import ERROR_RESPONSES
from alpha_arena.api.pagination import Page, TimeRange, Window, page, time_range, window
from alpha_arena.api.routes.seasons import Context, SeasonId
from alpha_arena.api.season_models import BTC
from alpha_arena.api.security import refuse_nul, require_reader
from alpha_arena.core.time import to_iso
from alpha_arena.services import season_views
from alpha_arena.storage.season_store import SeasonStore

router = APIRouter(prefix="/seasons", tags=["season ledger"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip

EntryName = Annotated[str | None, Query(max_length=64, description="Only this entry (agent name).")]
Symbol = Annotated[str | None, Query(max_length=64, description="Only this symbol.")]
Oldest = Annotated[bool, Query(description="Oldest first instead of newest first.")]
Range = Annotated[TimeRange, Depends(time_range)]
At = Annotated[Window, Depends(window)]
T = TypeVar("T")


class TradeOut(BaseModel):
    """A completed round trip: a position opened from flat and closed back to flat."""

    entry: str = Field(examples=["ema-trend"])
    symbol: str = Field(examples=[BTC])
    side: str = Field(examples=["long"], description="long or short.")
    quantity: float = Field(examples=[0.01], description="The largest absolute size held.")
    ts_entry: int = Field(examples=[1735693200000], description="Opened, epoch ms.")
    ts_exit: int = Field(examples=[1735714800000], description="Closed, epoch ms.")
    opened: str = Field(examples=["2025-01-01T01:00:00Z"])
    closed: str = Field(examples=["2025-01-01T07:00:00Z"])
    entry_price: float = Field(examples=[94_140.1], description="Average entry price.")
    exit_price: float = Field(examples=[95_010.0], description="Average exit price.")
    pnl: float = Field(examples=[8.7], description="Price PnL, before fees and funding.")
    fees: float = Field(examples=[0.95], description="Fees paid (>= 0).")
    funding: float = Field(examples=[-0.12], description="Funding received (+) or paid (-).")
    net_pnl: float = Field(examples=[7.63], description="pnl - fees + funding.")
    exit_reason: str = Field(
        examples=["close"], description="close, stop_loss, take_profit or liquidation."
    )


class FundingOut(BaseModel):
    """A funding settlement of an open position."""

    entry: str = Field(examples=["ema-trend"])
    ts: int = Field(examples=[1735718400000])
    time: str = Field(examples=["2025-01-01T08:00:00Z"])
    symbol: str = Field(examples=[BTC])
    amount: float = Field(examples=[-0.42], description="Received (+) or paid (-), in USDT.")


class RiskEventOut(BaseModel):
    """An action the risk checks denied, or approved after adjusting it."""

    entry: str = Field(examples=["ema-trend"])
    tick: int = Field(examples=[88])
    ts: int = Field(examples=[1735693200000])
    time: str = Field(examples=["2025-01-01T01:00:00Z"])
    symbol: str = Field(examples=[BTC])
    signal: str = Field(examples=["buy_to_enter"], description="The action's signal.")
    approved: bool = Field(examples=[False], description="False: denied; true: adjusted.")
    level: str = Field(
        examples=["deny"], description="deny: refused; warn: approved after clamping; info: a note."
    )
    rule: str = Field(
        examples=["margin"], description="The rule that denied it; empty if approved."
    )
    reason: str = Field(examples=["insufficient margin: needs 1725.56, free 1667.28"])
    adjustments: list[str] = Field(
        examples=[["leverage 20 lowered to the limit 10"]], description="What was clamped."
    )


@router.get(
    "/{season_id}/trades",
    response_model=Page[TradeOut],
    summary="Completed round trips (flat to flat), by when they closed",
)
def list_trades(
    context: Context, season_id: SeasonId, at: At, span: Range, entry: EntryName = None,
    symbol: Symbol = None, oldest_first: Oldest = False,
) -> Page[TradeOut]:  # fmt: skip
    found = [
        trade_out(item)
        for item in season_views.completed_trades(context, season_id, entry)
        if _wanted(item.trade.symbol, item.trade.ts_exit, symbol, span)
    ]
    return page(found if oldest_first else found[::-1], at)


def trade_out(item: season_views.EntryTrade) -> TradeOut:
    trade = item.trade
    return TradeOut(
        entry=item.entry, symbol=trade.symbol, side=trade.side, quantity=trade.quantity,
        ts_entry=trade.ts_entry, ts_exit=trade.ts_exit, opened=to_iso(trade.ts_entry),
        closed=to_iso(trade.ts_exit), entry_price=trade.entry_price,
        exit_price=trade.exit_price, pnl=trade.pnl, fees=trade.fees, funding=trade.funding,
        net_pnl=trade.net_pnl, exit_reason=trade.exit_reason,
    )  # fmt: skip


@router.get("/{season_id}/funding", response_model=Page[FundingOut], summary="Funding payments")
def list_funding(
    context: Context, season_id: SeasonId, at: At, span: Range, entry: EntryName = None,
    symbol: Symbol = None, oldest_first: Oldest = False,
) -> Page[FundingOut]:  # fmt: skip
    store = SeasonStore(context.engine)
    names = season_views.entries_by_id(context, season_id, entry)
    horizon = store.get(season_id).ticks_done  # one consistent season while a runner commits
    found = _ordered(
        (
            FundingOut(entry=name, ts=ts, time=to_iso(ts), symbol=coin, amount=amount)
            for entry_id, name in names.items()
            for ts, coin, amount in store.funding(entry_id, horizon)
            if _wanted(coin, ts, symbol, span)
        ),
        key=lambda item: (item.ts, item.entry, item.symbol),
        oldest_first=oldest_first,
    )
    return page(found, at)


@router.get(
    "/{season_id}/risk-events",
    response_model=Page[RiskEventOut],
    summary="Actions the risk checks denied or adjusted, with the rule and the reason",
)
def list_risk_events(
    context: Context, season_id: SeasonId, at: At, span: Range, entry: EntryName = None,
    symbol: Symbol = None, oldest_first: Oldest = False,
    approved: Annotated[
        bool | None, Query(description="false: only denials; true: only adjusted approvals.")
    ] = None,
) -> Page[RiskEventOut]:  # fmt: skip
    store = SeasonStore(context.engine)
    names = season_views.entries_by_id(context, season_id, entry)
    found = _ordered(
        (
            risk_event_out(name, row)
            for entry_id, name in names.items()
            for row in store.risk_events(entry_id)
            if _wanted(row["symbol"], row["ts"], symbol, span)
            and (approved is None or bool(row["approved"]) is approved)
        ),
        key=lambda item: (item.ts, item.entry, item.tick),
        oldest_first=oldest_first,
    )
    return page(found, at)


def risk_event_out(entry: str, row: dict[str, Any]) -> RiskEventOut:
    return RiskEventOut(
        entry=entry, tick=row["tick"], ts=row["ts"], time=to_iso(row["ts"]),
        symbol=row["symbol"], signal=row["signal"], approved=bool(row["approved"]),
        level=row["level"], rule=row["rule"] or "", reason=row["reason"],
        adjustments=[str(text) for text in row["adjustments"]],
    )  # fmt: skip


def _wanted(item_symbol: str, ts: int, symbol: str | None, span: TimeRange) -> bool:
    return (symbol is None or item_symbol == symbol) and span.contains(ts)


def _ordered(items: Iterable[T], key: Callable[[T], Any], oldest_first: bool) -> list[T]:
    # Stable: rows of one entry at one time keep the order they were stored in.
    return sorted(items, key=key, reverse=not oldest_first)
