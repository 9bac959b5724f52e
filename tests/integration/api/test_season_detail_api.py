"""A season's completed trades, funding payments and risk events over HTTP, on both databases:
pages like every list, filtered by entry, symbol and time, and equal to what the store holds
(the trades to what `arena season trades` prints)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient

from alpha_arena.core.time import parse_ts
from alpha_arena.services import season_views, seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_queries import SeasonQueries
from alpha_arena.storage.season_store import SeasonStore
from tests.integration.api.conftest import BTC, ETH, assert_error

_names = itertools.count()
ALL = {"limit": 1000}


@pytest.fixture(scope="module")
def season_id(market: AppContext) -> int:
    """A finished five-day season of a fast EMA agent and both baselines on BTC and ETH, its
    total exposure capped at half the equity so that the risk checks deny and adjust some
    actions; everyone holds positions across funding settlements."""
    agent = f"detail-agent-{next(_names)}"
    add_agent(market, agent, {"kind": "strategy", "strategy": "ema_trend",
                              "params": {"fast": "5", "slow": "20"}})  # fmt: skip
    season = seasons.create_season(market, {
        "name": f"detail-season-{next(_names)}", "symbols": [BTC, ETH],
        "start": parse_ts("2024-03-01"), "end": parse_ts("2024-03-06"), "participants": [agent],
        "risk": {"max_total_exposure": 0.5},
    })  # fmt: skip
    seasons.run_season(market, season.id)
    return season.id


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def entry_ids(market: AppContext, season_id: int) -> dict[str, int]:
    return {entry.name: entry.id for entry in SeasonStore(market.engine).entries(season_id)}


def test_trades_are_the_round_trips_the_cli_prints(
    client: TestClient, market: AppContext, season_id: int
) -> None:
    path = f"/api/v1/seasons/{season_id}/trades"
    expected = season_views.completed_trades(market, season_id)
    oldest = get(client, path, oldest_first=True, **ALL)
    assert oldest["total"] == len(expected) > 0
    assert [(t["entry"], t["symbol"], t["ts_exit"], t["net_pnl"]) for t in oldest["items"]] == [
        (i.entry, i.trade.symbol, i.trade.ts_exit, pytest.approx(i.trade.net_pnl)) for i in expected
    ]
    newest = get(client, path, **ALL)
    assert newest["items"] == oldest["items"][::-1]
    for trade in newest["items"]:
        assert trade["ts_entry"] < trade["ts_exit"] and trade["side"] in {"long", "short"}
        assert trade["net_pnl"] == pytest.approx(trade["pnl"] - trade["fees"] + trade["funding"])
        assert trade["closed"].startswith("2024-03-0") and trade["exit_reason"] != "open_at_end"

    # A trade closes where one of its entry's fills in that symbol happened.
    store = SeasonStore(market.engine)
    for name, entry_id in entry_ids(market, season_id).items():
        own = get(client, path, entry=name, **ALL)["items"]
        assert own == [t for t in newest["items"] if t["entry"] == name]
        fills = {(fill.symbol, fill.ts) for fill in store.fills(entry_id)}
        assert all((t["symbol"], t["ts_exit"]) in fills for t in own)
    # Buy-and-hold never closes: it has no completed trade.
    assert get(client, path, entry="btc-buy-and-hold")["total"] == 0

    eth = get(client, path, symbol=ETH, **ALL)["items"]
    assert eth == [t for t in newest["items"] if t["symbol"] == ETH]
    page = get(client, path, limit=2, offset=1)
    assert page["items"] == newest["items"][1:3] and page["total"] == newest["total"]
    span = get(client, path, start="2024-03-03", end="2024-03-05", **ALL)["items"]
    assert span == [t for t in newest["items"]
                    if parse_ts("2024-03-03") <= t["ts_exit"] < parse_ts("2024-03-05")]  # fmt: skip


def test_funding_lists_every_stored_payment(
    client: TestClient, market: AppContext, season_id: int
) -> None:
    path = f"/api/v1/seasons/{season_id}/funding"
    store = SeasonStore(market.engine)
    every = get(client, path, **ALL)
    stored = {
        name: store.funding(entry_id) for name, entry_id in entry_ids(market, season_id).items()
    }
    assert every["total"] == sum(len(rows) for rows in stored.values()) > 0
    assert [item["ts"] for item in every["items"]] == sorted(
        (item["ts"] for item in every["items"]), reverse=True
    )
    for name, rows in stored.items():
        own = get(client, path, entry=name, oldest_first=True, **ALL)["items"]
        assert [(i["ts"], i["symbol"], i["amount"]) for i in own] == [
            (ts, symbol, pytest.approx(amount)) for ts, symbol, amount in rows
        ]
        assert all(item["entry"] == name and item["time"].endswith("Z") for item in own)

    btc = get(client, path, symbol=BTC, **ALL)
    assert btc["items"] == [i for i in every["items"] if i["symbol"] == BTC] and btc["total"] > 0
    span = get(client, path, start="2024-03-02", end="2024-03-03", **ALL)["items"]
    assert span == [i for i in every["items"]
                    if parse_ts("2024-03-02") <= i["ts"] < parse_ts("2024-03-03")]  # fmt: skip
    page = get(client, path, limit=3, offset=2)
    assert (page["limit"], page["offset"]) == (3, 2) and page["items"] == every["items"][2:5]


def test_risk_events_list_denials_with_their_rule_and_adjusted_approvals(
    client: TestClient, market: AppContext, season_id: int
) -> None:
    path = f"/api/v1/seasons/{season_id}/risk-events"
    store = SeasonStore(market.engine)
    ids = entry_ids(market, season_id)
    every = get(client, path, **ALL)
    assert every["total"] == sum(len(store.risk_events(entry_id)) for entry_id in ids.values())

    denied = get(client, path, approved=False, **ALL)["items"]
    assert denied and all(not item["approved"] and item["rule"] and item["reason"]
                          and item["level"] == "deny" for item in denied)  # fmt: skip
    adjusted = get(client, path, approved=True, **ALL)["items"]
    assert adjusted and all(item["approved"] and item["adjustments"] and item["level"] == "warn"
                            for item in adjusted)  # fmt: skip
    assert len(denied) + len(adjusted) == every["total"]
    # The same denials, by rule, as the season's summary counts them.
    for name, rules in SeasonQueries(market.engine).denial_counts(season_id).items():
        own = [item["rule"] for item in denied if item["entry"] == name]
        assert {rule: own.count(rule) for rule in set(own)} == rules

    for name, entry_id in ids.items():
        own = get(client, path, entry=name, oldest_first=True, **ALL)["items"]
        rows = store.risk_events(entry_id)
        assert [(i["tick"], i["symbol"], i["signal"], i["reason"]) for i in own] == [
            (row["tick"], row["symbol"], row["signal"], row["reason"]) for row in rows
        ]


@pytest.mark.parametrize("what", ["trades", "funding", "risk-events"])
def test_unknown_seasons_entries_and_bad_pages_are_refused(
    client: TestClient, season_id: int, what: str
) -> None:
    assert_error(client.get(f"/api/v1/seasons/999999/{what}"), 404, "not_found", "999999")
    ghost = client.get(f"/api/v1/seasons/{season_id}/{what}", params={"entry": "ghost"})
    assert_error(ghost, 404, "not_found", "ghost")
    too_many = client.get(f"/api/v1/seasons/{season_id}/{what}", params={"limit": 100_000})
    assert_error(too_many, 422, "validation_error", "limit")
    bad_time = client.get(f"/api/v1/seasons/{season_id}/{what}", params={"start": "yesterday"})
    assert_error(bad_time, 400, "invalid_input")
