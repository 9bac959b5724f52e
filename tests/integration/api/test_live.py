"""The WebSocket feed: a client subscribed to a season receives its ticks, decisions, fills,
leaderboard and status as the embedded runner commits them, and the whole journey (register,
create, start, watch) works over HTTP alone with the token, and not at all without it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from alpha_arena.api.app import create_app
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_store import SeasonStore
from tests.integration.api.conftest import AUTH, BTC, ETH, read_only_client

_names = itertools.count()


def receive_until_finished(ws: WebSocketTestSession, limit: int = 5_000) -> list[dict[str, Any]]:
    messages = []
    for _ in range(limit):
        message = ws.receive_json()
        messages.append(message)
        if message["type"] == "leaderboard" and message["data"]["status"] == "finished":
            return messages
    raise AssertionError("the feed never reported the season finished")


def test_a_season_is_created_started_and_watched_over_http_alone(
    running_client: TestClient, market: AppContext
) -> None:
    client = running_client
    name = f"ws-agent-{next(_names)}"
    agent = {"name": name, "config": {"kind": "strategy", "strategy": "ema_trend",
                                      "params": {"fast": "5", "slow": "20"}}}  # fmt: skip
    assert client.post("/api/v1/agents", json=agent, headers=AUTH).status_code == 201
    body = {"name": f"ws-season-{next(_names)}", "symbols": [BTC, ETH], "start": "2024-03-01",
            "end": "2024-03-06", "participants": [name]}  # fmt: skip
    season_id = client.post("/api/v1/seasons", json=body, headers=AUTH).json()["id"]
    with client.websocket_connect("/api/v1/ws") as ws:
        ws.send_json({"type": "subscribe", "data": {"season_id": season_id}})
        subscribed = ws.receive_json()
        assert subscribed["type"] == "subscribed"
        assert subscribed["data"] | {"message": ""} == {
            "season_id": season_id, "status": "draft", "ticks_done": 0, "message": "",
            "from_tick": 0,
        }  # fmt: skip
        assert client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH).status_code == 200
        messages = receive_until_finished(ws)

    ticks = [m["data"] for m in messages if m["type"] == "tick"]
    assert [t["tick"] for t in ticks] == list(range(120))
    assert {e["entry"] for e in ticks[0]["entries"]} == {name, "btc-buy-and-hold",
                                                         "equal-weight-hold"}  # fmt: skip
    store = SeasonStore(market.engine)
    entries = {e.name: e for e in store.entries(season_id)}
    fills = [m["data"] for m in messages if m["type"] == "fill"]
    assert len(fills) == sum(len(store.fills(e.id)) for e in entries.values()) > 0
    assert [f["price"] for f in fills if f["entry"] == name] == [
        f.price for f in store.fills(entries[name].id)
    ]
    assert any(m["type"] == "decision" for m in messages)
    last_equity = {e["entry"]: e["equity"] for e in ticks[-1]["entries"]}
    assert last_equity == {n: e.equity for n, e in entries.items()}
    statuses = [m["data"]["status"] for m in messages if m["type"] == "status"]
    assert statuses[-1] == "finished"
    board = messages[-1]["data"]
    assert board["ticks"] == 120 and {r["name"] for r in board["rows"]} == set(entries)


def test_a_late_subscriber_can_replay_the_ticks_it_missed(
    running_client: TestClient, market: AppContext
) -> None:
    body = {"name": f"ws-season-{next(_names)}", "symbols": [BTC], "start": "2024-03-01",
            "end": "2024-03-02", "participants": []}  # fmt: skip
    season_id = running_client.post("/api/v1/seasons", json=body, headers=AUTH).json()["id"]
    running_client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH)
    while running_client.get(f"/api/v1/seasons/{season_id}").json()["status"] != "finished":
        pass
    with running_client.websocket_connect("/api/v1/ws") as ws:
        ws.send_json({"type": "subscribe", "data": {"season_id": season_id, "from_tick": 20}})
        assert ws.receive_json()["data"]["status"] == "finished"
        messages = receive_until_finished(ws)
    assert [m["data"]["tick"] for m in messages if m["type"] == "tick"] == list(range(20, 24))


def test_bad_messages_get_errors_and_the_connection_stays_usable(client: TestClient) -> None:
    with client.websocket_connect("/api/v1/ws") as ws:
        ws.send_text("not json")
        assert ws.receive_json()["data"]["code"] == "bad_request"
        ws.send_json({"type": "dance"})
        assert "unknown message type" in ws.receive_json()["data"]["message"]
        ws.send_json({"type": "subscribe", "data": {"season_id": 987654}})
        assert ws.receive_json()["data"]["code"] == "not_found"
        ws.send_json({"type": "subscribe", "data": {"season_id": "x"}})
        error = ws.receive_json()
        assert error["type"] == "error" and error["data"]["code"] == "validation_error"
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong", "data": {}}


@pytest.mark.parametrize(
    "frame",
    [b"\x00\x01binary", b'{"type": "ping"}', "[" * 100_000 + "]" * 100_000,
     '{"type": "ping", "data": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001],
    ids=["binary", "binary json", "nested list", "nested object"],
)  # fmt: skip
def test_a_binary_frame_or_deeply_nested_json_gets_an_error_and_the_socket_stays(
    client: TestClient, frame: bytes | str
) -> None:
    with client.websocket_connect("/api/v1/ws") as ws:
        if isinstance(frame, bytes):
            ws.send_bytes(frame)
        else:
            ws.send_text(frame)
        error = ws.receive_json()
        assert error["type"] == "error" and error["data"]["code"] == "bad_request"
        assert "JSON" in error["data"]["message"]
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong", "data": {}}


def test_a_subscriber_catching_up_on_a_running_season_gets_every_tick_once_in_order(
    running_client: TestClient,
) -> None:
    """From tick 0 while the runner is committing: the backlog it reads itself and the live
    ticks the shared feed sends meet with no tick lost or doubled."""
    body = {"name": f"ws-season-{next(_names)}", "symbols": [BTC, ETH], "start": "2024-01-01",
            "end": "2024-03-01", "participants": []}  # fmt: skip
    season_id = running_client.post("/api/v1/seasons", json=body, headers=AUTH).json()["id"]
    running_client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH)
    while running_client.get(f"/api/v1/seasons/{season_id}").json()["ticks_done"] < 20:
        pass
    with running_client.websocket_connect("/api/v1/ws") as ws:
        ws.send_json({"type": "subscribe", "data": {"season_id": season_id, "from_tick": 0}})
        subscribed = ws.receive_json()["data"]
        messages = receive_until_finished(ws, limit=20_000)
    assert 20 <= subscribed["ticks_done"] < 1440  # joined mid-run: backlog, then live ticks
    ticks = [m["data"]["tick"] for m in messages if m["type"] == "tick"]
    assert ticks == list(range(1440))


def test_beyond_loopback_the_feed_needs_the_token(market: AppContext) -> None:
    remote = TestClient(create_app(context=market, embedded_runner=False), client=("10.9.8.7", 1))
    with remote, remote.websocket_connect("/api/v1/ws") as ws:
        ws.send_json({"type": "subscribe", "data": {"season_id": 1}})
        assert ws.receive_json()["data"]["code"] == "unauthorized"
        ws.send_json({"type": "auth", "data": {"token": "wrong"}})
        assert ws.receive_json()["data"]["code"] == "unauthorized"
        ws.send_json({"type": "auth", "data": {"token": AUTH["Authorization"].split()[1]}})
        assert ws.receive_json()["type"] == "authorized"


def test_without_a_token_nothing_can_be_created_or_started(market: AppContext) -> None:
    with read_only_client(market) as reader:
        agent = {"name": "never", "config": {"kind": "strategy", "strategy": "ema_trend"}}
        refused = [
            reader.post("/api/v1/agents", json=agent),
            reader.post("/api/v1/seasons", json={"name": "x"}),
            reader.post("/api/v1/seasons/1/start"),
            reader.post("/api/v1/agents", json=agent, headers=AUTH),
        ]
        assert [r.status_code for r in refused] == [403] * 4
        assert {r.json()["error"]["code"] for r in refused} == {"forbidden"}
