"""Sweeps through Celery workers on the machine's Redis and PostgreSQL: a sweep run in chunks by
two workers equals the local sweep bit for bit (every point's parameters and metrics, its
deflated Sharpe ratio, the ranking and the sweep's probability of backtest overfitting), and
both workers take chunks; ``arena backtest sweep --workers`` stores what the workers ran; with
no worker connected it refuses in one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.backtest.sweep import SweepPoint, parse_grid
from alpha_arena.cli.app import app
from alpha_arena.core.settings import Settings
from alpha_arena.services import backtests
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.worker.sweeps import WorkerSweeps
from tests.support.databases import empty_database, settings_for
from tests.support.sample import sample_subset
from tests.support.workers import Stack, worker_stack

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
WINDOW = ("2024-01-01", "2024-04-01")  # 2,184 hourly bars
#: 6 x 7 = 42 combinations; the 4 with fast >= slow are refused by the strategy.
GRID = ("fast=5:30:5", "slow=20:80:10")
WORKERS = {"w1@test", "w2@test"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL schema holding the BTC perpetual's hourly bars and funding."""
    with empty_database("postgres", tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
        finally:
            context.close()
        yield url


@pytest.fixture(scope="module")
def stack(loaded: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Two workers running one task at a time each."""
    with worker_stack(loaded, tmp_path_factory.mktemp("workers")) as started:
        for name in sorted(WORKERS):
            started.start_worker(name)
        started.wait_for_workers(WORKERS)
        yield started


def cli(env: dict[str, str], folder: Path, *args: str) -> Result:
    keys = ("ARENA_DATABASE_URL", "ARENA_BROKER_URL")
    runner = CliRunner(env={key: env.get(key) for key in keys})  # None: unset
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # no .env of the working copy
        return runner.invoke(app, list(args))


def bits(point: SweepPoint) -> tuple[Any, ...]:
    """A point with each float as its exact bits, its deflated Sharpe ratio included."""
    return point.params, tuple(
        (name, value.hex() if isinstance(value, float) else value)
        for name, value in point.metrics_dict().items()
    )


def test_a_sweep_through_two_workers_equals_the_local_sweep_bit_for_bit(
    loaded: str, stack: Stack
) -> None:
    base = backtests.build_config("ema_trend", BTC, "1h", *WINDOW, fee_rate=0.0005, slippage_bps=2)
    grid = parse_grid(GRID)
    settings = Settings(
        _env_file=None, database_url=loaded, broker_url=stack.env["ARENA_BROKER_URL"]
    )
    progress: list[tuple[int, int]] = []
    context = open_context(settings_for(loaded))
    try:
        # Two processes, forked after this process has asked the workers for their state: no
        # broker connection is left in kombu's pools for the fork to inherit (it hung once).
        local = backtests.sweep(context, base, grid, jobs=2)
        remote = WorkerSweeps(settings, timeout_s=300)(
            context, base, grid, "sharpe", lambda done, total: progress.append((done, total))
        )
    finally:
        context.close()

    assert len(local.points) == 38 and len(local.skipped) == 4
    assert [bits(point) for point in remote.result.points] == [
        bits(point) for point in local.points
    ]  # the same points, ranked in the same order
    assert remote.result.skipped == local.skipped
    assert local.overfitting is not None and local.points[0].deflated_sharpe is not None
    assert remote.result.overfitting == local.overfitting  # the same PBO, to the bit
    assert remote.result.rank_by == local.rank_by == "sharpe"
    # 2 slots: 8 chunks of 4 or 5 combinations, and each worker took some.
    assert set(remote.chunks) == WORKERS, stack.logs()
    assert sum(remote.chunks.values()) == 8 and remote.workers == 2
    assert progress[-1] == (38, 38)


def test_the_cli_stores_the_sweep_the_workers_ran(
    loaded: str, stack: Stack, tmp_path: Path
) -> None:
    args = ("backtest", "sweep", "--strategy", "ema_trend", "--symbol", BTC, "--start",
            WINDOW[0], "--end", WINDOW[1], "--grid", "fast=5:20:5", "--grid", "slow=30,50",
            "--rank-by", "total_return", "--json")  # fmt: skip
    through = cli(stack.env, tmp_path, *args, "--workers", "--timeout", "300")
    assert through.exit_code == 0, through.output + stack.logs()
    remote = json.loads(through.stdout)
    here = cli({"ARENA_DATABASE_URL": loaded}, tmp_path, *args, "--jobs", "2")
    assert here.exit_code == 0, here.output
    local = json.loads(here.stdout)

    assert remote["results"] == local["results"]  # the JSON texts of the floats are equal
    assert remote["overfitting"] == local["overfitting"] is not None
    assert remote["ran"] in ("1 worker", "2 workers") and local["ran"] == "local"
    assert set(remote["chunks"]) <= WORKERS and sum(remote["chunks"].values()) == 8
    shown = cli(stack.env, tmp_path, "backtest", "sweep-show", str(remote["id"]), "--json")
    stored = json.loads(shown.stdout)
    assert [(p["params"], p["metrics"]) for p in stored["results"]] == [
        (p["params"], p["metrics"]) for p in local["results"]
    ]
    assert stored["ran"] == remote["ran"]
    assert stored["overfitting"] == local["overfitting"]
    best = cli(stack.env, tmp_path, "backtest", "show", str(remote["best_backtest"]), "--json")
    deflated = local["results"][0]["metrics"].pop("deflated_sharpe")  # the sweep's, not the run's
    assert json.loads(best.stdout)["metrics"] == local["results"][0]["metrics"] and deflated


def test_workers_with_none_connected_is_one_line(loaded: str, tmp_path: Path) -> None:
    with worker_stack(loaded, tmp_path / "empty") as empty:
        result = cli(
            empty.env, tmp_path, "backtest", "sweep", "--strategy", "ema_trend", "--symbol",
            BTC, "--start", WINDOW[0], "--end", WINDOW[1], "--grid", "fast=5,10", "--workers",
        )  # fmt: skip
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no worker is connected"), lines
    assert "start one with `arena worker`" in lines[0]
