"""Seasons through Celery workers on the machine's Redis and PostgreSQL: a season started from
the CLI is run by a worker to the same ledger as an in-process run; when that worker is killed
with SIGKILL mid-season another one carries it on, and when that one is stopped (SIGTERM) it
hands the season back within seconds for a third to finish, to the same ledger; the scheduler
hands it over by itself."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_leases import SeasonLeases
from tests.support.arena_process import served
from tests.support.databases import empty_database, settings_for
from tests.support.sample import sample_subset
from tests.support.season_ledgers import ledger, season_row, wait_for_ticks
from tests.support.workers import Stack, worker_stack

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FILES = [f"binance_usdm_{coin}USDT_{kind}.csv.gz" for coin in ("BTC", "ETH")
         for kind in ("1h", "funding_8h")]  # fmt: skip
TICKS = 2160  # 2025-01-01 to 2025-04-01, hourly


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL schema holding BTC and ETH bars and funding, with two strategy agents."""
    with empty_database("postgres", tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
            add_agent(context, "breakout", {"kind": "strategy", "strategy": "breakout"})
        finally:
            context.close()
        yield url


@pytest.fixture(scope="module")
def reference(loaded: str) -> tuple[str, list[int]]:
    """The ledger of the season run in one process (the CLI's ``season run``)."""
    in_process = {"ARENA_DATABASE_URL": loaded}
    season = create(in_process, "in one process")
    assert cli(in_process, "season", "run", str(season)).exit_code == 0
    return ledger(loaded, season)


@pytest.fixture
def stack(loaded: str, tmp_path: Path) -> Iterator[Stack]:
    """Two workers (one task at a time each) and the scheduler. Ticks are committed one by
    one, so that a kill meets the season mid-run; a lease lasts 3 s."""
    with worker_stack(
        loaded, tmp_path, season_lease_s="3", worker_season_poll_s="0.5",
        season_commit_batch="1",
    ) as started:  # fmt: skip
        started.start_worker("w1@test")
        started.start_worker("w2@test")
        started.start_scheduler()
        started.wait_for_workers({"w1@test", "w2@test"})
        yield started


def cli(env: dict[str, str], *args: str) -> Result:
    keys = ("ARENA_DATABASE_URL", "ARENA_BROKER_URL")
    return CliRunner().invoke(app, list(args), env={key: env[key] for key in keys if key in env})


def create(env: dict[str, str], name: str) -> int:
    created = cli(env, "season", "create", "--name", name, "--symbols", f"{BTC},{ETH}",
                  "--start", "2025-01-01", "--end", "2025-04-01", "--agents", "trend,breakout",
                  "--json")  # fmt: skip
    assert created.exit_code == 0, created.output
    return int(json.loads(created.stdout)["id"])


def holder_pid(url: str, season_id: int) -> int | None:
    context = open_context(settings_for(url))
    try:
        holder = SeasonLeases(context.engine).holder(season_id)
        return None if holder is None else holder.pid
    finally:
        context.close()


def wait_until_finished(url: str, season_id: int, stack: Stack, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while season_row(url, season_id)[0] is not SeasonStatus.FINISHED:
        assert time.monotonic() < deadline, f"season {season_id} did not finish: {stack.logs()}"
        time.sleep(0.2)


def test_a_worker_killed_mid_season_is_replaced_and_the_ledger_is_unchanged(
    loaded: str, reference: tuple[str, list[int]], stack: Stack
) -> None:
    season = create(stack.env, "through the workers")
    started = cli(stack.env, "season", "start", str(season))
    assert started.exit_code == 0, started.output
    wait_for_ticks(loaded, season, 100)
    pid = holder_pid(loaded, season)
    assert pid is not None
    first = stack.worker_of(pid)
    assert first in {"w1@test", "w2@test"}, f"the lease is held by pid {pid}, no worker's"
    stack.kill(first)
    killed_at = season_row(loaded, season)[1]
    assert killed_at < TICKS, "the kill came too late to interrupt the season"

    # The scheduler hands the season to the other worker, which re-executes what is stored.
    other = ({"w1@test", "w2@test"} - {first}).pop()
    deadline = time.monotonic() + 60
    while (pid := holder_pid(loaded, season)) is None or stack.worker_of(pid) != other:
        assert time.monotonic() < deadline, f"{other} did not take the season: {stack.logs()}"
        time.sleep(0.1)

    # Stopped as Ctrl-C or `docker stop` would: its runner stops after its tick, the worker
    # exits, the season stays running and its lease is released for the next worker.
    ticks_before = season_row(loaded, season)[1]
    stack.terminate(other, timeout_s=20)
    status, ticks_after = season_row(loaded, season)
    assert status is SeasonStatus.RUNNING and ticks_before <= ticks_after < TICKS
    assert holder_pid(loaded, season) is None
    stack.start_worker("w3@test")
    wait_until_finished(loaded, season, stack)
    assert ledger(loaded, season) == reference
    assert holder_pid(loaded, season) is None  # released on finishing


def test_a_server_with_two_processes_hands_seasons_and_backtests_to_the_workers(
    loaded: str, reference: tuple[str, list[int]], stack: Stack, tmp_path: Path
) -> None:
    env = {**stack.env, "ARENA_API_TOKEN": "worker-test-token"}
    auth = {"Authorization": "Bearer worker-test-token"}
    season = create(env, "started over HTTP")
    with served(env, tmp_path, options=("--workers", "2")) as (client, _):
        system = client.get("/api/v1/system").json()
        assert system["runner"]["embedded"] is False
        workers = system["workers"]
        assert workers["reachable"] is True
        assert {worker["name"] for worker in workers["workers"]} == {"w1@test", "w2@test"}
        assert {queue["name"] for queue in workers["queues"]} == {"seasons", "jobs"}
        assert "integrity-scan" in {job["name"] for job in workers["scheduled"]}
        assert "redis://" in workers["broker"] and "@" not in workers["broker"]

        started = client.post(f"/api/v1/seasons/{season}/start", headers=auth)
        assert started.status_code == 200, started.text
        wait_until_finished(loaded, season, stack)
        assert ledger(loaded, season) == reference

        backtest = client.post("/api/v1/backtests", headers=auth, json={
            "strategy": "ema_trend", "symbol": BTC, "timeframe": "1h",
            "start": "2025-01-01", "end": "2025-03-01",
        })  # fmt: skip
        assert backtest.status_code == 201, backtest.text
        assert backtest.json()["config"]["strategy"] == "ema_trend"
        refused = client.post("/api/v1/backtests", headers=auth, json={
            "strategy": "ema_trend", "symbol": BTC, "timeframe": "1h",
            "start": "2025-01-01", "end": "2025-03-01", "params": {"fast": -3},
        })  # fmt: skip
        assert refused.status_code == 400, refused.text
        assert "fast must be a whole number" in refused.json()["error"]["message"]


def test_more_than_one_server_process_needs_the_runner_out_of_the_server(loaded: str) -> None:
    result = CliRunner().invoke(
        app, ["serve", "--workers", "2"], env={"ARENA_DATABASE_URL": loaded}
    )
    assert result.exit_code == 2
    assert "--workers above 1 needs the season runner out of the server" in result.stderr
