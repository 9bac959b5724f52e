"""The Celery application, configured once from the settings.

Two queues: ``seasons`` holds season runs (long: a task runs a season until it ends, is paused
or its worker stops) and ``jobs`` everything else (backtests, sweep chunks, scheduled
ingestion, price refreshes, integrity scans), so that a worker given only ``jobs`` is never
blocked behind a season. Every task is acknowledged once it is done (``acks_late``), a worker
reserves one message at a time, and a task whose worker died is handed out again: each task is
safe to run twice (a season is guarded by its lease, the others write idempotently)."""

from __future__ import annotations

from celery import Celery

from alpha_arena.core.errors import ConfigurationError
from alpha_arena.core.settings import Settings
from alpha_arena.worker.schedule import beat_schedule

SEASONS_QUEUE = "seasons"
JOBS_QUEUE = "jobs"
QUEUES = (SEASONS_QUEUE, JOBS_QUEUE)

TASK_MODULES = ["alpha_arena.worker.tasks", "alpha_arena.worker.sweep_tasks"]


def broker_url(settings: Settings) -> str:
    """The configured broker's URL; ConfigurationError when none is set."""
    if settings.broker_url is None:
        raise ConfigurationError(
            "ARENA_BROKER_URL is not set: workers need a Redis broker, e.g. "
            "ARENA_BROKER_URL=redis://127.0.0.1:6379/0"
        )
    url = settings.broker_url.get_secret_value()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(
            "ARENA_BROKER_URL must be a Redis URL (redis://host:6379/0 or rediss://...)"
        )
    return url


def make_app(settings: Settings, pooled: bool = True) -> Celery:
    """A Celery app on ``settings``' broker (unset: an app that refuses to send or consume).
    ``pooled=False`` for senders (the API, the CLI): each broker connection is closed after
    use, so none is left open in kombu's process-wide pools, where a process that forks (a
    sweep's process pool) would inherit it half-read and hang on it at exit."""
    app = Celery("alpha_arena", include=TASK_MODULES)
    url = broker_url(settings) if settings.broker_url is not None else "memory://unset"
    app.conf.update(
        broker_url=url,
        result_backend=url if settings.broker_url is not None else None,
        broker_connection_retry_on_startup=True,
        task_default_queue=JOBS_QUEUE,
        task_routes={"arena.run_season": {"queue": SEASONS_QUEUE}},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_track_started=True,  # a task's state reads STARTED while it runs
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=7 * 24 * 3600,
        result_extended=True,  # the state names the task and its arguments
        broker_pool_limit=10 if pooled else None,
        worker_prefetch_multiplier=1,  # reserve one message at a time: long tasks stay fair
        worker_send_task_events=True,  # what Flower shows
        task_send_sent_event=True,
        worker_hijack_root_logger=False,
        beat_schedule=beat_schedule(settings),
        timezone="UTC",
        enable_utc=True,
    )
    return app


celery_app = make_app(Settings())
