"""``arena worker`` (a Celery worker running seasons, backtests, sweeps and scheduled jobs) and
``arena scheduler`` (Celery beat, plus the dispatcher that hands running seasons to workers)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from alpha_arena.cli.common import console, one_line_errors
from alpha_arena.core.logs import configure_logging

if TYPE_CHECKING:
    from celery import Celery

    from alpha_arena.core.settings import Settings


def _prepare() -> tuple[Settings, Celery]:
    """Settings and the Celery app, after checking the broker and the database answer."""
    from alpha_arena.core.settings import Settings
    from alpha_arena.storage.database import check_connection, engine_for
    from alpha_arena.worker.app import broker_url, celery_app
    from alpha_arena.worker.schedule import ingest_series

    settings = Settings()
    configure_logging(settings.log_level)
    broker_url(settings)  # unset or not Redis: one line
    ingest_series(settings)  # a malformed series: one line now, not a failing job every minute
    engine = engine_for(settings)
    try:
        check_connection(engine)
    finally:
        engine.dispose()
    return settings, celery_app


@one_line_errors
def worker(
    concurrency: int = typer.Option(
        0, "--concurrency", "-c", min=0, max=256,
        help="Tasks run at once, each in a process of its own (0: one per CPU).",
    ),
    queues: str = typer.Option(
        "seasons,jobs", "--queues", "-Q",
        help="Queues to take tasks from: seasons (season runs), jobs (the rest).",
    ),
    hostname: str = typer.Option(
        "", "--hostname", "-n", help="This worker's name (default: arena@<host>-<pid>)."
    ),
) -> None:  # fmt: skip
    """Run tasks from the broker at ARENA_BROKER_URL: seasons, backtests, sweep chunks and the
    scheduler's jobs. Stop with Ctrl-C: running seasons stop after their tick and another
    worker carries them on."""
    settings, app = _prepare()
    name = hostname or f"arena@{socket.gethostname()}-{os.getpid()}"
    console.print(f"worker {name}: queues {queues}, broker {_broker(app)}")
    app.worker_main([
        "worker", "--hostname", name, "--queues", queues, "--loglevel", settings.log_level,
        "--concurrency", str(concurrency or os.cpu_count() or 1), "-O", "fair",
        "--without-mingle", "--without-gossip",
    ])  # fmt: skip


@one_line_errors
def scheduler(
    state: Path = typer.Option(  # noqa: B008
        Path("data/scheduler"), "--state", help="Folder for the scheduler's last-run times."
    ),
) -> None:
    """Send the scheduled jobs (ingestion at each bar close, price refreshes, the daily
    integrity scan) and hand running seasons that no worker runs to a worker. Run one."""
    settings, app = _prepare()
    from alpha_arena.services.context import open_context
    from alpha_arena.worker.client import WorkerClient
    from alpha_arena.worker.dispatcher import SeasonDispatcher

    state.mkdir(parents=True, exist_ok=True)
    context = open_context(settings)
    client = WorkerClient(settings)
    dispatcher = SeasonDispatcher(context, client)
    dispatcher.start(settings.worker_season_poll_s)
    console.print(
        f"scheduler: {len(app.conf.beat_schedule)} scheduled jobs, seasons dispatched every "
        f"{settings.worker_season_poll_s:g} s, broker {_broker(app)}"
    )
    try:
        app.start([
            "beat", "--schedule", str(state / "beat-schedule"), "--loglevel", settings.log_level,
            "--pidfile", "",
        ])  # fmt: skip
    finally:
        dispatcher.stop()
        client.close()
        context.close()


def _broker(app: Celery) -> str:
    with app.connection_for_write() as connection:
        return str(connection.as_uri())  # the password masked
