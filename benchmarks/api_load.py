"""HTTP API under load: the leaderboard and equity-history endpoints while a season is running.

Run: .venv/bin/python benchmarks/api_load.py [--connections 16] [--duration 10] [--json]
     [--broker redis://127.0.0.1:6379/9 [--server-workers 2]]

With ``--broker``, the scale-out wiring instead: the running season is driven by an ``arena
worker`` (one task at a time) that an ``arena scheduler`` hands it to, and the server runs as
``arena serve --workers N`` with no runner of its own; the broker's database is emptied first.

Target: the leaderboard and equity-history endpoints sustain >= 1,000 requests/s with a p99
under 50 ms on SQLite while a replay season is running; load from a second process on loopback.

Setup (not timed): a fresh SQLite database in a temporary folder, the bundled sample loaded
into it (what ``arena data load-sample`` does), strategy agents registered from the library,
and two replay seasons on the six Binance perpetuals (BTC, ETH, SOL, BNB, DOGE, XRP):

* a FINISHED season of 90 days (four strategy agents and the two baselines), run to its end
  in this process with ``services.seasons.run_season``: the season read under load;
* a RUNNING season of two years of 1h ticks (six strategy agents and the two baselines), only
  moved to ``running``, so that the server's embedded runner drives it during the load,
  committing one transaction per tick (and invalidating that season's read cache each time).

Then ``arena serve`` is started as a subprocess on a free loopback port (the server process),
and once ``/health`` answers and the runner has committed its first ticks, this process (the
load generator, the second process) opens N persistent HTTP/1.1 keep-alive connections with a
minimal asyncio client over raw sockets (uvloop when installed), and each connection sends
requests back to back, alternating ``GET /api/v1/seasons/{id}/leaderboard`` and
``GET /api/v1/seasons/{id}/equity?points=500``. After a warm-up (not counted), every request of
the measured window is timed (``perf_counter`` from the write of the request to the last byte
of the body) and its status kept; any status but 200 fails the run.

Scenarios, one after the other on the same server: the finished season (the target) and the
running season itself (the harder case: its leaderboard and equity are recomputed after every
tick; reported, not part of the target). Before them, the runner's speed with no load. For
each: requests/s, latency p50/p90/p99/max, errors, the CPU used by the server, by the load
generator (a client near a full core would mean the load generator is the bottleneck) and by
every other process of the machine (Linux /proc; on a shared machine they take cores from the
server, so read the figures with them), and the running season's progress (``ticks_done`` read
from ``GET /api/v1/seasons/{id}`` before and after the measured window). The server is stopped
with SIGINT at the end and the temporary folder deleted (``--keep`` keeps it)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts, timeframe_ms
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample

HOST = "127.0.0.1"
BASES = ("BTC", "ETH", "SOL", "BNB", "DOGE", "XRP")
SYMBOLS = [f"{base}/USDT:USDT" for base in BASES]
FINISHED = ("2025-01-01", "2025-04-01")  # 90 days
RUNNING = ("2024-01-01", "2026-01-01")  # two years of 1h ticks, not to finish during the load
TARGET_RPS = 1_000.0
TARGET_P99_MS = 50.0
FINISHED_SCENARIO = "finished season under load"
RUNNING_SCENARIO = "running season under load"

AGENTS: dict[str, dict[str, Any]] = {
    "ema-12-26": {"strategy": "ema_trend"},
    "ema-50-200-x2": {"strategy": "ema_trend", "params": {"fast": "50", "slow": "200"},
                      "leverage": 2.0},
    "breakout-20": {"strategy": "breakout"},
    "breakout-55-x2-sl": {"strategy": "breakout", "params": {"period": "55"}, "leverage": 2.0,
                          "stop_loss": 0.05, "take_profit": 0.10},
    "momentum": {"strategy": "momentum"},
    "bollinger": {"strategy": "bollinger_range"},
    "rsi": {"strategy": "rsi_mean_reversion"},
}  # fmt: skip
FINISHED_AGENTS = ["ema-12-26", "breakout-20", "momentum", "bollinger"]
RUNNING_AGENTS = ["ema-12-26", "ema-50-200-x2", "breakout-20", "breakout-55-x2-sl", "momentum",
                  "rsi"]  # fmt: skip


# -- setup ----------------------------------------------------------------------------------


@dataclass
class Prepared:
    finished_id: int
    running_id: int
    finished_ticks: int
    running_ticks: int
    seconds_load: float
    seconds_finished: float


def prepare(url: str) -> Prepared:
    """Load the sample, register the agents, run the finished season, start the other one."""
    context = open_context(Settings(_env_file=None, database_url=url))
    try:
        started = time.perf_counter()
        load_sample(context)
        loaded = time.perf_counter()
        for name, values in AGENTS.items():
            add_agent(context, name, {"kind": "strategy", **values})
        finished = seasons.create_season(
            context,
            {"name": "load-finished", "symbols": SYMBOLS, "start": parse_ts(FINISHED[0]),
             "end": parse_ts(FINISHED[1]), "participants": FINISHED_AGENTS},
        )  # fmt: skip
        report = seasons.run_season(context, finished.id)
        assert report.status is SeasonStatus.FINISHED, report
        ran = time.perf_counter()
        running = seasons.create_season(
            context,
            {"name": "load-running", "symbols": SYMBOLS, "start": parse_ts(RUNNING[0]),
             "end": parse_ts(RUNNING[1]), "participants": RUNNING_AGENTS},
        )  # fmt: skip
        seasons.transition(context, running.id, SeasonEvent.START)
        ticks = (running.ts_end - running.ts_start) // timeframe_ms(running.timeframe)
        return Prepared(finished.id, running.id, report.ticks_done, ticks, loaded - started,
                        ran - loaded)  # fmt: skip
    finally:
        context.close()


# -- the server process ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def arena_executable() -> str:
    beside = Path(sys.executable).with_name("arena")
    found = str(beside) if beside.exists() else shutil.which("arena")
    if found is None:
        raise SystemExit("cannot find the `arena` command (pip install -e . into this venv)")
    return found


def tree_cpu_seconds(root: int) -> float | None:
    """CPU seconds of ``root`` and of its living descendants (Linux /proc; else None)."""
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, CPU seconds)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"),
        )
    if root not in stats:
        return None
    tree, total, grown = {root}, 0.0, True
    while grown:
        before = len(tree)
        tree |= {pid for pid, (parent, _) in stats.items() if parent in tree}
        grown = len(tree) > before
    for pid in tree:
        total += stats[pid][1]
    return total


class Helpers:
    """``arena worker`` and ``arena scheduler`` in subprocesses (``--broker``)."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self._log = (folder / "workers.log").open("wb")
        common = {"cwd": folder, "env": env, "stdout": self._log, "stderr": subprocess.STDOUT}
        self.processes = [
            subprocess.Popen([arena_executable(), "worker", "--concurrency", "1",
                              "--hostname", "bench@worker"], **common),
            subprocess.Popen([arena_executable(), "scheduler", "--state",
                              str(folder / "scheduler")], **common),
        ]  # fmt: skip

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def empty_broker(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def get_json(port: int, path: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as response:
        return json.loads(response.read())


class Server:
    """``arena serve`` in a subprocess, its output in a log file."""

    def __init__(
        self, folder: Path, env: dict[str, str], port: int, options: tuple[str, ...] = ()
    ) -> None:
        self.port = port
        self.log_path = folder / "server.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [arena_executable(), "serve", "--host", HOST, "--port", str(port), *options],
            cwd=folder, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_healthy(self, timeout_s: float = 60.0) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout_s:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited ({self.process.returncode}):\n{self.log()}")
            try:
                if get_json(self.port, "/health", timeout=1.0)["status"] == "ok":
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"the server did not answer /health in {timeout_s:.0f} s:\n{self.log()}")

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process and of its children (its uvicorn
        workers, its runner) so far (Linux /proc; else None)."""
        return tree_cpu_seconds(self.process.pid)

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        self._log.close()
        return self.process.returncode

    def log(self, tail: int = 40) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-tail:])


# -- the load generator ---------------------------------------------------------------------


class BadResponseError(Exception):
    pass


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    body_bytes: dict[str, int] = field(default_factory=dict)
    warmup_errors: int = 0  # not 200 during the warm-up (not in ``statuses``, still a failure)
    first_error: str | None = None


async def request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    """Send one GET on a keep-alive connection; return its status and body."""
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    if length is None:
        raise BadResponseError(f"a response without Content-Length: {head!r}")
    return status, await reader.readexactly(length)


async def connection_loop(
    port: int, paths: list[str], offset: int, measure_from: float, until: float, tally: Tally
) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    host = f"Host: {HOST}:{port}\r\n".encode()
    raws = [f"GET {path} HTTP/1.1\r\n".encode() + host + b"\r\n" for path in paths]
    turn = offset
    try:
        while time.perf_counter() < until:
            which = turn % len(paths)
            turn += 1
            started = time.perf_counter()
            status, body = await request(reader, writer, raws[which])
            latency = time.perf_counter() - started
            if status != 200 and tally.first_error is None:
                tally.first_error = f"{status} on {paths[which]}: {body[:300]!r}"
            if started < measure_from:
                tally.warmup_errors += status != 200
                continue
            tally.latencies.setdefault(paths[which], []).append(latency)
            tally.statuses[status] += 1
            tally.body_bytes[paths[which]] = len(body)
    finally:
        writer.close()
        await writer.wait_closed()


async def drive(
    port: int, paths: list[str], connections: int, warmup_s: float, duration_s: float,
    on_measure: Callable[[str], None],
) -> tuple[Tally, float]:  # fmt: skip
    """Run the connections for warm-up + duration; return the tally and the measured seconds.
    ``on_measure(phase)`` is called at the start ("start") and end ("end") of the window."""
    tally = Tally()
    now = time.perf_counter()
    measure_from, until = now + warmup_s, now + warmup_s + duration_s
    tasks = [
        asyncio.create_task(connection_loop(port, paths, i, measure_from, until, tally))
        for i in range(connections)
    ]
    await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
    await asyncio.to_thread(on_measure, "start")
    await asyncio.sleep(max(0.0, until - time.perf_counter()))
    await asyncio.to_thread(on_measure, "end")
    await asyncio.gather(*tasks)
    return tally, duration_s


def run_async(coroutine: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


# -- scenarios ------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def latency_figures(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": statistics.median(values) * 1000,
        "p90_ms": percentile(values, 0.90) * 1000,
        "p99_ms": percentile(values, 0.99) * 1000,
        "max_ms": max(values) * 1000,
    }


def machine_busy_seconds() -> float | None:
    """CPU seconds all processes of the machine have used (Linux /proc/stat; else None)."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Mark:
    at: float
    ticks: int
    status: str
    server_cpu: float | None
    client_cpu: float
    machine_cpu: float | None


@dataclass
class Probe:
    """The running season's progress and the CPU used, read at the start and end of a window:
    by the server, by this process (the load generator) and by every other process."""

    server: Server
    season_id: int
    marks: dict[str, Mark] = field(default_factory=dict)

    def __call__(self, phase: str) -> None:
        season = get_json(self.server.port, f"/api/v1/seasons/{self.season_id}")
        self.marks[phase] = Mark(
            time.perf_counter(), int(season["ticks_done"]), season["status"],
            self.server.cpu_seconds(), time.process_time(), machine_busy_seconds(),
        )  # fmt: skip

    def figures(self) -> dict[str, Any]:
        first, last = self.marks["start"], self.marks["end"]
        seconds = last.at - first.at

        def cores(before: float | None, after: float | None) -> float | None:
            return None if before is None or after is None else (after - before) / seconds

        server = cores(first.server_cpu, last.server_cpu)
        client = (last.client_cpu - first.client_cpu) / seconds
        machine = cores(first.machine_cpu, last.machine_cpu)
        other = None if machine is None or server is None else max(0.0, machine - server - client)
        return {
            "seconds": seconds,
            "ticks_before": first.ticks,
            "ticks_after": last.ticks,
            "ticks_per_s": (last.ticks - first.ticks) / seconds,
            "status_after": last.status,
            "server_cpu_cores": server,
            "client_cpu_cores": client,
            "other_cpu_cores": other,
        }


def scenario(
    name: str, server: Server, season_id: int, running_id: int, args: argparse.Namespace
) -> dict[str, Any]:
    base = f"/api/v1/seasons/{season_id}"
    paths = [f"{base}/leaderboard", f"{base}/equity?points={args.points}"]
    probe = Probe(server, running_id)
    tally, seconds = run_async(
        drive(server.port, paths, args.connections, args.warmup, args.duration, probe)
    )
    every = [value for values in tally.latencies.values() for value in values]
    errors = sum(count for status, count in tally.statuses.items() if status != 200)
    errors += tally.warmup_errors
    return {
        "scenario": name,
        "season_id": season_id,
        "requests": len(every),
        "requests_per_s": len(every) / seconds,
        **latency_figures(every),
        "errors": errors,
        "statuses": {str(status): count for status, count in sorted(tally.statuses.items())},
        "first_error": tally.first_error,
        "endpoints": {
            path.removeprefix(base): {
                "requests": len(values),
                "bytes": tally.body_bytes[path],
                **latency_figures(values),
            }
            for path, values in tally.latencies.items()
        },
        "runner": probe.figures(),
    }


def idle_runner(server: Server, running_id: int, seconds: float) -> dict[str, Any]:
    """The running season's progress with no load, for comparison."""
    probe = Probe(server, running_id)
    probe("start")
    time.sleep(seconds)
    probe("end")
    return probe.figures()


def wait_for_runner(server: Server, running_id: int, timeout_s: float = 180.0) -> float:
    """Seconds until the embedded runner has committed its first ticks (setup done)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        season = get_json(server.port, f"/api/v1/seasons/{running_id}")
        if season["ticks_done"] > 0:
            return time.perf_counter() - started
        if season["status"] != "running":
            raise SystemExit(f"season {running_id} is {season['status']}: {season['message']}")
        time.sleep(0.2)
    raise SystemExit(f"the runner committed nothing in {timeout_s:.0f} s:\n{server.log()}")


# -- report ---------------------------------------------------------------------------------


def checks(result: dict[str, Any]) -> dict[str, bool]:
    return {
        "requests_per_s": result["requests_per_s"] >= TARGET_RPS,
        "p99": result["p99_ms"] < TARGET_P99_MS,
        "season_running": result["runner"]["status_after"] == "running"
        and result["runner"]["ticks_per_s"] > 0,
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def runner_line(runner: dict[str, Any]) -> str:
    def cores(value: float | None) -> str:
        return "?" if value is None else f"{value:.2f}"

    return (f"ticks {runner['ticks_before']:,} -> {runner['ticks_after']:,} in "
            f"{runner['seconds']:.1f} s = {runner['ticks_per_s']:,.0f} ticks/s, status "
            f"{runner['status_after']}; CPU cores: server {cores(runner['server_cpu_cores'])}, "
            f"load generator {cores(runner['client_cpu_cores'])}, "
            f"other processes {cores(runner['other_cpu_cores'])}")  # fmt: skip


def print_report(results: dict[str, Any]) -> None:
    setup, load = results["setup"], results["load"]
    print(f"setup: sample loaded in {setup['sample_load_s']:.1f} s; finished season "
          f"{setup['finished_id']} ({setup['finished_ticks']:,} ticks) run in "
          f"{setup['finished_run_s']:.1f} s; season {setup['running_id']} "
          f"({setup['running_ticks']:,} ticks) started; server healthy in "
          f"{setup['server_healthy_s']:.1f} s, its runner's first commit "
          f"{setup['runner_first_tick_s']:.1f} s later")  # fmt: skip
    print(f"wiring: {results['wiring']}")
    print(f"load: {load['connections']} keep-alive HTTP/1.1 connections from a second process, "
          f"{load['warmup_s']:g} s warm-up + {load['duration_s']:g} s measured per scenario, "
          f"alternating leaderboard and equity?points={load['points']}; {os.cpu_count()} "
          f"cores, load average {results['load_average']:.2f} before the run")  # fmt: skip
    print(f"\nrunning season, no load: {runner_line(results['idle_runner'])}")
    for result in results["scenarios"]:
        print(f"\n{result['scenario']} (season {result['season_id']}): "
              f"{result['requests']:,} requests, {result['requests_per_s']:,.0f} req/s, "
              f"p50 {result['p50_ms']:.2f} ms, p90 {result['p90_ms']:.2f} ms, "
              f"p99 {result['p99_ms']:.2f} ms, max {result['max_ms']:.2f} ms, "
              f"errors {result['errors']}")  # fmt: skip
        for path, figures in result["endpoints"].items():
            print(f"  {path:<19} {figures['requests']:>7,} requests of {figures['bytes']:>7,} B:"
                  f" p50 {figures['p50_ms']:7.2f} ms, p90 {figures['p90_ms']:7.2f} ms, "
                  f"p99 {figures['p99_ms']:7.2f} ms, max {figures['max_ms']:7.2f} ms")  # fmt: skip
        print(f"  running season meanwhile: {runner_line(result['runner'])}")
    print(f"\ntarget (>= {TARGET_RPS:,.0f} req/s, p99 < {TARGET_P99_MS:.0f} ms, finished season "
          "read while the other runs):")  # fmt: skip
    for result in results["scenarios"]:
        passed = checks(result)
        note = "" if result["scenario"] == FINISHED_SCENARIO else "  (the harder case; reported)"
        print(f"  {result['scenario']}:{note}")
        print(f"    >= {TARGET_RPS:,.0f} req/s       {verdict(passed['requests_per_s'])}  "
              f"({result['requests_per_s']:,.0f} req/s)")  # fmt: skip
        print(f"    p99 < {TARGET_P99_MS:.0f} ms          {verdict(passed['p99'])}  "
              f"({result['p99_ms']:.2f} ms)")  # fmt: skip
        print(f"    the other season ran  {verdict(passed['season_running'])}  "
              f"({result['runner']['ticks_per_s']:,.0f} ticks/s, "
              f"{result['runner']['status_after']})")  # fmt: skip
    print(f"\ntarget met: {'yes' if results['target_met'] else 'NO'}; server stopped "
          f"(exit code {results['server_exit_code']})")  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds, not counted")
    parser.add_argument("--points", type=int, default=500, help="equity points per entry")
    parser.add_argument("--idle", type=float, default=2.0, help="seconds of runner, no load")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--broker", help="a Redis URL: run the season in an arena worker")
    parser.add_argument("--server-workers", type=int, default=2,
                        help="with --broker: arena serve --workers N")  # fmt: skip
    return parser.parse_args()


def main() -> None:
    args = parse_args()

    load_average = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="arena-load-"))
    url = f"sqlite:///{folder}/arena.db"
    server: Server | None = None
    helpers: Helpers | None = None
    code = None
    # One transaction per tick, as a live season commits (and as this benchmark always did):
    # every tick invalidates the running season's cached answers.
    env = {**os.environ, "ARENA_DATABASE_URL": url, "ARENA_SEASON_COMMIT_BATCH": "1"}
    options: tuple[str, ...] = ()
    if args.broker:
        empty_broker(args.broker)
        env["ARENA_BROKER_URL"] = args.broker
        env["ARENA_WORKER_SEASON_POLL_S"] = "0.5"
        options = ("--workers", str(args.server_workers))
    try:
        prepared = prepare(url)
        if args.broker:
            helpers = Helpers(folder, env)
        server = Server(folder, env, free_port(), options)
        healthy = server.wait_healthy()
        first_tick = wait_for_runner(server, prepared.running_id)
        idle = idle_runner(server, prepared.running_id, args.idle)
        scenarios = [
            scenario(FINISHED_SCENARIO, server, prepared.finished_id, prepared.running_id, args),
            scenario(RUNNING_SCENARIO, server, prepared.running_id, prepared.running_id, args),
        ]
    finally:
        if server is not None:
            code = server.stop()
        if helpers is not None:
            helpers.stop()
        if args.keep:
            print(f"(kept {folder})", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)

    results = {
        "setup": {
            "sample_load_s": prepared.seconds_load, "finished_id": prepared.finished_id,
            "finished_ticks": prepared.finished_ticks, "finished_run_s": prepared.seconds_finished,
            "running_id": prepared.running_id, "running_ticks": prepared.running_ticks,
            "server_healthy_s": healthy, "runner_first_tick_s": first_tick,
        },
        "load": {"connections": args.connections, "warmup_s": args.warmup,
                 "duration_s": args.duration, "points": args.points},
        "load_average": load_average,
        "wiring": (f"arena serve --workers {args.server_workers}, the season in an arena worker"
                   if args.broker else "arena serve, its embedded runner in a child process"),
        "idle_runner": idle,
        "scenarios": scenarios,
        "target": {"requests_per_s": TARGET_RPS, "p99_ms": TARGET_P99_MS},
        "target_met": all(checks(scenarios[0]).values()),
        "server_exit_code": code,
    }  # fmt: skip
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_report(results)
    failed = [result for result in scenarios if result["errors"]]
    for result in failed:
        print(f"ERROR: {result['scenario']}: {result['errors']} responses were not 200; "
              f"first: {result['first_error']}", file=sys.stderr)  # fmt: skip
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
