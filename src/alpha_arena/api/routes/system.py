"""Operations: /health, /metrics (Prometheus), and the system's version and runner status."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import text

from alpha_arena import __version__
from alpha_arena.api.errors import ERROR_RESPONSES
from alpha_arena.api.security import require_reader
from alpha_arena.api.state import api_state
from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.storage.schema import current_revision
from alpha_arena.storage.season_store import SeasonStore

root = APIRouter(tags=["system"], responses=ERROR_RESPONSES)
router = APIRouter(prefix="/system", tags=["system"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader)])  # fmt: skip


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])
    version: str = Field(examples=[__version__])


class RunnerStatus(BaseModel):
    embedded: bool = Field(
        examples=[True], description="Whether this server drives running seasons itself."
    )
    active_seasons: list[int] = Field(examples=[[3]], description="Seasons being driven now.")
    running_seasons: list[int] = Field(
        examples=[[3]], description="Seasons whose status is running."
    )


class SystemInfo(BaseModel):
    version: str = Field(examples=[__version__])
    database_backend: str = Field(examples=["sqlite"])
    schema_revision: str | None = Field(examples=["0005"])
    uptime_s: float = Field(examples=[12.5])
    read_only: bool = Field(examples=[False], description="True when no API token is configured.")
    runner: RunnerStatus


@root.get("/health", response_model=Health, summary="Liveness and database reachability")
def health(request: Request) -> Health:
    state = api_state(request)
    with state.context.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return Health(status="ok", database="ok", version=__version__)


@root.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus exposition"}},
    dependencies=[Depends(require_reader)],
)
def metrics(request: Request) -> Response:
    state = api_state(request)
    state.metrics.runners.set(len(state.supervisor.active()) if state.supervisor else 0)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def runner_status(request: Request) -> RunnerStatus:
    state = api_state(request)
    running = SeasonStore(state.context.engine).with_status(SeasonStatus.RUNNING)
    active = state.supervisor.active() if state.supervisor else []
    return RunnerStatus(
        embedded=state.supervisor is not None, active_seasons=active, running_seasons=running
    )


@router.get("", response_model=SystemInfo, summary="Version, database and runner status")
def system_info(
    request: Request, runner: Annotated[RunnerStatus, Depends(runner_status)]
) -> SystemInfo:
    state = api_state(request)
    return SystemInfo(
        version=__version__,
        database_backend=state.context.engine.dialect.name,
        schema_revision=current_revision(state.context.engine),
        uptime_s=round(time.time() - state.started_ms / 1000, 3),
        read_only=state.settings.api_token is None,
        runner=runner,
    )


@router.get("/runner", response_model=RunnerStatus, summary="The embedded season runner")
def runner(status: Annotated[RunnerStatus, Depends(runner_status)]) -> RunnerStatus:
    return status
