"""Season series: one pinned lineup over K replay windows, and how stable its ranking is
across them, through the same services as ``arena season series``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from alpha_arena.api.errors import ERROR_RESPONSES, WRITE_RESPONSES
from alpha_arena.api.pagination import Page, Window, page, window
from alpha_arena.api.security import refuse_nul, require_reader, require_writer
from alpha_arena.api.state import api_state, context_of
from alpha_arena.core.time import parse_ts, to_iso
from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.seasons.series import MAX_WINDOWS, SeriesKind
from alpha_arena.services import series as series_service
from alpha_arena.services.context import AppContext
from alpha_arena.services.series_runs import start_series
from alpha_arena.storage.season_queries import SeasonQueries
from alpha_arena.storage.series_store import SeriesStore

router = APIRouter(prefix="/series", tags=["series"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip

Context = Annotated[AppContext, Depends(context_of)]
SeriesId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The series' id.")]
BTC = "BTC/USDT:USDT"
#: How stale a series with a running window may be served (its aggregate reads leaderboards).
LIVE_MAX_AGE_S = 1.0


class SeriesCreate(BaseModel):
    """A series as `arena season series create` takes it; times are ISO-8601 UTC strings."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    name: str = Field(min_length=1, max_length=100, examples=["walk-forward-2025"])
    kind: Literal["consecutive", "random", "repeat"] = Field(
        examples=["consecutive"],
        description="consecutive: calendar months; random: windows of `length` drawn with "
        "`seed`; repeat: the window `start` to `end`, `count` times.",
    )
    count: int = Field(ge=2, le=MAX_WINDOWS, examples=[12], description="Windows (K).")
    agents: list[str] = Field(
        default_factory=list, max_length=64, examples=[["ema-trend", "breakout"]],
        description="Registered agents; empty: the built-in agents (the demo's).",
    )  # fmt: skip
    symbols: list[str] = Field(
        default_factory=lambda: list(series_service.DEFAULT_SYMBOLS), min_length=1,
        max_length=20, examples=[[BTC, "ETH/USDT:USDT"]],
    )  # fmt: skip
    timeframe: str = Field(default="1h", max_length=8, examples=["1h"])
    exchange: str = Field(default="binance", max_length=32, examples=["binance"])
    capital: float = Field(default=10_000.0, gt=0, lt=1e12, examples=[10_000.0])
    baselines: bool = Field(default=True, examples=[True])
    start: str | None = Field(
        default=None, max_length=40, examples=["2025-01-01"],
        description="consecutive: the first month (default: the last `count` whole months of "
        "the data); repeat: the window's start.",
    )  # fmt: skip
    end: str | None = Field(
        default=None, max_length=40, examples=["2025-02-01"],
        description="repeat: the window's end (exclusive).",
    )  # fmt: skip
    length: str | None = Field(default=None, max_length=16, examples=["30d"],
                               description="random: each window's length.")  # fmt: skip
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1, examples=[7],
                             description="random: the draw's seed.")  # fmt: skip
    run: bool = Field(
        default=True, examples=[True],
        description="Start every window now (the workers, or the server's runner, drive them); "
        "false: only create them.",
    )  # fmt: skip

    def as_request(self) -> series_service.SeriesRequest:
        return series_service.SeriesRequest(
            name=self.name, kind=SeriesKind(self.kind), count=self.count,
            agents=tuple(self.agents), symbols=tuple(self.symbols), timeframe=self.timeframe,
            exchange=self.exchange, capital=self.capital, baselines=self.baselines,
            start=None if self.start is None else parse_ts(self.start),
            end=None if self.end is None else parse_ts(self.end),
            length=self.length, seed=self.seed,
        )  # fmt: skip


class SeriesWindowOut(BaseModel):
    window: int = Field(examples=[1], description="1..K, in order of start.")
    season_id: int = Field(examples=[14])
    name: str = Field(examples=["walk-forward-2025 1/12"])
    start: str = Field(examples=["2025-01-01T00:00:00Z"])
    end: str = Field(examples=["2025-02-01T00:00:00Z"])
    status: str = Field(examples=["finished"])
    ticks_done: int = Field(examples=[744])
    ticks_total: int = Field(examples=[744])
    winner: str | None = Field(examples=["ema-trend"],
                               description="Ranked first, once the window finished.")  # fmt: skip


class SeriesEntryOut(BaseModel):
    name: str = Field(examples=["ema-trend"])
    kind: str = Field(examples=["strategy"], description="strategy, llm, selector or portfolio.")
    baseline: bool = Field(examples=[False])
    deterministic: bool = Field(
        examples=[True], description="A rule agent or baseline: a repeated window repeats it."
    )
    mean_rank: float = Field(examples=[2.75], description="Ties share their places' mean.")
    median_rank: float = Field(examples=[2.5])
    rank_counts: list[float] = Field(
        examples=[[4, 3, 2, 1, 1, 1, 0, 0, 0]],
        description="Finished windows at place 1, 2, ...; tied entries share their places.",
    )
    p_first: float = Field(examples=[0.33], description="Share of windows ranked first.")
    return_mean_pct: float = Field(examples=[1.8])
    return_std_pct: float | None = Field(examples=[6.2], description="Sample std; null: 1.")
    return_min_pct: float = Field(examples=[-9.1])
    return_median_pct: float = Field(examples=[2.0])
    return_max_pct: float = Field(examples=[12.4])
    llm_cost_usd: float | None = Field(
        examples=[0.0], description="Summed over windows; null: some call's price is unknown."
    )
    ranks: list[float] = Field(examples=[[1, 3, 2.5]], description="Per finished window.")


