"""POST /backtests and /sweeps take the paper account's margin and position modes: they are
kept in the stored configuration, left out they are the defaults, and an unknown one is refused
with the unified error body, storing nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from alpha_arena.services import backtests
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import AUTH, BTC, assert_error

BODY: dict[str, Any] = {
    "strategy": "ema_trend", "symbol": BTC, "timeframe": "1h", "start": "2024-01-01",
    "end": "2024-02-01", "fee_rate": 0.0005, "params": {"fast": 8, "slow": 21},
}  # fmt: skip


def test_a_backtest_keeps_its_modes_and_defaults_to_isolated_net(client: TestClient) -> None:
    hedged = client.post(
        "/api/v1/backtests", json={**BODY, "margin_mode": "cross", "position_mode": "long_short"},
        headers=AUTH,
    )  # fmt: skip
    assert hedged.status_code == 201, hedged.text
    config = hedged.json()["config"]
    assert (config["margin_mode"], config["position_mode"]) == ("cross", "long_short")
    shown = client.get(f"/api/v1/backtests/{hedged.json()['id']}").json()["config"]
    assert (shown["margin_mode"], shown["position_mode"]) == ("cross", "long_short")
    plain = client.post("/api/v1/backtests", json=BODY, headers=AUTH)
    assert plain.status_code == 201, plain.text
    assert (plain.json()["config"]["margin_mode"], plain.json()["config"]["position_mode"]) == (
        "isolated", "net",
    )  # fmt: skip
    # A one-sided 1x strategy trades alike either way.
    assert hedged.json()["metrics"] == plain.json()["metrics"]


def test_a_sweep_takes_the_modes_too(client: TestClient) -> None:
    body = {**BODY, "params": {"slow": 21}, "grid": {"fast": {"values": [5, 8]}}}
    answers = []
    for modes in ({}, {"margin_mode": "cross", "position_mode": "long_short"}):
        response = client.post("/api/v1/backtests/sweeps", json={**body, **modes}, headers=AUTH)
        assert response.status_code == 200, response.text
        answers.append(response.json()["results"])
    assert len(answers[0]) == 2 and answers[1] == answers[0]  # one-sided at 1x: alike


def test_an_unknown_mode_is_refused_and_stores_nothing(
    client: TestClient, market: AppContext
) -> None:
    before = len(backtests.stored(market))
    for field, value in (("margin_mode", "portfolio"), ("position_mode", "hedge")):
        response = client.post("/api/v1/backtests", json={**BODY, field: value}, headers=AUTH)
        assert_error(response, 422, "validation_error", field)
    assert len(backtests.stored(market)) == before
