"""The live WebSocket feed under many subscribers: what 200 sockets cost the server.

Run: .venv/bin/python benchmarks/ws_load.py [--sockets 200] [--window 10] [--database-url URL]
     [--json]

Setup (not timed): a fresh database (a SQLite file in a temporary folder, or with
``--database-url postgresql+psycopg://.../db`` a new PostgreSQL database created beside it and
dropped at the end), the bundled sample loaded, three strategy agents and an LLM agent, a
FINISHED season (30 days of BTC and ETH, the strategy agents, run to its end in this process)
and a long season (two years of BTC and ETH, every agent) that is started only for the last
scenario, so that the server's embedded runner drives it while the sockets watch. Its LLM
agent asks the test suite's loopback OpenAI-compatible server (tests/support/fake_llm.py),
which holds every answer ``--llm-delay`` seconds: the season then moves at the pace of a model
(a few ticks a second), not as fast as a replay can (hundreds of ticks a second, whose
messages no 200 sockets could take). Then ``arena serve`` in a subprocess on a free loopback
port.

Scenarios, one after the other on the same server: no socket (the baseline); N sockets
subscribed to the finished season; the running season with no socket (what the season costs
by itself), then with N sockets subscribed to it. Sockets are
opened from this process (asyncio, the ``websockets`` client), each subscribes and reads
every message it is sent. After the sockets are subscribed and a short settling time, a
quiet window of ``--window`` seconds measures what the sockets alone cost:

* the live feed's reads of season state a second (``arena_live_polls_total`` from /metrics;
  "n/a" on a server without the metric) and, on PostgreSQL, the database's transactions a
  second (``pg_stat_database``), which counts every query whoever sends it;
* the server's CPU, the messages the sockets received, and the running season's ticks;

then a busy window as long measures the latency of other requests meanwhile: a second thread
sends ``GET /api/v1/seasons/{id}`` back to back on one keep-alive connection (median, p90,
p99). The server's resident memory (Linux /proc) is read before the sockets were opened and
at the end (the growth is what the sockets cost).

The script runs against whatever ``alpha_arena`` this interpreter imports (so it can measure
an older checkout: ``PYTHONPATH=/path/to/old/src``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from tests.support.fake_llm import FakeAnswer, FakeLlmServer

from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from api_load import HOST, Server, free_port

SYMBOLS = ["BTC/USDT:USDT", "ETH/USDT:USDT"]
AGENTS = {"ema-12-26": {"strategy": "ema_trend"}, "breakout-20": {"strategy": "breakout"},
          "momentum": {"strategy": "momentum"}}  # fmt: skip
LLM_AGENT = "llm-bench"
LLM_KEY = "bench-key"
ANSWER = '{"reasoning": "wait", "decisions": [{"coin": "BTC", "signal": "hold"}]}'
FINISHED = ("2025-01-01", "2025-01-31")
RUNNING = ("2024-01-01", "2026-01-01")  # two years of 1h ticks: it does not finish meanwhile
SETTLE_S = 2.0
PG_SETTLE_S = 20.0  # PostgreSQL counts an idle connection's transactions up to 10 s late
POLLS = re.compile(r"^arena_live_polls_total (\S+)$", re.MULTILINE)


@dataclass
class Prepared:
    finished_id: int
    running_id: int


def prepare(url: str) -> Prepared:
    context = open_context(Settings(_env_file=None, database_url=url))
    try:
        load_sample(context)
        for name, values in AGENTS.items():
            add_agent(context, name, {"kind": "strategy", **values})
        add_agent(context, LLM_AGENT, {"kind": "llm", "provider": "deepseek", "model": "bench"})
        finished = seasons.create_season(context, {
            "name": "ws-finished", "symbols": SYMBOLS, "start": parse_ts(FINISHED[0]),
            "end": parse_ts(FINISHED[1]), "participants": list(AGENTS),
        })  # fmt: skip
        report = seasons.run_season(context, finished.id)
        assert report.status is SeasonStatus.FINISHED, report
        running = seasons.create_season(context, {
            "name": "ws-running", "symbols": SYMBOLS, "start": parse_ts(RUNNING[0]),
            "end": parse_ts(RUNNING[1]), "participants": [*AGENTS, LLM_AGENT],
        })  # fmt: skip
        return Prepared(finished.id, running.id)
    finally:
        context.close()


def start_season(url: str, season_id: int) -> None:
    context = open_context(Settings(_env_file=None, database_url=url))
    try:
        seasons.transition(context, season_id, SeasonEvent.START)
    finally:
        context.close()


# -- what is measured -------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def polls(port: int) -> float | None:
    with urllib.request.urlopen(f"http://{HOST}:{port}/metrics", timeout=10) as response:
        found = POLLS.search(response.read().decode())
    return float(found.group(1)) if found else None


def ticks_done(port: int, season_id: int) -> int:
    with urllib.request.urlopen(f"http://{HOST}:{port}/api/v1/seasons/{season_id}") as response:
        return int(json.loads(response.read())["ticks_done"])


class Transactions:
    """The database's committed and rolled-back transactions (PostgreSQL only)."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url) if url.startswith("postgresql") else None
        self.counted = self._engine is not None

    def count(self) -> int | None:
        if self._engine is None:
            return None
        with self._engine.connect() as connection:
            connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            row = connection.execute(text(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                "WHERE datname = current_database()"
            )).one()  # fmt: skip
        return int(row[0])

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


