"""Season series over HTTP on both databases: a repeated window of a rule agent and the
baselines is created and started without waiting, the embedded runner drives its seasons,
and GET /series/{id} serves the windows and an aggregate equal to the windows' leaderboards;
bad input is one line in the unified error body."""

from __future__ import annotations

import itertools
import time
from typing import Any

from fastapi.testclient import TestClient

from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import AUTH, BTC, ETH, assert_error, read_only_client

_names = itertools.count()


def agent(context: AppContext) -> str:
    name = f"series-agent-{next(_names)}"
    add_agent(context, name, {"kind": "strategy", "strategy": "ema_trend",
                              "params": {"fast": "5", "slow": "20"}})  # fmt: skip
    return name


def body(agents: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "name": f"api-series-{next(_names)}", "kind": "repeat", "count": 3, "agents": agents,
        "symbols": [BTC, ETH], "start": "2024-03-01", "end": "2024-03-04",
    } | fields  # fmt: skip


def wait_finished(client: TestClient, series_id: int, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found: dict[str, Any] = client.get(f"/api/v1/series/{series_id}").json()
        if all(window["status"] == "finished" for window in found["windows"]):
            return found
        time.sleep(0.05)
    raise AssertionError(f"series {series_id}: {found['windows']}")


def test_a_series_is_created_started_run_and_aggregated(
    running_client: TestClient, market: AppContext
) -> None:
    name = agent(market)
    created = running_client.post("/api/v1/series", json=body([name]), headers=AUTH)
    assert created.status_code == 201, created.text
    series = created.json()
    assert series["kind"] == "repeat" and len(series["windows"]) == 3
    assert series["config"]["agents"] == [name]
    assert {w["status"] for w in series["windows"]} <= {"running", "finished"}
    done = wait_finished(running_client, series["id"])
    assert [w["window"] for w in done["windows"]] == [1, 2, 3]
    assert {(w["start"], w["end"]) for w in done["windows"]} == {
        ("2024-03-01T00:00:00Z", "2024-03-04T00:00:00Z")
    }
    summary = done["aggregate"]
    assert summary["windows"] == 3
    boards = [seasons.leaderboard(market, w["season_id"]) for w in done["windows"]]
    # A rule agent and the baselines repeat themselves exactly: every window ranks alike.
    ranked = [[row.name for row in board.rows] for board in boards]
    assert ranked[0] == ranked[1] == ranked[2]
    assert summary["kendalls_w"] == 1.0
    entries = {entry["name"]: entry for entry in summary["entries"]}
    assert set(entries) == {name, "btc-buy-and-hold", "equal-weight-hold"}
    for row in boards[0].rows:
        entry = entries[row.name]
        assert entry["ranks"] == [float(row.rank)] * 3 and entry["mean_rank"] == row.rank
        assert entry["p_first"] == (1.0 if row.rank == 1 else 0.0)
        assert entry["rank_counts"][row.rank - 1] == 3
        assert entry["return_mean_pct"] == row.return_pct and entry["return_std_pct"] == 0.0
        assert entry["deterministic"] and entry["baseline"] == row.baseline
        assert entry["llm_cost_usd"] == 0.0
    assert done["note"] is not None and "deterministic" in done["note"]
    assert done["windows"][0]["winner"] == boards[0].rows[0].name

    listed = running_client.get("/api/v1/series").json()
    mine = next(item for item in listed["items"] if item["id"] == series["id"])
    assert mine["windows"] == 3 and mine["statuses"] == {"finished": 3}


def test_run_false_only_creates_drafts(client: TestClient, market: AppContext) -> None:
    created = client.post("/api/v1/series", json=body([agent(market)], run=False), headers=AUTH)
    assert created.status_code == 201, created.text
    windows = created.json()["windows"]
    assert [w["status"] for w in windows] == ["draft"] * 3
    assert created.json()["aggregate"] == {"windows": 0, "kendalls_w": None, "entries": []}


def test_bad_series_are_refused_in_one_line(client: TestClient, market: AppContext) -> None:
    name = agent(market)
    post = lambda payload: client.post("/api/v1/series", json=payload, headers=AUTH)  # noqa: E731
    assert_error(post(body([name], count=1)), 422, "validation_error")
    assert_error(post(body(["nobody"])), 404, "not_found", "no agent named 'nobody'")
    assert_error(post(body([name], start="2020-01-01", end="2020-02-01")), 400, "invalid_input",
                 "outside the data")  # fmt: skip
    assert_error(post(body([name], kind="random", start=None, end=None)), 400, "invalid_input",
                 "a length")  # fmt: skip
    assert_error(client.get("/api/v1/series/999999"), 404, "not_found", "no series 999999")
    with read_only_client(market) as read_only:
        refused = read_only.post("/api/v1/series", json=body([name]))
    assert_error(refused, 403, "forbidden")
