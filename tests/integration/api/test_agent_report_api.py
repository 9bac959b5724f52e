"""GET /agents/{name}/report through the real app, on both databases: the figures of a real
replay season of a strategy agent, one season or all, an empty report, one-line errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from alpha_arena.core.time import parse_ts
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.services.outcomes import agent_report, report_json
from tests.integration.api.conftest import assert_error
from tests.support.outcome_seasons import EMA_FAST, LAST_BAR, directional_calls, play_season

AGENTS = "/api/v1/agents"
HOUR = 3_600_000


@pytest.fixture(scope="module")
def season_id(market: AppContext) -> int:
    """A season of the fast EMA agent over the data's last week; an agent that never ran."""
    add_agent(market, "report-idle", {"kind": "strategy", "strategy": "momentum"})
    return play_season(market, {"report-ema": EMA_FAST}, parse_ts("2026-05-10"), LAST_BAR + HOUR)


def test_the_report_has_every_directional_call_of_the_season(
    client: TestClient, market: AppContext, season_id: int
) -> None:
    response = client.get(f"{AGENTS}/report-ema/report")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    calls = directional_calls(market, season_id, "report-ema")
    assert calls > 20
    assert [h["bars"] for h in body["horizons"]] == [1, 4, 24]
    for horizon in body["horizons"]:
        overall = horizon["overall"]
        assert overall["calls"] == calls
        assert overall["known"] + overall["pending"] == calls
        assert sum(t["calls"] for t in horizon["by_coin"].values()) == calls
        assert sum(t["calls"] for t in horizon["by_regime"].values()) == calls
        assert set(horizon["by_coin"]) == {"BTC/USDT:USDT", "ETH/USDT:USDT"}
        assert set(horizon["by_regime"]) <= {"trending", "squeeze", "ranging", "unknown"}
        assert 0 <= overall["hit_rate"] <= 1
    assert body["horizons"][2]["overall"]["pending"] > 0  # the data ends within a day
    name = f"outcomes {parse_ts('2026-05-10')}"
    assert body["seasons"] == [
        {"season_id": season_id, "name": name, "timeframe": "1h", "decisions": body["decisions"]}
    ]
    # The same figures as the service (and `arena agent report --json`).
    assert body == report_json(agent_report(market, "report-ema"))


def test_one_season_and_an_unknown_season(client: TestClient, season_id: int) -> None:
    one = client.get(f"{AGENTS}/report-ema/report", params={"season": season_id})
    assert one.status_code == 200, one.text
    assert one.json()["season_id"] == season_id
    assert one.json()["horizons"] == client.get(f"{AGENTS}/report-ema/report").json()["horizons"]
    missing = client.get(f"{AGENTS}/report-ema/report", params={"season": 999_999})
    assert_error(missing, 404, "not_found", "no season 999999")
    assert_error(client.get(f"{AGENTS}/report-ema/report", params={"season": 0}), 422,
                 "validation_error")  # fmt: skip


def test_an_agent_without_decisions_gets_an_empty_report(
    client: TestClient, season_id: int
) -> None:
    response = client.get(f"{AGENTS}/report-idle/report")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"] == "agent report-idle has no entry in any season: no decisions to judge"
    assert (body["decisions"], body["calls"], body["seasons"]) == (0, 0, [])
    assert [h["overall"]["calls"] for h in body["horizons"]] == [0, 0, 0]
    assert body["horizons"][0]["overall"]["hit_rate"] is None


def test_an_unknown_agent_is_a_one_line_404(client: TestClient, season_id: int) -> None:
    message = assert_error(client.get(f"{AGENTS}/ghost/report"), 404, "not_found",
                           "no agent named 'ghost'")  # fmt: skip
    assert "\n" not in message
