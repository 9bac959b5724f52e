"""Seasons: create, read, move through the lifecycle, their entries, leaderboard and pairwise
comparison."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from alpha_arena.api.errors import ERROR_RESPONSES, WRITE_RESPONSES
from alpha_arena.api.pagination import Page, Window, page, window
from alpha_arena.api.season_models import (
    CompareOut,
    EntryOut,
    LeaderboardOut,
    SeasonCreate,
    SeasonOut,
)
from alpha_arena.api.security import refuse_nul, require_reader, require_writer
from alpha_arena.api.state import ApiState, api_state, context_of
from alpha_arena.core.errors import NotFoundError
from alpha_arena.core.time import timeframe_ms, to_iso
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus
from alpha_arena.seasons.config import public_config
from alpha_arena.services import seasons as season_service
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_queries import SeasonQueries, SeasonVersion
from alpha_arena.storage.season_store import EntryRecord, SeasonRecord, SeasonStore

RankBy = Literal["value", "alpha", "sharpe"]  # seasons.leaderboard.RANK_BY's keys

router = APIRouter(prefix="/seasons", tags=["seasons"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip

Context = Annotated[AppContext, Depends(context_of)]
SeasonId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The season's id.")]
WRITER = [Depends(require_writer)]


def season_out(season: SeasonRecord, entries: int) -> SeasonOut:
    step = timeframe_ms(season.timeframe)
    return SeasonOut(
        id=season.id, name=season.name, mode=season.mode, status=season.status.value,
        timeframe=season.timeframe, start=to_iso(season.ts_start), end=to_iso(season.ts_end),
        ticks_done=season.ticks_done, ticks_total=(season.ts_end - season.ts_start) // step,
        entries=entries,
        last_tick=None if season.ts_last_tick is None else to_iso(season.ts_last_tick),
        message=season.message, created=to_iso(season.ts_created),
        updated=to_iso(season.ts_updated), config=public_config(season.config),
    )  # fmt: skip


def entry_out(entry: EntryRecord) -> EntryOut:
    return EntryOut(
        id=entry.id, name=entry.name, kind=entry.kind, fingerprint=entry.fingerprint,
        baseline=entry.baseline, status=entry.status.value, equity=entry.equity,
        cash=entry.cash, config=entry.config,
        eliminated=None if entry.ts_eliminated is None else to_iso(entry.ts_eliminated),
    )  # fmt: skip


@router.get("", response_model=Page[SeasonOut], summary="Seasons, newest first")
def list_seasons(
    context: Context,
    at: Annotated[Window, Depends(window)],
    status: Annotated[
        SeasonStatus | None, Query(description="Only seasons in this status.")
    ] = None,
) -> Page[SeasonOut]:
    store = SeasonStore(context.engine)
    found = store.all(limit=10_000)
    if status is not None:
        found = [season for season in found if season.status is status]
    counts = store.entry_counts()
    return page([season_out(season, counts.get(season.id, 0)) for season in found], at)


def one_season_out(context: AppContext, season: SeasonRecord) -> SeasonOut:
    counts = SeasonStore(context.engine).entry_counts([season.id])
    return season_out(season, counts.get(season.id, 0))


@router.post(
    "",
    response_model=SeasonOut,
    status_code=201,
    summary="Create a draft season",
    dependencies=WRITER,
    responses=WRITE_RESPONSES,
)
def create_season(context: Context, body: SeasonCreate) -> SeasonOut:
    return one_season_out(context, season_service.create_season(context, body.as_config()))


@router.get("/{season_id}", response_model=SeasonOut, summary="One season and its progress")
def get_season(context: Context, season_id: SeasonId) -> SeasonOut:
    return one_season_out(context, SeasonStore(context.engine).get(season_id))


def _move(event: SeasonEvent, summary: str) -> None:
    def move(request: Request, context: Context, season_id: SeasonId) -> SeasonOut:
        season = season_service.transition(context, season_id, event)
        state = api_state(request)
        if state.supervisor is not None and season.status is SeasonStatus.RUNNING:
            state.supervisor.nudge()  # start driving it now, not at the next poll
        state.hub.notify(season_id)  # subscribers hear of the move now, not at the next poll
        return one_season_out(context, season)

    move.__name__ = f"{event.value}_season"
    router.post(f"/{{season_id}}/{event.value}", response_model=SeasonOut, summary=summary,
                dependencies=WRITER, responses=WRITE_RESPONSES)(move)  # fmt: skip


_move(SeasonEvent.START, "Start a draft season (the embedded runner drives it)")
_move(SeasonEvent.PAUSE, "Pause a running season")
_move(SeasonEvent.RESUME, "Resume a paused season")
_move(SeasonEvent.END, "End a season (a draft is cancelled)")


@router.get("/{season_id}/entries", response_model=Page[EntryOut], summary="A season's entries")
def list_entries(
    context: Context, season_id: SeasonId, at: Annotated[Window, Depends(window)]
) -> Page[EntryOut]:
    store = SeasonStore(context.engine)
    store.get(season_id)
    return page([entry_out(entry) for entry in store.entries(season_id)], at)


@router.get(
    "/{season_id}/leaderboard",
    response_model=LeaderboardOut,
    summary="The ranking, with bootstrap intervals, P(beats BTC), alpha and beta, exposure",
)
async def get_leaderboard(
    request: Request,
    season_id: SeasonId,
    rank_by: Annotated[
        RankBy,
        Query(description="Rank by account value (the default), alpha vs BTC, or Sharpe."),
    ] = "value",
) -> Response:
    return Response(await leaderboard_json(api_state(request), season_id, rank_by),
                    media_type="application/json")  # fmt: skip


async def leaderboard_json(state: ApiState, season_id: int, rank_by: RankBy = "value") -> bytes:
    """The leaderboard as JSON. Hot path: one indexed lookup of the season's version, then
    stored bytes; the board (a bootstrap) is computed only when the season moved since (for a
    running season, at most once per ``LIVE_MAX_AGE_S``)."""
    body = partial(leaderboard_body, rank_by=rank_by)
    return await season_read(state, season_id, f"leaderboard:{rank_by}", body)


async def season_read(
    state: ApiState, season_id: int, name: str, body: Callable[[AppContext, int], bytes]
) -> bytes:
    """``body(context, season_id)``'s bytes, stored per season version; a running season's are
    recomputed off this process, at most once per its max age."""
    version = SeasonQueries(state.context.engine).version(season_id)
    if version is None:
        raise NotFoundError(f"no season {season_id} (see `arena season list`)")

    max_age_s = live_max_age_s(version)
    compute = (
        partial(state.offload.call, body, season_id)
        if max_age_s > 0 and state.offload is not None  # a running season: off this process
        else partial(body, state.context, season_id)
    )
    return await state.cache.fetch((name, season_id), version, compute, max_age_s)


def leaderboard_body(context: AppContext, season_id: int, rank_by: RankBy = "value") -> bytes:
    board = season_service.leaderboard(context, season_id, rank_by)
    return LeaderboardOut.model_validate(board.as_dict()).model_dump_json().encode()


@router.get(
    "/{season_id}/compare",
    response_model=CompareOut,
    summary="P(A beats B) for every pair of entries, from the paired block bootstrap",
)
async def get_comparison(request: Request, season_id: SeasonId) -> Response:
    return Response(await comparison_json(api_state(request), season_id),
                    media_type="application/json")  # fmt: skip


async def comparison_json(state: ApiState, season_id: int) -> bytes:
    """The pairwise comparison as JSON, stored and recomputed like the leaderboard."""
    return await season_read(state, season_id, "compare", comparison_body)


def comparison_body(context: AppContext, season_id: int) -> bytes:
    comparison = season_service.compare(context, season_id)
    return CompareOut.model_validate(comparison.as_dict()).model_dump_json().encode()


#: How stale a running season's leaderboard or equity history may be: under load it is then
#: recomputed at most this often instead of at every committed tick.
LIVE_MAX_AGE_S = 1.0


def live_max_age_s(version: SeasonVersion) -> float:
    return LIVE_MAX_AGE_S if version.status == SeasonStatus.RUNNING.value else 0.0
