"""Agents and prompts through the real app: register, reconfigure, enable, the LLM audit
trail, prompt versions, the unified error body and who may write."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient

from alpha_arena.agents.llm.prompts import DEFAULT_PROMPT, default_template
from alpha_arena.domain.llm import LlmCall
from alpha_arena.services.context import AppContext
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.llm_store import LlmCallStore
from tests.integration.api.conftest import AUTH, assert_error, read_only_client

AGENTS = "/api/v1/agents"
PROMPTS = "/api/v1/prompts"
EMA = {"kind": "strategy", "strategy": "ema_trend", "params": {"fast": "5", "slow": "20"}}
LLM = {"kind": "llm", "provider": "deepseek", "model": "deepseek-chat"}
TEMPLATE = "You trade {{ coins | join(', ') }}.\n----- user -----\nIt is {{ now }}.\n"

_ids = itertools.count()


def unique(prefix: str) -> str:
    """A name no other test of the module (which shares the database) uses."""
    return f"{prefix}-{next(_ids)}"


def register(client: TestClient, config: dict[str, Any] | None = None) -> dict[str, Any]:
    name = unique("agent")
    response = client.post(AGENTS, json={"name": name, "config": config or EMA}, headers=AUTH)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class Reply(Protocol):
    """What the checks read of a test client's response (httpx or httpx2, as installed)."""

    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


# --- agents -------------------------------------------------------------------------------


def test_a_registered_agent_is_shown_and_listed(client: TestClient) -> None:
    created = register(client)
    assert created["kind"] == "strategy"
    assert created["enabled"] is True
    # The stored configuration is the validated one, defaults filled in.
    assert created["config"]["params"] == {"fast": "5", "slow": "20"}
    assert created["config"]["leverage"] == 1.0
    assert created["config"]["timeframe"] == "1h"
    assert client.get(f"{AGENTS}/{created['name']}").json() == created
    listed = client.get(AGENTS, params={"limit": 1000}).json()
    assert created in listed["items"]
    assert listed["total"] == len(listed["items"])


def test_the_list_filters_by_kind_and_enabled(client: TestClient) -> None:
    rule = register(client)
    model = register(client, LLM)
    client.post(f"{AGENTS}/{rule['name']}/disable", headers=AUTH)

    llms = client.get(AGENTS, params={"kind": "llm"}).json()["items"]
    assert model["name"] in [agent["name"] for agent in llms]
    assert {agent["kind"] for agent in llms} == {"llm"}

    disabled = client.get(AGENTS, params={"enabled": "false"}).json()["items"]
    assert rule["name"] in [agent["name"] for agent in disabled]
    assert model["name"] not in [agent["name"] for agent in disabled]
    assert {agent["enabled"] for agent in disabled} == {False}


def test_the_list_is_paginated(client: TestClient) -> None:
    for _ in range(3):
        register(client)
    everything = client.get(AGENTS).json()
    second = client.get(AGENTS, params={"limit": 1, "offset": 1}).json()
    assert second["total"] == everything["total"] >= 3
    assert (second["limit"], second["offset"]) == (1, 1)
    assert second["items"] == everything["items"][1:2]


def test_a_list_filter_of_an_unknown_kind_is_a_validation_error(client: TestClient) -> None:
    response = client.get(AGENTS, params={"kind": "wizard"})
    assert "kind" in assert_error(response, 422, "validation_error")


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"enabled": False}),
        ("POST", "/disable", None),
        ("POST", "/enable", None),
        ("GET", "/llm-calls", None),
    ],
)
def test_an_unknown_agent_is_404(
    client: TestClient, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    response = client.request(method, f"{AGENTS}/nobody-here{suffix}", json=body, headers=AUTH)
    assert "nobody-here" in assert_error(response, 404, "not_found")


def test_a_taken_name_is_409(client: TestClient) -> None:
    taken = register(client)
    response = client.post(AGENTS, json={"name": taken["name"], "config": LLM}, headers=AUTH)
    assert taken["name"] in assert_error(response, 409, "conflict")
    assert client.get(f"{AGENTS}/{taken['name']}").json()["kind"] == "strategy"


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ({"kind": "wizard"}, "does not match"),
        ({"kind": "strategy"}, "strategy.strategy: Field required"),
        ({"kind": "strategy", "strategy": "no_such_strategy"}, "unknown strategy"),
        ({**EMA, "params": {"fast": "30", "slow": "20"}}, "fast"),
        ({**EMA, "params": {"fast": 5}}, "params.fast"),
        ({**EMA, "leverage": 0}, "leverage"),
        ({**LLM, "provider": "nowhere"}, "unknown LLM provider"),
    ],
)
def test_a_bad_configuration_is_400_in_one_line(
    client: TestClient, config: dict[str, Any], says: str
) -> None:
    name = unique("bad")
    response = client.post(AGENTS, json={"name": name, "config": config}, headers=AUTH)
    message = assert_error(response, 400, "invalid_input")
    assert says in message
    assert "\n" not in message
    assert client.get(f"{AGENTS}/{name}").status_code == 404


