"""Seasons with cross margin and hedge mode on both databases: the options are kept in the stored
configuration, a model holds a long and a short of BTC at once, the season's positions table
keeps both sides, and a season stopped (or killed with SIGKILL) and resumed by a new runner ends
with the ledger of one run straight through."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.fills import Fill
from alpha_arena.domain.orders import Side
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_store import SeasonStore
from alpha_arena.storage.tables import SeasonPositionRow
from tests.support.databases import BACKENDS, empty_database
from tests.support.fake_llm import FakeAnswer, FakeLlmServer, ReceivedRequest
from tests.support.sample import sample_subset
from tests.support.season_ledgers import season_row, wait_for_ticks

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FILES = [
    f"binance_usdm_{coin}USDT_{kind}.csv.gz"
    for coin in ("BTC", "ETH")
    for kind in ("1h", "funding_8h")
]
WINDOW = ("2024-06-01", "2024-06-03")  # 48 ticks
ARENA = str(Path(sys.executable).with_name("arena"))


def hedging_trader(request: ReceivedRequest) -> FakeAnswer:
    """A deterministic model that buys BTC, sells BTC or holds, by the prompt's hash; its exits
    are far away, so what it opens stays open (in hedge mode, a long and a short at once)."""
    prompt = json.dumps(request.body["messages"], sort_keys=True)
    choice = int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 3
    decision = [
        {"coin": "BTC", "signal": "buy_to_enter", "quantity": 0.01, "leverage": 2,
         "profit_target": 1_000_000, "stop_loss": 1_000, "invalidation_condition": "BTC < 1k",
         "confidence": 0.7, "justification": "long"},
        {"coin": "BTC", "signal": "sell_to_enter", "quantity": 0.01, "leverage": 2,
         "profit_target": 1_000, "stop_loss": 1_000_000, "invalidation_condition": "BTC > 1m",
         "confidence": 0.7, "justification": "short"},
        {"coin": "BTC", "signal": "hold", "justification": "wait"},
    ][choice]  # fmt: skip
    return FakeAnswer(json.dumps({"reasoning": f"choice {choice}", "decisions": [decision]}))


@pytest.fixture(scope="module")
def model() -> Iterator[FakeLlmServer]:
    with FakeLlmServer(api_key="test-key") as server:
        server.respond_with(hedging_trader)
        yield server


@pytest.fixture(scope="module", params=BACKENDS)
def context(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    model: FakeLlmServer,
) -> Iterator[AppContext]:
    """A database per backend with BTC and ETH bars and funding, a model agent and a strategy."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEEPSEEK_API_KEY", "test-key")
        with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
            settings = Settings(
                database_url=url, llm_base_url=model.openai_base_url, llm_max_retries=0
            )
            opened = open_context(settings, clock=SimClock(parse_ts("2026-01-01")))
            try:
                load_sample(opened, sample_subset(Path(tmp_path_factory.mktemp("s")), FILES))
                add_agent(opened, "hedger", {"kind": "llm", "provider": "deepseek",
                                             "model": "deepseek-chat"})  # fmt: skip
                add_agent(opened, "trend", {"kind": "strategy", "strategy": "ema_trend"})
                yield opened
            finally:
                opened.close()


def values(name: str, window: tuple[str, str] = WINDOW, **modes: str) -> dict[str, object]:
    return {"name": name, "symbols": [BTC, ETH], "start": parse_ts(window[0]),
            "end": parse_ts(window[1]), "participants": ["hedger", "trend"], **modes}  # fmt: skip


def open_sides(fills: list[Fill]) -> tuple[dict[str, float], bool]:
    """What each side of BTC holds after ``fills`` (read in hedge mode: an entry opens the side
    it trades, anything else closes the other), and whether both were ever open at once."""
    held = {"long": 0.0, "short": 0.0}
    both = False
    for fill in fills:
        if fill.symbol != BTC:
            continue
        opens = fill.tag == "entry"
        side = ("long" if fill.side is Side.BUY else "short") if opens else (
            "short" if fill.side is Side.BUY else "long"
        )  # fmt: skip
        held[side] += fill.quantity if opens else -fill.quantity
        both = both or (held["long"] > 1e-12 and held["short"] > 1e-12)
    return held, both


