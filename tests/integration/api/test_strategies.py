"""The strategy library through the real app: what `arena strategies list --json` shows."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from alpha_arena.strategies import registry

STRATEGIES = "/api/v1/strategies"


def test_the_list_is_the_library_as_the_cli_shows_it(client: TestClient) -> None:
    body = client.get(STRATEGIES).json()
    cli = json.loads(json.dumps([info.as_dict() for info in registry.describe()]))
    assert body["items"] == cli
    assert body["total"] == len(registry.names())
    assert [item["name"] for item in body["items"]] == registry.names()


def test_parameter_defaults_keep_their_types(client: TestClient) -> None:
    items = {item["name"]: item for item in client.get(STRATEGIES).json()["items"]}
    ema = {param["name"]: param for param in items["ema_trend"]["params"]}
    assert ema["fast"] == {"name": "fast", "type": "int", "default": 12}
    assert ema["allow_short"]["default"] is True  # a bool, not 1
    bands = {param["name"]: param for param in items["bollinger_range"]["params"]}
    assert bands["stddev"]["type"] == "float"
    assert isinstance(bands["stddev"]["default"], float)
    assert items["flat"]["params"] == []


def test_the_list_is_paginated(client: TestClient) -> None:
    second = client.get(STRATEGIES, params={"limit": 2, "offset": 2}).json()
    assert [item["name"] for item in second["items"]] == registry.names()[2:4]
    assert (second["total"], second["limit"], second["offset"]) == (len(registry.names()), 2, 2)
    refused = client.get(STRATEGIES, params={"limit": 0})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "validation_error"


def test_one_strategy(client: TestClient) -> None:
    response = client.get(f"{STRATEGIES}/ema_trend")
    assert response.status_code == 200
    listed = client.get(STRATEGIES).json()["items"]
    assert response.json() == next(item for item in listed if item["name"] == "ema_trend")
    assert response.json()["summary"] == "Follow the trend of two EMAs of the close."
    assert "EMA(fast)" in response.json()["rule"]


def test_an_unknown_strategy_is_404(client: TestClient) -> None:
    response = client.get(f"{STRATEGIES}/no_such_strategy")
    assert response.status_code == 404
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == "not_found"
    assert "no_such_strategy" in error["message"]
    assert "ema_trend" in error["message"]  # names what exists


def test_the_openapi_spec_shows_examples(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in (STRATEGIES, f"{STRATEGIES}/{{name}}"):
        assert spec["paths"][path]["get"]["summary"]
    properties = spec["components"]["schemas"]["StrategyOut"]["properties"]
    assert all("examples" in properties[field] for field in ("name", "summary", "rule"))
    assert "examples" in spec["components"]["schemas"]["ParamOut"]["properties"]["default"]
