"""What the running server holds: the application context and its long-lived helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request
from starlette.requests import HTTPConnection

from alpha_arena.api.recent_errors import RecentErrors
from alpha_arena.core.settings import Settings
from alpha_arena.services.context import AppContext

if TYPE_CHECKING:
    from alpha_arena.api.cache import ReadCache
    from alpha_arena.api.hosts import HostAllowList
    from alpha_arena.api.live_hub import LiveHub
    from alpha_arena.api.metrics import Metrics
    from alpha_arena.api.offload import Offload
    from alpha_arena.api.security import AuthThrottle, RateLimiter
    from alpha_arena.seasons.supervisor import SeasonDrivers
    from alpha_arena.services.ingestion_jobs import IngestionJobs


@dataclass
class ApiState:
    settings: Settings
    context: AppContext
    write_limiter: RateLimiter
    auth_throttle: AuthThrottle
    metrics: Metrics
    cache: ReadCache
    hub: LiveHub
    hosts: HostAllowList
    started_ms: int
    ingestion_jobs: IngestionJobs  # POST /data/ingest's background downloads
    supervisor: SeasonDrivers | None = None
    offload: Offload | None = None  # None: running seasons' reads computed in a thread
    errors: RecentErrors = field(default_factory=RecentErrors)  # the last failures, for /system
    extras: dict[str, object] = field(default_factory=dict)


def api_state(connection: HTTPConnection) -> ApiState:
    state: ApiState = connection.app.state.arena
    return state


def context_of(request: Request) -> AppContext:
    """The dependency every route uses for its stores and use cases."""
    return api_state(request).context
