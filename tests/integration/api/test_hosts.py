"""The names the server answers to (DNS rebinding) and the pages that may open its WebSocket:
a Host of another name is refused with the unified error body; loopback's names, the
configured ones and the address the server is bound to are served, with or without a port;
a WebSocket from a page of another site is refused before the handshake."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from alpha_arena.api.app import create_app
from alpha_arena.services.context import AppContext, open_context
from tests.integration.api.conftest import LOOPBACK, TEST_HOST, assert_error, with_token
from tests.support.databases import settings_for

READ = "/api/v1/system"


# The Host and Origin checks run before any route touches the database: one SQLite database
# and one app serve every case of this module (the conftest's are per backend and per test).
@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    url = f"sqlite:///{tmp_path_factory.mktemp('hosts') / 'arena.db'}"
    settings = with_token(settings_for(url)).model_copy(update={"api_allowed_hosts": TEST_HOST})
    context = open_context(settings)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="module")
def client(market: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(context=market, embedded_runner=False), client=LOOPBACK) as app:
        yield app


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil.example",
     "testserver.evil.example", "[::2]", "", "localhost:notaport"],
)  # fmt: skip
def test_a_host_of_another_name_is_refused(client: TestClient, host: str) -> None:
    response = client.get(READ, headers={"Host": host})
    assert_error(response, 400, "host_not_allowed", "ARENA_API_ALLOWED_HOSTS")
    assert client.get("/health", headers={"Host": host}).status_code == 400


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST:8000", "127.0.0.1", "127.0.0.1:8000", "[::1]", "[::1]:8000",
     "testserver", "testserver:1234"],
)  # fmt: skip
def test_loopback_names_and_the_configured_ones_are_served(client: TestClient, host: str) -> None:
    assert client.get(READ, headers={"Host": host}).status_code == 200


def test_the_test_host_is_served_only_because_it_is_configured(market: AppContext) -> None:
    plain = market.settings.model_copy(update={"api_allowed_hosts": ""})
    with TestClient(create_app(plain, market, False), client=LOOPBACK) as unconfigured:
        assert_error(unconfigured.get(READ), 400, "host_not_allowed", "testserver")
        assert unconfigured.get(READ, headers={"Host": "localhost:8000"}).status_code == 200


def test_wildcards_serve_subdomains_or_any_name(market: AppContext) -> None:
    subdomains = market.settings.model_copy(update={"api_allowed_hosts": "*.arena.example"})
    with TestClient(create_app(subdomains, market, False), client=LOOPBACK) as served:
        assert served.get(READ, headers={"Host": "eu.arena.example"}).status_code == 200
        assert served.get(READ, headers={"Host": "arena.example.evil"}).status_code == 400
    anything = market.settings.model_copy(update={"api_allowed_hosts": "*"})
    with TestClient(create_app(anything, market, False), client=LOOPBACK) as served:
        assert served.get(READ, headers={"Host": "whatever.example"}).status_code == 200


def test_the_bound_address_is_served(market: AppContext) -> None:
    app = create_app(market.settings, market, False, bound_host="10.0.0.5")
    with TestClient(app, client=LOOPBACK) as bound:
        assert bound.get(READ, headers={"Host": "10.0.0.5:8000"}).status_code == 200
        assert bound.get(READ, headers={"Host": "10.0.0.6:8000"}).status_code == 400


def test_a_websocket_naming_another_host_is_refused(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/api/v1/ws", headers={"Host": "evil.example"}),
    ):
        pass
    assert refused.value.code == 1008


def test_arena_serve_answers_to_the_address_it_is_bound_to(tmp_path: Path) -> None:
    """A real `arena serve --host 127.0.0.2`: that address is served without configuration,
    another name is not."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    env["ARENA_DATABASE_URL"] = f"sqlite:///{tmp_path / 'arena.db'}"
    arena = str(Path(sys.executable).with_name("arena"))
    migrate = subprocess.run([arena, "db", "upgrade"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    port = free_port("127.0.0.2")
    server = subprocess.Popen(
        [arena, "serve", "--host", "127.0.0.2", "--port", str(port), "--no-runner"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.2:{port}", timeout=30) as served:
            wait_until_up(served, server)
            assert served.get(READ).status_code == 200
            refused = served.get(READ, headers={"Host": "rebound.example"})
            assert_error(refused, 400, "host_not_allowed", "rebound.example")
    finally:
        server.terminate()
        server.wait(30)


# -- the WebSocket's Origin --------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://testserver.evil.example", "http://testserver:8080",
     "https://testserver", "null", "http://localhost:3000", "file://", "http://[::1]:99999"],
)  # fmt: skip
def test_a_websocket_from_another_origin_is_refused(client: TestClient, origin: str) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/api/v1/ws", headers={"Origin": origin}),
    ):
        pass
    assert refused.value.code == 1008


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://testserver"}, {"Origin": "http://localhost"},
     {"Origin": "http://127.0.0.1:8000", "Host": "127.0.0.1:8000"},
     {"Origin": "http://[::1]:8000", "Host": "localhost:8000"}],
    ids=["no origin", "same origin", "an allowed name", "with a port", "ipv6"],
)  # fmt: skip
def test_a_websocket_from_the_servers_own_origin_or_none_is_served(
    client: TestClient, headers: dict[str, str]
) -> None:
    with client.websocket_connect("/api/v1/ws", headers=headers) as ws:
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong", "data": {}}


def test_a_websocket_from_a_configured_cors_origin_is_served(market: AppContext) -> None:
    settings = market.settings.model_copy(update={"api_cors_origins": "http://dash.example:5173"})
    page = {"Origin": "http://dash.example:5173"}
    with TestClient(create_app(settings, market, False), client=LOOPBACK) as cors:
        with cors.websocket_connect("/api/v1/ws", headers=page) as ws:
            ws.send_json({"type": "ping"})
            assert ws.receive_json()["type"] == "pong"
        with (
            pytest.raises(WebSocketDisconnect),
            cors.websocket_connect("/api/v1/ws", headers={"Origin": "http://dash.example"}),
        ):
            pass


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def wait_until_up(served: httpx.Client, server: subprocess.Popen[str]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            raise AssertionError(f"arena serve exited: {output}")
        try:
            served.get("/health")
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("arena serve did not come up")
