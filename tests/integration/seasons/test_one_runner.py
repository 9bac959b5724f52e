"""One runner per season, on both databases: a second runner (another `arena season run`, or a
server) is refused with who runs the season, a server leaves alone what another process runs,
a pause or an end stops the ledger at the tick it reports, and the database failing under a
runner (a terminated PostgreSQL connection, a full disk) costs at most a retry or a one-line
error and a resume, never the ledger: every run ends with the ledger of an uninterrupted one."""

from __future__ import annotations

import json
import re
import resource
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from alpha_arena.api.offload import Offload
from alpha_arena.api.pagination import TimeRange
from alpha_arena.api.routes.season_ledger import equity_json
from alpha_arena.api.routes.seasons import leaderboard_body
from alpha_arena.cli.app import app
from alpha_arena.core.settings import Settings
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus
from alpha_arena.seasons.commit_summary import CommitSummary
from alpha_arena.seasons.runner_process import RunnerProcess
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from tests.support.arena_process import ARENA, arena_env, served
from tests.support.databases import BACKENDS, POSTGRES_URL, empty_database, settings_for
from tests.support.sample import sample_subset
from tests.support.season_ledgers import ledger, season_row, wait_for_ticks

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FILES = [
    f"binance_usdm_{coin}USDT_{kind}.csv.gz"
    for coin in ("BTC", "ETH")
    for kind in ("1h", "funding_8h")
]
START, END = "2025-01-01", "2025-02-01"  # 744 ticks: a few seconds of work for a runner
TICKS = 744
#: Runners here commit tick by tick (as a live season does), so that a pause, an end, a second
#: runner or a failure meets the season mid-run; batches would finish it in a moment.
PER_TICK = {"season_commit_batch": "1"}
TOKEN = "one-runner-test-token"


@dataclass(frozen=True)
class Arena:
    url: str
    reference: tuple[str, list[int]]  # the ledger of an uninterrupted run of the season


