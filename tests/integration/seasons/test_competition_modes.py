"""Competition modes in real replay seasons, on both databases: the same model entered under
each mode trades by its own pinned prompt; the situational-awareness entry is shown the
standings exactly as the leaderboard ranks them at that tick, the others are shown none; and
the season replays from the response cache to the same prompts and ledger."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from alpha_arena.agents.llm.prompts import competition_mode, default_template, render
from alpha_arena.agents.llm.prompts import sample_context as sample
from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.decisions import DecisionOutcome
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.fake_llm import FakeAnswer, FakeLlmServer, ReceivedRequest
from tests.support.sample import sample_subset

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]
TICKS = 12
SEASON_MAX_LEVERAGE = 4
#: Entry name -> mode; one model under each.
ENTRIES = {
    "mode-plain": "baseline",
    "mode-aware": "situational_awareness",
    "mode-lever": "max_leverage",
    "mode-careful": "capital_preservation",
}
BASELINES = ("btc-buy-and-hold", "equal-weight-hold")
STANDING = re.compile(
    r"^(\d+)\. (\S+?)( \(you\))?: return (-?\d+\.\d\d)%, account value (\d+\.\d\d)$"
)


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database URL per backend holding the BTC perpetual's bars and funding."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
        finally:
            context.close()
        yield url


def trader(request: ReceivedRequest) -> FakeAnswer:
    """One model, answering from its prompt alone: flat, it buys BTC, as much and at the
    leverage its mode's brief suggests (so that the entries' equities part); holding, it
    holds."""
    system, user = (message["content"] for message in request.body["messages"][:2])
    if "open positions: none" not in user:
        return FakeAnswer(json.dumps({"reasoning": "hold", "decisions": [
            {"coin": "BTC", "signal": "hold", "justification": "in"}]}))  # fmt: skip
    quantity, leverage = 0.1, 2
    if "Competition mode: max leverage." in system:
        quantity, leverage = 0.3, SEASON_MAX_LEVERAGE
    elif "Competition mode: capital preservation." in system:
        quantity = 0.02
    elif "Competition mode: situational awareness." in system:
        quantity = 0.15
    decision = {"coin": "BTC", "signal": "buy_to_enter", "quantity": quantity,
                "leverage": leverage, "profit_target": 1_000_000, "stop_loss": 1_000,
                "invalidation_condition": "none", "confidence": 0.7,
                "justification": "go"}  # fmt: skip
    return FakeAnswer(json.dumps({"reasoning": "enter", "decisions": [decision]}))


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLlmServer]:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key-deepseek")
    with FakeLlmServer(api_key="test-key-deepseek") as server:
        server.respond_with(trader)
        yield server


def llm_context(url: str, base_url: str) -> AppContext:
    settings = Settings(_env_file=None, database_url=url, llm_base_url=base_url,
                        llm_max_retries=0)  # fmt: skip
    return open_context(settings, clock=SimClock(parse_ts("2026-01-01")))


def prompts_of(store: SeasonStore, season_id: int, name: str) -> dict[int, tuple[str, str]]:
    """Each tick's (system, user) prompt of entry ``name``."""
    entry = next(e for e in store.entries(season_id) if e.name == name)
    return {
        tick: (call.messages[0]["content"], call.messages[1]["content"])
        for tick, call in store.llm_calls(entry.id)
    }


def standings_in(user: str) -> list[tuple[int, str, bool, str, str]]:
    _, heading, section = user.partition("=== Standings (ranked by account value) ===\n")
    assert heading, "no standings in the prompt"
    rows = []
    for line in section.splitlines():
        match = STANDING.match(line)
        assert match, line
        rank, name, own, return_pct, value = match.groups()
        rows.append((int(rank), name, own is not None, return_pct, value))
    return rows


