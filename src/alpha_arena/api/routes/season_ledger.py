"""What a season's entries did: decisions with their model chat, orders with their lifecycle,
fills, open positions with their exit plans, and equity history for the account-value chart."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from alpha_arena.api.errors import ERROR_RESPONSES
from alpha_arena.api.pagination import Page, TimeRange, Window, page, time_range, window
from alpha_arena.api.routes.seasons import Context, SeasonId, live_max_age_s
from alpha_arena.api.season_models import (
    DecisionOut,
    EquityOut,
    EquityPoint,
    EquitySeries,
    FillOut,
    LlmCallOut,
    OrderEventOut,
    OrderOut,
    PositionOut,
)
from alpha_arena.api.security import refuse_nul, require_reader
from alpha_arena.api.state import api_state
from alpha_arena.core.errors import NotFoundError
from alpha_arena.core.redact import redact
from alpha_arena.core.time import to_iso
from alpha_arena.domain.llm import LlmCall
from alpha_arena.services import season_views
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_queries import LedgerFilter, SeasonQueries

router = APIRouter(prefix="/seasons", tags=["season ledger"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip

EntryName = Annotated[str | None, Query(max_length=64, description="Only this entry (agent name).")]
Symbol = Annotated[str | None, Query(max_length=64, description="Only this symbol.")]
Oldest = Annotated[bool, Query(description="Oldest first instead of newest first.")]
Range = Annotated[TimeRange, Depends(time_range)]
At = Annotated[Window, Depends(window)]


def _entries(context: AppContext, season_id: int, entry: str | None) -> dict[int, str]:
    """The season's entries (by id), or only the one named; 404 for either unknown."""
    return season_views.entries_by_id(context, season_id, entry)


def _filter(
    names: dict[int, str], symbol: str | None, span: TimeRange, oldest: bool
) -> LedgerFilter:
    return LedgerFilter(list(names), symbol, span.start, span.end, newest_first=not oldest)


@router.get(
    "/{season_id}/decisions",
    response_model=Page[DecisionOut],
    summary="Decisions with the LLM calls behind them (prompt, raw response, parsed decision)",
)
def list_decisions(
    context: Context, season_id: SeasonId, at: At, span: Range, entry: EntryName = None,
    symbol: Symbol = None, oldest_first: Oldest = False,
) -> Page[DecisionOut]:  # fmt: skip
    names = _entries(context, season_id, entry)
    queries = SeasonQueries(context.engine)
    rows, total = queries.decisions(_filter(names, symbol, span, oldest_first), at.limit,
                                    at.offset)  # fmt: skip
    calls = queries.calls_at([(row["entry_id"], row["tick"]) for row in rows])
    items = [
        decision_out(names[row["entry_id"]], row, calls.get((row["entry_id"], row["tick"]), []))
        for row in rows
    ]
    return Page(items=items, total=total, limit=at.limit, offset=at.offset)


@router.get(
    "/{season_id}/decisions/{entry}/{seq}",
    response_model=DecisionOut,
    summary="One decision of an entry, by its number, with the LLM calls behind it",
)
def get_decision(
    context: Context,
    season_id: SeasonId,
    entry: Annotated[str, Path(min_length=1, max_length=64, description="The entry's name.",
                               examples=["ema-fast"])],
    seq: Annotated[int, Path(ge=0, le=2**31 - 1, description="The entry's decision number.",
                             examples=[40])],
) -> DecisionOut:  # fmt: skip
    view = season_views.one_decision(context, season_id, entry, seq)
    return DecisionOut(
        entry=view.entry, seq=view.seq, tick=view.tick, ts=view.ts, time=to_iso(view.ts),
        reasoning=view.reasoning, actions=view.actions, latency_ms=view.latency_ms,
        outcome=view.outcome, llm_calls=[_call(call) for call in view.calls],
    )  # fmt: skip


def decision_out(entry: str, row: dict[str, Any], calls: list[LlmCall]) -> DecisionOut:
    return DecisionOut(
        entry=entry, seq=row["seq"], tick=row["tick"], ts=row["ts"], time=to_iso(row["ts"]),
        reasoning=row["reasoning"], actions=row["actions"], latency_ms=row["latency_ms"],
        outcome=row["outcome"], llm_calls=[_call(call) for call in calls],
    )  # fmt: skip


def _call(call: LlmCall) -> LlmCallOut:
    # Errors are redacted before they are stored; again here for rows stored before that.
    error = None if call.error is None else redact(call.error)
    return LlmCallOut(
        ts=call.ts, provider=call.provider, model=call.model, messages=call.messages,
        raw_response=call.raw_response, parsed_decision=call.parsed_decision, error=error,
        input_tokens=call.input_tokens, output_tokens=call.output_tokens,
        latency_ms=call.latency_ms, cost_usd=call.cost_usd, cached=call.cached,
        reasoning=call.reasoning,
        model_version=None if call.version is None else call.version.label,
    )  # fmt: skip


