"""A parameter sweep through the workers: the grid is expanded here (``plan_sweep``), split
into contiguous chunks (about four per worker slot, so that a slow chunk does not hold the
others back), sent as one Celery group of ``arena.sweep_chunk`` tasks, gathered in chunk
order (that is, in grid order) and concluded by the local sweep's own ``conclude`` (deflated
Sharpe ratios, probability of backtest overfitting, ranking): the result equals that of
``services.backtests.sweep`` bit for bit.

Each chunk carries the sweep's base configuration, its warm-up (the most any combination of
the whole grid needs, so that every worker reads the same bars as a local sweep) and its
combinations; a worker reads the market data from the database itself, once per process and
sweep. Metrics and the summary of each point's returns travel as JSON: Python writes a float
as the shortest text that reads back to the same double, and the non-finite values (which
``Metrics`` never holds today) as the strings ``"nan"``, ``"inf"`` and ``"-inf"``."""

from __future__ import annotations

import math
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, TypeVar

from celery import group
from celery.result import AsyncResult, GroupResult

from alpha_arena.analytics.metrics import Metrics
from alpha_arena.analytics.overfitting import ReturnSummary
from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.backtest.sweep import SweepPoint, conclude, plan_sweep
from alpha_arena.core.errors import ConfigurationError, TemporaryError
from alpha_arena.core.settings import Settings
from alpha_arena.services.backtests import check_window
from alpha_arena.services.context import AppContext
from alpha_arena.services.sweeps import Progress, SweepRun
from alpha_arena.services.workers import WorkersStatus
from alpha_arena.worker.app import JOBS_QUEUE, broker_url, make_app
from alpha_arena.worker.client import WorkerClient

CHUNK_TASK = "arena.sweep_chunk"
#: Chunks per worker slot (a worker's concurrency): small enough to share the work evenly
#: when combinations differ in cost, large enough that the market data is read rarely.
CHUNKS_PER_SLOT = 4
#: How long a sweep waits for the workers by default.
DEFAULT_TIMEOUT_S = 3600.0
POLL_S = 0.2

T = TypeVar("T")


