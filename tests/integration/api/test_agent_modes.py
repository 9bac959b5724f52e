"""The competition modes through the real app: their prompts are listed and readable before
any agent uses them, an agent is registered in a mode by naming its prompt, and a prompt no
one stored is refused in one line that names the modes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from alpha_arena.agents.llm.prompts import MODES
from tests.integration.api.conftest import AUTH, assert_error

AGENTS = "/api/v1/agents"
PROMPTS = "/api/v1/prompts"
LLM = {"kind": "llm", "provider": "deepseek", "model": "deepseek-chat"}


def test_the_modes_prompts_are_listed_with_their_line(client: TestClient) -> None:
    listed = {p["name"]: p for p in client.get(PROMPTS).json()["items"]}
    for mode in MODES.values():
        assert mode.prompt in listed
        shown = client.get(f"{PROMPTS}/{mode.prompt}").json()
        assert shown["template"] == mode.template()
    aware = listed["situational_awareness"]["description"]
    assert aware == f"mode: {MODES['situational_awareness'].description}"


def test_an_agent_is_registered_in_a_mode_by_its_prompt(client: TestClient) -> None:
    for number, mode in enumerate(("situational_awareness", "max_leverage")):
        body = {"name": f"mode-api-{number}", "config": LLM | {"prompt": mode}}
        created = client.post(AGENTS, json=body, headers=AUTH)
        assert created.status_code == 201, created.text
        assert created.json()["config"]["prompt"] == mode
    unknown = client.post(AGENTS, json={"name": "mode-api-x", "config": LLM | {"prompt": "yolo"}},
                          headers=AUTH)  # fmt: skip
    message = assert_error(unknown, 400, "invalid_input", "prompt 'yolo' is not stored")
    assert "\n" not in message
    assert all(mode.prompt in message for mode in MODES.values())