def test_a_bad_name_is_400_and_a_malformed_body_422(client: TestClient) -> None:
    spaced = client.post(AGENTS, json={"name": "two words", "config": EMA}, headers=AUTH)
    assert "agent name" in assert_error(spaced, 400, "invalid_input")
    too_long = client.post(AGENTS, json={"name": "x" * 65, "config": EMA}, headers=AUTH)
    assert assert_error(too_long, 422, "validation_error").startswith("body.name")
    extra = {"name": unique("extra"), "config": EMA, "enabled": False}
    assert assert_error(client.post(AGENTS, json=extra, headers=AUTH), 422, "validation_error")
    no_config = client.post(AGENTS, json={"name": unique("bare")}, headers=AUTH)
    assert assert_error(no_config, 422, "validation_error").startswith("body.config")


def test_patch_replaces_the_configuration(client: TestClient) -> None:
    agent = register(client)
    new = {"kind": "strategy", "strategy": "momentum", "leverage": 3}
    response = client.patch(f"{AGENTS}/{agent['name']}", json={"config": new}, headers=AUTH)
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["config"]["strategy"] == "momentum"
    assert patched["config"]["leverage"] == 3.0
    assert patched["config"]["params"] == {}  # replaced, not merged
    assert (patched["id"], patched["kind"], patched["enabled"]) == (agent["id"], "strategy", True)
    assert client.get(f"{AGENTS}/{agent['name']}").json() == patched


def test_an_llm_agent_naming_no_stored_prompt_is_400_on_create_and_patch(
    client: TestClient,
) -> None:
    name = unique("agent")
    created = client.post(AGENTS, json={"name": name, "config": LLM | {"prompt": "nowhere"}},
                          headers=AUTH)  # fmt: skip
    assert "prompt 'nowhere' is not stored" in assert_error(created, 400, "invalid_input")
    assert client.get(f"{AGENTS}/{name}").status_code == 404
    agent = register(client, LLM)
    patched = client.patch(f"{AGENTS}/{agent['name']}", json={"config": LLM | {"prompt": "gone"}},
                           headers=AUTH)  # fmt: skip
    assert "prompt 'gone' is not stored" in assert_error(patched, 400, "invalid_input")
    assert client.get(f"{AGENTS}/{agent['name']}").json()["config"]["prompt"] == DEFAULT_PROMPT
    prompt = unique("prompt")
    assert client.post(PROMPTS, json={"name": prompt, "template": TEMPLATE},
                       headers=AUTH).status_code == 201  # fmt: skip
    moved = client.patch(f"{AGENTS}/{agent['name']}", json={"config": LLM | {"prompt": prompt}},
                         headers=AUTH)  # fmt: skip
    assert moved.status_code == 200 and moved.json()["config"]["prompt"] == prompt


