"""Worker processes behind a broker, as the use cases see them: the port that
``worker.client.WorkerClient`` implements, and what it reports of the workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from alpha_arena.backtest.run import BacktestConfig


@dataclass(frozen=True, slots=True)
class ActiveTask:
    task: str
    id: str
    args: list[Any]
    started_ts: int | None


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    name: str
    concurrency: int | None
    queues: list[str]
    active: list[ActiveTask]


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    name: str
    task: str
    schedule: str


@dataclass(frozen=True, slots=True)
class WorkersStatus:
    broker: str  # scheme, host and database: never a password
    reachable: bool
    workers: list[WorkerInfo] = field(default_factory=list)
    queues: dict[str, int] = field(default_factory=dict)  # messages waiting, per queue
    scheduled: list[ScheduledJob] = field(default_factory=list)


class Workers(Protocol):
    def start_season(self, season_id: int) -> str:
        """Queue a run of a season just started or resumed; return the task's id."""

    def run_backtest(self, config: BacktestConfig, timeout_s: float) -> int:
        """Run and store a backtest on a worker; return its id."""

    def status(self) -> WorkersStatus:
        """The connected workers, the queues' depths and the schedule."""

    def close(self) -> None: ...