class LatencyProbe(threading.Thread):
    """Other requests, back to back on one keep-alive connection, while the window lasts."""

    def __init__(self, port: int, path: str) -> None:
        super().__init__(daemon=True)
        self._url = f"http://{HOST}:{port}{path}"
        self._finish = threading.Event()
        self.latencies_ms: list[float] = []
        self.failures = 0

    def run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._finish.is_set():
                started = time.perf_counter()
                response = client.get(self._url)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code == 200:
                    self.latencies_ms.append(elapsed)
                else:
                    self.failures += 1

    def stop(self) -> dict[str, Any]:
        self._finish.set()
        self.join()
        values = sorted(self.latencies_ms)
        if not values:
            return {"requests": 0, "failures": self.failures}
        return {
            "requests": len(values), "failures": self.failures,
            "median_ms": round(statistics.median(values), 2),
            "p90_ms": round(values[int(0.9 * (len(values) - 1))], 2),
            "p99_ms": round(values[int(0.99 * (len(values) - 1))], 2),
        }  # fmt: skip


# -- the scenarios ----------------------------------------------------------------------------


async def watch(port: int, season_id: int, received: list[int], ready: asyncio.Event,
                opened: list[int], stop: asyncio.Event, index: int) -> None:  # fmt: skip
    async with connect(f"ws://{HOST}:{port}/api/v1/ws", max_size=None) as ws:
        await ws.send(json.dumps({"type": "subscribe", "data": {"season_id": season_id}}))
        first = json.loads(await ws.recv())
        assert first["type"] == "subscribed", first
        opened[0] += 1
        if opened[0] == len(received):
            ready.set()
        while not stop.is_set():
            try:
                await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            received[index] += 1


def scenario(
    server: Server, name: str, season_id: int | None, sockets: int, window_s: float,
    probe_path: str, transactions: Transactions, running_id: int,
) -> dict[str, Any]:  # fmt: skip
    port, pid = server.port, server.process.pid
    before_mb = rss_mb(pid)

    async def measure() -> dict[str, Any]:
        received = [0] * sockets
        opened = [0]
        ready, stop = asyncio.Event(), asyncio.Event()
        tasks = []
        if season_id is not None and sockets:
            tasks = [asyncio.ensure_future(watch(port, season_id, received, ready, opened, stop, i))
                     for i in range(sockets)]  # fmt: skip
            opening = time.perf_counter()
            await asyncio.wait_for(ready.wait(), 120)
            open_s = time.perf_counter() - opening
        else:
            open_s = 0.0
        await asyncio.sleep(PG_SETTLE_S if transactions.counted else SETTLE_S)
        # The quiet window: what the sockets alone cost.
        polls_0, xacts_0 = polls(port), transactions.count()
        cpu_0, ticks_0, got_0 = server.cpu_seconds(), ticks_done(port, running_id), sum(received)
        started = time.perf_counter()
        await asyncio.sleep(window_s)
        elapsed = time.perf_counter() - started
        polls_1, xacts_1 = polls(port), transactions.count()
        cpu_1, ticks_1, got_1 = server.cpu_seconds(), ticks_done(port, running_id), sum(received)
        # The busy window: the latency of other requests meanwhile.
        probe = LatencyProbe(port, probe_path)
        probe.start()
        await asyncio.sleep(window_s)
        latency = probe.stop()
        after_mb = rss_mb(pid)
        stop.set()
        await asyncio.gather(*tasks)

        def rate(first: float | None, last: float | None) -> float | str:
            return "n/a" if first is None or last is None else round((last - first) / elapsed, 1)

        return {
            "scenario": name, "sockets": sockets,
            "seconds_to_open": round(open_s, 2),
            "server_rss_mb_before": round(before_mb, 1), "server_rss_mb_after": round(after_mb, 1),
            "server_rss_growth_mb": round(after_mb - before_mb, 1),
            "live_polls_per_s": rate(polls_0, polls_1),
            "db_transactions_per_s": rate(xacts_0, xacts_1),
            "server_cpu_cores": rate(cpu_0, cpu_1),
            "messages_per_s_all_sockets": rate(got_0, got_1),
            "running_season_ticks_per_s": rate(ticks_0, ticks_1),
            "other_requests": latency,
        }  # fmt: skip

    return asyncio.run(measure())


