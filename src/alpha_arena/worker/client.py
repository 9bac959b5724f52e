"""How the API, the CLI and the scheduler hand work to the workers and read their state.

Tasks are sent by name, so that a sender never imports the task modules (nor what they pull).
A season is queued at most once per lease period: a marker in Redis, set when its run is
queued, keeps the scheduler from queueing it again while it waits for a free worker."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

import redis
from celery.exceptions import TimeoutError as ResultTimeout
from celery.result import AsyncResult
from kombu.exceptions import OperationalError

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.errors import TemporaryError
from alpha_arena.core.settings import Settings
from alpha_arena.services.context import AppContext
from alpha_arena.services.workers import ActiveTask, ScheduledJob, WorkerInfo, WorkersStatus
from alpha_arena.worker.app import QUEUES, SEASONS_QUEUE, broker_url, make_app
from alpha_arena.worker.schedule import describe

QUEUED_KEY = "arena:season-queued:{}"
INSPECT_TIMEOUT_S = 1.0


def attach_workers(context: AppContext) -> None:
    """Hand the context's seasons and backtests to the workers (a broker is configured)."""
    context.workers = WorkerClient(context.settings)


class WorkerClient:
    def __init__(self, settings: Settings) -> None:
        self._app = make_app(settings, pooled=False)
        self._redis = redis.Redis.from_url(
            broker_url(settings), socket_timeout=5, socket_connect_timeout=2
        )
        self._lease_s = max(1, round(settings.season_lease_s))

    def start_season(self, season_id: int) -> str:
        """Queue the season's run now (a season just started or resumed); return the task id."""
        task_id = str(self.send("arena.run_season", season_id).id)
        self._redis.set(QUEUED_KEY.format(season_id), 1, ex=self._lease_s)
        return task_id

    def queue_season_once(self, season_id: int) -> str | None:
        """Queue the season's run unless one was queued within the lease period."""
        if not self._redis.set(QUEUED_KEY.format(season_id), 1, nx=True, ex=self._lease_s):
            return None
        return str(self.send("arena.run_season", season_id).id)

    def run_backtest(self, config: BacktestConfig, timeout_s: float) -> int:
        """Run a backtest on a worker and wait for its stored id (the worker's own error, such
        as an InvalidInputError, is raised here)."""
        result = self.send("arena.run_backtest", asdict(config))
        try:
            return int(result.get(timeout=timeout_s))
        except ResultTimeout as error:
            raise TemporaryError(
                f"no worker finished the backtest within {timeout_s:g} s (task {result.id}): "
                "is an `arena worker` running?"
            ) from error

    def send(self, name: str, *args: Any) -> AsyncResult:
        """Send the task ``name``; its result (and state) is kept by the result store."""
        queue = SEASONS_QUEUE if name == "arena.run_season" else None
        try:
            # Asked first: Celery would retry an unreachable broker for many seconds.
            self._redis.ping()
            return self._app.send_task(name, args=list(args), queue=queue)
        except (redis.RedisError, OperationalError) as error:
            raise TemporaryError(
                f"the broker at {self._redacted()} is unreachable ({error}); the task {name} "
                "was not sent"
            ) from error

    def status(self) -> WorkersStatus:
        """The connected workers with their running tasks, the queues' depths, the schedule."""
        scheduled = [
            ScheduledJob(name, entry["task"], describe(entry))
            for name, entry in sorted(self._app.conf.beat_schedule.items())
        ]
        try:
            queues = {name: int(self._redis.llen(name)) for name in QUEUES}
        except redis.RedisError:
            return WorkersStatus(self._redacted(), False, scheduled=scheduled)
        # Each question waits its whole timeout for replies: ask the three at once.
        with ThreadPoolExecutor(3) as pool:
            stats, active, consuming = pool.map(self._ask, ("stats", "active", "active_queues"))
        workers = [
            WorkerInfo(
                name=name,
                concurrency=(stats[name].get("pool") or {}).get("max-concurrency"),
                queues=sorted(queue["name"] for queue in consuming.get(name, [])),
                active=[_active(task) for task in active.get(name, [])],
            )
            for name in sorted(stats)
        ]
        return WorkersStatus(self._redacted(), True, workers, queues, scheduled)

    def _ask(self, question: str) -> dict[str, Any]:
        inspect = self._app.control.inspect(timeout=INSPECT_TIMEOUT_S)
        replies: dict[str, Any] | None = getattr(inspect, question)()
        return replies or {}

    def _redacted(self) -> str:
        pool = self._redis.connection_pool.connection_kwargs
        return f"redis://{pool.get('host', '?')}:{pool.get('port', '?')}/{pool.get('db', 0)}"

    def close(self) -> None:
        self._redis.close()
        self._app.close()


def _active(task: dict[str, Any]) -> ActiveTask:
    started = task.get("time_start")
    return ActiveTask(
        task=str(task.get("name")),
        id=str(task.get("id")),
        args=list(task.get("args") or []),
        started_ts=None if started is None else int(float(started) * 1000),
    )
