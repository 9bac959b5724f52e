"""The season runner on both databases: a season driven from the CLI survives pause, resume and
``kill -9`` with a ledger identical to an uninterrupted run; a replay with the LLM cache is exact
and asks no model; a slow model cannot hold a tick past its deadline; no agent sees a candle
from its future; a paper season runs on live data and fails fast without it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import SourceUnavailableError
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.ingestion import ingest
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_store import SeasonStore
from alpha_arena.storage.tables import CandleRow, FundingRateRow, OpenInterestRow, PriceSnapshotRow
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.fake_exchange import FakeExchange
from tests.support.fake_llm import FakeLlmServer, scripted_trader
from tests.support.sample import sample_subset
from tests.support.season_ledgers import ledger, season_row, wait_for_ticks

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FILES = [
    f"binance_usdm_{coin}USDT_{kind}.csv.gz"
    for coin in ("BTC", "ETH")
    for kind in ("1h", "funding_8h")
]
ARENA = str(Path(sys.executable).with_name("arena"))
TICKS = 2160


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database URL per backend holding BTC and ETH perpetual bars and funding, with two
    strategy agents registered."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
            add_agent(context, "breakout", {"kind": "strategy", "strategy": "breakout"})
        finally:
            context.close()
        yield url


def season_values(name: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "symbols": [BTC, ETH], "start": parse_ts(start), "end": parse_ts(end),
            "participants": ["trend", "breakout"], **extra}  # fmt: skip


def cli(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"ARENA_DATABASE_URL": url})


def test_a_cli_season_survives_pause_resume_and_kill_9_with_its_ledger_intact(loaded: str) -> None:
    window = ("2025-01-01", "2025-04-01")  # 2,160 ticks
    create = ("season", "create", "--symbols", f"{BTC},{ETH}", "--start", window[0],
              "--end", window[1], "--agents", "trend,breakout", "--json")  # fmt: skip
    reference = json.loads(cli(loaded, *create, "--name", "reference").stdout)["id"]
    assert cli(loaded, "season", "run", str(reference)).exit_code == 0
    created = cli(loaded, *create, "--name", "interrupted")
    assert created.exit_code == 0, created.output
    season = json.loads(created.stdout)["id"]
    assert (
        cli(loaded, "season", "start", str(season)).stdout.strip() == f"season {season} is running"
    )
    env = {**os.environ, "ARENA_DATABASE_URL": loaded}
    run = [ARENA, "season", "run", str(season), "--json"]

    # Paused from another process: the runner stops by itself and says so.
    runner = subprocess.Popen(
        run, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_for_ticks(loaded, season, 50, runner)
    assert cli(loaded, "season", "pause", str(season)).exit_code == 0
    out, err = runner.communicate(timeout=60)
    assert runner.returncode == 0, err
    paused = json.loads(out)
    assert paused["status"] == "paused" and 50 <= paused["ticks_done"] < TICKS
    refused = cli(loaded, "season", "run", str(season))
    assert refused.exit_code == 2 and "resume it first" in refused.stderr

    # Resumed, then killed with SIGKILL mid-season.
    assert cli(loaded, "season", "resume", str(season)).exit_code == 0
    runner = subprocess.Popen(
        run, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_for_ticks(loaded, season, paused["ticks_done"] + 50, runner)
    runner.send_signal(signal.SIGKILL)
    runner.wait(timeout=30)
    killed_at = season_row(loaded, season)[1]
    assert killed_at < TICKS, "the kill came too late to interrupt the season"

    # Run again: it resumes from the last committed tick and finishes.
    finished = cli(loaded, "season", "run", str(season), "--json")
    assert finished.exit_code == 0, finished.output
    report = json.loads(finished.stdout)
    assert (report["status"], report["ticks_done"]) == ("finished", TICKS)
    assert report["ticks_stepped"] == TICKS - killed_at
    assert ledger(loaded, season) == ledger(loaded, reference)
    assert ledger(loaded, season)[1] == [TICKS] * 4  # two agents and two baselines
    ended = cli(loaded, "season", "end", str(season))
    assert ended.exit_code == 2 and "cannot end a finished season" in ended.stderr


# -- LLM agents: the cache makes a replay exact ------------------------------------------------


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLlmServer]:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key")
    with FakeLlmServer(api_key="test-key") as server:
        server.respond_with(scripted_trader)
        yield server


def llm_context(url: str, server: FakeLlmServer) -> AppContext:
    settings = Settings(database_url=url, llm_base_url=server.openai_base_url, llm_max_retries=0)
    return open_context(settings, clock=SimClock(parse_ts("2026-01-01")))


def test_a_replay_with_the_llm_cache_is_identical_and_asks_no_model(
    loaded: str, model: FakeLlmServer
) -> None:
    context = llm_context(loaded, model)
    try:
        if "llm" not in {
            a.name
            for a in __import__("alpha_arena.storage.agent_store", fromlist=["AgentStore"])
            .AgentStore(context.engine)
            .all()
        }:
            # A model with a known price: the leaderboard shows its cost.
            add_agent(context, "llm", {"kind": "llm", "provider": "deepseek",
                                       "model": "deepseek-chat"})  # fmt: skip
        values = season_values("llm", "2024-06-01", "2024-06-03", participants=["llm", "trend"])
        first = seasons.create_season(context, values)
        seasons.run_season(context, first.id)
        asked = model.count
        assert asked >= 48  # one request per tick at least (repairs add more)

        again = seasons.create_season(context, values)
        seasons.run_season(context, again.id, stop_after=20)  # then a new runner resumes it
        seasons.run_season(context, again.id)
        store = SeasonStore(context.engine)
        assert model.count == asked, "the replay asked the model instead of the cache"
        assert store.ledger_hash(again.id) == store.ledger_hash(first.id)
        llm_entry = next(e for e in store.entries(first.id) if e.name == "llm")
        fills = store.fills(llm_entry.id)
        assert fills, "the scripted model should have traded"
        board = {row.name: row for row in seasons.leaderboard(context, first.id).rows}
        assert (board["llm"].llm_cost_usd or 0) > 0 and board["llm"].avg_decision_ms is not None
        replayed = {row.name: row for row in seasons.leaderboard(context, again.id).rows}
        assert replayed["llm"].llm_cost_usd == 0  # answers from the cache cost nothing
        assert len(store.llm_calls(llm_entry.id)) >= 48
    finally:
        context.close()


def test_a_slow_model_misses_the_deadline_and_holds_while_the_others_trade(
    loaded: str, model: FakeLlmServer
) -> None:
    model.delay_s = 2.0
    context = llm_context(loaded, model)
    try:
        add_agent(context, "slow", {"kind": "llm", "provider": "deepseek", "model": "slow"})
        values = season_values("slow", "2024-06-10", "2024-06-10T03:00", decision_timeout_s=0.2,
                               participants=["slow", "trend"])  # fmt: skip
        season = seasons.create_season(context, values)
        started = time.monotonic()
        seasons.run_season(context, season.id)
        assert time.monotonic() - started < 4 * 2.0  # three ticks, none waited for the model
        store = SeasonStore(context.engine)
        slow = next(e for e in store.entries(season.id) if e.name == "slow")
        reasons = [row["reasoning"] for row in store.decisions(slow.id)]
        assert reasons == ["missed the 0.2 s deadline: hold"] * 3
        assert store.get(season.id).status is SeasonStatus.FINISHED
    finally:
        context.close()


# -- no agent sees its future --------------------------------------------------------------------


def test_no_agent_is_shown_a_candle_from_its_future(
    tmp_path: Path, model: FakeLlmServer, database_url: str
) -> None:
    """The same season on a database that holds the future and on one cut at tick K: every
    decision, prompt and fill before K is the same. An agent that read a later bar would
    decide differently where that bar does not exist."""
    cut = parse_ts("2024-06-02T12:00")
    full_url = database_url
    prompts: dict[str, list[str]] = {}
    with empty_database("sqlite", tmp_path / "cut") as cut_url:
        for url, end in ((full_url, "2024-06-04"), (cut_url, "2024-06-02T12:00")):
            context = llm_context(url, model)
            try:
                load_sample(context, sample_subset(tmp_path / "sample", FILES))
                if url == cut_url:
                    _forget_after(context, cut)
                add_agent(context, "llm", {"kind": "llm", "provider": "deepseek", "model": "m"})
                add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
                add_agent(context, "breakout", {"kind": "strategy", "strategy": "breakout"})
                values = season_values("future", "2024-06-01", end,
                                       participants=["llm", "trend", "breakout"])  # fmt: skip
                season = seasons.create_season(context, values)
                seasons.run_season(context, season.id)
                prompts[url] = _history(context, season.id, cut)
            finally:
                context.close()
    assert prompts[full_url] == prompts[cut_url]
    assert any("llm decision" in line for line in prompts[full_url])


def _forget_after(context: AppContext, cut: int) -> None:
    with context.engine.begin() as connection:
        connection.execute(delete(CandleRow).where(CandleRow.ts >= cut))  # opened at the cut
        for table in (FundingRateRow, PriceSnapshotRow, OpenInterestRow):
            connection.execute(delete(table).where(table.ts > cut))


def _history(context: AppContext, season_id: int, cut: int) -> list[str]:
    """Every entry's decisions, prompts and fills before ``cut``, as comparable lines."""
    store = SeasonStore(context.engine)
    lines = []
    for entry in sorted(store.entries(season_id), key=lambda e: e.name):
        for row in store.decisions(entry.id):
            if row["ts"] <= cut:
                lines.append(f"{entry.name} decision {row['ts']} {json.dumps(row['actions'])}")
        for tick, call in store.llm_calls(entry.id):
            if call.ts <= cut:
                lines.append(f"{entry.name} prompt {tick} {json.dumps(call.messages)}")
        lines += [f"{entry.name} fill {f}" for f in store.fills(entry.id) if f.ts < cut]
    return lines


