"""Operations: /health, /metrics (Prometheus), the system's version and runner status, and the
last failures the server saw."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field, JsonValue
from sqlalchemy import text

from alpha_arena import __version__
from alpha_arena.api.errors import ERROR_RESPONSES, WRITE_RESPONSES, ErrorBody
from alpha_arena.api.pagination import Page, Window, window
from alpha_arena.api.security import require_reader, require_token_holder, require_writer
from alpha_arena.api.state import api_state
from alpha_arena.core.time import to_iso
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus
from alpha_arena.services.seasons import move_all
from alpha_arena.services.workers import WorkersStatus
from alpha_arena.storage.audit_log import AuditEntry, AuditLogStore
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


class MovedSeason(BaseModel):
    id: int = Field(examples=[3])
    name: str = Field(examples=["june-replay"])
    status: str = Field(examples=["paused"])
    ticks_done: int = Field(
        examples=[412], description="Ticks in its ledger: where it stopped (pause) or goes on "
        "from (resume).",
    )  # fmt: skip


class RefusedSeason(BaseModel):
    id: int = Field(examples=[5])
    reason: str = Field(examples=["season 5 changed status meanwhile; now finished"])


class RunnerMove(BaseModel):
    """What pausing (resuming) every running (paused) season did."""

    moved: list[MovedSeason] = Field(description="The seasons moved, by id.")
    refused: list[RefusedSeason] = Field(
        description="Seasons that could not move (they finished meanwhile, say); the others "
        "moved regardless."
    )


class ActiveTask(BaseModel):
    task: str = Field(examples=["arena.run_season"])
    id: str = Field(examples=["5f0c4b0e-2a1d-4b44-9d59-3f0b6d0c7a11"])
    args: list[JsonValue] = Field(examples=[[3]], description="The task's arguments.")
    started_ts: int | None = Field(
        examples=[1780272000000], description="When it started, epoch ms (UTC)."
    )


class WorkerOut(BaseModel):
    name: str = Field(examples=["arena@host-4121"])
    concurrency: int | None = Field(examples=[2], description="Tasks it runs at once.")
    queues: list[str] = Field(examples=[["jobs", "seasons"]])
    active: list[ActiveTask] = Field(description="The tasks it runs now.")


class QueueOut(BaseModel):
    name: str = Field(examples=["seasons"])
    waiting: int = Field(examples=[0], description="Messages waiting for a worker.")


class ScheduledJob(BaseModel):
    name: str = Field(examples=["refresh-prices"])
    task: str = Field(examples=["arena.refresh_prices"])
    schedule: str = Field(examples=["every 30 s"])


class WorkersOut(BaseModel):
    broker: str = Field(
        examples=["redis://127.0.0.1:6379/0"], description="Host and database, no password."
    )
    reachable: bool = Field(examples=[True], description="Whether the broker answered.")
    workers: list[WorkerOut] = Field(description="The workers that answered within a second.")
    queues: list[QueueOut]
    scheduled: list[ScheduledJob] = Field(description="What `arena scheduler` sends, and when.")


class AuditEntryOut(BaseModel):
    id: int = Field(examples=[41])
    ts: int = Field(examples=[1780272000000], description="When it came, epoch ms (UTC).")
    time: str = Field(examples=["2026-06-01T00:00:00Z"])
    actor: str | None = Field(
        examples=["3f9a1c2b"], description="The first hex digits of the bearer token's SHA-256 "
        "(never the token); null when the request carried none.",
    )  # fmt: skip
    client: str | None = Field(examples=["127.0.0.1"], description="The client's address.")
    method: str = Field(examples=["POST"])
    path: str = Field(examples=["/api/v1/seasons/3/start"])
    status: int = Field(examples=[200])
    outcome: str = Field(
        examples=["ok"], description="`ok`, or the error body's code (`unauthorized`, "
        "`not_found`, `invalid_input`, ...).",
    )  # fmt: skip
    entity: str | None = Field(
        examples=["seasons/3"], description="What the write acted on, when known: the path up "
        "to its last parameter, or the collection and the id a creation answered.",
    )  # fmt: skip
    duration_ms: int = Field(examples=[12])


class SystemInfo(BaseModel):
    version: str = Field(examples=[__version__])
    database_backend: str = Field(examples=["sqlite"])
    schema_revision: str | None = Field(examples=["0005"])
    uptime_s: float = Field(examples=[12.5])
    read_only: bool = Field(examples=[False], description="True when no API token is configured.")
    runner: RunnerStatus
    workers: WorkersOut | None = Field(
        description="Worker processes behind the broker; null when none is configured "
        "(everything runs in the server)."
    )


class RecentError(BaseModel):
    ts: int = Field(examples=[1780272000000], description="When it happened, epoch ms (UTC).")
    time: str = Field(examples=["2026-06-01T00:00:00Z"])
    kind: str = Field(
        examples=["http_500"], description="`http_<status>` for a failed request, `runner` for "
        "a season runner's failure.",
    )  # fmt: skip
    error_type: str = Field(examples=["OperationalError"], description="The exception's class.")
    message: str = Field(
        examples=["(sqlite3.OperationalError) database is locked"],
        description="Its first line, with anything key-like masked.",
    )
    where: str | None = Field(examples=["GET /api/v1/seasons"], description="The request.")
    season_id: int | None = Field(examples=[None], description="The season, for a runner error.")


class RecentErrors(BaseModel):
    total: int = Field(
        examples=[3], description="Failures since the server started (older ones are dropped)."
    )
    kept: int = Field(examples=[200], description="How many of the newest are kept.")
    items: list[RecentError] = Field(description="Newest first.")


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


#: How long the workers' state is reused: asking them takes up to a second.
WORKERS_TTL_S = 3.0


def workers_status(request: Request) -> WorkersOut | None:
    state = api_state(request)
    workers = state.context.workers
    if workers is None:
        return None
    cached = state.extras.get("workers")
    if isinstance(cached, tuple) and time.monotonic() - cached[0] < WORKERS_TTL_S:
        out: WorkersOut = cached[1]
        return out
    out = workers_out(workers.status())
    state.extras["workers"] = (time.monotonic(), out)
    return out


def workers_out(status: WorkersStatus) -> WorkersOut:
    return WorkersOut(
        broker=status.broker, reachable=status.reachable,
        workers=[
            WorkerOut(
                name=worker.name, concurrency=worker.concurrency, queues=worker.queues,
                active=[
                    ActiveTask(task=task.task, id=task.id, args=list(task.args),
                               started_ts=task.started_ts)
                    for task in worker.active
                ],
            )
            for worker in status.workers
        ],
        queues=[QueueOut(name=name, waiting=waiting) for name, waiting in status.queues.items()],
        scheduled=[
            ScheduledJob(name=job.name, task=job.task, schedule=job.schedule)
            for job in status.scheduled
        ],
    )  # fmt: skip


@router.get("", response_model=SystemInfo, summary="Version, database, runner and workers")
def system_info(
    request: Request,
    runner: Annotated[RunnerStatus, Depends(runner_status)],
    workers: Annotated[WorkersOut | None, Depends(workers_status)],
) -> SystemInfo:
    state = api_state(request)
    return SystemInfo(
        version=__version__,
        database_backend=state.context.engine.dialect.name,
        schema_revision=current_revision(state.context.engine),
        uptime_s=round(time.time() - state.started_ms / 1000, 3),
        read_only=state.settings.api_token is None,
        runner=runner,
        workers=workers,
    )


@router.get(
    "/workers",
    response_model=WorkersOut | None,
    summary="Workers, queues and scheduled jobs (null without a broker)",
)
def workers(status: Annotated[WorkersOut | None, Depends(workers_status)]) -> WorkersOut | None:
    return status


@router.get("/runner", response_model=RunnerStatus, summary="The embedded season runner")
def runner(status: Annotated[RunnerStatus, Depends(runner_status)]) -> RunnerStatus:
    return status


def _move_all(request: Request, event: SeasonEvent) -> RunnerMove:
    state = api_state(request)
    done = move_all(state.context, event)
    if state.supervisor is not None and event is SeasonEvent.RESUME and done.moved:
        state.supervisor.nudge()  # drive them now, not at the next poll
    for season in done.moved:
        state.hub.notify(season.id)  # subscribers hear of the move now
    return RunnerMove(
        moved=[MovedSeason(id=season.id, name=season.name, status=season.status.value,
                           ticks_done=season.ticks_done) for season in done.moved],
        refused=[RefusedSeason(id=season_id, reason=reason) for season_id, reason in done.refused],
    )  # fmt: skip


@router.post(
    "/runner/pause", response_model=RunnerMove, dependencies=[Depends(require_writer)],
    summary="Pause every running season at once (each stops at a tick boundary)",
    responses=WRITE_RESPONSES,
)  # fmt: skip
def pause_all(request: Request) -> RunnerMove:
    return _move_all(request, SeasonEvent.PAUSE)


@router.post(
    "/runner/resume", response_model=RunnerMove, dependencies=[Depends(require_writer)],
    summary="Resume every paused season at once", responses=WRITE_RESPONSES,
)  # fmt: skip
def resume_all(request: Request) -> RunnerMove:
    return _move_all(request, SeasonEvent.RESUME)


@router.get(
    "/errors",
    response_model=RecentErrors,
    summary="The last failures the server saw: HTTP 5xx and season runner errors",
    description="Kept in memory (the newest 200) since the server started; the `arena_errors` "
    "counter of /metrics counts them.",
)
def recent_errors(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200, description="The most to return.")] = 50,
) -> RecentErrors:
    errors = api_state(request).errors
    return RecentErrors(
        total=errors.total, kept=errors.size,
        items=[
            RecentError(
                ts=item.ts, time=to_iso(item.ts), kind=item.kind, error_type=item.error_type,
                message=item.message, where=item.where, season_id=item.season_id,
            )
            for item in errors.newest(limit)
        ],
    )  # fmt: skip


def _audit_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id or 0, ts=entry.ts, time=to_iso(entry.ts), actor=entry.actor,
        client=entry.client, method=entry.method, path=entry.path, status=entry.status,
        outcome=entry.outcome, entity=entry.entity, duration_ms=entry.duration_ms,
    )  # fmt: skip


@router.get(
    "/audit",
    response_model=Page[AuditEntryOut],
    dependencies=[Depends(require_token_holder)],
    summary="The audit log: every write through the API, refused ones too, newest first",
    description="For the token's holder only (reads of it need the bearer token, from "
    "loopback too). Each write is recorded once it is answered; `arena audit` prints the same.",
    responses={
        401: {"model": ErrorBody, "description": "Missing or wrong bearer token"},
        403: {"model": ErrorBody, "description": "No token is configured: nobody holds it"},
    },
)
def audit_log(
    request: Request,
    at: Annotated[Window, Depends(window)],
    actor: Annotated[
        str | None,
        Query(min_length=1, max_length=16, pattern="^[0-9a-f]+$", examples=["3f9a1c2b"],
              description="Only the writes of this token fingerprint."),
    ] = None,
    failed: Annotated[
        bool, Query(description="Only the writes that failed or were refused (status >= 400).")
    ] = False,
) -> Page[AuditEntryOut]:  # fmt: skip
    store = AuditLogStore(api_state(request).context.engine)
    entries = store.recent(at.limit, at.offset, actor=actor, failed_only=failed)
    return Page(
        items=[_audit_out(entry) for entry in entries],
        total=store.count(actor=actor, failed_only=failed), limit=at.limit, offset=at.offset,
    )  # fmt: skip
