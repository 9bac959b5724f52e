"""What LLM entries really did, on both databases: every decision's outcome (valid, repaired,
invalid, missed deadline) counted apart on the leaderboard; calls cut off at the deadline
recorded and replayed from the cache as the same holds, asking no model; an unknown price shown
as unknown; two agents on their own endpoints with their own keys in one season."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
DEADLINE_S = 2.0
TICKS = 12


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


def llm_context(url: str, base_url: str | None) -> AppContext:
    settings = Settings(_env_file=None, database_url=url, llm_base_url=base_url,
                        llm_max_retries=0)  # fmt: skip
    return open_context(settings, clock=SimClock(parse_ts("2026-01-01")))


def season_values(name: str, participants: list[str]) -> dict[str, Any]:
    return {"name": name, "symbols": [BTC], "start": parse_ts("2024-06-01"),
            "end": parse_ts("2024-06-01T12:00"), "participants": participants,
            "decision_timeout_s": DEADLINE_S}  # fmt: skip


# -- outcomes, cut-off calls and their replay ------------------------------------------------

HOLD = json.dumps({"reasoning": "nothing to do", "decisions": [
    {"coin": "BTC", "signal": "hold", "justification": "scripted"}]})  # fmt: skip
BUY = json.dumps({"reasoning": "a scripted entry", "decisions": [
    {"coin": "BTC", "signal": "buy_to_enter", "quantity": 0.01, "leverage": 2,
     "profit_target": 1_000_000, "stop_loss": 1_000, "invalidation_condition": "none",
     "confidence": 0.7, "justification": "scripted"}]})  # fmt: skip


class ScriptedModel:
    """The audited agent's n-th decision is, by n % 5: a valid entry, a valid hold, a bad
    answer repaired, a bad answer twice (invalid), a model far slower than the deadline. The
    unpriced agent (a model missing from the price table) always holds."""

    def __init__(self) -> None:
        self._kinds: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, request: ReceivedRequest) -> FakeAnswer:
        messages = request.body["messages"]
        if request.body["model"] == "mystery-model":
            return FakeAnswer(HOLD)
        prompt = hashlib.sha256(messages[1]["content"].encode()).hexdigest()
        with self._lock:
            kind = self._kinds.setdefault(prompt, len(self._kinds) % 5)
        repair = len(messages) > 2
        thinking = f"thinking about decision {kind}"
        if kind == 0 or (kind == 2 and repair):
            return FakeAnswer(BUY if kind == 0 else HOLD, reasoning=thinking)
        if kind == 1:
            return FakeAnswer(HOLD, reasoning=thinking)
        if kind == 4:
            return FakeAnswer(HOLD, delay_s=60.0)  # cut off at the deadline
        return FakeAnswer("I would rather not say.")


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLlmServer]:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key-deepseek")
    with FakeLlmServer(api_key="test-key-deepseek") as server:
        server.respond_with(ScriptedModel())
        yield server


def decisions_of(store: SeasonStore, season_id: int, name: str) -> list[dict[str, Any]]:
    entry = next(e for e in store.entries(season_id) if e.name == name)
    return [
        {key: row[key] for key in ("tick", "ts", "actions", "reasoning", "outcome")}
        for row in store.decisions(entry.id)
    ]


def calls_of(store: SeasonStore, season_id: int, name: str) -> list[Any]:
    entry = next(e for e in store.entries(season_id) if e.name == name)
    return [call for _, call in store.llm_calls(entry.id)]


def test_a_season_with_missed_deadlines_counts_each_outcome_and_replays_without_a_request(
    loaded: str, scripted: FakeLlmServer
) -> None:
    context = llm_context(loaded, scripted.openai_base_url)
    try:
        add_agent(context, "audited", {"kind": "llm", "provider": "deepseek",
                                       "model": "deepseek-chat"})  # fmt: skip
        add_agent(context, "unpriced", {"kind": "llm", "provider": "deepseek",
                                        "model": "mystery-model"})  # fmt: skip
        values = season_values("audit", ["audited", "unpriced"])
        store = SeasonStore(context.engine)

        # The first run asks the model; it is stopped once after a cut-off and resumed, so the
        # resumed runner re-executes a cut-off tick from the cache (and verifies it).
        first = seasons.create_season(context, values)
        seasons.run_season(context, first.id, stop_after=7)
        seasons.run_season(context, first.id)
        asked = scripted.count
        original = decisions_of(store, first.id, "audited")
        assert len(original) == TICKS
        outcomes = Counter(DecisionOutcome(row["outcome"]) for row in original)
        assert outcomes == {
            DecisionOutcome.VALID: 6, DecisionOutcome.REPAIRED: 2,
            DecisionOutcome.INVALID: 2, DecisionOutcome.DEADLINE: 2,
        }  # fmt: skip
        held = [row for row in original if row["outcome"] == DecisionOutcome.DEADLINE]
        assert {row["reasoning"] for row in held} == {f"missed the {DEADLINE_S:g} s deadline: hold"}

        calls = calls_of(store, first.id, "audited")
        cut = [call for call in calls if (call.error or "").startswith("deadline")]
        assert len(cut) == 2 and all(c.raw_response is None and not c.cached for c in cut)
        assert all([m["role"] for m in c.messages] == ["system", "user"] for c in cut)
        assert all(c.latency_ms > 0 for c in cut)
        assert any(c.reasoning == "thinking about decision 0" for c in calls)

        board = {row.name: row for row in seasons.leaderboard(context, first.id).rows}
        audited = board["audited"]
        assert (audited.invalid_decisions, audited.repaired_answers, audited.missed_deadlines) == (
            2, 2, 2,
        )  # fmt: skip
        assert audited.llm_cost_usd is not None and audited.llm_cost_usd > 0
        assert board["unpriced"].llm_cost_usd is None  # never another model's price
        assert board["unpriced"].invalid_decisions == 0
        assert all(c.cost_usd is None for c in calls_of(store, first.id, "unpriced"))

        # An identical season replays from the cache: not one request, the same ledger, the
        # same decisions (missed deadlines included), the cut-off calls recorded again.
        again = seasons.create_season(context, values)
        seasons.run_season(context, again.id, stop_after=5)
        seasons.run_season(context, again.id)
        assert scripted.count == asked, "the replay asked the model"
        assert store.ledger_hash(again.id) == store.ledger_hash(first.id)
        assert decisions_of(store, again.id, "audited") == original
        replayed = calls_of(store, again.id, "audited")
        assert [c.error for c in replayed] == [c.error for c in calls]
        assert all(c.cached for c in replayed)
        assert [c.reasoning for c in replayed] == [c.reasoning for c in calls]
        board = {row.name: row for row in seasons.leaderboard(context, again.id).rows}
        assert (board["audited"].missed_deadlines, board["audited"].llm_cost_usd) == (2, 0.0)
    finally:
        context.close()


# -- two agents, two endpoints, two keys -------------------------------------------------------


def test_two_agents_on_their_own_endpoints_are_answered_by_their_own_with_their_own_keys(
    loaded: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARENA_TEST_LOCAL_KEY", "key-for-the-local-model")
    monkeypatch.setenv("ARENA_TEST_HOSTED_KEY", "key-for-the-hosted-model")
    with (
        FakeLlmServer(api_key="key-for-the-local-model") as local,
        FakeLlmServer(api_key="key-for-the-hosted-model") as hosted,
        FakeLlmServer() as shared,
    ):
        local.respond_with(lambda _: FakeAnswer(HOLD.replace("nothing to do", "local")))
        hosted.respond_with(lambda _: FakeAnswer(HOLD.replace("nothing to do", "hosted")))
        # ARENA_LLM_BASE_URL points elsewhere: an agent's own base URL comes first.
        context = llm_context(loaded, shared.openai_base_url)
        try:
            for name, server, key in (("local", local, "ARENA_TEST_LOCAL_KEY"),
                                      ("hosted", hosted, "ARENA_TEST_HOSTED_KEY")):  # fmt: skip
                add_agent(context, name, {
                    "kind": "llm", "provider": "vllm", "model": "qwen3-8b",
                    "base_url": server.openai_base_url, "api_key_env": key,
                })  # fmt: skip
            season = seasons.create_season(
                context, {**season_values("endpoints", ["local", "hosted"]), "baselines": False}
            )
            seasons.run_season(context, season.id)
            store = SeasonStore(context.engine)
            for name, server, key in (("local", local, "key-for-the-local-model"),
                                      ("hosted", hosted, "key-for-the-hosted-model")):  # fmt: skip
                assert server.count == TICKS  # same prompts, other endpoint: no shared answers
                assert {r.headers["authorization"] for r in server.received} == {f"Bearer {key}"}
                reasons = {row["reasoning"] for row in decisions_of(store, season.id, name)}
                assert reasons == {name}
            assert shared.count == 0
            board = {row.name: row for row in seasons.leaderboard(context, season.id).rows}
            assert "at 127.0.0.1:" in board["local"].description
        finally:
            context.close()
