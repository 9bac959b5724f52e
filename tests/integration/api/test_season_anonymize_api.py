"""An anonymized season through the API, on both databases: the option round-trips through
create, read and list; its tape secret is stored with the season and served by no endpoint
(the season routes, the database browser, the leaderboard)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_store import SeasonStore
from tests.integration.api.conftest import AUTH
from tests.integration.api.test_seasons_api import season_body, strategy_agent


def test_the_option_round_trips_and_its_secret_is_never_served(
    client: TestClient, market: AppContext
) -> None:
    agent = strategy_agent(market)
    created = client.post(
        "/api/v1/seasons", json=season_body([agent], anonymize=True), headers=AUTH
    )
    assert created.status_code == 201, created.text
    season: dict[str, Any] = created.json()
    assert season["config"]["anonymize"] is True and "tape_seed" not in season["config"]

    secret = SeasonStore(market.engine).get(season["id"]).config["tape_seed"]
    assert isinstance(secret, str) and len(secret) == 32  # drawn at creation, stored
    served = [created.text]
    for path in (f"/api/v1/seasons/{season['id']}", "/api/v1/seasons",
                 f"/api/v1/seasons/{season['id']}/entries",
                 f"/api/v1/seasons/{season['id']}/leaderboard",
                 "/api/v1/system/database/tables/seasons/rows"):  # fmt: skip
        response = client.get(path, headers=AUTH)
        assert response.status_code == 200, (path, response.text)
        served.append(response.text)
    assert not any(secret in text for text in served)
    assert not any("tape_seed" in text for text in served)
    shown = client.get(f"/api/v1/seasons/{season['id']}", headers=AUTH).json()
    assert shown["config"]["anonymize"] is True
    listed = client.get("/api/v1/seasons", headers=AUTH).json()
    (row,) = [item for item in listed["items"] if item["id"] == season["id"]]
    assert row["config"]["anonymize"] is True

    plain = client.post("/api/v1/seasons", json=season_body([agent]), headers=AUTH).json()
    assert plain["config"]["anonymize"] is False
    assert SeasonStore(market.engine).get(plain["id"]).config["tape_seed"] is None


def test_a_secret_cannot_be_chosen_and_the_option_must_be_a_boolean(
    client: TestClient, market: AppContext
) -> None:
    for change in ({"anonymize": "yes"}, {"tape_seed": "0123456789abcdef0123"}):
        response = client.post("/api/v1/seasons", json=season_body([]) | change, headers=AUTH)
        assert response.status_code == 422, response.text
        assert set(response.json()) == {"error"}
