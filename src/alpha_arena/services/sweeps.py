"""Sweep use cases: run a parameter sweep here or on the workers, store it ranked, and run its
best combination as a full backtest, so that it has a backtest id to register as an agent
(``arena agent add NAME --from-backtest ID``).

Where the combinations run is chosen by the caller, once, as the ``SweepRunner`` it passes:
``LocalSweeps`` (this machine's processes) or ``worker.sweeps.WorkerSweeps`` (the connected
workers). Both give the same points, ranked the same way (a test checks it bit for bit)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.backtest.sweep import SweepResult
from alpha_arena.services import backtests
from alpha_arena.services.context import AppContext
from alpha_arena.storage.sweep_store import SweepRecord, SweepStore

Progress = Callable[[int, int], None]
Mode = Literal["local", "workers"]


@dataclass(frozen=True, slots=True)
class SweepRun:
    """A sweep's ranked result and how it ran."""

    result: SweepResult
    mode: Mode
    workers: int | None = None  # workers that ran chunks (None: local)
    chunks: Mapping[str, int] = field(default_factory=dict)  # chunks run, by worker


class SweepRunner(Protocol):
    def __call__(
        self,
        context: AppContext,
        base: BacktestConfig,
        grid: Mapping[str, list[str]],
        rank_by: str,
        progress: Progress | None,
    ) -> SweepRun:
        """Run ``base`` over ``grid`` and rank the points by ``rank_by``."""


@dataclass(frozen=True, slots=True)
class LocalSweeps:
    """Run the sweep in this machine's processes (``jobs``; 0: one per core)."""

    jobs: int = 0

    def __call__(
        self,
        context: AppContext,
        base: BacktestConfig,
        grid: Mapping[str, list[str]],
        rank_by: str,
        progress: Progress | None,
    ) -> SweepRun:
        return SweepRun(backtests.sweep(context, base, grid, self.jobs, rank_by, progress), "local")


@dataclass(frozen=True, slots=True)
class StoredSweep:
    sweep_id: int
    run: SweepRun
    combinations: int  # in the grid, the skipped included
    duration_ms: int
    best_backtest_id: int


def run(
    context: AppContext,
    base: BacktestConfig,
    grid: Mapping[str, list[str]],
    runner: SweepRunner,
    rank_by: str = "sharpe",
    progress: Progress | None = None,
) -> StoredSweep:
    """Run a sweep with ``runner``, store it, then run and store its best combination as a
    backtest; return the ids."""
    backtests.check_window(context, base)
    started = time.perf_counter()
    ran = runner(context, base, grid, rank_by, progress)
    duration_ms = round((time.perf_counter() - started) * 1000)
    result = ran.result
    combinations = len(result.points) + len(result.skipped)
    store = SweepStore(context.engine)
    record = SweepRecord(
        strategy=base.strategy,
        symbols=base.symbols,
        timeframe=base.timeframe,
        exchange=base.exchange,
        ts_start=base.ts_start,
        ts_end=base.ts_end,
        config=backtests.config_as_dict(base),
        grid=grid,
        rank_by=result.rank_by,
        combinations=combinations,
        skipped=[{"params": dict(params), "reason": reason} for params, reason in result.skipped],
        mode=ran.mode,
        workers=ran.workers,
        duration_ms=duration_ms,
        points=[(dict(point.params), point.metrics_dict()) for point in result.points],
        overfitting=None if result.overfitting is None else result.overfitting.as_dict(),
    )
    sweep_id = store.save(record, context.clock.now_ms())
    best_id, _ = backtests.run(context, replace(base, params=result.points[0].params))
    store.set_best_backtest(sweep_id, best_id)
    return StoredSweep(sweep_id, ran, combinations, duration_ms, best_id)