# -- paper seasons --------------------------------------------------------------------------------


def test_a_paper_season_runs_on_live_exchange_data(database_url: str) -> None:
    now = parse_ts("2024-03-10T06:30")
    with FakeExchange(now) as exchange:
        settings = Settings(
            database_url=database_url, exchange_base_url=exchange.url, exchange_max_retries=1,
            exchange_retry_base_s=0, exchange_rate_limit_ms=0,
        )  # fmt: skip
        context = open_context(settings, clock=SimClock(now))
        try:
            ingest(context, "binanceusdm", [BTC], ["1h"], since=parse_ts("2024-03-01"))
            add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
            values = {"name": "paper", "mode": "paper", "symbols": [BTC],
                      "start": parse_ts("2024-03-09"), "end": parse_ts("2024-03-10T06:00"),
                      "participants": ["trend"]}  # fmt: skip
            season = seasons.create_season(context, values)
            report = seasons.run_season(context, season.id)
        finally:
            context.close()
    assert (report.status, report.ticks_done) == (SeasonStatus.FINISHED, 30)


def test_a_paper_season_without_a_network_fails_fast_with_one_line(
    loaded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        database_url=loaded, exchange_base_url="http://127.0.0.1:9", exchange_max_retries=0,
        exchange_timeout_s=2,
    )  # fmt: skip
    context = open_context(settings, clock=SimClock(parse_ts("2025-06-01")))
    try:
        values = {**season_values("offline", "2025-06-01", "2025-07-01"), "mode": "paper"}
        season = seasons.create_season(context, values)
        seasons.transition(context, season.id, SeasonEvent.START)
        started = time.monotonic()
        with pytest.raises(SourceUnavailableError, match="needs live data from binance") as error:
            seasons.run_season(context, season.id)
        assert time.monotonic() - started < 10
        assert "\n" not in str(error.value)
        assert SeasonStore(context.engine).get(season.id).message == str(error.value)
    finally:
        context.close()


def test_an_entry_trades_the_same_whoever_it_competes_with(loaded: str) -> None:
    """Recursive indicators depend on their seed bar: an entry gets the warm-up its own
    strategy needs, not the longest any rival needs."""
    context = open_context(settings_for(loaded))
    try:
        add_agent(context, "rsi", {"kind": "strategy", "strategy": "rsi_mean_reversion"})
        add_agent(context, "slow-ema", {"kind": "strategy", "strategy": "ema_trend",
                                        "params": {"fast": "50", "slow": "200"}})  # fmt: skip
        store = SeasonStore(context.engine)
        ledgers = []
        for rivals in ([], ["slow-ema"]):
            values = season_values("rivals", "2025-02-01", "2025-02-15",
                                   participants=["rsi", *rivals], baselines=False)  # fmt: skip
            season = seasons.create_season(context, values)
            seasons.run_season(context, season.id)
            rsi = next(e for e in store.entries(season.id) if e.name == "rsi")
            ledgers.append((store.fills(rsi.id), [r["equity"] for r in store.equity(rsi.id)]))
        assert ledgers[0][0], "the RSI agent should have traded in two weeks"
        assert ledgers[0] == ledgers[1]
    finally:
        context.close()
