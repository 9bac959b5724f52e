"""The FastAPI application: routes, error bodies, security, metrics and the embedded runner."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from alpha_arena import __version__
from alpha_arena.api.audit import AuditWrites
from alpha_arena.api.cache import ReadCache
from alpha_arena.api.dashboard import install_dashboard
from alpha_arena.api.errors import install_error_handlers
from alpha_arena.api.hosts import HostAllowList, RefuseUnknownHosts
from alpha_arena.api.live_hub import LiveHub
from alpha_arena.api.metrics import MeasureRequests, Metrics
from alpha_arena.api.offload import Offload
from alpha_arena.api.recent_errors import error_type, record_error
from alpha_arena.api.routes import (
    accounts,
    agent_decide,
    agent_report,
    agents,
    backtests,
    data_health,
    data_ingest,
    database_browser,
    derivatives,
    live,
    live_trading,
    market,
    models,
    season_activity,
    season_ledger,
    seasons,
    series,
    strategies,
    sweeps,
    system,
)
from alpha_arena.api.routes.seasons import leaderboard_json
from alpha_arena.api.security import AuthThrottle, BodySizeLimit, RateLimiter
from alpha_arena.api.state import ApiState
from alpha_arena.core.settings import Settings
from alpha_arena.seasons.commit_summary import CommitSummary
from alpha_arena.seasons.runner_process import RunnerProcess
from alpha_arena.seasons.supervisor import RunnerSupervisor
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.ingestion_jobs import IngestionJobs

API_PREFIX = "/api/v1"


def on_runner_error(state: ApiState, season_id: int, error: BaseException) -> None:
    """Count a season runner's failure and keep it among the server's recent errors."""
    state.metrics.errors.labels(f"runner:{error_type(error)}").inc()
    record_error(state, "runner", error, season_id=season_id)


DESCRIPTION = """\
Run and watch Alpha Arena: agents, seasons and their leaderboards, every decision with the
model's prompt and answer, orders, fills, positions, equity, market data, data health and
backtests. Reads are open on loopback; every write needs `Authorization: Bearer <token>`
(`ARENA_API_TOKEN`). Every error has one body: `{"error": {"code", "message", "details"}}`.
Live updates: the WebSocket at `/api/v1/ws`."""


def create_app(
    settings: Settings | None = None,
    context: AppContext | None = None,
    embedded_runner: bool | None = None,
    bound_host: str | None = None,
    separate_processes: bool = False,
) -> FastAPI:
    """Build the app. ``context``: use this one (tests) instead of opening one at startup;
    ``embedded_runner``: override ``ARENA_API_EMBEDDED_RUNNER``; ``bound_host``: the address
    the server listens on, a name it answers to besides ``ARENA_API_ALLOWED_HOSTS``;
    ``separate_processes``: drive running seasons from a child process and compute their
    reads in another (what `arena serve` does, so that serving, running and recomputing do
    not share one interpreter lock) instead of in threads of this one."""
    settings = settings or (context.settings if context is not None else Settings())
    run_seasons = settings.api_embedded_runner if embedded_runner is None else embedded_runner
    hosts = HostAllowList(settings.allowed_hosts(), bound_host)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = context is None
        ctx = open_context(settings) if context is None else context
        if settings.broker_url is not None and ctx.workers is None:
            from alpha_arena.worker.client import attach_workers

            attach_workers(ctx)  # seasons and backtests run in the workers, not here
        metrics = Metrics()
        hub = LiveHub(
            ctx.engine, lambda season_id: leaderboard_json(state, season_id),
            settings.api_live_poll_s, metrics.registry,
        )  # fmt: skip
        state = ApiState(
            settings=settings, context=ctx, metrics=metrics, cache=ReadCache(), hosts=hosts,
            write_limiter=RateLimiter(settings.api_writes_per_minute), hub=hub,
            auth_throttle=AuthThrottle(settings.api_auth_max_failures, settings.api_auth_window_s),
            started_ms=int(time.time() * 1000), ingestion_jobs=IngestionJobs(ctx),
        )  # fmt: skip

        def on_commit(commit: CommitSummary) -> None:
            metrics.on_commit(commit)
            hub.notify(commit.season_id)  # subscribers get the tick now, not at the next poll

        def on_error(season_id: int, error: Exception) -> None:
            on_runner_error(state, season_id, error)

        if separate_processes:
            state.offload = Offload(settings)
            state.offload.start()
        run_here = run_seasons and ctx.workers is None  # else the workers drive them
        if run_here and separate_processes:
            state.supervisor = RunnerProcess(settings, on_commit, on_error, hub.notify)
        elif run_here:
            state.supervisor = RunnerSupervisor(
                ctx, on_error=on_error, on_stop=hub.notify,  # a finished season: its status now
                on_commit=lambda season_id, tick, ticks: on_commit(
                    CommitSummary.of(season_id, tick, ticks)
                ),
            )  # fmt: skip
        if state.supervisor is not None:
            state.supervisor.start()
        app.state.arena = state
        try:
            yield
        finally:
            hub.close()
            state.ingestion_jobs.close()
            if state.supervisor is not None:
                state.supervisor.stop()
            if state.offload is not None:
                state.offload.close()
            if own:
                ctx.close()

    app = FastAPI(
        title="Alpha Arena API", version=__version__, description=DESCRIPTION,
        lifespan=lifespan, openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None,
    )  # fmt: skip
    install_error_handlers(app)
    install_middleware(app, settings, hosts)
    app.include_router(system.root)
    for module in (
        system,
        agents,
        agent_decide,
        agent_report,
        models,
        accounts,
        strategies,
        seasons,
        series,
        season_ledger,
        season_activity,
        live_trading,
        market,
        derivatives,
        data_health,
        data_ingest,
        sweeps,  # before backtests: its /backtests/sweeps is no backtest /{id}
        backtests,
        live,
        database_browser,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    install_dashboard(app, API_PREFIX)
    return app


def install_middleware(app: FastAPI, settings: Settings, hosts: HostAllowList) -> None:
    """The layers around every request, the last added the outermost."""
    app.add_middleware(MeasureRequests)
    if settings.cors_origins():
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins(),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )  # fmt: skip
    app.add_middleware(BodySizeLimit, limit=settings.api_max_body_bytes)
    app.add_middleware(AuditWrites, prefix=API_PREFIX)  # outside the size limit: 413s too
    app.add_middleware(RefuseUnknownHosts, hosts=hosts)  # the outermost: before anything else


#: Where `arena serve --workers N` tells its processes the address they listen on.
BOUND_HOST_ENV = "ARENA_SERVE_BOUND_HOST"


def app_from_environment() -> FastAPI:
    """The app each process of `arena serve --workers N` builds: settings from the
    environment, no season runner (the workers, or nobody, drive seasons), a running season's
    reads computed in a child process as in a single server."""
    return create_app(
        Settings(), embedded_runner=False, bound_host=os.environ.get(BOUND_HOST_ENV),
        separate_processes=True,
    )  # fmt: skip