def test_patch_without_a_kind_keeps_the_agents_kind(client: TestClient) -> None:
    agent = register(client, LLM)
    new = {"provider": "openai", "model": "gpt-4o-mini", "temperature": 0.5}
    response = client.patch(f"{AGENTS}/{agent['name']}", json={"config": new}, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["config"]["kind"] == "llm"
    assert response.json()["config"]["provider"] == "openai"
    assert response.json()["config"]["temperature"] == 0.5


def test_patch_may_not_change_the_kind(client: TestClient) -> None:
    agent = register(client)
    response = client.patch(
        f"{AGENTS}/{agent['name']}", json={"config": LLM, "enabled": False}, headers=AUTH
    )
    assert "cannot become llm" in assert_error(response, 409, "conflict")
    assert client.get(f"{AGENTS}/{agent['name']}").json() == agent  # nothing changed


def test_patch_with_a_bad_configuration_changes_nothing(client: TestClient) -> None:
    agent = register(client)
    bad = {**EMA, "params": {"fast": "zero"}}
    response = client.patch(
        f"{AGENTS}/{agent['name']}", json={"config": bad, "enabled": False}, headers=AUTH
    )
    assert "fast" in assert_error(response, 400, "invalid_input")
    assert client.get(f"{AGENTS}/{agent['name']}").json() == agent


def test_patch_needs_something_to_change(client: TestClient) -> None:
    agent = register(client)
    empty = client.patch(f"{AGENTS}/{agent['name']}", json={}, headers=AUTH)
    assert "nothing to change" in assert_error(empty, 400, "invalid_input")
    unknown = client.patch(f"{AGENTS}/{agent['name']}", json={"kind": "llm"}, headers=AUTH)
    assert_error(unknown, 422, "validation_error")


def test_patch_enables_and_disables(client: TestClient) -> None:
    agent = register(client)
    off = client.patch(f"{AGENTS}/{agent['name']}", json={"enabled": False}, headers=AUTH)
    assert off.json()["enabled"] is False
    assert off.json()["config"] == agent["config"]
    on = client.patch(f"{AGENTS}/{agent['name']}", json={"enabled": True}, headers=AUTH)
    assert on.json()["enabled"] is True


def test_disable_and_enable(client: TestClient, market: AppContext) -> None:
    agent = register(client)
    disabled = client.post(f"{AGENTS}/{agent['name']}/disable", headers=AUTH)
    assert disabled.status_code == 200
    assert disabled.json()["enabled"] is False
    assert AgentStore(market.engine).get(agent["name"]).enabled is False
    again = client.post(f"{AGENTS}/{agent['name']}/disable", headers=AUTH)
    assert again.json()["enabled"] is False  # idempotent
    enabled = client.post(f"{AGENTS}/{agent['name']}/enable", headers=AUTH)
    assert enabled.json()["enabled"] is True
    assert AgentStore(market.engine).get(agent["name"]).enabled is True


def _call(agent_id: int, ts: int, answer: str | None, error: str | None = None) -> LlmCall:
    return LlmCall(
        ts=ts, provider="deepseek", model="deepseek-chat", parameters={"temperature": 0.0},
        request_hash=f"hash-{agent_id}-{ts}", messages=[{"role": "user", "content": "trade?"}],
        raw_response=answer, parsed_decision=None if answer is None else {"decisions": []},
        error=error, input_tokens=100, output_tokens=20, latency_ms=250.0, cost_usd=0.001,
        agent_id=agent_id,
    )  # fmt: skip


def test_an_agents_llm_calls_newest_first(client: TestClient, market: AppContext) -> None:
    agent, other = register(client, LLM), register(client, LLM)
    store = LlmCallStore(market.engine)
    store.record(_call(agent["id"], 1_000, '{"decisions": []}'))
    store.record(_call(agent["id"], 2_000, None, error="timeout"))
    store.record(_call(other["id"], 3_000, '{"decisions": []}'))

    calls = client.get(f"{AGENTS}/{agent['name']}/llm-calls").json()
    assert calls["total"] == 2
    assert [call["ts"] for call in calls["items"]] == [2_000, 1_000]
    newest, oldest = calls["items"]
    assert (newest["error"], newest["raw_response"], newest["parsed_decision"]) == (
        "timeout", None, None,
    )  # fmt: skip
    assert oldest["parsed_decision"] == {"decisions": []}
    assert oldest["messages"] == [{"role": "user", "content": "trade?"}]
    assert (oldest["input_tokens"], oldest["cost_usd"], oldest["cached"]) == (100, 0.001, False)

    second = client.get(f"{AGENTS}/{agent['name']}/llm-calls", params={"limit": 1, "offset": 1})
    assert second.json()["total"] == 2
    assert [call["ts"] for call in second.json()["items"]] == [1_000]


def test_an_agent_without_calls_has_an_empty_trail(client: TestClient) -> None:
    agent = register(client)
    calls = client.get(f"{AGENTS}/{agent['name']}/llm-calls").json()
    assert (calls["items"], calls["total"]) == ([], 0)


def test_an_agent_that_never_competed_is_deleted(client: TestClient) -> None:
    agent = register(client)
    deleted = client.delete(f"{AGENTS}/{agent['name']}", headers=AUTH)
    assert deleted.status_code == 200 and deleted.json() == agent
    assert_error(client.get(f"{AGENTS}/{agent['name']}"), 404, "not_found")
    assert_error(client.delete(f"{AGENTS}/{agent['name']}", headers=AUTH), 404, "not_found",
                 f"no agent named {agent['name']!r}")  # fmt: skip
    assert agent["name"] not in [a["name"] for a in client.get(AGENTS, params={"limit": 1000})
                                 .json()["items"]]  # fmt: skip


def test_an_agent_that_competed_is_kept_and_the_refusal_says_disable_it(
    client: TestClient,
) -> None:
    agent = register(client)
    season = {"name": unique("season"), "symbols": ["BTC/USDT:USDT"], "start": "2024-03-01",
              "end": "2024-03-02", "participants": [agent["name"]]}  # fmt: skip
    assert client.post("/api/v1/seasons", json=season, headers=AUTH).status_code == 201
    refused = client.delete(f"{AGENTS}/{agent['name']}", headers=AUTH)
    message = assert_error(refused, 409, "conflict", "competed in 1 season", "disable it")
    assert f"POST /agents/{agent['name']}/disable" in message and "\n" not in message
    assert client.get(f"{AGENTS}/{agent['name']}").json() == agent


# --- prompts ------------------------------------------------------------------------------


def test_the_shipped_default_prompt_is_readable(client: TestClient) -> None:
    response = client.get(f"{PROMPTS}/{DEFAULT_PROMPT}")
    assert response.status_code == 200
    assert response.json()["template"] == default_template()
    listed = client.get(PROMPTS, params={"name": DEFAULT_PROMPT}).json()["items"]
    assert [p["version"] for p in listed] == [response.json()["version"]]  # stored once


def test_prompt_versions(client: TestClient) -> None:
    name = unique("prompt")
    first = client.post(PROMPTS, json={"name": name, "template": TEMPLATE}, headers=AUTH)
    assert first.status_code == 201, first.text
    assert (first.json()["version"], first.json()["template"]) == (1, TEMPLATE)
    changed = TEMPLATE + "Be brief.\n"
    second = client.post(
        PROMPTS, json={"name": name, "template": changed, "description": "brief"}, headers=AUTH
    )
    assert second.status_code == 201
    assert (second.json()["version"], second.json()["description"]) == (2, "brief")

    latest = client.get(f"{PROMPTS}/{name}").json()
    assert (latest["version"], latest["template"]) == (2, changed)
    assert client.get(f"{PROMPTS}/{name}/versions/1").json() == first.json()
    listed = client.get(PROMPTS, params={"name": name}).json()
    assert [p["version"] for p in listed["items"]] == [1, 2]
    assert listed["total"] == 2
    assert "template" not in listed["items"][0]  # the list stays light
    assert listed["items"][0]["sha256"] == first.json()["sha256"]


def test_an_unchanged_template_returns_its_version(client: TestClient) -> None:
    name = unique("prompt")
    client.post(PROMPTS, json={"name": name, "template": TEMPLATE}, headers=AUTH)
    client.post(PROMPTS, json={"name": name, "template": TEMPLATE + "v2"}, headers=AUTH)
    again = client.post(PROMPTS, json={"name": name, "template": TEMPLATE}, headers=AUTH)
    assert again.status_code == 200
    assert again.json()["version"] == 1
    assert client.get(f"{PROMPTS}/{name}").json()["version"] == 2


def test_unknown_prompts_and_versions_are_404(client: TestClient) -> None:
    name = unique("prompt")
    assert name in assert_error(client.get(f"{PROMPTS}/{name}"), 404, "not_found")
    client.post(PROMPTS, json={"name": name, "template": TEMPLATE}, headers=AUTH)
    missing = client.get(f"{PROMPTS}/{name}/versions/7")
    assert "version 7" in assert_error(missing, 404, "not_found")
    assert_error(client.get(f"{PROMPTS}/{name}/versions/0"), 422, "validation_error")


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("one part only {{ now }}", "separated by the line"),
        ("{% if %}\n----- user -----\nhi", "does not parse (system part, line 1)"),
        ("fine\n----- user -----\n{{ now | no_such_filter }}", "no_such_filter"),
        ("fine\n----- user -----\n{% for coin in coins %}", "does not parse (user part"),
        ("fine\n----- user -----\n{{ no_such_name }}", "'no_such_name' is undefined"),
        ("fine\n----- user -----\n{{ context.account.no_such_field }}", "no_such_field"),
        ("fine\n----- user -----\n  \n", "user part is empty"),
    ],
)
def test_a_template_that_would_not_render_is_400(
    client: TestClient, template: str, says: str
) -> None:
    name = unique("prompt")
    response = client.post(PROMPTS, json={"name": name, "template": template}, headers=AUTH)
    assert says in assert_error(response, 400, "invalid_input")
    assert client.get(f"{PROMPTS}/{name}").status_code == 404  # nothing stored


