"""The LLM audit over HTTP on both databases: each decision says how it came about (valid,
repaired, invalid, missed deadline) and carries the model's reasoning channel; the leaderboard
counts the outcomes apart and shows an unknown cost as null; an agent's calls show their
reasoning; a provider error echoing part of a key reaches neither the store, nor the CLI, nor
the API."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from alpha_arena.cli.app import app as cli_app
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.llm_store import LlmCallStore
from tests.integration.api.conftest import AUTH, BTC
from tests.support.fake_llm import FakeAnswer, FakeLlmServer, ReceivedRequest

_names = itertools.count()
HOLD = json.dumps({"reasoning": "no edge", "decisions": [
    {"coin": "BTC", "signal": "hold", "justification": "flat funding"}]})  # fmt: skip
THINKING = "Funding is flat and RSI neutral: no edge."


def thinking_model(request: ReceivedRequest) -> FakeAnswer:
    """Answers with a thinking block; half the prompts (by hash) get a bad first answer that the
    repair request then fixes."""
    turns = request.body["messages"]
    bad_first = int(hashlib.sha256(turns[0]["content"].encode()).hexdigest(), 16) % 2 == 1
    if bad_first and len(turns) == 1:
        return FakeAnswer("Let me think about it.", reasoning="unsure")
    return FakeAnswer(HOLD, reasoning=THINKING)


@pytest.fixture
def anthropic_like(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLlmServer]:
    monkeypatch.setenv("ARENA_TEST_THINKING_KEY", "key-of-the-thinking-model")
    with FakeLlmServer(api_key="key-of-the-thinking-model") as server:
        server.respond_with(thinking_model)
        yield server


def wait_finished(client: TestClient, season_id: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if client.get(f"/api/v1/seasons/{season_id}").json()["status"] == "finished":
            return
        time.sleep(0.02)
    raise AssertionError(f"season {season_id} did not finish in 60 s")


def test_decisions_show_their_outcome_and_the_reasoning_channel(
    running_client: TestClient, market: AppContext, anthropic_like: FakeLlmServer
) -> None:
    name = f"thinker-{next(_names)}"
    add_agent(market, name, {
        "kind": "llm", "provider": "anthropic", "model": "claude-next-unpriced",
        "base_url": anthropic_like.anthropic_base_url, "api_key_env": "ARENA_TEST_THINKING_KEY",
    })  # fmt: skip
    body = {"name": f"thinking-{next(_names)}", "symbols": [BTC], "start": "2024-06-01",
            "end": "2024-06-01T06:00", "participants": [name], "baselines": False}  # fmt: skip
    season_id = running_client.post("/api/v1/seasons", json=body, headers=AUTH).json()["id"]
    running_client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH)
    wait_finished(running_client, season_id)

    decisions = running_client.get(f"/api/v1/seasons/{season_id}/decisions").json()["items"]
    assert len(decisions) == 6
    for decision in decisions:
        calls = decision["llm_calls"]
        assert decision["outcome"] == ("repaired" if len(calls) == 2 else "valid")
        assert calls[-1]["reasoning"] == THINKING and calls[-1]["cost_usd"] is None
    assert {d["outcome"] for d in decisions} == {"valid", "repaired"}

    [row] = running_client.get(f"/api/v1/seasons/{season_id}/leaderboard").json()["rows"]
    repaired = sum(d["outcome"] == "repaired" for d in decisions)
    assert (row["repaired_answers"], row["invalid_decisions"], row["missed_deadlines"]) == (
        repaired, 0, 0,
    )  # fmt: skip
    assert row["llm_cost_usd"] is None  # the model has no known price
    assert "invalid_outputs" not in row

    calls = running_client.get(f"/api/v1/agents/{name}/llm-calls").json()["items"]
    assert THINKING in {call["reasoning"] for call in calls}


def test_a_provider_error_echoing_the_key_is_redacted_in_the_store_the_cli_and_the_api(
    client: TestClient, market: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-test-SECRETxyz0123456789abcdef"
    monkeypatch.setenv("ARENA_TEST_ECHO_KEY", key)
    name = f"echo-{next(_names)}"
    with FakeLlmServer(api_key=key) as server:
        add_agent(market, name, {
            "kind": "llm", "provider": "deepseek", "model": "deepseek-chat",
            "base_url": server.openai_base_url, "api_key_env": "ARENA_TEST_ECHO_KEY",
        })  # fmt: skip
        outputs = []
        # A 400 is not retried; a 500 is, until the retries run out.
        for status, count, flag in ((400, 1, "--json"), (500, 10, "--show-prompt")):
            server.fail_next(status, count, message=f"Invalid API key {key[:18]}*** for model")
            result = CliRunner().invoke(cli_app, [
                "agent", "decide", name, "--at", "2024-06-02T12:00", "--symbols", BTC,
                "--llm-cache", "off", flag,
            ], env={"ARENA_DATABASE_URL": market.settings.database_url})  # fmt: skip
            assert result.exit_code == 0, result.output
            outputs.append(result.output)
        assert server.count >= 2
    agent = AgentStore(market.engine).get(name)
    stored = [call.error or "" for call in LlmCallStore(market.engine).calls(agent.id)]
    served = client.get(f"/api/v1/agents/{name}/llm-calls").json()["items"]
    assert {"400", "500"} <= {s for error in stored for s in ("400", "500") if s in error}
    for text in [*outputs, *stored, json.dumps(served)]:
        assert key[:8] not in text and "SECRET" not in text, text
