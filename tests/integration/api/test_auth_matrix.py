"""Every write route, found in the app itself (a new route is covered without editing this
file): without a token 401, with a wrong token 401, on a server with no token configured 403,
and with the right token it gets past security (whatever its body then earns)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from alpha_arena.api.app import create_app
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import AUTH, LOOPBACK, read_only_client

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def operations() -> list[tuple[str, str]]:
    """Every (method, path) the app serves, from its own OpenAPI spec."""
    paths = create_app(embedded_runner=False).openapi()["paths"]
    return sorted((method.upper(), path) for path, item in paths.items() for method in item)


def write_routes() -> list[tuple[str, str]]:
    found = [(method, path) for method, path in operations() if method in WRITE_METHODS]
    assert len(found) >= 10, found  # agents, prompts, seasons and their moves, backtests, data
    return found


def concrete(path: str) -> str:
    """The path with every parameter filled in (security runs before any lookup)."""
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize(("method", "path"), write_routes())
def test_every_write_needs_the_right_token(
    client: TestClient, market: AppContext, method: str, path: str
) -> None:
    url = concrete(path)
    missing = client.request(method, url, json={})
    assert missing.status_code == 401, (method, path, missing.text)
    assert missing.json()["error"]["code"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = client.request(method, url, json={}, headers={"Authorization": "Bearer nope"})
    assert (
        wrong.status_code == 401 and wrong.json()["error"]["message"] == "the bearer token is wrong"
    )
    with read_only_client(market) as reader:
        refused = reader.request(method, url, json={}, headers=AUTH)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    allowed = client.request(method, url, json={}, headers=AUTH)
    assert allowed.status_code not in (401, 403), (method, path, allowed.text)
    assert "error" not in allowed.json() or allowed.json()["error"]["code"] not in (
        "unauthorized", "forbidden"
    )  # fmt: skip


def test_reads_need_no_token_on_loopback(client: TestClient) -> None:
    reads = [path for method, path in operations() if method == "GET" and "{" not in path]
    assert "/api/v1/seasons" in reads and "/api/v1/agents" in reads
    for path in ("/api/v1/seasons", "/api/v1/agents", "/api/v1/strategies", "/api/v1/system"):
        assert client.get(path).status_code == 200, path


def test_the_write_rate_limit_answers_429(market: AppContext) -> None:
    settings = market.settings.model_copy(update={"api_writes_per_minute": 3})
    with TestClient(create_app(settings, market, embedded_runner=False)) as limited:
        codes = [limited.post("/api/v1/seasons/1/start", headers=AUTH).status_code
                 for _ in range(5)]  # fmt: skip
        assert codes[3:] == [429, 429] and 429 not in codes[:3]
        response = limited.post("/api/v1/seasons/1/start", headers=AUTH)
        assert response.json()["error"]["code"] == "rate_limited"


def test_an_oversized_body_is_refused_with_413(client: TestClient) -> None:
    body = {"name": "x" * 2_000_000}
    response = client.post("/api/v1/agents", json=body, headers=AUTH)
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"


def test_cors_allows_only_the_configured_origins(market: AppContext) -> None:
    settings = market.settings.model_copy(update={"api_cors_origins": "http://dash.example"})
    with TestClient(create_app(settings, market, False), client=LOOPBACK) as cors:
        allowed = cors.get("/api/v1/seasons", headers={"Origin": "http://dash.example"})
        assert allowed.headers["access-control-allow-origin"] == "http://dash.example"
        other = cors.get("/api/v1/seasons", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_the_token_never_appears_in_a_response(client: TestClient) -> None:
    for path in ("/api/v1/system", "/metrics", "/api/v1/openapi.json", "/health"):
        assert AUTH["Authorization"].split()[1] not in client.get(path).text