class SeriesAggregateOut(BaseModel):
    windows: int = Field(examples=[12], description="Finished windows aggregated.")
    kendalls_w: float | None = Field(
        examples=[0.42],
        description="Kendall's W (tie-corrected): 1 when every window ranks the entries "
        "alike, 0 when they do not agree; null below two windows.",
    )
    entries: list[SeriesEntryOut] = Field(description="By mean rank, best first.")


class SeriesOut(BaseModel):
    id: int = Field(examples=[1])
    name: str = Field(examples=["walk-forward-2025"])
    kind: str = Field(examples=["consecutive"])
    config: dict[str, JsonValue] = Field(
        examples=[{"count": 12, "timeframe": "1h", "agents": ["ema-trend"]}],
        description="As created: lineup, coins, timeframe and the windows' bounds (epoch ms).",
    )
    created: str = Field(examples=["2026-01-05T10:00:00Z"])
    note: str | None = Field(
        examples=[None], description="A repeated window: which entries are deterministic."
    )
    windows: list[SeriesWindowOut]
    aggregate: SeriesAggregateOut


class SeriesSummaryOut(BaseModel):
    id: int = Field(examples=[1])
    name: str = Field(examples=["walk-forward-2025"])
    kind: str = Field(examples=["consecutive"])
    windows: int = Field(examples=[12])
    statuses: dict[str, int] = Field(
        examples=[{"finished": 10, "running": 2}], description="Windows by season status."
    )
    created: str = Field(examples=["2026-01-05T10:00:00Z"])


@router.get("", response_model=Page[SeriesSummaryOut], summary="Season series, newest first")
def list_series(context: Context, at: Annotated[Window, Depends(window)]) -> Page[SeriesSummaryOut]:
    return page(
        [
            SeriesSummaryOut(
                id=record.id,
                name=record.name,
                kind=record.kind,
                windows=len(record.season_ids),
                statuses=counts,
                created=to_iso(record.ts_created),
            )
            for record, counts in series_service.all_series(context)
        ],
        at,
    )


@router.post(
    "",
    response_model=SeriesOut,
    status_code=201,
    summary="Create a series of replay seasons over K windows (and start them)",
    dependencies=[Depends(require_writer)],
    responses=WRITE_RESPONSES,
)
def create_series(request: Request, context: Context, body: SeriesCreate) -> Response:
    # A plain `def`: creation (pinning, perhaps the portfolio's learning backtests) runs in the
    # thread pool; the windows themselves run elsewhere and are never waited for here.
    created = series_service.create_series(context, body.as_request())
    if body.run:
        start_series(context, created.series.id)
        state = api_state(request)
        if state.supervisor is not None:
            state.supervisor.nudge()  # drive them now, not at the next poll
    return Response(series_body(context, created.series.id), status_code=201,
                    media_type="application/json")  # fmt: skip


@router.get(
    "/{series_id}",
    response_model=SeriesOut,
    summary="A series: configuration, windows with their seasons, and the rank-stability "
    "aggregate of the finished windows",
)
async def get_series(request: Request, series_id: SeriesId) -> Response:
    state = api_state(request)
    context = state.context
    record = SeriesStore(context.engine).get(series_id)
    queries = SeasonQueries(context.engine)
    versions = tuple(queries.version(season_id) for season_id in record.season_ids)
    running = any(v is not None and v.status == SeasonStatus.RUNNING.value for v in versions)

    def compute() -> bytes:
        return series_body(context, series_id)

    body = await state.cache.fetch(("series", series_id), versions, compute,
                                   LIVE_MAX_AGE_S if running else 0.0)  # fmt: skip
    return Response(body, media_type="application/json")


def series_body(context: AppContext, series_id: int) -> bytes:
    view = series_service.series_view(context, series_id)
    record = view.series
    out = SeriesOut(
        id=record.id, name=record.name, kind=record.kind, config=record.config,
        created=to_iso(record.ts_created), note=view.note(),
        windows=[
            SeriesWindowOut(
                window=w.window, season_id=w.season_id, name=w.name, start=to_iso(w.start),
                end=to_iso(w.end), status=w.status, ticks_done=w.ticks_done,
                ticks_total=w.ticks_total, winner=w.winner,
            )
            for w in view.windows
        ],
        aggregate=SeriesAggregateOut.model_validate(view.aggregate.as_dict()),
    )  # fmt: skip
    return out.model_dump_json().encode()
