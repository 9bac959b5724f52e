"""Seasons over HTTP on both databases: create, start (the embedded runner drives it), watch
its progress, read its leaderboard, entries, decisions with the model chat, orders with their
lifecycle, fills, positions and equity; what the API returns is what the store holds."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from alpha_arena.api.app import create_app
from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import parse_ts
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.storage.season_store import SeasonStore
from tests.integration.api.conftest import AUTH, BTC, ETH, LOOPBACK
from tests.support.fake_llm import FakeLlmServer, scripted_trader

_names = itertools.count()


def strategy_agent(context: AppContext, **config: Any) -> str:
    name = f"api-agent-{next(_names)}"
    add_agent(context, name, {"kind": "strategy", "strategy": "ema_trend", **config})
    return name


def season_body(participants: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "name": f"api-season-{next(_names)}", "symbols": [BTC, ETH], "start": "2024-03-01",
        "end": "2024-03-06", "participants": participants,
    } | fields  # fmt: skip


def wait_for(
    client: TestClient, season_id: int, status: str, timeout_s: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        season: dict[str, Any] = client.get(f"/api/v1/seasons/{season_id}").json()
        if season["status"] == status:
            return season
        time.sleep(0.02)
    raise AssertionError(f"season {season_id} is {season['status']}, not {status}")


@pytest.fixture
def finished(running_client: TestClient, market: AppContext) -> tuple[TestClient, int]:
    """A five-day season of a fast EMA agent and both baselines, run by the embedded runner."""
    agent = strategy_agent(market, params={"fast": "5", "slow": "20"})
    created = running_client.post("/api/v1/seasons", json=season_body([agent]), headers=AUTH)
    assert created.status_code == 201, created.text
    season_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["ticks_total"] == 120
    started = running_client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH)
    assert started.status_code == 200 and started.json()["status"] == "running"
    done = wait_for(running_client, season_id, "finished")
    assert done["ticks_done"] == 120
    return running_client, season_id


def test_a_started_season_is_run_by_the_server_and_its_reads_match_the_store(
    finished: tuple[TestClient, int], market: AppContext
) -> None:
    client, season_id = finished
    store = SeasonStore(market.engine)
    entries = client.get(f"/api/v1/seasons/{season_id}/entries").json()["items"]
    assert [e["name"] for e in entries] == [e.name for e in store.entries(season_id)]
    assert {e["fingerprint"] for e in entries} == {e.fingerprint for e in store.entries(season_id)}

    board = client.get(f"/api/v1/seasons/{season_id}/leaderboard").json()
    expected = seasons.leaderboard(market, season_id).as_dict()
    assert board["rows"] == json.loads(json.dumps(expected["rows"]))
    assert board["rows"][0]["return_low_pct"] <= board["rows"][0]["return_pct"]

    for entry in store.entries(season_id):
        fills = client.get(f"/api/v1/seasons/{season_id}/fills",
                           params={"entry": entry.name, "limit": 1000}).json()  # fmt: skip
        assert fills["total"] == len(store.fills(entry.id))
        assert [f["price"] for f in fills["items"]] == [f.price for f in store.fills(entry.id)][
            ::-1
        ]
        orders = client.get(f"/api/v1/seasons/{season_id}/orders",
                            params={"entry": entry.name, "limit": 1000}).json()  # fmt: skip
        assert orders["total"] == len(store.orders(entry.id))
        events = sum(len(order["events"]) for order in orders["items"])
        assert events == len(store.order_events(entry.id))
        decisions = client.get(f"/api/v1/seasons/{season_id}/decisions",
                               params={"entry": entry.name, "limit": 1}).json()  # fmt: skip
        assert decisions["total"] == len(store.decisions(entry.id))


def test_orders_carry_their_lifecycle_and_filters_narrow_every_list(
    finished: tuple[TestClient, int],
) -> None:
    client, season_id = finished
    orders = client.get(f"/api/v1/seasons/{season_id}/orders", params={"limit": 1000}).json()
    filled = [o for o in orders["items"] if o["status"] == "filled"]
    assert filled and all(o["events"][-1]["status_to"] == "filled" for o in filled)
    eth = client.get(f"/api/v1/seasons/{season_id}/fills", params={"symbol": ETH}).json()
    assert eth["items"] and {f["symbol"] for f in eth["items"]} == {ETH}
    window = {"start": "2024-03-03", "end": "2024-03-04", "limit": 1000}
    fills = client.get(f"/api/v1/seasons/{season_id}/fills", params=window).json()["items"]
    every = client.get(f"/api/v1/seasons/{season_id}/fills", params={"limit": 1000}).json()
    inside = [f for f in every["items"]
              if parse_ts("2024-03-03") <= f["ts"] < parse_ts("2024-03-04")]  # fmt: skip
    assert fills == inside
    page = client.get(f"/api/v1/seasons/{season_id}/fills", params={"limit": 2, "offset": 1})
    assert page.json()["items"] == every["items"][1:3] and page.json()["limit"] == 2
    oldest = client.get(f"/api/v1/seasons/{season_id}/fills",
                        params={"oldest_first": True, "limit": 1000}).json()  # fmt: skip
    assert oldest["items"] == every["items"][::-1]


def test_positions_show_what_is_held_with_the_last_mark(
    finished: tuple[TestClient, int], market: AppContext
) -> None:
    client, season_id = finished
    held = client.get(f"/api/v1/seasons/{season_id}/positions",
                      params={"entry": "btc-buy-and-hold"}).json()["items"]  # fmt: skip
    assert len(held) == 1 and held[0]["symbol"] == BTC and held[0]["side"] == "long"
    position = held[0]
    last_close = market.market.read_candles("binance", BTC, "1h", last=1, ts_to=parse_ts(
        "2024-03-06") - 3_600_000).close[-1]  # fmt: skip
    assert position["mark_price"] == pytest.approx(last_close)
    assert position["unrealized_pnl"] == pytest.approx(
        position["quantity"] * (last_close - position["entry_price"])
    )
    board = client.get(f"/api/v1/seasons/{season_id}/leaderboard").json()["rows"]
    value = next(r["account_value"] for r in board if r["name"] == "btc-buy-and-hold")
    entry = next(e for e in client.get(f"/api/v1/seasons/{season_id}/entries").json()["items"]
                 if e["name"] == "btc-buy-and-hold")  # fmt: skip
    # Equity = cash + margin + unrealized PnL: the stored position accounts for all of it.
    assert entry["cash"] + position["margin"] + position["unrealized_pnl"] == pytest.approx(value)


def test_entries_and_positions_are_pages_like_every_other_list(
    finished: tuple[TestClient, int], market: AppContext
) -> None:
    client, season_id = finished
    names = [e.name for e in SeasonStore(market.engine).entries(season_id)]
    first = client.get(f"/api/v1/seasons/{season_id}/entries", params={"limit": 1}).json()
    rest = client.get(f"/api/v1/seasons/{season_id}/entries", params={"offset": 1}).json()
    assert (first["total"], first["limit"], first["offset"]) == (len(names), 1, 0)
    assert [e["name"] for e in first["items"] + rest["items"]] == names
    every = client.get(f"/api/v1/seasons/{season_id}/positions").json()
    assert every["total"] == len(every["items"]) >= 2 and every["offset"] == 0
    second = client.get(f"/api/v1/seasons/{season_id}/positions",
                        params={"limit": 1, "offset": 1}).json()  # fmt: skip
    assert second["total"] == every["total"] and second["items"] == every["items"][1:2]


def test_a_season_says_how_many_entries_compete(
    finished: tuple[TestClient, int], market: AppContext
) -> None:
    client, season_id = finished
    count = len(SeasonStore(market.engine).entries(season_id))
    assert client.get(f"/api/v1/seasons/{season_id}").json()["entries"] == count
    listed = client.get("/api/v1/seasons", params={"limit": 1000}).json()["items"]
    assert next(s for s in listed if s["id"] == season_id)["entries"] == count
    stores = SeasonStore(market.engine).entry_counts()
    assert all(s["entries"] == stores.get(s["id"], 0) for s in listed)


def test_equity_history_is_downsampled_on_request(finished: tuple[TestClient, int]) -> None:
    client, season_id = finished
    full = client.get(f"/api/v1/seasons/{season_id}/equity", params={"points": 1000}).json()
    assert {len(s["points"]) for s in full["series"]} == {120}
    small = client.get(f"/api/v1/seasons/{season_id}/equity",
                       params={"points": 10, "entry": "equal-weight-hold"}).json()  # fmt: skip
    [series] = small["series"]
    assert series["entry"] == "equal-weight-hold" and series["total_points"] == 120
    assert len(series["points"]) == 10
    reference = next(s for s in full["series"] if s["entry"] == "equal-weight-hold")["points"]
    assert series["points"][0] == reference[0] and series["points"][-1] == reference[-1]
    assert all(point in reference for point in series["points"])


def test_lifecycle_moves_are_checked(client: TestClient, market: AppContext) -> None:
    created = client.post("/api/v1/seasons", json=season_body([], baselines=True), headers=AUTH)
    season_id = created.json()["id"]
    paused = client.post(f"/api/v1/seasons/{season_id}/pause", headers=AUTH)
    assert paused.status_code == 409 and paused.json()["error"]["code"] == "conflict"
    assert "draft" in paused.json()["error"]["message"]
    assert client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH).json()["status"] == (
        "running"
    )
    assert client.post(f"/api/v1/seasons/{season_id}/pause", headers=AUTH).json()["status"] == (
        "paused"
    )
    assert client.post(f"/api/v1/seasons/{season_id}/resume", headers=AUTH).status_code == 200
    ended = client.post(f"/api/v1/seasons/{season_id}/end", headers=AUTH).json()
    assert ended["status"] == "finished" and ended["message"] == "ended by hand"
    listed = client.get("/api/v1/seasons", params={"status": "finished", "limit": 1000}).json()
    assert season_id in [s["id"] for s in listed["items"]]


@pytest.mark.parametrize(
    ("change", "status", "code", "words"),
    [
        ({"participants": ["nobody-registered"]}, 404, "not_found", "no agent named"),
        ({"symbols": ["NOPE/USDT:USDT"]}, 400, "invalid_input", "unknown symbol"),
        ({"start": "2024-13-45"}, 400, "invalid_input", "cannot read"),
        ({"end": "2024-02-01"}, 400, "invalid_input", "is not before"),
        ({"mode": "live"}, 400, "invalid_input", "a live season trades real accounts"),
        ({"capital": -5}, 422, "validation_error", "capital"),
        ({"surprise": 1}, 422, "validation_error", "surprise"),
    ],
)
def test_bad_seasons_are_refused_with_one_clear_error(
    client: TestClient, change: dict[str, Any], status: int, code: str, words: str
) -> None:
    response = client.post("/api/v1/seasons", json=season_body([]) | change, headers=AUTH)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and words in error["message"]


def test_unknown_seasons_and_entries_are_404(finished: tuple[TestClient, int]) -> None:
    client, season_id = finished
    for path in ("", "/entries", "/leaderboard", "/compare", "/equity", "/fills", "/positions"):
        response = client.get(f"/api/v1/seasons/999999{path}")
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    missing = client.get(f"/api/v1/seasons/{season_id}/fills", params={"entry": "ghost"})
    assert missing.status_code == 404 and "ghost" in missing.json()["error"]["message"]


def test_a_single_decision_is_read_by_its_entry_and_number(
    finished: tuple[TestClient, int],
) -> None:
    client, season_id = finished
    listed = client.get(f"/api/v1/seasons/{season_id}/decisions", params={"limit": 1000}).json()
    assert listed["total"] > 0
    for item in (listed["items"][0], listed["items"][-1]):
        one = client.get(f"/api/v1/seasons/{season_id}/decisions/{item['entry']}/{item['seq']}")
        assert one.status_code == 200 and one.json() == item
    numbers = sorted(i["seq"] for i in listed["items"] if i["entry"] == item["entry"])
    assert numbers == list(range(len(numbers)))  # an entry's decisions count from 0
    beyond = client.get(f"/api/v1/seasons/{season_id}/decisions/{item['entry']}/{len(numbers)}")
    assert beyond.status_code == 404
    message = beyond.json()["error"]["message"]
    assert f"has no decision {len(numbers)}" in message and f"0 to {len(numbers) - 1}" in message
    for path, words in ((f"{season_id}/decisions/ghost/0", "no entry 'ghost'"),
                        ("999999/decisions/ghost/0", "999999")):  # fmt: skip
        missing = client.get(f"/api/v1/seasons/{path}")
        assert missing.status_code == 404 and words in missing.json()["error"]["message"], path
    refused = client.get(f"/api/v1/seasons/{season_id}/decisions/{item['entry']}/-1")
    assert refused.status_code == 422


def test_a_season_left_running_resumes_when_the_server_starts_again(
    market: AppContext,
) -> None:
    agent = strategy_agent(market)
    body = season_body([agent], start="2024-01-01", end="2024-03-01")  # 1,440 ticks
    reference = seasons.create_season(market, body | {
        "start": parse_ts("2024-01-01"), "end": parse_ts("2024-03-01")})  # fmt: skip
    seasons.run_season(market, reference.id)
    with TestClient(create_app(context=market, embedded_runner=True), client=LOOPBACK) as client:
        season_id = client.post("/api/v1/seasons", json=body, headers=AUTH).json()["id"]
        client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH)
        while client.get(f"/api/v1/seasons/{season_id}").json()["ticks_done"] == 0:
            time.sleep(0.005)
    # The server stopped: its runner stopped with it, leaving the season running.
    store = SeasonStore(market.engine)
    stopped = store.get(season_id)
    assert stopped.status.value == "running" and 0 < stopped.ticks_done < 1440
    with TestClient(create_app(context=market, embedded_runner=True), client=LOOPBACK) as client:
        wait_for(client, season_id, "finished")
        runner = client.get("/api/v1/system/runner").json()
        assert season_id not in runner["running_seasons"]
    assert store.ledger_hash(season_id) == store.ledger_hash(reference.id)


# -- the model chat: an LLM entry's decisions carry their prompts and answers -------------------


@pytest.fixture
def llm_client(market: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key")
    with FakeLlmServer(api_key="test-key") as server:
        server.respond_with(scripted_trader)
        settings = market.settings.model_copy(
            update={"llm_base_url": server.openai_base_url, "llm_max_retries": 0}
        )
        context = open_context(settings, clock=SimClock(parse_ts("2026-06-01")))
        try:
            app = create_app(context=context, embedded_runner=True)
            with TestClient(app, client=LOOPBACK) as client:
                yield client
        finally:
            context.close()


def test_decisions_carry_the_model_chat(llm_client: TestClient, market: AppContext) -> None:
    name = f"api-llm-{next(_names)}"
    add_agent(market, name, {"kind": "llm", "provider": "deepseek", "model": "chat"})
    body = season_body([name], start="2024-06-01", end="2024-06-01T12:00", baselines=False)
    season_id = llm_client.post("/api/v1/seasons", json=body, headers=AUTH).json()["id"]
    llm_client.post(f"/api/v1/seasons/{season_id}/start", headers=AUTH)
    wait_for(llm_client, season_id, "finished")
    decisions = llm_client.get(f"/api/v1/seasons/{season_id}/decisions",
                               params={"oldest_first": True}).json()  # fmt: skip
    assert decisions["total"] == 12
    first = decisions["items"][0]
    one = llm_client.get(f"/api/v1/seasons/{season_id}/decisions/{name}/{first['seq']}")
    assert one.json() == first and first["seq"] == 0  # the chat comes with a single decision
    [call] = first["llm_calls"]
    assert call["provider"] == "deepseek" and call["model"] == "chat"
    assert call["messages"][0]["role"] == "system" and "BTC" in call["messages"][-1]["content"]
    assert json.loads(call["raw_response"])["reasoning"] == first["reasoning"]
    assert call["parsed_decision"] is not None and call["input_tokens"] > 0
    buys = llm_client.get(f"/api/v1/seasons/{season_id}/decisions", params={"symbol": BTC})
    assert all(
        any(action["symbol"] == BTC for action in item["actions"]) for item in buys.json()["items"]
    )
    text = json.dumps(decisions)
    assert "test-key" not in text  # the provider's key is never returned


def test_compare_gives_every_pair_in_leaderboard_order(
    finished: tuple[TestClient, int], market: AppContext
) -> None:
    client, season_id = finished
    response = client.get(f"/api/v1/seasons/{season_id}/compare")
    assert response.status_code == 200, response.text
    compared = response.json()
    assert set(compared) == {"season_id", "ticks", "samples", "entries", "p_beats"}
    board = client.get(f"/api/v1/seasons/{season_id}/leaderboard").json()
    assert compared["entries"] == [row["name"] for row in board["rows"]]
    assert compared["season_id"] == season_id and compared["ticks"] == 120
    assert compared == json.loads(json.dumps(seasons.compare(market, season_id).as_dict()))
    matrix, count = compared["p_beats"], len(compared["entries"])
    assert count == 3 and all(len(row) == count for row in matrix)
    for i in range(count):
        assert matrix[i][i] == 0.5
        for j in range(count):
            assert matrix[i][j] + matrix[j][i] == pytest.approx(1.0, abs=1e-12)
    missing = client.get("/api/v1/seasons/999999/compare")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_the_leaderboard_carries_alpha_and_exposure_and_ranks_by_alpha(
    finished: tuple[TestClient, int], market: AppContext
) -> None:
    client, season_id = finished
    board = client.get(f"/api/v1/seasons/{season_id}/leaderboard").json()
    assert board["rank_by"] == "value"
    for row in board["rows"]:
        assert row["beta_btc"] is not None and row["alpha_btc_pct"] is not None
        assert row["alpha_btc_low_pct"] <= row["alpha_btc_pct"] <= row["alpha_btc_high_pct"]
        shares = row["long_share"] + row["short_share"] + row["flat_share"]
        assert shares == pytest.approx(1.0)
    by_alpha = client.get(f"/api/v1/seasons/{season_id}/leaderboard", params={"rank_by": "alpha"})
    assert by_alpha.status_code == 200, by_alpha.text
    ranked = by_alpha.json()
    expected = seasons.leaderboard(market, season_id, "alpha").as_dict()
    assert ranked == json.loads(json.dumps(expected))
    alphas = [row["alpha_btc_pct"] for row in ranked["rows"]]
    assert ranked["rank_by"] == "alpha" and alphas == sorted(alphas, reverse=True)
    # The ranking by value is still what the plain read returns (each is kept apart).
    again = client.get(f"/api/v1/seasons/{season_id}/leaderboard").json()
    assert again == board
    bad = client.get(f"/api/v1/seasons/{season_id}/leaderboard", params={"rank_by": "luck"})
    assert bad.status_code == 422 and "rank_by" in bad.text
