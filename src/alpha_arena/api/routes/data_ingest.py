"""Starting an ingestion over HTTP (``POST /data/ingest``, as ``arena data ingest``) and following
it (``GET /data/ingest/{job_id}``). A job is an ingestion run: /data/ingestion-runs lists them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from alpha_arena.api.errors import ERROR_RESPONSES, WRITE_RESPONSES, ErrorBody
from alpha_arena.api.routes.data_health import IngestionRunOut
from alpha_arena.api.routes.data_health import _run_out as run_out
from alpha_arena.api.routes.market import EXCHANGE_PATTERN, MAX_SYMBOLS, SYMBOL_PATTERN
from alpha_arena.api.security import require_reader, require_writer
from alpha_arena.api.state import api_state, context_of
from alpha_arena.core.time import parse_ts
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion_jobs import MAX_JOB_BARS, ingestion_job

router = APIRouter(prefix="/data/ingest", tags=["data health"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader)])  # fmt: skip

Symbol = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SYMBOL_PATTERN)]
Timeframe = Annotated[str, StringConstraints(min_length=1, max_length=8)]


class IngestRequest(BaseModel):
    """What to download: the inputs of `arena data ingest`."""

    model_config = ConfigDict(extra="forbid")

    exchange: str = Field(
        max_length=32, pattern=EXCHANGE_PATTERN, examples=["okx"],
        description="okx, binance, binanceusdm, bitget, bybit, hyperliquid, coinbase or "
        "coingecko.",
    )  # fmt: skip
    symbols: list[Symbol] = Field(
        min_length=1, max_length=MAX_SYMBOLS, examples=[["BTC/USDT:USDT", "ETH/USDT:USDT"]],
        description="CCXT symbols the exchange lists.",
    )  # fmt: skip
    timeframes: list[Timeframe] = Field(
        default=["1h"], min_length=1, max_length=10, examples=[["1h", "4h"]]
    )
    since: str | None = Field(
        default=None, max_length=40, examples=["2024-01-01"],
        description="Start (UTC, ISO-8601); later runs continue from the newest stored bar. "
        "Default: 30 days ago.",
    )  # fmt: skip
    backfill: bool = Field(
        default=False, description="Fetch everything from `since` again (stored bars are kept)."
    )


JobId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The job's id (its run's).")]


@router.post(
    "",
    response_model=IngestionRunOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start an ingestion in the background; follow it at /data/ingest/{job_id}",
    description="Checked before it is accepted: the exchange, that it lists every symbol (one "
    "request to it), the timeframes and the range (at most "
    f"{MAX_JOB_BARS:,} bars, symbols x timeframes). Then it runs on the server, one job at a "
    "time: queued, running (row counts grow), succeeded or failed (with the error). "
    "The answer's `id` is the job's; `Location` says where to follow it.",
    dependencies=[Depends(require_writer)],
    responses={
        **WRITE_RESPONSES,
        502: {"model": ErrorBody, "description": "The exchange is out of reach"},
        503: {"model": ErrorBody, "description": "The exchange rate-limits or times out"},
    },
)
def start_ingestion(body: IngestRequest, request: Request, response: Response) -> IngestionRunOut:
    jobs = api_state(request).ingestion_jobs
    run = jobs.submit(
        body.exchange, body.symbols, body.timeframes,
        since=None if body.since is None else parse_ts(body.since), backfill=body.backfill,
    )  # fmt: skip
    response.headers["Location"] = f"{request.url.path}/{run.id}"
    return run_out(run)


@router.get(
    "/{job_id}",
    response_model=IngestionRunOut,
    summary="An ingestion job: queued, running, succeeded or failed, with its row counts",
)
def ingestion_status(
    job_id: JobId, context: Annotated[AppContext, Depends(context_of)]
) -> IngestionRunOut:
    return run_out(ingestion_job(context, job_id))
