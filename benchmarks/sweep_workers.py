"""A 1,000-combination sweep on this machine's processes and through two Celery workers.

Run: .venv/bin/python benchmarks/sweep_workers.py [--postgres URL] [--redis URL]
     [--start 2024-01-01] [--end 2025-01-01] [--processes 2]

Loads the bundled BTC perpetual's 1h bars and funding into a fresh schema of the PostgreSQL
database (dropped afterwards), runs ema_trend over fast=5:50:5 x slow=60:555:5 (1,000
combinations, all valid) with ``--processes`` local processes, then starts as many
``arena worker`` processes (one task at a time each) on a Redis database of the server given
(claimed as the tests claim theirs), runs the same sweep through them and prints both wall
times; it checks that the two rankings are equal to the bit. Loading the sample and starting
the workers are not timed; the distributed time includes finding the connected workers (about
3 s of broadcast replies), sending the chunks, each worker reading the market once and
gathering the results."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import redis
from sqlalchemy import create_engine, text

from alpha_arena.backtest.sweep import SweepPoint, parse_grid
from alpha_arena.core.settings import Settings
from alpha_arena.marketdata.sources.sample import sample_dir
from alpha_arena.services import backtests
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample

ARENA = str(Path(sys.executable).with_name("arena"))
FILES = ("binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz")
GRID = ("fast=5:50:5", "slow=60:555:5")  # 10 x 100


def bits(point: SweepPoint) -> tuple[object, ...]:
    values = point.metrics.as_dict().values()
    return point.params, tuple(v.hex() if isinstance(v, float) else v for v in values)


@contextmanager
def private_schema(postgres: str) -> Iterator[str]:
    """A URL whose search_path is a new schema of ``postgres``, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in postgres else "?"
    try:
        yield f"{postgres}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def private_broker(server: str) -> Iterator[str]:
    """A Redis database of ``server`` claimed as the test stacks claim theirs (so that no test
    shares it), emptied before and after."""
    admin = redis.Redis.from_url(f"{server.rstrip('/')}/0")
    number = next(
        (db for db in range(15, 0, -1)
         if admin.set(f"arena-test:redis-db:{db}", os.getpid(), nx=True, ex=3600)),
        None,
    )  # fmt: skip
    assert number is not None, "every Redis database 1-15 is claimed"
    url = f"{server.rstrip('/')}/{number}"
    private = redis.Redis.from_url(url)
    private.flushdb()
    try:
        yield url
    finally:
        private.flushdb()
        private.close()
        admin.delete(f"arena-test:redis-db:{number}")
        admin.close()


@contextmanager
def started_workers(url: str, broker: str, count: int, folder: Path) -> Iterator[None]:
    """``count`` workers running one task at a time each, up and connected."""
    from alpha_arena.worker.client import WorkerClient

    env = {key: value for key, value in os.environ.items() if not key.startswith("ARENA_")}
    env |= {"ARENA_DATABASE_URL": url, "ARENA_BROKER_URL": broker}
    names = {f"bench{index}@sweep" for index in range(1, count + 1)}
    workers = []
    try:
        for name in sorted(names):
            log = (folder / f"{name}.log").open("ab")
            workers.append(subprocess.Popen(
                [ARENA, "worker", "--hostname", name, "--concurrency", "1", "--queues", "jobs"],
                env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            ))  # fmt: skip
        client = WorkerClient(Settings(_env_file=None, database_url=url, broker_url=broker))
        deadline = time.monotonic() + 120
        while {worker.name for worker in client.status().workers} != names:
            assert time.monotonic() < deadline, f"the workers did not come up (logs: {folder})"
        client.close()
        yield
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="the server")
    parser.add_argument("--start", default="2024-01-01")
    parser.add_argument("--end", default="2025-01-01")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="sweep-workers-"))
    with private_schema(args.postgres) as url, private_broker(args.redis) as broker:
        sample = folder / "sample"
        sample.mkdir()
        for name in ("instruments.json", *FILES):
            shutil.copy(sample_dir() / name, sample / name)
        context = open_context(Settings(_env_file=None, database_url=url))
        load_sample(context, sample)
        base = backtests.build_config(
            "ema_trend", "BTC/USDT:USDT", "1h", args.start, args.end, fee_rate=0.0005,
            slippage_bps=2,
        )  # fmt: skip
        grid = parse_grid(GRID)

        # Local first: a process pool forked after this process used Celery can hang.
        started = time.perf_counter()
        local = backtests.sweep(context, base, grid, jobs=args.processes)
        local_s = time.perf_counter() - started

        from alpha_arena.worker.sweeps import WorkerSweeps

        with started_workers(url, broker, args.processes, folder):
            settings = Settings(_env_file=None, database_url=url, broker_url=broker)
            started = time.perf_counter()
            remote = WorkerSweeps(settings)(context, base, grid, "sharpe", None)
            remote_s = time.perf_counter() - started
        context.close()

    assert [bits(p) for p in remote.result.points] == [bits(p) for p in local.points]
    shutil.rmtree(folder, ignore_errors=True)
    bars = local.points[0].metrics.bars
    count = len(local.points)
    print(f"sweep: ema_trend, {count:,} combinations x {bars:,} 1h bars "
          f"({args.start} to {args.end}), ranked by sharpe")  # fmt: skip
    print(f"  local, {args.processes} processes: {local_s:.1f} s "
          f"({count * bars / local_s / 1e6:.2f}M bars/s)")  # fmt: skip
    print(f"  {args.processes} workers x 1 task: {remote_s:.1f} s "
          f"({count * bars / remote_s / 1e6:.2f}M bars/s), chunks per worker "
          f"{dict(remote.chunks)}; rankings equal to the bit")  # fmt: skip


if __name__ == "__main__":
    main()