@router.get(
    "/{season_id}/orders",
    response_model=Page[OrderOut],
    summary="Orders with their lifecycle events",
)
def list_orders(
    context: Context, season_id: SeasonId, at: At, span: Range, entry: EntryName = None,
    symbol: Symbol = None, oldest_first: Oldest = False,
) -> Page[OrderOut]:  # fmt: skip
    names = _entries(context, season_id, entry)
    queries = SeasonQueries(context.engine)
    rows, total = queries.orders(_filter(names, symbol, span, oldest_first), at.limit, at.offset)
    events: dict[tuple[int, str], list[OrderEventOut]] = {}
    keys = [(row["entry_id"], row["client_order_id"]) for row in rows]
    for event in queries.order_events(keys):
        events.setdefault((event["entry_id"], event["client_order_id"]), []).append(
            OrderEventOut.model_validate(event)
        )
    items = []
    for row in rows:
        history = events.get((row["entry_id"], row["client_order_id"]), [])
        items.append(
            OrderOut.model_validate(
                {
                    **row,
                    "entry": names[row["entry_id"]],
                    "ts": row["ts_created"],
                    "status": history[-1].status_to if history else "new",
                    "events": history,
                }
            )
        )
    return Page(items=items, total=total, limit=at.limit, offset=at.offset)


@router.get("/{season_id}/fills", response_model=Page[FillOut], summary="Fills (trades)")
def list_fills(
    context: Context, season_id: SeasonId, at: At, span: Range, entry: EntryName = None,
    symbol: Symbol = None, oldest_first: Oldest = False,
) -> Page[FillOut]:  # fmt: skip
    names = _entries(context, season_id, entry)
    rows, total = SeasonQueries(context.engine).fills(
        _filter(names, symbol, span, oldest_first), at.limit, at.offset
    )
    items = [fill_out(names[row["entry_id"]], row) for row in rows]
    return Page(items=items, total=total, limit=at.limit, offset=at.offset)


def fill_out(entry: str, row: dict[str, Any]) -> FillOut:
    return FillOut.model_validate({**row, "entry": entry, "time": to_iso(row["ts"])})


@router.get(
    "/{season_id}/positions",
    response_model=Page[PositionOut],
    summary="Open positions with their exit plans, marked at the season's last tick",
)
def list_positions(
    context: Context, season_id: SeasonId, at: At, entry: EntryName = None,
    symbol: Symbol = None,
) -> Page[PositionOut]:  # fmt: skip
    found = season_views.open_positions(context, season_id, entry, symbol)
    return page([position_out(view) for view in found], at)


def position_out(view: season_views.PositionView) -> PositionOut:
    position, plan = view.position, view.position.exit_plan
    return PositionOut(
        entry=view.entry, symbol=position.symbol, side="long" if position.is_long else "short",
        quantity=position.quantity, entry_price=position.entry_price,
        mark_price=view.mark_price, notional=view.notional,
        unrealized_pnl=view.unrealized_pnl, margin=position.margin,
        leverage=position.leverage, liquidation_price=position.liquidation_price(),
        opened=to_iso(position.ts_opened), take_profit=plan.take_profit,
        stop_loss=plan.stop_loss, invalidation=plan.invalidation,
    )  # fmt: skip


@router.get(
    "/{season_id}/equity",
    response_model=EquityOut,
    summary="Equity history per entry, for the account-value chart (downsampled on request)",
)
async def get_equity(
    request: Request,
    season_id: SeasonId,
    span: Range,
    entry: EntryName = None,
    points: Annotated[
        int, Query(ge=2, le=100_000, description="At most this many points per entry.")
    ] = 1_000,
) -> Response:
    # Hot path, like the leaderboard: cached per season version and request.
    state = api_state(request)
    version = SeasonQueries(state.context.engine).version(season_id)
    if version is None:
        raise NotFoundError(f"no season {season_id} (see `arena season list`)")
    max_age_s = live_max_age_s(version)
    compute = (
        partial(state.offload.call, equity_json, season_id, entry, points, span)
        if max_age_s > 0 and state.offload is not None  # a running season: off this process
        else partial(equity_json, state.context, season_id, entry, points, span)
    )
    body = await state.cache.fetch(
        ("equity", season_id, entry, points, span.start, span.end), version, compute, max_age_s
    )
    return Response(body, media_type="application/json")


def equity_json(
    context: AppContext, season_id: int, entry: str | None, points: int, span: TimeRange
) -> bytes:
    queries = SeasonQueries(context.engine)
    series = []
    for entry_id, name in _entries(context, season_id, entry).items():
        rows = queries.equity(entry_id, span.start, span.end)
        kept = downsample(rows, points)
        series.append(EquitySeries(
            entry=name, total_points=len(rows),
            points=[EquityPoint(tick=r[0], ts=r[1], equity=r[2], cash=r[3], exposure=r[4])
                    for r in kept],
        ))  # fmt: skip
    return EquityOut(season_id=season_id, series=series).model_dump_json().encode()


def downsample(rows: list[Any], points: int) -> list[Any]:
    """At most ``points`` rows, evenly spaced, always with the first and the last."""
    if len(rows) <= points:
        return rows
    last = len(rows) - 1
    picks = sorted({round(i * last / (points - 1)) for i in range(points)})
    return [rows[i] for i in picks]
