"""Strategies disabled by ARENA_DISABLED_STRATEGIES through the real app, on both databases:
the strategies route says `enabled: false`, a new backtest or agent of one is a 400 naming the
setting, and a backtest stored before it was disabled stays readable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from alpha_arena.api.app import create_app
from alpha_arena.services.context import AppContext, open_context
from tests.integration.api.conftest import AUTH, BTC, LOOPBACK, assert_error

DISABLED = "strategy martingale is disabled by ARENA_DISABLED_STRATEGIES"
BACKTEST = {"strategy": "martingale", "symbol": BTC, "timeframe": "1h", "start": "2024-01-01",
            "end": "2024-01-15", "params": {"hold": 4}}  # fmt: skip


@pytest.fixture
def disabled(market: AppContext) -> Iterator[TestClient]:
    """The app on the same database as ``market``, with the martingale and the grid disabled."""
    settings = market.settings.model_copy(update={"disabled_strategies": "martingale,grid"})
    context = open_context(settings, clock=market.clock)
    try:
        with TestClient(create_app(context=context, embedded_runner=False),
                        client=LOOPBACK) as client:  # fmt: skip
            yield client
    finally:
        context.close()


def test_the_strategies_route_says_which_are_disabled(
    client: TestClient, disabled: TestClient
) -> None:
    items = disabled.get("/api/v1/strategies", params={"limit": 100}).json()["items"]
    assert [item["name"] for item in items if not item["enabled"]] == ["martingale", "grid"]
    assert disabled.get("/api/v1/strategies/grid").json()["enabled"] is False
    assert disabled.get("/api/v1/strategies/ema_trend").json()["enabled"] is True
    everything = client.get("/api/v1/strategies", params={"limit": 100}).json()["items"]
    assert all(item["enabled"] for item in everything)  # the setting is per process


def test_a_new_backtest_or_agent_of_a_disabled_strategy_is_refused_naming_the_setting(
    disabled: TestClient,
) -> None:
    before = disabled.get("/api/v1/backtests").json()["total"]
    refused = disabled.post("/api/v1/backtests", json=BACKTEST, headers=AUTH)
    assert_error(refused, 400, "invalid_input", DISABLED)
    assert disabled.get("/api/v1/backtests").json()["total"] == before  # nothing stored
    agent = {"name": "doubler-api", "config": {"kind": "strategy", "strategy": "martingale"}}
    assert_error(disabled.post("/api/v1/agents", json=agent, headers=AUTH), 400,
                 "invalid_input", DISABLED)  # fmt: skip


def test_a_backtest_stored_before_the_strategy_was_disabled_stays_readable(
    client: TestClient, disabled: TestClient
) -> None:
    created = client.post("/api/v1/backtests", json=BACKTEST, headers=AUTH)
    assert created.status_code == 201, created.text
    run_id = created.json()["id"]
    read = disabled.get(f"/api/v1/backtests/{run_id}")
    assert read.status_code == 200, read.text
    assert read.json()["strategy"] == "martingale"
    assert read.json() == client.get(f"/api/v1/backtests/{run_id}").json()