@pytest.mark.parametrize(
    "body",
    [
        {"name": "two words", "template": TEMPLATE},
        {"name": "x" * 65, "template": TEMPLATE},
        {"name": "ok", "template": ""},
        {"name": "ok", "template": TEMPLATE + "x" * 100_000},
        {"name": "ok", "template": TEMPLATE, "version": 3},
    ],
    ids=["spaced-name", "long-name", "empty", "long-template", "extra-field"],
)
def test_a_malformed_prompt_body_is_422(client: TestClient, body: dict[str, Any]) -> None:
    assert_error(client.post(PROMPTS, json=body, headers=AUTH), 422, "validation_error")


# --- who may write ------------------------------------------------------------------------

#: Every write route: (method, path, body) from a fresh agent's name.
WRITES: list[tuple[str, Callable[[str], str], dict[str, Any] | None]] = [
    ("POST", lambda _name: AGENTS, {"name": "never-stored", "config": EMA}),
    ("PATCH", lambda name: f"{AGENTS}/{name}", {"enabled": False}),
    ("POST", lambda name: f"{AGENTS}/{name}/disable", None),
    ("POST", lambda name: f"{AGENTS}/{name}/enable", None),
    ("POST", lambda _name: PROMPTS, {"name": "never-stored", "template": TEMPLATE}),
    ("DELETE", lambda name: f"{AGENTS}/{name}", None),
]
WRITE_IDS = ["create-agent", "patch-agent", "disable", "enable", "add-prompt", "delete-agent"]


