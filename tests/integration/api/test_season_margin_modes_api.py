"""POST /seasons takes the paper accounts' margin and position modes: they are kept in the
stored configuration (what a replay or a resumed runner trades by); an unknown one, or one a
live season cannot trade, is refused with the unified error body."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.api.conftest import AUTH, BTC, ETH, assert_error


def body(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "symbols": [BTC, ETH], "start": "2024-03-01", "end": "2024-03-06",
            "participants": []} | fields  # fmt: skip


def test_a_season_keeps_its_modes(client: TestClient) -> None:
    created = client.post(
        "/api/v1/seasons",
        json=body("modes-cross", margin_mode="cross", position_mode="long_short"),
        headers=AUTH,
    )
    assert created.status_code == 201, created.text
    shown = client.get(f"/api/v1/seasons/{created.json()['id']}").json()["config"]
    assert (shown["margin_mode"], shown["position_mode"]) == ("cross", "long_short")
    plain = client.post("/api/v1/seasons", json=body("modes-default"), headers=AUTH).json()
    assert (plain["config"]["margin_mode"], plain["config"]["position_mode"]) == (
        "isolated", "net",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "status", "code", "words"),
    [
        ({"margin_mode": "portfolio"}, 422, "validation_error", "margin_mode"),
        ({"position_mode": "hedge"}, 422, "validation_error", "position_mode"),
        ({"mode": "live", "baselines": False, "participants": ["x"], "accounts": {"x": "a"},
          "margin_mode": "cross"}, 400, "invalid_input", "isolated margin and net positions"),
    ],
)  # fmt: skip
def test_a_bad_mode_is_refused(
    client: TestClient, change: dict[str, Any], status: int, code: str, words: str
) -> None:
    before = len(client.get("/api/v1/seasons", params={"limit": 1000}).json()["items"])
    response = client.post("/api/v1/seasons", json=body("modes-bad") | change, headers=AUTH)
    assert_error(response, status, code, words)
    assert len(client.get("/api/v1/seasons", params={"limit": 1000}).json()["items"]) == before
