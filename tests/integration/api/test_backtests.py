"""Backtests through the API: run and store one, read it back (metrics, equity, trades,
orders, CSV), list, compare, and the answers to bad input and missing credentials."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from alpha_arena.services import backtests
from alpha_arena.services.context import AppContext
from alpha_arena.storage.backtest_store import BacktestStore
from tests.integration.api.conftest import AUTH, BTC, ETH, assert_error, read_only_client

URL = "/api/v1/backtests"
BODY: dict[str, Any] = {
    "strategy": "ema_trend", "symbol": BTC, "timeframe": "1h", "start": "2024-01-01",
    "end": "2024-02-01", "capital": 5_000, "fee_rate": 0.0005, "slippage_bps": 2,
    "leverage": 2, "params": {"fast": 8, "slow": 21, "allow_short": False}, "stop_loss": 0.05,
}  # fmt: skip


def request_body(drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    """BODY with ``changes``, without the fields named in ``drop``."""
    return {key: value for key, value in {**BODY, **changes}.items() if key not in drop}


def post(client: TestClient, drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    response = client.post(URL, json=request_body(drop, **changes), headers=AUTH)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def stored_count(market: AppContext) -> int:
    return len(backtests.stored(market))


def test_a_posted_backtest_has_the_metrics_of_the_same_config_run_in_process(
    client: TestClient, market: AppContext
) -> None:
    body = post(client)

    config = backtests.build_config(
        "ema_trend", BTC, "1h", "2024-01-01", "2024-02-01", capital=5_000, fee_rate=0.0005,
        slippage_bps=2, leverage=2, params={"fast": "8", "slow": "21", "allow_short": "false"},
        stop_loss=0.05,
    )  # fmt: skip
    _, expected = backtests.run(market, config)
    assert expected.metrics.trade_count > 0
    assert body["metrics"] == expected.metrics.as_dict()
    assert body["config"] == backtests.config_as_dict(config)
    assert body["config"]["params"] == {"fast": "8", "slow": "21", "allow_short": "false"}
    assert body["bars"] == expected.bars == 31 * 24
    assert (body["strategy"], body["symbols"], body["timeframe"]) == ("ema_trend", [BTC], "1h")
    assert (body["start"], body["end"]) == ("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")

    shown = client.get(f"{URL}/{body['id']}")
    assert shown.status_code == 200
    assert shown.json() == body


def test_a_backtest_whose_orders_were_all_denied_says_why(client: TestClient) -> None:
    # 1 USDT of capital sizes every entry below BTC's 100 USDT minimum notional.
    body = post(client, capital=1)

    assert body["metrics"]["trade_count"] == 0
    assert list(body["denials"]) == ["min_notional"] and body["denials"]["min_notional"] > 1
    assert client.get(f"{URL}/{body['id']}").json()["denials"] == body["denials"]
    listed = client.get(URL, params={"limit": 1}).json()["items"][0]
    assert (listed["id"], listed["denials"]) == (body["id"], body["denials"])
    assert post(client)["denials"] == {}


def test_several_symbols_trade_each_and_have_no_single_benchmark(client: TestClient) -> None:
    body = post(client, ("symbol",), symbols=[BTC, ETH], params={"fast": 5, "slow": 13})
    assert body["symbols"] == [BTC, ETH]
    assert body["config"]["symbols"] == [BTC, ETH]
    assert body["metrics"]["buy_and_hold_return"] is None
    trades = client.get(f"{URL}/{body['id']}/trades", params={"limit": 1000}).json()
    assert {trade["symbol"] for trade in trades["items"]} == {BTC, ETH}


def test_the_list_is_newest_first_filters_and_pages(client: TestClient) -> None:
    on_eth = post(client, symbol=ETH, strategy="momentum", params={})
    on_btc = post(client, strategy="buy_and_hold", params={})

    everything = client.get(URL, params={"limit": 1000}).json()
    ids = [item["id"] for item in everything["items"]]
    assert ids == sorted(ids, reverse=True)
    assert ids[:2] == [on_btc["id"], on_eth["id"]]
    assert everything["total"] == len(ids)
    assert everything["items"][0]["metrics"] == on_btc["metrics"]
    assert "config" not in everything["items"][0]

    second = client.get(URL, params={"limit": 1, "offset": 1}).json()
    assert [item["id"] for item in second["items"]] == [on_eth["id"]]
    assert (second["total"], second["limit"], second["offset"]) == (len(ids), 1, 1)

    momentum = client.get(URL, params={"strategy": "momentum", "limit": 1000}).json()
    assert on_eth["id"] in [item["id"] for item in momentum["items"]]
    assert {item["strategy"] for item in momentum["items"]} == {"momentum"}

    eth = client.get(URL, params={"symbol": ETH, "limit": 1000}).json()
    eth_ids = [item["id"] for item in eth["items"]]
    assert on_eth["id"] in eth_ids and on_btc["id"] not in eth_ids
    assert all(ETH in item["symbols"] for item in eth["items"])

    assert client.get(URL, params={"strategy": "no_such"}).json()["total"] == 0
    assert client.get(URL, params={"limit": 0}).status_code == 422


def test_the_equity_curve_is_whole_or_thinned_keeping_first_and_last(
    client: TestClient, market: AppContext
) -> None:
    run_id = post(client)["id"]
    stored = BacktestStore(market.engine).equity(run_id)

    whole = client.get(f"{URL}/{run_id}/equity").json()
    assert (whole["id"], whole["total"], whole["step"]) == (run_id, len(stored), 1)
    assert whole["items"] == stored
    assert len(stored) == 31 * 24

    thin = client.get(f"{URL}/{run_id}/equity", params={"points": 10}).json()
    # 744 points, at most 10: every 83rd (0, 83, ..., 664) and the last (743).
    assert (thin["total"], thin["step"]) == (744, 83)
    assert thin["items"] == [stored[i] for i in (*range(0, 744, 83), 743)]
    assert len(thin["items"]) == 10

    enough = client.get(f"{URL}/{run_id}/equity", params={"points": len(stored)}).json()
    assert enough["items"] == stored
    assert client.get(f"{URL}/{run_id}/equity", params={"points": 1}).status_code == 422


def test_trades_and_orders_page_through_the_stored_rows(
    client: TestClient, market: AppContext
) -> None:
    run_id = post(client)["id"]
    store = BacktestStore(market.engine)
    trades, orders = store.trades(run_id), store.orders(run_id)
    assert len(trades) >= 3 and len(orders) >= 3

    page = client.get(f"{URL}/{run_id}/trades", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == len(trades)
    assert page["items"] == trades[1:3]
    assert [item["seq"] for item in page["items"]] == [1, 2]

    all_orders = client.get(f"{URL}/{run_id}/orders", params={"limit": 1000}).json()
    assert all_orders["total"] == len(orders)
    assert all_orders["items"] == orders
    assert {order["status"] for order in all_orders["items"]} <= {"filled", "canceled"}


def test_csv_exports_match_the_json_reads_and_the_cli_files(
    client: TestClient, market: AppContext, tmp_path: Path
) -> None:
    run_id = post(client)["id"]
    written = {path.stem: path for path in backtests.export(market, run_id, tmp_path)}
    equity_total = client.get(f"{URL}/{run_id}/equity").json()["total"]
    trades = client.get(f"{URL}/{run_id}/trades", params={"limit": 1000}).json()

    for table in ("equity", "trades", "orders"):
        response = client.get(f"{URL}/{run_id}/export/{table}.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"] == (
            f'attachment; filename="backtest-{run_id}-{table}.csv"'
        )
        assert response.content == written[table].read_bytes()

    equity_csv = client.get(f"{URL}/{run_id}/export/equity.csv").text
    equity_rows = list(csv.DictReader(io.StringIO(equity_csv)))
    assert len(equity_rows) == equity_total
    assert list(equity_rows[0]) == ["ts", "equity", "cash", "exposure"]

    trade_rows = list(
        csv.DictReader(io.StringIO(client.get(f"{URL}/{run_id}/export/trades.csv").text))
    )
    assert len(trade_rows) == trades["total"] > 0
    first = trades["items"][0]
    assert float(trade_rows[0]["pnl"]) == first["pnl"]
    assert int(trade_rows[0]["ts_entry"]) == first["ts_entry"]


def test_a_table_without_rows_exports_an_empty_file(client: TestClient) -> None:
    run_id = post(client, strategy="flat", params={})["id"]
    assert client.get(f"{URL}/{run_id}/trades").json()["total"] == 0
    response = client.get(f"{URL}/{run_id}/export/trades.csv")
    assert response.status_code == 200
    assert response.text == ""
    assert client.get(f"{URL}/{run_id}/export/equity.csv").text.startswith("ts,equity,")


def test_compare_returns_the_runs_side_by_side_in_the_order_asked(client: TestClient) -> None:
    first = post(client)
    second = post(client, strategy="buy_and_hold", params={})
    third = post(client, symbol=ETH, params={"fast": 3, "slow": 30})

    response = client.get(f"{URL}/compare", params={"ids": f"{third['id']},{first['id']}"})
    assert response.status_code == 200
    body = response.json()
    assert body["ids"] == [third["id"], first["id"]]
    assert [run["id"] for run in body["runs"]] == [third["id"], first["id"]]
    assert [run["config"] for run in body["runs"]] == [third["config"], first["config"]]
    assert body["metrics"]["total_return"] == [
        third["metrics"]["total_return"],
        first["metrics"]["total_return"],
    ]
    assert set(body["metrics"]) == set(first["metrics"])

    three = client.get(
        f"{URL}/compare", params={"ids": f"{second['id']}, {third['id']}, {first['id']}"}
    ).json()
    assert three["ids"] == [second["id"], third["id"], first["id"]]
    assert three["metrics"]["trade_count"] == [
        run["metrics"]["trade_count"] for run in (second, third, first)
    ]


@pytest.mark.parametrize(
    ("ids", "fragment"),
    [
        ("5", "compare 2 to 3 backtests, got 1"),
        ("1,2,3,4", "compare 2 to 3 backtests, got 4"),
        ("abc", "give backtest ids separated by commas"),
        ("1,,2", "give backtest ids separated by commas"),
        ("1;2", "give backtest ids separated by commas"),
        ("-1,2", "give backtest ids separated by commas"),
    ],
)
def test_compare_refuses_other_than_two_or_three_ids(
    client: TestClient, ids: str, fragment: str
) -> None:
    message = assert_error(client.get(f"{URL}/compare", params={"ids": ids}), 400, "invalid_input")
    assert fragment in message


def test_compare_names_an_unknown_id(client: TestClient) -> None:
    known = post(client, strategy="flat", params={})["id"]
    for ids, missing in ((f"{known},2000000000", 2000000000), (f"0,{known}", 0),
                         (f"{known},99999999999999", 99999999999999)):  # fmt: skip
        message = assert_error(client.get(f"{URL}/compare", params={"ids": ids}), 404, "not_found")
        assert f"no backtest {missing}" in message
    assert assert_error(client.get(f"{URL}/compare"), 422, "validation_error")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/2000000000", 404), ("/2000000000/equity", 404), ("/2000000000/trades", 404),
        ("/2000000000/orders", 404), ("/2000000000/export/equity.csv", 404), ("/0", 422),
        ("/99999999999", 422), ("/abc", 422), ("/1/export/fills.csv", 422),
    ],
)  # fmt: skip
def test_reads_of_a_missing_or_malformed_id(client: TestClient, path: str, status: int) -> None:
    response = client.get(URL + path)
    message = assert_error(response, status, "not_found" if status == 404 else "validation_error")
    if status == 404:
        assert "no backtest 2000000000" in message


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"strategy": "no_such"}, "unknown strategy 'no_such'"),
        ({"params": {"fast": "abc"}}, "fast must be a whole number, got 'abc'"),
        ({"params": {"nope": 1}}, "ema_trend has no parameter 'nope'"),
        ({"params": {"fast": 30, "slow": 20}}, "fast (30) must be less than slow (20)"),
        ({"params": {" ": 1}}, "a strategy parameter has an empty name"),
        ({"strategy": "bollinger_range", "params": {"stddev": 1e308}}, "out of range"),
        ({"start": "not-a-date"}, "cannot read 'not-a-date' as a date"),
        ({"start": "\x00"}, "\\x00"),
        ({"start": "2024-03-01"}, "is not before end"),
        ({"start": "0001-01-01"}, "'0001-01-01' is outside the years 1970 to 9999"),
        ({"end": "9999-12-31T23:00-05:00"}, "is outside the years 1970 to 9999"),
        ({"end": "9999-12-31"}, "the window spans 69,"),
        ({"timeframe": "1m", "start": "1970-01-01", "end": "2100-01-01"}, "at most 1,000,000"),
        ({"timeframe": "7x"}, "unknown timeframe '7x'"),
        ({"end": "2026-06-02"}, "end 2026-06-02T00:00:00Z is in the future (now 2026-06-01"),
        (
            {"end": "2026-06-01"},
            "past the stored 1h data of BTC/USDT:USDT: its last bar opens "
            "at 2026-05-17T07:00:00Z; use --end 2026-05-17T08:00:00Z",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_mistake_and_stores_nothing(
    client: TestClient, market: AppContext, changes: dict[str, Any], fragment: str
) -> None:
    before = stored_count(market)
    response = client.post(URL, json={**BODY, **changes}, headers=AUTH)
    assert fragment in assert_error(response, 400, "invalid_input")
    assert "\n" not in response.json()["error"]["message"]
    assert stored_count(market) == before


def test_a_symbol_that_cannot_be_one_fails_validation(
    client: TestClient, market: AppContext
) -> None:
    before = stored_count(market)
    response = client.post(URL, json={**BODY, "symbol": "BTC\x00"}, headers=AUTH)
    assert "symbol" in assert_error(response, 422, "validation_error")
    assert stored_count(market) == before


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"symbol": "NOPE/USDT:USDT"}, "no instrument 'NOPE/USDT:USDT'"),
        ({"exchange": "kraken"}, "on 'kraken'"),
        ({"start": "2010-01-01", "end": "2010-02-01"}, "no 1h candles for BTC/USDT:USDT"),
    ],
)
def test_missing_data_is_a_404(
    client: TestClient, market: AppContext, changes: dict[str, Any], fragment: str
) -> None:
    before = stored_count(market)
    response = client.post(URL, json={**BODY, **changes}, headers=AUTH)
    assert fragment in assert_error(response, 404, "not_found")
    assert stored_count(market) == before


@pytest.mark.parametrize(
    ("drop", "changes", "location"),
    [
        ((), {"extra": 1}, ["body", "extra"]),
        ((), {"capital": 0}, ["body", "capital"]),
        ((), {"capital": 1e12}, ["body", "capital"]),
        ((), {"leverage": 126}, ["body", "leverage"]),
        ((), {"leverage": 0.5}, ["body", "leverage"]),
        ((), {"fee_rate": 0.1}, ["body", "fee_rate"]),
        ((), {"stop_loss": 1}, ["body", "stop_loss"]),
        ((), {"slippage_bps": False}, ["body", "slippage_bps"]),
        (("symbol",), {"symbols": [BTC] * 7}, ["body", "symbols"]),
        (("symbol",), {"symbols": []}, ["body", "symbols"]),
        ((), {"symbols": [BTC]}, ["body"]),
        (("symbol",), {}, ["body"]),
        ((), {"symbol": None}, ["body"]),
        ((), {"symbol": "BTC/USDT USDT"}, ["body", "symbol"]),
        ((), {"start": ""}, ["body", "start"]),
        ((), {"params": {str(n): 1 for n in range(33)}}, ["body", "params"]),
        ((), {"params": {"fast": [12]}}, ["body", "params", "fast", "bool"]),
    ],
)
def test_malformed_bodies_are_422_with_the_location(
    client: TestClient,
    market: AppContext,
    drop: tuple[str, ...],
    changes: dict[str, Any],
    location: list[str],
) -> None:
    before = stored_count(market)
    response = client.post(URL, json=request_body(drop, **changes), headers=AUTH)
    assert_error(response, 422, "validation_error")
    found = response.json()["error"]["details"][0]["location"]
    assert found[: len(location)] == location, found
    assert stored_count(market) == before


@pytest.mark.parametrize("raw", ['"capital": Infinity', '"capital": NaN', '"fee_rate": -Infinity'])
def test_non_finite_numbers_are_refused(client: TestClient, raw: str) -> None:
    content = '{"strategy": "flat", "symbol": "BTC/USDT:USDT", "start": "2024-01-01", '
    content += '"end": "2024-02-01", ' + raw + "}"
    headers = {**AUTH, "Content-Type": "application/json"}
    response = client.post(URL, content=content, headers=headers)
    assert assert_error(response, 422, "validation_error").endswith(
        "Input should be a finite number"
    )


def test_running_a_backtest_needs_the_token(client: TestClient, market: AppContext) -> None:
    before = stored_count(market)
    missing = client.post(URL, json=BODY)
    assert "needs `Authorization: Bearer <token>`" in assert_error(missing, 401, "unauthorized")
    wrong = client.post(URL, json=BODY, headers={"Authorization": "Bearer nope"})
    assert assert_error(wrong, 401, "unauthorized") == "the bearer token is wrong"
    with read_only_client(market) as reader:
        refused = reader.post(URL, json=BODY, headers=AUTH)
        assert "read-only" in assert_error(refused, 403, "forbidden")
        assert reader.get(URL).status_code == 200
    assert stored_count(market) == before


def test_the_openapi_documents_every_route_and_the_csv_download(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    ours = {path: item for path, item in paths.items() if path.startswith(URL)}
    assert set(ours) == {
        URL, f"{URL}/compare", f"{URL}/{{id}}", f"{URL}/{{id}}/equity", f"{URL}/{{id}}/trades",
        f"{URL}/{{id}}/orders", f"{URL}/{{id}}/decisions", f"{URL}/{{id}}/positions",
        f"{URL}/{{id}}/risk-events", f"{URL}/{{id}}/export/{{table}}.csv", f"{URL}/sweeps",
    }  # fmt: skip
    for item in ours.values():
        for operation in item.values():
            assert operation["summary"]
    download = ours[f"{URL}/{{id}}/export/{{table}}.csv"]["get"]["responses"]["200"]
    assert list(download["content"]) == ["text/csv"]
    created = ours[URL]["post"]["responses"]
    assert {"201", "401", "403"} <= set(created)
    assert created["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "BacktestDetail"
    )
