"""Pausing and resuming every season at once over HTTP, on both databases: two seasons run by
the server's embedded runner stop at a tick boundary, stay where their ledgers stopped, and
resume to the end; a season in another status is left alone."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_store import SeasonStore
from tests.integration.api.conftest import AUTH, BTC, ETH

RUNNER = "/api/v1/system/runner"


def create_season(client: TestClient, name: str, participants: list[str]) -> int:
    body = {"name": name, "symbols": [BTC, ETH], "start": "2024-01-01", "end": "2025-01-01",
            "participants": participants}  # fmt: skip
    created = client.post("/api/v1/seasons", json=body, headers=AUTH)
    assert created.status_code == 201, created.text
    season_id: int = created.json()["id"]
    return season_id


def wait_until(condition: str, check: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"not {condition} within {timeout_s} s")


def test_pause_and_resume_move_every_running_season_and_nothing_else(
    running_client: TestClient, market: AppContext
) -> None:
    client = running_client
    add_agent(market, "bulk-ema", {"kind": "strategy", "strategy": "ema_trend"})
    first, second = (create_season(client, f"bulk-{n}", ["bulk-ema"]) for n in (1, 2))
    draft = create_season(client, "bulk-draft", ["bulk-ema"])
    for season_id in (first, second):
        assert client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH).status_code == 200
    store = SeasonStore(market.engine)
    wait_until("both ticking", lambda: all(store.get(s).ticks_done > 0 for s in (first, second)))

    paused = client.post(f"{RUNNER}/pause", headers=AUTH)
    assert paused.status_code == 200, paused.text
    body = paused.json()
    assert body["refused"] == []
    moved = {season["id"]: season for season in body["moved"]}
    assert set(moved) == {first, second}  # the draft is not running: left alone
    assert {season["status"] for season in moved.values()} == {"paused"}
    assert moved[first]["name"] == "bulk-1" and moved[second]["name"] == "bulk-2"
    wait_until("the runner let go", lambda: not set(client.get(RUNNER).json()["active_seasons"])
               & {first, second})  # fmt: skip
    time.sleep(0.3)  # a runner that kept going would commit ticks meanwhile
    for season_id, season in moved.items():
        stored = store.get(season_id)
        assert stored.status.value == "paused"
        assert 0 < season["ticks_done"] == stored.ticks_done < 8784  # where the ledger stopped
        for entry in store.entries(season_id):  # every account's ledger ends at that tick
            assert len(store.equity(entry.id)) == season["ticks_done"]
    assert store.get(draft).status.value == "draft"
    again = client.post(f"{RUNNER}/pause", headers=AUTH).json()
    assert again == {"moved": [], "refused": []}  # nothing is running any more

    resumed = client.post(f"{RUNNER}/resume", headers=AUTH)
    assert resumed.status_code == 200, resumed.text
    back = {season["id"]: season for season in resumed.json()["moved"]}
    assert set(back) == {first, second} and resumed.json()["refused"] == []
    for season_id, season in back.items():
        assert season["status"] == "running"
        assert season["ticks_done"] == moved[season_id]["ticks_done"]  # it goes on from there
    wait_until("both ticking again", lambda: all(
        store.get(s).ticks_done > moved[s]["ticks_done"] for s in (first, second)))  # fmt: skip
    ended = [client.post(f"/api/v1/seasons/{s}/end", headers=AUTH) for s in (first, second)]
    assert [response.json()["status"] for response in ended] == ["finished", "finished"]
    assert client.post(f"{RUNNER}/resume", headers=AUTH).json() == {"moved": [], "refused": []}


def test_pausing_with_nothing_running_moves_nothing(client: TestClient) -> None:
    answer = client.post(f"{RUNNER}/pause", headers=AUTH)
    assert answer.status_code == 200 and answer.json() == {"moved": [], "refused": []}
    refused = client.post(f"{RUNNER}/resume")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
