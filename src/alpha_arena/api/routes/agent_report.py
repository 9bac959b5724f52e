"""``GET /agents/{name}/report``: how an agent's calls turned out (``services.outcomes``), the
same figures as ``arena agent report NAME --json``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from alpha_arena.api.errors import ERROR_RESPONSES
from alpha_arena.api.security import refuse_nul, require_reader
from alpha_arena.api.state import context_of
from alpha_arena.services.context import AppContext
from alpha_arena.services.outcomes import agent_report, report_json

router = APIRouter(prefix="/agents", tags=["agents"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader), Depends(refuse_nul)])  # fmt: skip

Context = Annotated[AppContext, Depends(context_of)]

_TALLY_EXAMPLE = {
    "calls": 120, "known": 118, "pending": 2, "hits": 64, "hit_rate": 0.5424,
    "average_outcome": 0.0012, "aside": 30, "aside_pending": 0, "average_move_aside": 0.0041,
}  # fmt: skip


class TallyOut(BaseModel):
    """One horizon's figures for a set of calls."""

    calls: int = Field(examples=[120], description="Long and short calls.")
    known: int = Field(examples=[118], description="Calls whose horizon is in the data.")
    pending: int = Field(
        examples=[2], description="Calls too close to the data's end: not judged, not guessed."
    )
    hits: int = Field(
        examples=[64], description="Known calls that were right: long and the price rose, or "
        "short and it fell.",
    )  # fmt: skip
    hit_rate: float | None = Field(
        examples=[0.5424], description="hits / known; null with no known call."
    )
    average_outcome: float | None = Field(
        examples=[0.0012], description="The mean forward return of the known calls, signed by "
        "their direction (a short that saw a 1% fall: +0.01); null with no known call.",
    )  # fmt: skip
    aside: int = Field(examples=[30], description="Calls to hold or close a coin.")
    aside_pending: int = Field(examples=[0])
    average_move_aside: float | None = Field(
        examples=[0.0041], description="The mean absolute move the aside calls sat out (a "
        "loss avoided or a gain missed); null with none known.",
    )  # fmt: skip


class HorizonOut(BaseModel):
    bars: int = Field(examples=[4], description="Bars of the season's timeframe after a call.")
    overall: TallyOut
    by_regime: dict[str, TallyOut] = Field(
        examples=[{"trending": _TALLY_EXAMPLE}],
        description="By the market regime at the call (trending, squeeze, ranging, unknown), "
        "from the bars known then.",
    )  # fmt: skip
    by_coin: dict[str, TallyOut] = Field(examples=[{"BTC/USDT:USDT": _TALLY_EXAMPLE}])


class SeasonCoveredOut(BaseModel):
    season_id: int = Field(examples=[4])
    name: str = Field(examples=["march replay"])
    timeframe: str = Field(examples=["1h"])
    decisions: int = Field(examples=[310], description="The agent's decisions stored in it.")


class AgentReportOut(BaseModel):
    agent: str = Field(examples=["ema-fast"])
    season_id: int | None = Field(examples=[None], description="The season asked for, if any.")
    decisions: int = Field(examples=[310], description="Stored decisions read.")
    calls: int = Field(examples=[150], description="Coin calls in them (one per coin named).")
    message: str = Field(
        examples=[""], description="Why the report is empty (no entry, no call); else empty."
    )
    seasons: list[SeasonCoveredOut]
    horizons: list[HorizonOut] = Field(description="1, 4 and 24 bars after each call.")


@router.get(
    "/{name}/report", response_model=AgentReportOut,
    summary="How an agent's calls turned out 1, 4 and 24 bars later, by regime and by coin",
)  # fmt: skip
def get_agent_report(
    name: Annotated[str, Path(min_length=1, max_length=64, examples=["ema-fast"])],
    context: Context,
    season: Annotated[
        int | None,
        Query(ge=1, le=2**31 - 1, description="Only this season's decisions.", examples=[4]),
    ] = None,
) -> AgentReportOut:
    return AgentReportOut.model_validate(report_json(agent_report(context, name, season)))
