"""The workers' wiring when the broker is missing or wrong: clear one-line errors, and a season
started while the broker is down is still running (the scheduler queues it later)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.core.settings import Settings
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.worker.client import WorkerClient
from tests.support.databases import settings_for
from tests.support.sample import sample_subset

DOWN = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
BTC = "BTC/USDT:USDT"


def cli(database_url: str, *args: str, **settings: str) -> Result:
    env = {"ARENA_DATABASE_URL": database_url}
    env.update({f"ARENA_{key.upper()}": value for key, value in settings.items()})
    return CliRunner().invoke(app, list(args), env=env)


def test_a_worker_needs_a_redis_broker(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'arena.db'}"
    unset = cli(url, "worker")
    assert unset.exit_code == 2 and "ARENA_BROKER_URL is not set" in unset.stderr
    wrong = cli(url, "scheduler", broker_url="amqp://guest@127.0.0.1:5672//")
    assert wrong.exit_code == 2 and "must be a Redis URL" in wrong.stderr
    series = cli(url, "scheduler", broker_url=DOWN, worker_ingest_series="binanceusdm BTC")
    assert series.exit_code == 2
    assert "ARENA_WORKER_INGEST_SERIES entry 'binanceusdm BTC'" in series.stderr


def test_a_season_started_while_the_broker_is_down_is_running(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'arena.db'}"
    context = open_context(settings_for(url))
    try:
        load_sample(context, sample_subset(tmp_path / "sample", ["binance_usdm_BTCUSDT_1h.csv.gz"]))
        add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
    finally:
        context.close()
    created = cli(url, "season", "create", "--name", "s", "--symbols", BTC, "--start",
                  "2025-01-01", "--end", "2025-02-01", "--agents", "trend", "--json",
                  broker_url=DOWN)  # fmt: skip
    season = json.loads(created.stdout)["id"]
    started = cli(url, "season", "start", str(season), broker_url=DOWN)
    assert started.exit_code == 0, started.output
    assert started.stdout.strip() == f"season {season} is running"

    client = WorkerClient(Settings(_env_file=None, database_url=url, broker_url=DOWN))
    try:
        status = client.status()
    finally:
        client.close()
    assert (status.reachable, status.workers, status.broker) == (False, [], DOWN)