def test_a_cross_margin_hedged_season_holds_both_sides_and_resumes_to_the_same_ledger(
    context: AppContext,
) -> None:
    hedged = {"margin_mode": "cross", "position_mode": "long_short"}
    reference = seasons.create_season(context, values("hedged", **hedged))
    assert (reference.config["margin_mode"], reference.config["position_mode"]) == (
        "cross", "long_short",
    )  # fmt: skip
    seasons.run_season(context, reference.id)
    store = SeasonStore(context.engine)
    hedger = next(e for e in store.entries(reference.id) if e.name == "hedger")
    held, both = open_sides(store.fills(hedger.id))
    assert both, "the scripted model should have held a long and a short of BTC at once"

    # The positions table keeps each open side as its own row.
    with context.engine.connect() as connection:
        rows = connection.execute(
            select(SeasonPositionRow.side, SeasonPositionRow.quantity)
            .where(SeasonPositionRow.entry_id == hedger.id, SeasonPositionRow.symbol == BTC)
            .order_by(SeasonPositionRow.side)
        ).all()
    expected = [(side, q if side == "long" else -q) for side, q in held.items() if q > 1e-12]
    assert [(row.side, row.quantity) for row in rows] == [
        (side, pytest.approx(quantity)) for side, quantity in expected
    ]
    assert {p.symbol for _, p in store.positions(hedger.id)} >= {BTC}

    # Stopped after 20 ticks, then resumed by a new runner: the same ledger.
    again = seasons.create_season(context, values("hedged-again", **hedged))
    seasons.run_season(context, again.id, stop_after=20)
    assert store.get(again.id).ticks_done == 20
    seasons.run_season(context, again.id)
    assert store.ledger_hash(again.id) == store.ledger_hash(reference.id)

    # The default account (isolated, net) refuses the second side: another ledger.
    plain = seasons.create_season(context, values("plain"))
    assert (plain.config["margin_mode"], plain.config["position_mode"]) == ("isolated", "net")
    seasons.run_season(context, plain.id)
    plain_hedger = next(e for e in store.entries(plain.id) if e.name == "hedger")
    assert not open_sides(store.fills(plain_hedger.id))[1]
    assert store.ledger_hash(plain.id) != store.ledger_hash(reference.id)


def test_an_unknown_mode_is_one_line_and_stores_nothing(context: AppContext) -> None:
    before = len(SeasonStore(context.engine).all())
    with pytest.raises(InvalidInputError, match=r"^season margin_mode: Input should be"):
        seasons.create_season(context, values("bad", margin_mode="portfolio"))
    with pytest.raises(InvalidInputError, match=r"^season position_mode: Input should be"):
        seasons.create_season(context, values("bad", position_mode="hedge"))
    assert len(SeasonStore(context.engine).all()) == before


def test_a_hedged_season_killed_mid_run_resumes_to_the_ledger_of_a_straight_run(
    context: AppContext, model: FakeLlmServer
) -> None:
    """kill -9 of ``arena season run`` (the model slowed so that the kill lands mid-season);
    the next run re-executes the stored ticks from the response cache with the stored modes and
    finishes; a season of the same configuration run straight through has the same ledger."""
    window = ("2024-06-05", "2024-06-07")  # prompts of their own: not in the cache yet
    hedged = {"margin_mode": "cross", "position_mode": "long_short"}
    season = seasons.create_season(context, values("killed", window, **hedged))
    url = context.settings.database_url
    env = {**os.environ, "ARENA_DATABASE_URL": url, "DEEPSEEK_API_KEY": "test-key",
           "ARENA_LLM_BASE_URL": model.openai_base_url, "ARENA_LLM_MAX_RETRIES": "0"}  # fmt: skip
    model.respond_with(lambda request: dataclasses.replace(hedging_trader(request), delay_s=0.1))
    try:
        runner = subprocess.Popen(
            [ARENA, "season", "run", str(season.id)], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        wait_for_ticks(url, season.id, 8, runner)
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=30)
    finally:
        model.respond_with(hedging_trader)
    killed_at = season_row(url, season.id)[1]
    assert 8 <= killed_at < 48, "the kill came too late to interrupt the season"

    resumed = subprocess.run(
        [ARENA, "season", "run", str(season.id), "--json"], check=False, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert (report["status"], report["ticks_done"]) == ("finished", 48)
    straight = seasons.create_season(context, values("straight", window, **hedged))
    seasons.run_season(context, straight.id)
    store = SeasonStore(context.engine)
    assert store.ledger_hash(season.id) == store.ledger_hash(straight.id)
    hedger = next(e for e in store.entries(season.id) if e.name == "hedger")
    assert open_sides(store.fills(hedger.id))[1], "both sides should have been held"