@pytest.fixture(scope="module", params=BACKENDS)
def arena(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Arena]:
    """A database with BTC and ETH perpetuals and two strategy agents, and the ledger of the
    test season run once without interruption."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
            add_agent(context, "breakout", {"kind": "strategy", "strategy": "breakout"})
        finally:
            context.close()
        reference = create(url, "reference")
        # Committed in batches (the default): the tests' tick-by-tick runs must equal it.
        run = CliRunner().invoke(app, ["season", "run", str(reference)],
                                 env={"ARENA_DATABASE_URL": url})  # fmt: skip
        assert run.exit_code == 0, run.output
        yield Arena(url, ledger(url, reference))


def per_tick(url: str) -> Settings:
    return settings_for(url).model_copy(update={"season_commit_batch": 1})


def cli(url: str, *args: str) -> Result:
    env = {"ARENA_DATABASE_URL": url, "ARENA_SEASON_COMMIT_BATCH": PER_TICK["season_commit_batch"]}
    return CliRunner().invoke(app, list(args), env=env)


def create(url: str, name: str) -> int:
    created = cli(
        url, "season", "create", "--name", name, "--symbols", f"{BTC},{ETH}", "--start", START,
        "--end", END, "--agents", "trend,breakout", "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    return int(json.loads(created.stdout)["id"])


def start_runner(url: str, season_id: int, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [ARENA, "season", "run", str(season_id), "--json"], env=arena_env(url, **PER_TICK),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen,  # type: ignore[call-overload]
    )  # fmt: skip


def finish(runner: subprocess.Popen[str]) -> dict[str, object]:
    out, err = runner.communicate(timeout=300)
    assert runner.returncode == 0, err
    report: dict[str, object] = json.loads(out)
    return report


# -- one runner, and a pause or an end stops the ledger ---------------------------------------


def parent_pid(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE)[1])  # type: ignore[index]


def test_a_server_leaves_alone_what_a_cli_runs_and_the_cli_refuses_what_it_runs(
    arena: Arena, tmp_path: Path
) -> None:
    env = arena_env(arena.url, api_token=TOKEN, **PER_TICK)
    with served(env, tmp_path) as (client, server_pid):
        by_cli = create(arena.url, "run by the cli")
        runner = start_runner(arena.url, by_cli)  # it starts the draft under its lease
        wait_for_ticks(arena.url, by_cli, 50, runner)
        seen = 0
        while runner.poll() is None and seen < 5:
            status = client.get("/api/v1/system/runner").json()
            if by_cli in status["running_seasons"]:
                assert by_cli not in status["active_seasons"], "the server ran it too"
                seen += 1
            time.sleep(0.1)
        assert seen, "the CLI runner finished before the server could be checked"
        assert finish(runner)["ticks_done"] == TICKS
        assert ledger(arena.url, by_cli) == arena.reference

        by_server = create(arena.url, "run by the server")
        started = client.post(f"/api/v1/seasons/{by_server}/start",
                              headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
        assert started.status_code == 200, started.text
        wait_for_ticks(arena.url, by_server, 50)
        refused = cli(arena.url, "season", "run", str(by_server))
        assert refused.exit_code == 2
        holder = re.search(r"is being run by arena serve, pid (\d+) on ", refused.stderr)
        assert holder, refused.stderr
        assert parent_pid(int(holder[1])) == server_pid  # the server's own runner process
        # An end stops the ledger at the tick it reports (the runner commits no more).
        ended = client.post(f"/api/v1/seasons/{by_server}/end",
                            headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
        assert ended.status_code == 200, ended.text
        time.sleep(0.5)  # the server's runner stops at the end without another tick
        assert season_row(arena.url, by_server) == (
            SeasonStatus.FINISHED,
            ended.json()["ticks_done"],
        )


def test_a_second_runner_is_refused_and_a_pause_stops_the_ledger_at_the_tick_it_reports(
    arena: Arena,
) -> None:
    season = create(arena.url, "two runners, then paused")
    runner = start_runner(arena.url, season)
    wait_for_ticks(arena.url, season, 50, runner)

    second = cli(arena.url, "season", "run", str(season))

    assert second.exit_code == 2
    assert re.fullmatch(
        rf"error: season {season} is being run by arena season run, pid {runner.pid} on \S+ "
        rf"\[[0-9a-f]{{8}}\] since \S+Z \(its lease runs to \S+Z unless renewed\); .+",
        second.stderr.strip(),
    ), second.stderr
    wait_for_ticks(arena.url, season, 100, runner)

    paused = cli(arena.url, "season", "pause", str(season))

    assert paused.exit_code == 0, paused.output
    stopped_at = int(re.search(r"at tick (\d+)", paused.stdout).group(1))  # type: ignore[union-attr]
    report = finish(runner)
    assert (report["status"], report["ticks_done"]) == ("paused", stopped_at)
    time.sleep(0.5)  # nothing may trickle in after the answer
    assert season_row(arena.url, season) == (SeasonStatus.PAUSED, stopped_at)
    assert ledger(arena.url, season)[1] == [stopped_at] * 4
    assert cli(arena.url, "season", "resume", str(season)).exit_code == 0
    assert cli(arena.url, "season", "run", str(season)).exit_code == 0
    assert ledger(arena.url, season) == arena.reference  # the refused runner changed nothing


# -- the database failing under a runner -----------------------------------------------------------


@pytest.mark.parametrize("arena", ["postgres"], indirect=True)
def test_terminated_postgres_connections_are_retried_and_the_ledger_is_intact(
    arena: Arena,
) -> None:
    season = create(arena.url, "connections killed")
    runner = start_runner(arena.url, season)
    wait_for_ticks(arena.url, season, 50, runner)
    admin = create_engine(str(POSTGRES_URL))
    killed = 0
    try:
        with admin.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline and runner.poll() is None:
                killed += connection.execute(
                    text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                         "WHERE application_name = :name"),
                    {"name": f"arena:{runner.pid}"},
                ).scalar_one()  # fmt: skip
                time.sleep(0.02)
    finally:
        admin.dispose()
    assert killed > 0
    out, err = runner.communicate(timeout=300)
    assert runner.returncode == 0, err
    assert "database failure (" in err and "retrying in" in err  # the kills hit the runner
    assert "Traceback" not in err
    report = json.loads(out)
    assert (report["status"], report["ticks_done"]) == ("finished", TICKS)
    assert ledger(arena.url, season) == arena.reference


def _file_size_limit(limit: int) -> None:
    """In the runner's process: files may not grow past ``limit`` bytes, and a write that
    would is an error (ENOSPC-like), not a SIGXFSZ that kills the process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize("arena", ["sqlite"], indirect=True)