def _unchanged(client: TestClient, agent: dict[str, Any]) -> None:
    """A refused write leaves no trace."""
    assert client.get(f"{AGENTS}/{agent['name']}").json() == agent
    assert client.get(f"{AGENTS}/never-stored").status_code == 404
    assert client.get(f"{PROMPTS}/never-stored").status_code == 404


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic czNjcmV0"}],
    ids=["no-token", "wrong-token", "not-bearer"],
)
def test_a_write_without_the_right_token_is_401(
    client: TestClient,
    method: str,
    path: Callable[[str], str],
    body: dict[str, Any] | None,
    headers: dict[str, str],
) -> None:
    agent = register(client)
    agent = client.post(f"{AGENTS}/{agent['name']}/disable", headers=AUTH).json()  # enable: a no-op
    response = client.request(method, path(agent["name"]), json=body, headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    _unchanged(client, agent)


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=WRITE_IDS)
def test_a_read_only_server_refuses_every_write(
    client: TestClient,
    market: AppContext,
    method: str,
    path: Callable[[str], str],
    body: dict[str, Any] | None,
) -> None:
    agent = client.post(f"{AGENTS}/{register(client)['name']}/disable", headers=AUTH).json()
    with read_only_client(market) as reader:
        response = reader.request(method, path(agent["name"]), json=body, headers=AUTH)
        assert "read-only" in assert_error(response, 403, "forbidden")
        assert reader.get(f"{AGENTS}/{agent['name']}").status_code == 200  # reads still work
    _unchanged(client, agent)


# --- the contract ---------------------------------------------------------------------------


def test_the_openapi_spec_documents_these_routes(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    ours = {
        path: item for path, item in spec["paths"].items() if path.startswith((AGENTS, PROMPTS))
    }
    # with GET /agents/{name}/report (routes/agent_report.py), GET /agents/remote/schema,
    # POST /agents/{name}/rotate-secret (remote agents) and POST /agents/{name}/decide
    # (routes/agent_decide.py)
    assert len(ours) == 12
    for path, item in ours.items():
        for method, operation in item.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            if method in ("post", "patch", "delete"):
                assert {"401", "403", "409"} <= set(operation["responses"]), f"{method} {path}"
    for model in ("AgentOut", "PromptOut", "AgentLlmCallOut"):
        properties = spec["components"]["schemas"][model]["properties"]
        assert all("examples" in field for field in properties.values()), model
    create = spec["components"]["schemas"]["AgentCreate"]
    assert create["additionalProperties"] is False
