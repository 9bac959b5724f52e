"""Remote agents over HTTP on both databases: the create response carries the signing secret
once and no other response does (the agent, the list, a patch); rotate-secret makes a new one;
the JSON Schemas are served as committed; a season with the example bot runs from the API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr

from alpha_arena.api.app import create_app
from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import parse_ts
from alpha_arena.services.context import AppContext, open_context
from tests.integration.api.conftest import AUTH, BTC, LOOPBACK, assert_error
from tests.support.remote_bot import example_bot

AGENTS = "/api/v1/agents"
SCHEMAS = Path(__file__).parents[3] / "docs" / "schemas"


@pytest.fixture
def keyed(market: AppContext) -> Iterator[TestClient]:
    """The app on ``market``'s database with a master key, running seasons itself."""
    settings = market.settings.model_copy(
        update={"secret_key": SecretStr(Fernet.generate_key().decode())}
    )
    context = open_context(settings, clock=SimClock(parse_ts("2026-06-01")))
    try:
        with TestClient(create_app(context=context, embedded_runner=True), client=LOOPBACK) as c:
            yield c
    finally:
        context.close()


def test_the_secret_is_in_the_create_response_only(keyed: TestClient) -> None:
    config = {"kind": "remote", "url": "https://bot.example.com/decide", "deadline_s": 10}
    created = keyed.post(AGENTS, json={"name": "api-bot", "config": config}, headers=AUTH)
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert secret.startswith("arsk_") and "secret" not in created.json()["config"]
    patched = keyed.patch(f"{AGENTS}/api-bot", json={"config": {**config, "deadline_s": 20}},
                          headers=AUTH)  # fmt: skip
    assert patched.status_code == 200, patched.text
    for response in (keyed.get(AGENTS), keyed.get(f"{AGENTS}/api-bot"), patched,
                     keyed.get(AGENTS, params={"kind": "remote"})):  # fmt: skip
        assert response.status_code == 200 and "api-bot" in response.text
        assert secret not in response.text and "arsk_" not in response.text
    browsed = keyed.get("/api/v1/system/database/tables/agent_secrets/rows", headers=AUTH)
    assert browsed.status_code == 200, browsed.text
    assert browsed.json()["items"] and "gAAAA" not in browsed.text  # no Fernet token either
    rotated = keyed.post(f"{AGENTS}/api-bot/rotate-secret", headers=AUTH)
    assert rotated.status_code == 200 and rotated.json()["secret"] not in (secret, None)
    strategy = {"kind": "strategy", "strategy": "ema_trend"}
    other = keyed.post(AGENTS, json={"name": "api-ema", "config": strategy}, headers=AUTH)
    assert other.status_code == 201 and "secret" not in other.json()
    assert_error(keyed.post(f"{AGENTS}/api-ema/rotate-secret", headers=AUTH), 400,
                 "invalid_input", "only remote agents sign")  # fmt: skip


def test_deleting_a_remote_agent_deletes_its_secret(keyed: TestClient) -> None:
    config = {"kind": "remote", "url": "https://bot.example.com/decide"}
    created = keyed.post(AGENTS, json={"name": "api-gone", "config": config}, headers=AUTH)
    assert created.status_code == 201, created.text
    agent_id = created.json()["id"]
    rows = "/api/v1/system/database/tables/agent_secrets/rows"
    before = keyed.get(rows, params={"limit": 1000}, headers=AUTH).json()["items"]
    assert agent_id in [row["agent_id"] for row in before]
    deleted = keyed.delete(f"{AGENTS}/api-gone", headers=AUTH)
    assert deleted.status_code == 200 and "secret" not in deleted.json()
    after = keyed.get(rows, params={"limit": 1000}, headers=AUTH).json()["items"]
    assert agent_id not in [row["agent_id"] for row in after]
    assert_error(keyed.post(f"{AGENTS}/api-gone/rotate-secret", headers=AUTH), 404, "not_found")


def test_an_endpoint_over_plain_http_to_another_host_is_a_400(keyed: TestClient) -> None:
    config = {"kind": "remote", "url": "http://bot.example.com/decide"}
    refused = keyed.post(AGENTS, json={"name": "api-plain", "config": config}, headers=AUTH)
    assert_error(refused, 400, "invalid_input", "loopback")


def test_the_schemas_are_served_as_committed(keyed: TestClient) -> None:
    served = keyed.get(f"{AGENTS}/remote/schema")
    assert served.status_code == 200
    body = served.json()
    assert body["request"] == json.loads((SCHEMAS / "remote-request.schema.json").read_text())
    assert body["decision"] == json.loads((SCHEMAS / "decision.schema.json").read_text())
    assert "HMAC-SHA256" in body["signature"]


def test_a_season_with_the_example_bot_runs_from_the_api(keyed: TestClient) -> None:
    with example_bot("not-yet") as (bot, url):
        config = {"kind": "remote", "url": url}
        created = keyed.post(AGENTS, json={"name": "api-ema-bot", "config": config}, headers=AUTH)
        bot.secret = created.json()["secret"]  # type: ignore[attr-defined]
        body = {"name": "api byo", "symbols": [BTC], "start": "2024-03-01", "end": "2024-03-02",
                "participants": ["api-ema-bot"]}  # fmt: skip
        season = keyed.post("/api/v1/seasons", json=body, headers=AUTH)
        assert season.status_code == 201, season.text
        season_id = season.json()["id"]
        assert keyed.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH).status_code == 200
        deadline = time.monotonic() + 60
        while keyed.get(f"/api/v1/seasons/{season_id}").json()["status"] != "finished":
            assert time.monotonic() < deadline, "the season did not finish"
            time.sleep(0.05)
        assert bot.requests == 24  # type: ignore[attr-defined]
        decisions = keyed.get(f"/api/v1/seasons/{season_id}/decisions",
                              params={"limit": 1000, "entry": "api-ema-bot"})  # fmt: skip
        assert decisions.status_code == 200, decisions.text
        assert bot.secret not in decisions.text  # type: ignore[attr-defined]
