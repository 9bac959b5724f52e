"""What the system page reads: the version and database without a password, the runner, and
the last failures the server saw (a real failed request, redacted, newest first)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from alpha_arena import __version__
from alpha_arena.api.app import create_app
from alpha_arena.api.recent_errors import RecentErrors, record_error
from alpha_arena.api.state import ApiState
from alpha_arena.services.context import AppContext, open_context
from tests.integration.api.conftest import LOOPBACK, TEST_HOST, TOKEN, with_token
from tests.support.databases import BACKENDS, empty_database, settings_for

ERRORS = "/api/v1/system/errors"


@pytest.fixture(params=BACKENDS)
def broken(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """A server whose database lost its ``ingestion_runs`` table: reading it fails for real."""
    with empty_database(request.param, tmp_path_factory.mktemp("broken")) as url:
        settings = with_token(settings_for(url)).model_copy(update={"api_allowed_hosts": TEST_HOST})
        context = open_context(settings)
        try:
            with context.engine.begin() as connection:
                connection.execute(text("DROP TABLE ingestion_runs"))
            app = create_app(context=context, embedded_runner=False)
            # the failure must reach the app's handler, not the test
            with TestClient(app, client=LOOPBACK, raise_server_exceptions=False) as client:
                yield client
        finally:
            context.close()


def state_of(client: TestClient) -> ApiState:
    state: ApiState = client.app.state.arena  # type: ignore[attr-defined]
    return state


def test_system_info_names_the_database_kind_and_revision_never_its_url(
    client: TestClient, market: AppContext
) -> None:
    response = client.get("/api/v1/system")
    body = response.json()
    assert body["version"] == __version__
    assert body["database_backend"] == market.engine.dialect.name
    assert body["schema_revision"]
    assert set(body) == {
        "version", "database_backend", "schema_revision", "uptime_s", "read_only", "runner",
        "workers",
    }  # fmt: skip
    assert body["workers"] is None  # no broker: everything runs in the server
    url = market.settings.database_url
    assert url not in response.text and TOKEN not in response.text


def test_the_runner_status_lists_running_seasons(client: TestClient) -> None:
    body = client.get("/api/v1/system/runner").json()
    assert body == {"embedded": False, "active_seasons": [], "running_seasons": []}


def test_no_errors_on_a_fresh_server(client: TestClient) -> None:
    assert client.get(ERRORS).json() == {"total": 0, "kept": 200, "items": []}


def test_a_failed_request_is_kept_with_its_first_line(broken: TestClient) -> None:
    failed = broken.get("/api/v1/data/ingestion-runs")
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] in {"internal", "database_error"}
    body = broken.get(ERRORS).json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["kind"] == "http_500"
    assert item["where"] == "GET /api/v1/data/ingestion-runs"
    assert "ingestion_runs" in item["message"]
    assert "\n" not in item["message"] and "[SQL:" not in item["message"]
    assert item["error_type"] and item["season_id"] is None
    assert item["time"].startswith("20")


def test_errors_are_newest_first_and_limited(broken: TestClient) -> None:
    for _ in range(3):
        broken.get("/api/v1/data/ingestion-runs")
    record_error(state_of(broken), "runner", RuntimeError("the newest"), season_id=7)
    body = broken.get(ERRORS, params={"limit": 2}).json()
    assert body["total"] == 4
    assert body["items"][0]["message"] == "the newest"
    assert body["items"][0]["season_id"] == 7 and body["items"][0]["kind"] == "runner"
    assert len(body["items"]) == 2


def test_keys_and_the_api_token_are_redacted(client: TestClient) -> None:
    state = state_of(client)
    record_error(state, "runner", RuntimeError("Incorrect API key provided: sk-test-ABCDEF123456"))
    record_error(state, "runner", RuntimeError(f"refused {TOKEN} at the gate"))
    response = client.get(ERRORS)
    assert "sk-test-ABCDEF" not in response.text and TOKEN not in response.text
    assert [item["message"] for item in response.json()["items"]] == [
        "refused *** at the gate",
        "Incorrect API key provided: ***",
    ]


def test_the_ring_keeps_only_the_newest() -> None:
    ring = RecentErrors(size=3)
    for number in range(5):
        ring.record("http_500", ValueError(f"failure {number}"))
    assert ring.total == 5 and ring.size == 3
    assert [item.message for item in ring.newest(10)] == ["failure 4", "failure 3", "failure 2"]


def test_a_bad_limit_is_refused(client: TestClient) -> None:
    assert client.get(ERRORS, params={"limit": 0}).status_code == 422
    assert client.get(ERRORS, params={"limit": 201}).status_code == 422