class WorkerSweeps:
    """The ``SweepRunner`` that runs a sweep's combinations on the connected workers."""

    def __init__(self, settings: Settings, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        broker_url(settings)  # unset or not Redis: ConfigurationError, one line
        self._settings = settings
        self._timeout_s = timeout_s

    def __call__(
        self,
        context: AppContext,
        base: BacktestConfig,
        grid: Mapping[str, list[str]],
        rank_by: str,
        progress: Progress | None,
    ) -> SweepRun:
        check_window(context, base)
        plan = plan_sweep(base, grid, rank_by)
        slots = connected_slots(self._settings)
        chunks = split(plan.configs, sum(slots.values()))
        sweep_key = uuid.uuid4().hex
        values = asdict(base)
        app = make_app(self._settings, pooled=False)
        try:
            signatures = [
                app.signature(
                    CHUNK_TASK,
                    args=[sweep_key, values, plan.warmup, _params(chunk)],
                    queue=JOBS_QUEUE,
                )
                for chunk in chunks
            ]
            sent = group(signatures).apply_async()
            replies = _gather(sent, [len(chunk) for chunk in chunks], self._timeout_s, progress)
        finally:
            app.close()
        points = [decode_point(point) for reply in replies for point in reply["points"]]
        taken = Counter(str(reply["worker"]) for reply in replies)
        return SweepRun(
            conclude(points, plan.skipped, rank_by),
            "workers",
            workers=len(taken),
            chunks=dict(sorted(taken.items())),
        )


def _params(configs: Sequence[BacktestConfig]) -> list[list[list[str]]]:
    return [[list(pair) for pair in config.params] for config in configs]


def connected_slots(settings: Settings) -> dict[str, int]:
    """The connected workers that take sweep chunks (the ``jobs`` queue), with how many tasks
    each runs at once; ConfigurationError when there is none, TemporaryError when the broker
    does not answer."""
    client = WorkerClient(settings)
    try:
        status = client.status()
    finally:
        client.close()
    if not status.reachable:
        raise TemporaryError(
            f"cannot reach the broker at {status.broker}: check that Redis runs and "
            "ARENA_BROKER_URL is right"
        )
    slots = slots_of(status)
    if not slots:
        raise ConfigurationError(
            f"no worker is connected to the broker at {status.broker} (taking the "
            f"{JOBS_QUEUE} queue): start one with `arena worker`, or run the sweep here "
            "without --workers"
        )
    return slots


def slots_of(status: WorkersStatus) -> dict[str, int]:
    """Each worker taking the ``jobs`` queue, with its concurrency (1 when unknown)."""
    return {
        worker.name: max(1, worker.concurrency or 1)
        for worker in status.workers
        if JOBS_QUEUE in worker.queues
    }


def split(items: Sequence[T], slots: int) -> list[list[T]]:
    """``items`` in contiguous chunks, in order: ``CHUNKS_PER_SLOT`` per slot (fewer when there
    are fewer items), their sizes differing by one at most."""
    count = max(1, min(len(items), CHUNKS_PER_SLOT * max(1, slots)))
    size, larger = divmod(len(items), count)
    chunks = []
    start = 0
    for index in range(count):
        end = start + size + (1 if index < larger else 0)
        chunks.append(list(items[start:end]))
        start = end
    return chunks


def _gather(
    sent: GroupResult, sizes: list[int], timeout_s: float, progress: Progress | None
) -> list[dict[str, Any]]:
    """Every chunk's reply, in chunk order; a chunk's failure raises it (the others are
    revoked), and so does waiting past ``timeout_s`` (TemporaryError)."""
    children: list[AsyncResult] = list(sent.results or [])
    total = sum(sizes)
    finished: set[int] = set()
    done = 0
    deadline = time.monotonic() + timeout_s
    try:
        while len(finished) < len(children):
            for index, child in enumerate(children):
                if index in finished or not child.ready():
                    continue
                if child.failed():
                    child.get(propagate=True)  # raises the chunk's error
                finished.add(index)
                done += sizes[index]
            if progress is not None:
                progress(done, total)
            if len(finished) == len(children):
                break
            if time.monotonic() > deadline:
                raise TemporaryError(
                    f"the workers finished {done:,} of {total:,} combinations within "
                    f"{timeout_s:g} s; the rest were called off (group {sent.id})"
                )
            time.sleep(POLL_S)
    except BaseException:
        sent.revoke()
        raise
    replies = [child.get() for child in children]
    sent.forget()
    return replies


def encode_point(point: SweepPoint) -> dict[str, Any]:
    """A sweep point as JSON: the parameters as pairs, every metric by name, the summary of its
    returns (null without one)."""
    summary = point.summary
    return {
        "params": [list(pair) for pair in point.params],
        "metrics": {name: _encode(value) for name, value in point.metrics.as_dict().items()},
        "summary": None
        if summary is None
        else {
            "count": summary.count,
            "moments": [_encode(summary.sharpe), _encode(summary.skewness),
                        _encode(summary.kurtosis)],
            "block_counts": list(summary.block_counts),
            "block_sums": [_encode(value) for value in summary.block_sums],
            "block_squares": [_encode(value) for value in summary.block_squares],
        },
    }  # fmt: skip


def decode_point(values: Mapping[str, Any]) -> SweepPoint:
    """The sweep point ``encode_point`` wrote, exactly."""
    summary = values.get("summary")
    return SweepPoint(
        tuple((str(name), str(value)) for name, value in values["params"]),
        Metrics(**{name: _decode(value) for name, value in values["metrics"].items()}),
        None if summary is None else _decode_summary(summary),
    )


def _decode_summary(summary: Mapping[str, Any]) -> ReturnSummary:
    sharpe, skewness, kurtosis = (_decode(value) for value in summary["moments"])
    return ReturnSummary(
        int(summary["count"]),
        sharpe,
        skewness,
        kurtosis,
        tuple(int(count) for count in summary["block_counts"]),
        tuple(float(_decode(value)) for value in summary["block_sums"]),
        tuple(float(_decode(value)) for value in summary["block_squares"]),
    )


def _encode(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(float(value))  # "nan", "inf", "-inf": strict JSON has no such number
    return value


def _decode(value: Any) -> Any:
    return float(value) if isinstance(value, str) else value
