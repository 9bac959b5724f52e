"""Tunable defaults over HTTP on both databases: a season or backtest created with a preset and
tables of settings keeps them, and bad ones are one-line 400s that store nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient

from alpha_arena.services import backtests
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_store import SeasonStore
from tests.integration.api.conftest import AUTH, BTC, assert_error

CONSERVATIVE = {"max_leverage": 3.0, "min_confidence": 0.6, "max_position_notional": 20_000.0}
SEASON: dict[str, Any] = {"symbols": [BTC], "start": "2024-03-01", "end": "2024-03-02"}
BACKTEST: dict[str, Any] = {
    "strategy": "ema_trend", "symbol": BTC, "start": "2024-01-01", "end": "2024-02-01",
    "leverage": 5, "fee_rate": 0.0005,
}  # fmt: skip


def test_a_season_posted_with_a_preset_and_tables_keeps_both(
    client: TestClient, market: AppContext
) -> None:
    body = SEASON | {"name": "api-careful", "risk_preset": "conservative",
                     "risk_config": {"regime": {"trend_adx": 30}}}  # fmt: skip
    created = client.post("/api/v1/seasons", json=body, headers=AUTH)
    assert created.status_code == 201, created.text
    config = created.json()["config"]
    assert config["risk_preset"] == "conservative"
    assert config["risk_config"] == {"regime": {"trend_adx": 30}, "risk": CONSERVATIVE}
    stored = SeasonStore(market.engine).get(created.json()["id"]).config
    assert stored["risk_config"] == config["risk_config"]


def test_bad_settings_are_one_line_400s_and_store_no_season(
    client: TestClient, market: AppContext
) -> None:
    before = len(SeasonStore(market.engine).all())
    cases = [
        ({"risk_preset": "bold"}, "unknown risk preset 'bold'; accepted: default, conservative"),
        ({"risk_config": {"risk": {"max_lev": 3}}}, "unknown key risk.max_lev; accepted: "),
        ({"risk_config": {"regime": {"window": 1}}}, "regime.window = 1: Input should be "),
        ({"risk_config": {"risks": {}}}, "unknown table risks; accepted: risk, regime, "),
    ]
    for fields, fragment in cases:
        response = client.post("/api/v1/seasons", json=SEASON | {"name": "api-bad"} | fields,
                               headers=AUTH)  # fmt: skip
        message = assert_error(response, 400, "invalid_input", fragment)
        assert "\n" not in message
    assert len(SeasonStore(market.engine).all()) == before


def test_a_backtest_posted_with_the_conservative_preset_runs_under_its_limits(
    client: TestClient, market: AppContext
) -> None:
    response = client.post("/api/v1/backtests", json=BACKTEST | {"risk_preset": "conservative"},
                           headers=AUTH)  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json()["config"]["risk"] == CONSERVATIVE
    config = backtests.build_config("ema_trend", BTC, "1h", "2024-01-01", "2024-02-01",
                                    leverage=5, fee_rate=0.0005)  # fmt: skip
    _, expected = backtests.run(market, replace(config, risk=tuple(sorted(CONSERVATIVE.items()))))
    assert response.json()["metrics"] == expected.metrics.as_dict()
    plain = client.post("/api/v1/backtests", json=BACKTEST, headers=AUTH).json()
    assert plain["config"]["risk"] == {}
    assert plain["metrics"] != response.json()["metrics"]  # 5x as asked, not 3x within 20,000
    bad = client.post("/api/v1/backtests", json=BACKTEST | {"risk_config": {"risk": {
        "min_confidence": 2}}}, headers=AUTH)  # fmt: skip
    assert_error(bad, 400, "invalid_input", "risk.min_confidence = 2")


def test_a_sweep_posted_with_a_preset_ranks_under_its_limits(
    client: TestClient, market: AppContext
) -> None:
    body = BACKTEST | {"end": "2024-01-15", "risk_preset": "conservative",
                       "grid": {"fast": {"values": [4, 8]}, "slow": {"values": [20]}}}  # fmt: skip
    response = client.post("/api/v1/backtests/sweeps", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    base = backtests.build_config("ema_trend", BTC, "1h", "2024-01-01", "2024-01-15",
                                  leverage=5, fee_rate=0.0005)  # fmt: skip
    careful = replace(base, risk=tuple(sorted(CONSERVATIVE.items())))
    grid = {"fast": ["4", "8"], "slow": ["20"]}
    expected = backtests.sweep(market, careful, grid, jobs=1, rank_by="sharpe")
    assert [item["metrics"] for item in response.json()["results"]] == [
        point.metrics_dict() for point in expected.points
    ]
    plain = backtests.sweep(market, base, grid, jobs=1, rank_by="sharpe")
    assert [p.metrics_dict() for p in plain.points] != [p.metrics_dict() for p in expected.points]