def test_a_full_disk_is_one_line_and_the_season_resumes_losslessly(arena: Arena) -> None:
    season = create(arena.url, "disk full")
    database = Path(arena.url.removeprefix("sqlite:///"))
    with sqlite3.connect(database) as connection:  # the WAL emptied: it grows from zero
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # No file may grow past this: room in the WAL for some batches of ticks, not the season's.
    limit = 250_000
    assert database.stat().st_size > limit  # so only appending to the WAL can meet it

    runner = start_runner(arena.url, season, preexec_fn=lambda: _file_size_limit(limit))
    out, err = runner.communicate(timeout=300)

    assert runner.returncode == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: database "), err
    assert "full" in lines[0] or "disk" in lines[0]
    status, done = season_row(arena.url, season)
    assert status is SeasonStatus.RUNNING and 0 < done < TICKS
    resumed = start_runner(arena.url, season)
    assert finish(resumed)["ticks_done"] == TICKS
    assert ledger(arena.url, season) == arena.reference


# -- the server's runner in a process of its own ----------------------------------------------


def test_a_runner_process_drives_a_season_and_relays_every_commit(arena: Arena) -> None:
    """What `arena serve` wires: the child runs the season to the reference ledger; the parent
    hears every commit, the season's stop and what the child drives; closing the pipe stops
    the child."""
    season = create(arena.url, "run by a runner process")
    commits: list[CommitSummary] = []
    stopped = threading.Event()
    drivers = RunnerProcess(
        per_tick(arena.url), on_commit=commits.append,
        on_stop=lambda season_id: stopped.set() if season_id == season else None,
    )  # fmt: skip
    context = open_context(per_tick(arena.url))
    try:
        drivers.start()
        seasons.transition(context, season, SeasonEvent.START)
        drivers.nudge()
        assert stopped.wait(120), "the runner process did not finish the season"
    finally:
        drivers.stop()
        context.close()
    assert season_row(arena.url, season) == (SeasonStatus.FINISHED, TICKS)
    assert ledger(arena.url, season) == arena.reference
    mine = [commit for commit in commits if commit.season_id == season]
    assert [commit.tick for commit in mine] == list(range(TICKS))
    assert sum(commit.fills for commit in mine) > 0
    assert drivers.active() == []


def test_closing_the_pipe_stops_the_runner_process_and_leaves_the_season_running(
    arena: Arena,
) -> None:
    season = create(arena.url, "left running")
    context = open_context(per_tick(arena.url))
    drivers = RunnerProcess(per_tick(arena.url))
    try:
        drivers.start()
        seasons.transition(context, season, SeasonEvent.START)
        drivers.nudge()
        wait_for_ticks(arena.url, season, 20)
        child = drivers._child  # the process to watch exit
        assert child is not None
        drivers.stop()
        assert child.returncode is not None  # it exited within stop()
        status, ticks = season_row(arena.url, season)
        assert status is SeasonStatus.RUNNING and 20 <= ticks < TICKS
        # Nobody holds the season now: a CLI runner takes it over and finishes it.
        assert finish(start_runner(arena.url, season))["ticks_done"] == TICKS
        assert ledger(arena.url, season) == arena.reference
    finally:
        drivers.stop()
        context.close()


def test_reads_computed_in_the_offload_process_equal_those_computed_here(arena: Arena) -> None:
    reference = int(season_list(arena.url)[0])
    offload = Offload(per_tick(arena.url))
    context = open_context(per_tick(arena.url))
    try:
        here = leaderboard_body(context, reference)
        assert offload.call(leaderboard_body, reference) == here
        assert json.loads(here)["ticks"] == TICKS
        span = TimeRange(start=None, end=None)
        assert offload.call(equity_json, reference, None, 100, span) == equity_json(
            context, reference, None, 100, span
        )
    finally:
        offload.close()
        context.close()


def season_list(url: str) -> list[str]:
    """Season ids, oldest first."""
    listed = cli(url, "season", "list", "--json")
    return [str(season["id"]) for season in reversed(json.loads(listed.stdout))]
