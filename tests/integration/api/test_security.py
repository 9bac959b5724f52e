"""Who counts as loopback (an address, never a name) and the throttling of wrong tokens: past
the threshold a client gets 429 with Retry-After, even for the right token, until its window
has passed; a WebSocket is closed after a few wrong `auth` messages, which count against the
client too."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from alpha_arena.api.app import create_app
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import AUTH, LOOPBACK, TOKEN, assert_error

READ = "/api/v1/system"
WRITE = "/api/v1/seasons/987654/start"  # past security it is a 404: no such season
WRONG = {"Authorization": "Bearer not-the-token"}


def throttled(
    market: AppContext, failures: int = 3, window_s: float = 60.0, host: str = LOOPBACK[0]
) -> TestClient:
    settings = market.settings.model_copy(
        update={"api_auth_max_failures": failures, "api_auth_window_s": window_s}
    )
    return TestClient(create_app(settings, market, False), client=(host, 1))


# -- loopback is an address --------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1"])
def test_a_loopback_address_reads_without_the_token(market: AppContext, host: str) -> None:
    with TestClient(create_app(context=market, embedded_runner=False), client=(host, 1)) as local:
        assert local.get(READ).status_code == 200


@pytest.mark.parametrize("host", ["localhost", "testclient", "LOCALHOST", "10.1.2.3", "unknown"])
def test_a_client_named_rather_than_addressed_is_not_loopback(
    market: AppContext, host: str
) -> None:
    with TestClient(create_app(context=market, embedded_runner=False), client=(host, 1)) as named:
        assert_error(named.get(READ), 401, "unauthorized", "bearer token")
        assert named.get(READ, headers=AUTH).status_code == 200
        with named.websocket_connect("/api/v1/ws") as ws:
            ws.send_json({"type": "subscribe", "data": {"season_id": 1}})
            assert ws.receive_json()["data"]["code"] == "unauthorized"


def test_a_forwarded_name_behind_a_trusted_proxy_is_not_loopback(market: AppContext) -> None:
    """uvicorn's proxy headers (``--forwarded-allow-ips``) put X-Forwarded-For in the client's
    place: a name there must not open the reads, the client's real address must."""
    inner: Any = create_app(context=market, embedded_runner=False)  # (ASGI types differ)
    app: Any = ProxyHeadersMiddleware(inner, "127.0.0.1")
    with TestClient(app, client=LOOPBACK) as proxied:
        for name in ("localhost", "testclient"):
            response = proxied.get(READ, headers={"X-Forwarded-For": name})
            assert_error(response, 401, "unauthorized")
        assert proxied.get(READ, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 401
        assert proxied.get(READ, headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


# -- wrong tokens are throttled ----------------------------------------------------------------


def test_wrong_tokens_past_the_threshold_get_429_even_with_the_right_one(
    market: AppContext,
) -> None:
    with throttled(market, failures=3) as client:
        wrong = [client.post(WRITE, headers=WRONG) for _ in range(3)]
        assert [r.status_code for r in wrong] == [401] * 3
        locked = client.post(WRITE, headers=WRONG)
        message = assert_error(locked, 429, "rate_limited", "wrong tokens")
        assert 1 <= int(locked.headers["retry-after"]) <= 60
        assert f"{locked.headers['retry-after']} s" in message
        right = client.post(WRITE, headers=AUTH)
        assert_error(right, 429, "rate_limited")
        assert client.get(READ).status_code == 200  # a loopback read needs no token at all
        # Another client is not locked out by this one's failures.
        other = TestClient(client.app, client=("127.0.0.2", 1))  # the same running app
        assert other.post(WRITE, headers=AUTH).status_code == 404


def test_the_lockout_ends_with_its_window(market: AppContext) -> None:
    # A window of seconds: on a loaded machine three requests can take longer than one.
    with throttled(market, failures=2, window_s=3.0) as client:
        assert client.post(WRITE, headers=WRONG).status_code == 401
        first_counted = time.monotonic()  # the failure was counted before its answer came
        assert client.post(WRITE, headers=WRONG).status_code == 401
        assert client.post(WRITE, headers=AUTH).status_code == 429
        time.sleep(max(0.0, first_counted + 3.1 - time.monotonic()))
        assert client.post(WRITE, headers=AUTH).status_code == 404


def test_wrong_tokens_on_reads_from_beyond_loopback_count_too(market: AppContext) -> None:
    settings = market.settings.model_copy(update={"api_auth_max_failures": 2})
    remote = TestClient(create_app(settings, market, False), client=("10.1.2.3", 5))
    with remote:
        assert [remote.get(READ, headers=WRONG).status_code for _ in range(2)] == [401, 401]
        assert remote.get(READ, headers=AUTH).status_code == 429
        assert remote.get(READ).status_code == 401  # no token at all: no guess to throttle


def test_a_socket_is_closed_after_three_wrong_auth_messages(market: AppContext) -> None:
    remote = TestClient(create_app(context=market, embedded_runner=False), client=("10.9.8.7", 1))
    with remote, remote.websocket_connect("/api/v1/ws") as ws:
        for _ in range(3):
            ws.send_json({"type": "auth", "data": {"token": "guess"}})
            assert ws.receive_json()["data"]["code"] == "unauthorized"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 1008


def test_socket_guesses_lock_the_client_out_of_http_and_new_sockets(market: AppContext) -> None:
    with throttled(market, failures=4, host="10.9.8.7") as client:
        for _ in range(2):  # two sockets, two wrong guesses each
            with client.websocket_connect("/api/v1/ws") as ws:
                for _ in range(2):
                    ws.send_json({"type": "auth", "data": {"token": "guess"}})
                    ws.receive_json()
        assert_error(client.post(WRITE, headers=AUTH), 429, "rate_limited")
        assert_error(client.get(READ, headers=AUTH), 429, "rate_limited")
        with client.websocket_connect("/api/v1/ws") as ws:
            ws.send_json({"type": "auth", "data": {"token": TOKEN}})
            assert ws.receive_json()["data"]["code"] == "rate_limited"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1008
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/api/v1/ws", headers=AUTH),  # the token in the header
        ):
            pass
        assert refused.value.code == 1008