def test_the_same_model_under_each_mode_trades_by_its_own_prompt_and_replays_exactly(
    loaded: str, model: FakeLlmServer
) -> None:
    context = llm_context(loaded, model.openai_base_url)
    store = SeasonStore(context.engine)
    try:
        for name, mode in ENTRIES.items():
            add_agent(context, name, {"kind": "llm", "provider": "deepseek",
                                      "model": "deepseek-chat",
                                      "prompt": competition_mode(mode).prompt})  # fmt: skip
        values: dict[str, Any] = {
            "name": "modes", "symbols": [BTC], "start": parse_ts("2024-06-01"),
            "end": parse_ts("2024-06-01T12:00"), "participants": list(ENTRIES),
            "risk": {"max_leverage": SEASON_MAX_LEVERAGE},
        }  # fmt: skip
        season = seasons.create_season(context, values)
        pinned = {e.name: e.config["pinned"] for e in store.entries(season.id) if e.agent_id}
        assert {name: p["prompt_version"] for name, p in pinned.items()} == dict.fromkeys(
            ENTRIES, 1
        )

        # The leaderboard at a tick against what the aware entry was shown at it.
        middle = 7
        seasons.run_season(context, season.id, stop_after=middle + 1)
        board = seasons.leaderboard(context, season.id).rows
        assert len(board) == len(ENTRIES) + len(BASELINES)
        shown = standings_in(prompts_of(store, season.id, "mode-aware")[middle][1])
        assert shown == [
            (row.rank, row.name, row.name == "mode-aware", f"{row.return_pct:.2f}",
             f"{row.account_value:.2f}")
            for row in board
        ]  # fmt: skip
        rival = next(row for row in board if row.name == "mode-plain")
        assert f"{rival.return_pct:.2f}" not in ("0.00", "-0.00")  # a return that moved
        assert len({row.account_value for row in board if not row.baseline}) == len(ENTRIES)

        seasons.run_season(context, season.id)
        asked = model.count
        assert asked == TICKS * len(ENTRIES)
        prompts = {name: prompts_of(store, season.id, name) for name in ENTRIES}
        for name in ENTRIES:
            entry = next(e for e in store.entries(season.id) if e.name == name)
            outcomes = {row["outcome"] for row in store.decisions(entry.id)}
            assert outcomes == {DecisionOutcome.VALID.value}
            assert sorted(prompts[name]) == list(range(TICKS))
            assert store.counts(entry.id)["fills"] == 1  # entered once, then held

        shows_standings_to_the_aware_entry_only(prompts)
        differs_by_the_mode_text_alone(prompts)

        # A replay: the same prompts, answered from the cache, the same ledger.
        again = seasons.create_season(context, {**values, "name": "modes again"})
        seasons.run_season(context, again.id)
        assert model.count == asked, "the replay asked the model"
        assert store.ledger_hash(again.id) == store.ledger_hash(season.id)
        for name in ENTRIES:
            assert prompts_of(store, again.id, name) == prompts[name]
    finally:
        context.close()


def shows_standings_to_the_aware_entry_only(prompts: dict[str, dict[int, tuple[str, str]]]) -> None:
    """Every tick: the aware entry sees every entry ranked, itself marked; no other does."""
    for tick in range(TICKS):
        rows = standings_in(prompts["mode-aware"][tick][1])
        assert sorted(name for _, name, _, _, _ in rows) == sorted([*ENTRIES, *BASELINES])
        assert [name for _, name, own, _, _ in rows if own] == ["mode-aware"]
        for name in ("mode-plain", "mode-lever", "mode-careful"):
            system, user = prompts[name][tick]
            assert "Standings" not in user
            assert not any(other in system + user for other in [*ENTRIES, *BASELINES])


def differs_by_the_mode_text_alone(prompts: dict[str, dict[int, tuple[str, str]]]) -> None:
    """At the first tick every account is flat and equal: the prompts differ by the mode text
    alone (the system part's brief, and the aware entry's standings)."""
    plain_system, plain_user = prompts["mode-plain"][0]
    fee = float(re.findall(r"Fees are ([0-9.]+)%", plain_system)[0]) / 100
    shipped = render(default_template(), sample(), fee_rate=fee, max_leverage=10.0)
    assert plain_system == shipped.system
    for name in ("mode-aware", "mode-lever", "mode-careful"):
        system, user = prompts[name][0]
        head = system.partition("\n\nRules:\n")[0]
        brief = head.removeprefix(plain_system.partition("\n\nRules:\n")[0]).strip()
        assert brief.startswith("Competition mode: ")
        assert system == plain_system.replace("\n\nRules:\n", f"\n\n{brief}\n\nRules:\n", 1)
        assert user.startswith(plain_user)
        assert (user != plain_user) == (name == "mode-aware")
    lever_system = prompts["mode-lever"][0][0]
    assert f"the highest leverage allowed here, {SEASON_MAX_LEVERAGE}x" in lever_system
    assert "at most 3x" in prompts["mode-careful"][0][0]
