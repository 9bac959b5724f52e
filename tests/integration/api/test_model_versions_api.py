"""Model versions through the API, on both databases: a provider that silently updates a model
mid-season (the same model asked for, a new snapshot named in the answers) adds a second version
in the registry, the leaderboard names both (its stored copy refreshed as the season moves on),
and a replay from the response cache links its calls to the same versions."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from alpha_arena.core.time import parse_ts, to_iso
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_store import SeasonStore
from tests.integration.api.conftest import BTC, assert_error
from tests.support.fake_llm import FakeAnswer, FakeLlmServer

_names = itertools.count()
HOLD = json.dumps({"reasoning": "no edge", "decisions": [
    {"coin": "BTC", "signal": "hold", "justification": "flat funding"}]})  # fmt: skip
AUGUST, NOVEMBER = "gpt-4o-2024-08-06", "gpt-4o-2024-11-20"


@pytest.fixture
def openai_like(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLlmServer]:
    monkeypatch.setenv("ARENA_TEST_OPENAI_KEY", "key-of-the-versioned-model")
    with FakeLlmServer(api_key="key-of-the-versioned-model") as server:
        server.respond_with(lambda _: FakeAnswer(HOLD))
        server.served_model = AUGUST
        yield server


def leaderboard_row(client: TestClient, season_id: int) -> dict[str, object]:
    [row] = client.get(f"/api/v1/seasons/{season_id}/leaderboard").json()["rows"]
    return dict(row)


def test_a_silent_model_update_is_a_second_version_named_by_the_leaderboard_and_the_replay(
    client: TestClient, market: AppContext, openai_like: FakeLlmServer
) -> None:
    name = f"versioned-{next(_names)}"
    add_agent(market, name, {
        "kind": "llm", "provider": "openai", "model": "gpt-4o",
        "base_url": openai_like.openai_base_url, "api_key_env": "ARENA_TEST_OPENAI_KEY",
    })  # fmt: skip
    values = {"name": f"updated-{next(_names)}", "symbols": [BTC],
              "start": parse_ts("2024-06-01"), "end": parse_ts("2024-06-01T06:00"),
              "participants": [name], "baselines": False}  # fmt: skip
    first = seasons.create_season(market, values)
    seasons.run_season(market, first.id, stop_after=3)
    row = leaderboard_row(client, first.id)
    assert (row["model_version"], row["model_versions"]) == (AUGUST, [AUGUST])

    openai_like.served_model = NOVEMBER  # the provider updates gpt-4o under the same name
    seasons.run_season(market, first.id)
    asked = openai_like.count
    assert asked == 6
    row = leaderboard_row(client, first.id)  # the stored board of 3 ticks is not served again
    assert (row["model_version"], row["model_versions"]) == (NOVEMBER, [NOVEMBER, AUGUST])

    store = SeasonStore(market.engine)
    calls = [call for _, call in store.llm_calls(store.entries(first.id)[0].id)]
    assert [call.version.label if call.version else None for call in calls] == (
        [AUGUST] * 3 + [NOVEMBER] * 3
    )
    # Each call says which version answered it, in the decisions and in the agent's trail.
    decisions = client.get(f"/api/v1/seasons/{first.id}/decisions?oldest_first=true").json()
    assert [d["llm_calls"][0]["model_version"] for d in decisions["items"]] == (
        [AUGUST] * 3 + [NOVEMBER] * 3
    )
    trail = client.get(f"/api/v1/agents/{name}/llm-calls").json()["items"]  # newest first
    assert [call["model_version"] for call in trail] == [NOVEMBER] * 3 + [AUGUST] * 3
    url = f"/api/v1/models/versions?agent={name}"
    versions = client.get(url).json()["items"]
    assert [
        (v["provider"], v["model"], v["version"], v["first_seen"], v["calls"]) for v in versions
    ] == [
        ("openai", "gpt-4o", NOVEMBER, to_iso(calls[3].ts), 3),
        ("openai", "gpt-4o", AUGUST, to_iso(calls[0].ts), 3),
    ]
    # The price in effect: the provider table's gpt-4o, USD 2.50 in and 10.00 out per M tokens.
    assert {(v["input_usd_per_mtok"], v["output_usd_per_mtok"]) for v in versions} == {(2.5, 10.0)}

    # The same season again replays every answer from the cache: no request, the same versions.
    again = seasons.create_season(market, {**values, "name": f"replayed-{next(_names)}"})
    seasons.run_season(market, again.id)
    assert openai_like.count == asked
    row = leaderboard_row(client, again.id)
    assert (row["model_version"], row["model_versions"]) == (NOVEMBER, [NOVEMBER, AUGUST])
    replayed = client.get(url).json()["items"]
    assert [(v["id"], v["version"], v["calls"]) for v in replayed] == [
        (versions[0]["id"], NOVEMBER, 6), (versions[1]["id"], AUGUST, 6),
    ]  # fmt: skip

    everything = client.get("/api/v1/models/versions").json()
    assert {v["version"] for v in everything["items"]} >= {AUGUST, NOVEMBER}
    assert everything["total"] == len(everything["items"])


def test_the_versions_of_an_unknown_agent_are_a_one_line_404(client: TestClient) -> None:
    response = client.get("/api/v1/models/versions?agent=nobody-at-all")
    assert_error(response, 404, "not_found", "no agent named 'nobody-at-all'")


def test_a_strategy_entry_names_no_model_version(client: TestClient, market: AppContext) -> None:
    name = f"rules-{next(_names)}"
    add_agent(market, name, {"kind": "strategy", "strategy": "ema_trend"})
    values = {"name": f"rules-{next(_names)}", "symbols": [BTC],
              "start": parse_ts("2024-06-01"), "end": parse_ts("2024-06-01T03:00"),
              "participants": [name], "baselines": False}  # fmt: skip
    season = seasons.create_season(market, values)
    seasons.run_season(market, season.id)
    row = leaderboard_row(client, season.id)
    assert (row["model_version"], row["model_versions"]) == (None, [])
