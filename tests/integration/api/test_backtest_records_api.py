"""A backtest's decisions, position path and risk events over HTTP, on both databases: pages
of the stored rows, their CSV downloads, and the answers for an unknown run or a bad page."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from alpha_arena.services import backtests
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import AUTH, BTC, assert_error

URL = "/api/v1/backtests"
BODY: dict[str, Any] = {
    "strategy": "ema_trend", "symbol": BTC, "timeframe": "1h", "start": "2024-01-01",
    "end": "2024-02-01", "fee_rate": 0.0005, "params": {"fast": 8, "slow": 21},
    "stop_loss": 0.03, "take_profit": 0.05,
}  # fmt: skip


def post(client: TestClient, **changes: Any) -> int:
    response = client.post(URL, json={**BODY, **changes}, headers=AUTH)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def every(client: TestClient, path: str) -> dict[str, Any]:
    response = client.get(path, params={"limit": 1000})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_decisions_and_positions_are_the_stored_rows_in_pages(
    client: TestClient, market: AppContext
) -> None:
    run_id = post(client)
    for route, table in (("decisions", "decisions"), ("positions", "positions")):
        stored = backtests.table(market, run_id, table)
        listed = every(client, f"{URL}/{run_id}/{route}")
        assert listed["total"] == len(stored) > 2
        assert listed["items"] == stored
        page = client.get(f"{URL}/{run_id}/{route}", params={"limit": 2, "offset": 1}).json()
        assert (page["total"], page["limit"], page["offset"]) == (len(stored), 2, 1)
        assert page["items"] == stored[1:3]

    decisions = every(client, f"{URL}/{run_id}/decisions")["items"]
    assert {row["signal"] for row in decisions} >= {"buy_to_enter", "sell_to_enter"}
    assert all(row["target"] in (-1.0, 1.0) for row in decisions)
    entries = [row for row in every(client, f"{URL}/{run_id}/positions")["items"]
               if row["tag"] == "entry"]  # fmt: skip
    assert entries and all(row["stop_loss"] and row["take_profit"] for row in entries)


def test_risk_events_have_their_level_and_rule_and_match_the_denial_counts(
    client: TestClient,
) -> None:
    # 1 USDT of capital sizes every entry below BTC's 100 USDT minimum notional.
    run_id = post(client, capital=1)
    denials = client.get(f"{URL}/{run_id}").json()["denials"]
    listed = every(client, f"{URL}/{run_id}/risk-events")
    assert listed["total"] == denials["min_notional"] > 0
    for item in listed["items"]:
        assert (item["level"], item["rule"], item["adjustments"]) == ("deny", "min_notional", [])
        assert "is below the instrument minimum" in item["reason"]
    assert every(client, f"{URL}/{run_id}/positions")["total"] == 0
    assert every(client, f"{URL}/{post(client)}/risk-events")["total"] == 0


@pytest.mark.parametrize("table", ["decisions", "positions", "risk_events"])
def test_the_new_tables_download_as_the_csv_the_cli_writes(
    client: TestClient, market: AppContext, table: str, tmp_path: Path
) -> None:
    run_id = post(client, capital=1) if table == "risk_events" else post(client)
    written = {path.stem: path for path in backtests.export(market, run_id, tmp_path)}
    response = client.get(f"{URL}/{run_id}/export/{table}.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        f'attachment; filename="backtest-{run_id}-{table}.csv"'
    )
    assert response.content == written[table].read_bytes()
    rows = list(csv.DictReader(io.StringIO(response.text)))
    stored = backtests.table(market, run_id, table)
    assert len(rows) == len(stored) > 0
    assert [row["seq"] for row in rows] == [str(row["seq"]) for row in stored]
    if table == "risk_events":
        assert [json.loads(row["adjustments"]) for row in rows] == [
            json.loads(row["adjustments"]) for row in stored
        ]


@pytest.mark.parametrize("route", ["decisions", "positions", "risk-events"])
def test_unknown_runs_and_bad_pages_are_refused(client: TestClient, route: str) -> None:
    assert_error(client.get(f"{URL}/2000000000/{route}"), 404, "not_found", "2000000000")
    assert client.get(f"{URL}/0/{route}").status_code == 422
    bad_page = client.get(f"{URL}/1/{route}", params={"limit": 0})
    assert_error(bad_page, 422, "validation_error")
