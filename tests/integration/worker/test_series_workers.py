"""A season series through Celery workers on the machine's Redis and PostgreSQL: the CLI
starts every window (each queued to a worker), waits for all and prints the aggregate; two
repeats of one window by a rule agent end with equal ledgers, whichever worker ran them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from tests.support.databases import empty_database, settings_for
from tests.support.sample import sample_subset
from tests.support.season_ledgers import ledger
from tests.support.workers import Stack, worker_stack

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FILES = [f"binance_usdm_{coin}USDT_{kind}.csv.gz" for coin in ("BTC", "ETH")
         for kind in ("1h", "funding_8h")]  # fmt: skip


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """BTC and ETH data, a strategy agent, and two workers taking one task at a time each."""
    with empty_database("postgres", tmp_path / "db") as url:
        context = open_context(settings_for(url))
        try:
            load_sample(context, sample_subset(tmp_path / "sample", FILES))
            add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
        finally:
            context.close()
        with worker_stack(url, tmp_path / "stack", worker_season_poll_s="0.5") as started:
            started.start_worker("w1@test")
            started.start_worker("w2@test")
            started.wait_for_workers({"w1@test", "w2@test"})
            yield started


def cli(stack: Stack, *args: str) -> Result:
    keys = ("ARENA_DATABASE_URL", "ARENA_BROKER_URL")
    return CliRunner().invoke(app, list(args), env={key: stack.env[key] for key in keys})


def test_a_series_runs_through_the_workers_and_waits_for_every_window(stack: Stack) -> None:
    created = cli(stack, "season", "series", "create", "on-workers", "--repeat", "2",
                  "--start", "2025-01-01", "--end", "2025-01-15", "--agent", "trend",
                  "--symbols", f"{BTC},{ETH}")  # fmt: skip
    assert created.exit_code == 0, created.output + stack.logs()
    assert "running 2 windows through the workers" in created.output
    assert created.output.count(" finished: reached its end") == 2
    assert "Kendall's W 1.000 over 2 finished of 2" in created.output
    shown = cli(stack, "season", "series", "show", "1", "--json")
    windows = json.loads(shown.output)["windows"]
    assert [w["status"] for w in windows] == ["finished", "finished"]
    first, second = (ledger(stack.env["ARENA_DATABASE_URL"], w["season_id"]) for w in windows)
    assert first == second and first[1] == [14 * 24] * 3  # equal hashes; every tick, 3 entries
