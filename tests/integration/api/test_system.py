"""Health, metrics, system info, the unified error body and the security basics."""

from __future__ import annotations

from fastapi.testclient import TestClient

from alpha_arena import __version__
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import AUTH, read_only_client


def test_health_reaches_the_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}


def test_system_info_names_the_backend_and_the_runner(
    client: TestClient, market: AppContext
) -> None:
    body = client.get("/api/v1/system").json()
    assert body["database_backend"] == market.engine.dialect.name
    assert body["read_only"] is False
    assert body["runner"]["embedded"] is False
    assert body["schema_revision"]


def test_metrics_are_prometheus_text_and_count_requests(client: TestClient) -> None:
    client.get("/health")
    text = client.get("/metrics").text
    assert "# TYPE arena_http_requests_total counter" in text
    assert 'arena_http_requests_total{method="GET",route="/health",status="200"}' in text


def test_an_unknown_route_gets_the_unified_error_body(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_a_wrong_method_gets_405_in_the_unified_body(client: TestClient) -> None:
    response = client.delete("/health")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_reads_from_beyond_loopback_need_the_token(market: AppContext) -> None:
    from alpha_arena.api.app import create_app

    remote = TestClient(create_app(context=market, embedded_runner=False), client=("10.1.2.3", 5))
    with remote:
        refused = remote.get("/api/v1/system")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        assert remote.get("/api/v1/system", headers=AUTH).status_code == 200


def test_a_server_without_a_token_says_it_is_read_only(market: AppContext) -> None:
    with read_only_client(market) as reader:
        assert reader.get("/api/v1/system").json()["read_only"] is True