# -- the run ----------------------------------------------------------------------------------


def postgres_database(admin_url: str) -> tuple[str, str]:
    """A new database beside ``admin_url``'s: (its URL, its name)."""
    name = f"ws_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


def drop_postgres_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured per scenario")
    parser.add_argument("--llm-delay", type=float, default=0.2,
                        help="seconds the fake model holds each answer")  # fmt: skip
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server to create the benchmark's database on")  # fmt: skip
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ws-load-"))
    dropped: str | None = None
    if args.database_url:
        url, dropped = postgres_database(args.database_url)
    else:
        url = f"sqlite:///{folder / 'arena.db'}"
    transactions = Transactions(url)
    server: Server | None = None
    model = FakeLlmServer(api_key=LLM_KEY).__enter__()
    model.delay_s = args.llm_delay
    model.respond_with(lambda _request: FakeAnswer(ANSWER))
    os.environ.update({"ARENA_LLM_BASE_URL": model.openai_base_url, "DEEPSEEK_API_KEY": LLM_KEY,
                       "ARENA_LLM_MAX_RETRIES": "0"})  # fmt: skip
    try:
        print(f"setup: loading the sample and running the finished season ({url.split(':')[0]})",
              file=sys.stderr)  # fmt: skip
        prepared = prepare(url)
        server = Server(folder, url, free_port())
        server.wait_healthy()
        probe = f"/api/v1/seasons/{prepared.finished_id}"
        results = [
            scenario(server, "no socket", None, 0, args.window, probe, transactions,
                     prepared.running_id),
            scenario(server, "finished season", prepared.finished_id, args.sockets, args.window,
                     probe, transactions, prepared.running_id),
        ]  # fmt: skip
        start_season(url, prepared.running_id)
        deadline = time.monotonic() + 60
        while ticks_done(server.port, prepared.running_id) == 0:
            if time.monotonic() > deadline:
                raise SystemExit(f"the embedded runner did not start:\n{server.log()}")
            time.sleep(0.2)
        for sockets in (0, args.sockets):  # the season's own cost, then the sockets'
            results.append(scenario(
                server, "running season", prepared.running_id, sockets, args.window, probe,
                transactions, prepared.running_id,
            ))  # fmt: skip
        if args.json:
            print(json.dumps(results, indent=2))
        else:
            report(results)
    finally:
        if server is not None:
            server.stop()
        transactions.close()
        model.__exit__(None, None, None)
        if dropped is not None and args.database_url:
            drop_postgres_database(args.database_url, dropped)
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def report(results: list[dict[str, Any]]) -> None:
    print(f"{'scenario':<18}{'sockets':>8}{'RSS MB':>9}{'growth':>8}{'polls/s':>9}"
          f"{'db tx/s':>9}{'cpu':>6}{'msgs/s':>9}{'ticks/s':>9}{'other p50':>11}{'p90':>8}"
          f"{'p99':>8}")  # fmt: skip
    for r in results:
        other = r["other_requests"]
        print(f"{r['scenario']:<18}{r['sockets']:>8}{r['server_rss_mb_after']:>9}"
              f"{r['server_rss_growth_mb']:>8}{r['live_polls_per_s']!s:>9}"
              f"{r['db_transactions_per_s']!s:>9}{r['server_cpu_cores']!s:>6}"
              f"{r['messages_per_s_all_sockets']!s:>9}{r['running_season_ticks_per_s']!s:>9}"
              f"{other.get('median_ms', '-')!s:>11}{other.get('p90_ms', '-')!s:>8}"
              f"{other.get('p99_ms', '-')!s:>8}")  # fmt: skip
    print(
        "RSS MB: the server's at the end; growth: since before the sockets were "
        "opened. polls/s: the live feed's reads of season state (arena_live_polls_total); "
        "db tx/s: every transaction of the database (PostgreSQL only); cpu: server cores "
        "(these four in a quiet window); other: GET /api/v1/seasons/{id} latency in ms, in "
        "the next window."
    )


if __name__ == "__main__":
    main()
