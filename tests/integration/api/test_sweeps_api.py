"""Parameter sweeps through the API: the ranked results of the service ``arena backtest sweep``
runs, skipped combinations, and the answers to a grid too large, an unknown parameter or
metric, and a missing token."""

from __future__ import annotations

import math
from typing import Any

from fastapi.testclient import TestClient

from alpha_arena.api.routes.sweeps import MAX_COMBINATIONS, MAX_SIMULATED_BARS
from alpha_arena.backtest.sweep import parse_grid
from alpha_arena.services import backtests
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import AUTH, BTC, assert_error

URL = "/api/v1/backtests/sweeps"
BODY: dict[str, Any] = {
    "strategy": "ema_trend", "symbol": BTC, "timeframe": "1h", "start": "2024-01-01",
    "end": "2024-01-22", "capital": 5_000, "fee_rate": 0.0005, "slippage_bps": 2,
    "leverage": 1, "params": {"allow_short": False},
    "grid": {"fast": {"start": 4, "stop": 12, "step": 4}, "slow": {"values": [20, 30]}},
}  # fmt: skip


def sweep(client: TestClient, **changes: Any) -> dict[str, Any]:
    response = client.post(URL, json={**BODY, **changes}, headers=AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def service_sweep(market: AppContext, grid: list[str], rank_by: str) -> Any:
    """The same sweep through the service the CLI calls, with the CLI's ``--grid`` specs."""
    base = backtests.build_config(
        "ema_trend", BTC, "1h", "2024-01-01", "2024-01-22", capital=5_000, fee_rate=0.0005,
        slippage_bps=2, leverage=1, params=["allow_short=false"],
    )  # fmt: skip
    return backtests.sweep(market, base, parse_grid(grid), jobs=1, rank_by=rank_by)


def test_a_sweep_ranks_the_grid_as_the_cli_service_does(
    client: TestClient, market: AppContext
) -> None:
    body = sweep(client, rank_by="sharpe")
    expected = service_sweep(market, ["fast=4:12:4", "slow=20,30"], "sharpe")

    assert body["grid"] == {"fast": ["4", "8", "12"], "slow": ["20", "30"]}
    assert body["combinations"] == 6 and body["skipped"] == []
    assert [item["rank"] for item in body["results"]] == [1, 2, 3, 4, 5, 6]
    assert [item["params"] for item in body["results"]] == [
        dict(point.params) for point in expected.points
    ]
    assert [item["metrics"] for item in body["results"]] == [
        point.metrics_dict() for point in expected.points
    ]
    assert body["overfitting"] == expected.overfitting.as_dict()
    # Three weeks of hourly bars: 16 blocks; each split's half is 8 of them.
    assert (body["overfitting"]["blocks"], body["overfitting"]["splits"]) == (16, 12_870)
    assert all(0 <= item["metrics"]["deflated_sharpe"] <= 1 for item in body["results"])
    sharpes = [item["metrics"]["sharpe"] for item in body["results"]]
    known = [value for value in sharpes if value is not None]
    assert known == sorted(known, reverse=True) and len(set(known)) > 1
    assert sharpes[: len(known)] == known  # no value last
    assert body["results"][0]["metrics"]["sharpe"] == max(known)
    assert (body["rank_by"], body["start"], body["end"]) == (
        "sharpe", "2024-01-01T00:00:00Z", "2024-01-22T00:00:00Z",
    )  # fmt: skip


def test_a_lower_is_better_metric_ranks_smallest_first(
    client: TestClient, market: AppContext
) -> None:
    body = sweep(client, rank_by="max_drawdown")
    drawdowns = [item["metrics"]["max_drawdown"] for item in body["results"]]
    assert drawdowns == sorted(drawdowns) and drawdowns[0] < drawdowns[-1]
    expected = service_sweep(market, ["fast=4:12:4", "slow=20,30"], "max_drawdown")
    assert [item["params"] for item in body["results"]] == [
        dict(point.params) for point in expected.points
    ]


def test_combinations_the_strategy_refuses_are_skipped_with_the_reason(
    client: TestClient,
) -> None:
    body = sweep(client, grid={"fast": {"values": [10, 25]}, "slow": {"values": [20]}})

    assert body["combinations"] == 2
    assert [item["params"]["fast"] for item in body["results"]] == ["10"]
    assert body["overfitting"] is None  # one combination run: no selection to judge
    # Alone, it was not selected from others: its deflated Sharpe ratio is its PSR against 0.
    assert body["results"][0]["metrics"]["deflated_sharpe"] is not None
    assert len(body["skipped"]) == 1
    skipped = body["skipped"][0]
    assert skipped["params"] == {"allow_short": "false", "fast": "25", "slow": "20"}
    assert "fast" in skipped["reason"] and "slow" in skipped["reason"]


def test_a_sweep_needs_the_token(client: TestClient) -> None:
    assert_error(client.post(URL, json=BODY), 401, "unauthorized")
    wrong = client.post(URL, json=BODY, headers={"Authorization": "Bearer nope"})
    assert_error(wrong, 401, "unauthorized")


def test_a_grid_above_the_cap_is_a_400_naming_the_cap(client: TestClient) -> None:
    grid = {
        "fast": {"start": 1, "stop": 20, "step": 1},
        "slow": {"start": 21, "stop": 31, "step": 1},
    }
    assert MAX_COMBINATIONS < 20 * 11
    response = client.post(URL, json={**BODY, "grid": grid}, headers=AUTH)
    assert_error(response, 400, "invalid_input", "220 combinations", f"at most {MAX_COMBINATIONS}")


def test_a_window_too_long_for_the_grid_is_a_400(client: TestClient) -> None:
    changes = {"timeframe": "1m", "start": "2023-01-01", "end": "2024-01-01"}
    bars = 365 * 24 * 60
    assert 3 * 2 * bars > MAX_SIMULATED_BARS
    response = client.post(URL, json={**BODY, **changes}, headers=AUTH)
    assert_error(response, 400, "invalid_input", f"at most {MAX_SIMULATED_BARS:,}")


def test_an_unknown_parameter_is_a_400_naming_it_and_the_accepted_ones(
    client: TestClient,
) -> None:
    grid = {"fast": {"values": [5]}, "nope": {"values": [1, 2]}}
    response = client.post(URL, json={**BODY, "grid": grid}, headers=AUTH)
    assert_error(response, 400, "invalid_input", "'nope'", "fast, slow, allow_short")


def test_an_unknown_metric_or_a_bad_range_is_refused(client: TestClient) -> None:
    response = client.post(URL, json={**BODY, "rank_by": "luck"}, headers=AUTH)
    assert_error(response, 400, "invalid_input", "'luck'")
    backwards = {"fast": {"start": 10, "stop": 5, "step": 1}}
    response = client.post(URL, json={**BODY, "grid": backwards}, headers=AUTH)
    assert_error(response, 400, "invalid_input", "STOP >= START")
    flat = {"fast": {"start": 5, "stop": 10, "step": 0}}
    assert_error(
        client.post(URL, json={**BODY, "grid": flat}, headers=AUTH), 422, "validation_error"
    )
    assert_error(client.post(URL, json={**BODY, "grid": {}}, headers=AUTH), 422, "validation_error")


def test_a_fractional_range_reads_like_the_cli(client: TestClient, market: AppContext) -> None:
    grid = {"period": {"values": [20]}, "stddev": {"start": 1.5, "stop": 2.5, "step": 0.5}}
    response = client.post(
        URL, json={**BODY, "strategy": "bollinger_range", "params": {}, "grid": grid}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (
        body["grid"]["stddev"]
        == parse_grid(["stddev=1.5:2.5:0.5"])["stddev"]
        == ["1.5", "2", "2.5"]
    )
    assert body["combinations"] == math.prod(len(v) for v in body["grid"].values()) == 3


def test_the_limits_say_what_a_sweep_may_ask_for(client: TestClient) -> None:
    limits = client.get(URL).json()
    assert limits["max_combinations"] == MAX_COMBINATIONS
    assert limits["max_simulated_bars"] == MAX_SIMULATED_BARS
    assert {"sharpe", "total_return", "max_drawdown", "calmar"} <= set(limits["rank_by"])
    assert "ts_start" not in limits["rank_by"]
    for metric in limits["rank_by"]:  # each one ranks
        assert sweep(client, rank_by=metric, grid={"fast": {"values": [5, 8]}})["rank_by"] == metric
