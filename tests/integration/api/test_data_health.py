"""Data health through the API: coverage, integrity scans and events, ingestion runs, and gap
repair through the real CCXT client against the loopback fake exchange (and against a closed
port, which must come back as a clean 502 with nothing written)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from alpha_arena.api.app import create_app
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.domain.market import Candles
from alpha_arena.marketdata.sources.sample import read_candles, sample_instruments
from alpha_arena.services import integrity
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import (
    AUTH,
    BTC,
    ETH,
    LOOPBACK,
    TEST_HOST,
    TOKEN,
    assert_error,
    read_only_client,
)
from tests.integration.marketdata.ingest_helpers import NOW, pointed_at
from tests.support.fake_exchange import FakeExchange
from tests.support.sample import SAMPLE, manifest

COVERAGE = "/api/v1/data/coverage"
EVENTS = "/api/v1/data/integrity-events"
RUNS = "/api/v1/data/ingestion-runs"
SCAN = "/api/v1/data/scan"
REPAIR = "/api/v1/data/repair"
SPOT = "BTC/USDT"
# The real 2019-05-15 Binance spot outage: no 1h bar from 03:00 to 12:00.
OUTAGE_START, OUTAGE_END = parse_ts("2019-05-15T03:00"), parse_ts("2019-05-15T12:00")
# A hole this test leaves in the perpetual's bars, which the (fake) exchange does have.
GAP_FROM, GAP_TO = parse_ts("2024-02-01T05:00"), parse_ts("2024-02-01T09:00")


def between(candles: Candles, start: int, end: int) -> Candles:
    return candles.where((candles.ts >= start) & (candles.ts <= end))


# -- coverage ----------------------------------------------------------------------------------


def test_coverage_is_the_stats_of_every_series(client: TestClient, market: AppContext) -> None:
    body = client.get(COVERAGE, params={"limit": 1000}).json()
    stats = integrity.series_stats(market)
    assert body["total"] == len(stats) >= 4
    assert [{key: item[key] for key in stats[0].as_dict()} for item in body["items"]] == [
        item.as_dict() for item in stats
    ]
    hourly = next(
        item for item in body["items"] if (item["symbol"], item["timeframe"]) == (BTC, "1h")
    )
    entry = manifest()["binance_usdm_BTCUSDT_1h.csv.gz"]
    assert (hourly["first"], hourly["last"], hourly["rows"]) == (
        entry["first"], entry["last"], entry["rows"]
    )  # fmt: skip
    assert (hourly["ts_first"], hourly["ts_last"]) == (
        parse_ts(entry["first"]), parse_ts(entry["last"])
    )  # fmt: skip
    assert (hourly["expected_rows"], hourly["gaps"], hourly["missing_rows"]) == (
        entry["rows"],
        0,
        0,
    )


def test_coverage_filters_by_symbol_and_timeframe(client: TestClient) -> None:
    body = client.get(COVERAGE, params={"symbols": f"{ETH}", "timeframes": "funding"}).json()
    [item] = body["items"]
    entry = manifest()["binance_usdm_ETHUSDT_funding_8h.csv.gz"]
    assert (item["symbol"], item["dataset"], item["rows"], item["first"]) == (
        ETH, "funding", entry["rows"], entry["first"]
    )  # fmt: skip
    two = client.get(COVERAGE, params={"symbols": f"{BTC},{ETH}", "timeframes": "1h"}).json()
    assert [item["symbol"] for item in two["items"]] == [BTC, ETH]
    assert client.get(COVERAGE, params={"exchange": "okx"}).json()["total"] == 0


def test_coverage_refuses_unknown_symbols_and_timeframes(client: TestClient) -> None:
    assert_error(client.get(COVERAGE, params={"symbols": "NOPE/USDT"}), 404, "not_found", "NOPE")
    assert_error(
        client.get(COVERAGE, params={"timeframes": "1h,xyz"}), 400, "invalid_input", "'xyz'"
    )
    assert_error(client.get(COVERAGE, params={"symbols": "\x00"}), 400, "invalid_input")
    assert_error(client.get(COVERAGE, params={"exchange": "\x00"}), 422, "validation_error")
    assert_error(client.get(COVERAGE, params={"limit": -1}), 422, "validation_error")


# -- scans and integrity events ----------------------------------------------------------------


def test_a_scan_finds_the_outage_opens_an_event_and_lists_it(
    client: TestClient, market: AppContext
) -> None:
    # Three real days of spot bars around the outage (only this test stores spot bars).
    days = between(
        read_candles(SAMPLE / "binance_spot_BTCUSDT_1h.csv.gz"),
        parse_ts("2019-05-14"), parse_ts("2019-05-16T23:00"),
    )  # fmt: skip
    market.market.write_candles("binance", SPOT, "1h", days)

    response = client.post(SCAN, json={"symbols": [SPOT], "timeframes": ["1h"]}, headers=AUTH)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["ts_scanned"], body["issues_found"]) == (market.clock.now_ms(), 1)
    [series] = body["series"]
    assert (series["symbol"], series["dataset"], series["rows"]) == (SPOT, "candles", 72 - 10)
    assert series["issues"] == {"gap": 1}
    assert (series["events_opened"], series["events_still_open"]) == (1, 0)
    [gap] = series["details"]
    assert (gap["kind"], gap["ts_start"], gap["ts_end"], gap["count"]) == (
        "gap", OUTAGE_START, OUTAGE_END, 10
    )  # fmt: skip
    assert (gap["start"], gap["end"]) == ("2019-05-15T03:00:00Z", "2019-05-15T12:00:00Z")

    # The same scan run directly finds the same, and the event the API opened is still open.
    [direct] = integrity.scan(market, symbols=[SPOT], timeframes=["1h"])
    assert [(i.kind.value, i.ts_start, i.ts_end, i.count, i.detail) for i in direct.issues] == [
        (gap["kind"], gap["ts_start"], gap["ts_end"], gap["count"], gap["detail"])
    ]
    assert (direct.outcome.opened, direct.outcome.still_open) == (0, 1)

    events = client.get(EVENTS, params={"symbol": SPOT}).json()
    [event] = market.integrity.events(symbol=SPOT)
    assert events["total"] == 1
    [item] = events["items"]
    assert (item["id"], item["kind"], item["status"], item["timeframe"]) == (
        event.id, "gap", "open", "1h"
    )  # fmt: skip
    assert (item["ts_start"], item["start"], item["count"]) == (OUTAGE_START, gap["start"], 10)
    assert (item["ts_detected"], item["ts_resolved"]) == (market.clock.now_ms(), None)
    for params, total in (
        ({"kind": "gap"}, 1),
        ({"kind": "duplicate"}, 0),
        ({"status": "open"}, 1),
        ({"status": "confirmed"}, 0),
        ({"status": "resolved"}, 0),
        ({"status": "all"}, 1),
        ({"timeframe": "funding"}, 0),
        ({"exchange": "okx"}, 0),
    ):
        found = client.get(EVENTS, params={"symbol": SPOT, **params}).json()
        assert found["total"] == total, params

    # Without a body every stored series is scanned; the known gap is still open, not new.
    everything = client.post(SCAN, headers=AUTH)
    assert everything.status_code == 200, everything.text
    scanned = {(s["symbol"], s["timeframe"]): s for s in everything.json()["series"]}
    assert set(scanned) == {(s.symbol, s.timeframe) for s in market.market.series()}
    assert (scanned[(SPOT, "1h")]["events_opened"], scanned[(SPOT, "1h")]["events_still_open"]) == (
        0, 1
    )  # fmt: skip


def test_a_scan_of_the_clean_perpetuals_matches_the_service(
    client: TestClient, market: AppContext
) -> None:
    body = client.post(SCAN, json={"symbols": [BTC, ETH]}, headers=AUTH).json()
    direct = integrity.scan(market, symbols=[BTC, ETH])
    assert [(s["symbol"], s["timeframe"], s["rows"], s["issues"]) for s in body["series"]] == [
        (s.symbol, s.timeframe, s.rows, s.counts()) for s in direct
    ]
    rows = {(s["symbol"], s["timeframe"]): s["rows"] for s in body["series"]}
    assert rows[(BTC, "1h")] == manifest()["binance_usdm_BTCUSDT_1h.csv.gz"]["rows"]
    assert rows[(ETH, "funding")] == manifest()["binance_usdm_ETHUSDT_funding_8h.csv.gz"]["rows"]
    assert body["issues_found"] == 0
    assert client.get(EVENTS, params={"symbol": BTC, "status": "all"}).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [
        ({"symbols": ["NOPE/USDT:USDT"]}, 404, "not_found", "NOPE/USDT:USDT"),
        ({"exchange": "kraken"}, 404, "not_found", "binance"),
        ({"timeframes": ["xyz"]}, 400, "invalid_input", "'xyz'"),
        ({"timeframes": ["\x00"]}, 400, "invalid_input", "unknown timeframe"),
        ({"symbols": ["BTC'--"]}, 422, "validation_error", "symbols"),
        ({"symbols": [f"S{i}/USDT" for i in range(51)]}, 422, "validation_error", "symbols"),
        ({"symbols": "BTC/USDT"}, 422, "validation_error", "symbols"),
        ({"everything": True}, 422, "validation_error", "everything"),
        ([1, 2], 422, "validation_error", "body"),
    ],
)
def test_bad_scan_requests_are_4xx(
    client: TestClient, body: Any, status: int, code: str, fragment: str
) -> None:
    assert_error(client.post(SCAN, json=body, headers=AUTH), status, code, fragment)


def test_bad_event_filters_are_4xx(client: TestClient) -> None:
    assert_error(client.get(EVENTS, params={"kind": "xyz"}), 422, "validation_error", "kind")
    assert_error(client.get(EVENTS, params={"status": "xyz"}), 422, "validation_error", "status")
    assert_error(client.get(EVENTS, params={"timeframe": "xyz"}), 400, "invalid_input", "'xyz'")
    assert_error(client.get(EVENTS, params={"symbol": "\x00"}), 422, "validation_error")
    assert_error(client.get(EVENTS, params={"offset": -1}), 422, "validation_error")


# -- ingestion runs ----------------------------------------------------------------------------


def test_ingestion_runs_show_the_sample_load(client: TestClient, market: AppContext) -> None:
    body = client.get(RUNS).json()
    assert body["total"] == market.runs.count() >= 1
    first = market.runs.recent(1000)[-1]  # the fixture's sample load
    load = client.get(RUNS, params={"limit": 1, "offset": body["total"] - 1}).json()["items"]
    assert [item["id"] for item in load] == [first.id]
    [item] = load
    files = manifest()
    assert (item["source"], item["status"], item["error"]) == ("sample", "succeeded", None)
    assert item["symbols"] == [BTC, ETH] and item["timeframes"] == ["1h"]
    assert item["rows_candles"] == sum(
        files[f"binance_usdm_{b}USDT_1h.csv.gz"]["rows"] for b in ("BTC", "ETH")
    )
    assert item["rows_funding"] == sum(
        files[f"binance_usdm_{b}USDT_funding_8h.csv.gz"]["rows"] for b in ("BTC", "ETH")
    )
    assert item["started"] == "2026-06-01T00:00:00Z" and item["ts_finished"] is not None
    past = client.get(RUNS, params={"offset": body["total"]}).json()
    assert (past["items"], past["total"]) == ([], body["total"])


# -- writes need the token ---------------------------------------------------------------------


@pytest.mark.parametrize("path", [SCAN, REPAIR])
def test_writes_need_the_token(client: TestClient, market: AppContext, path: str) -> None:
    body = {"symbols": [BTC], "timeframes": ["1h"]}
    assert_error(client.post(path, json=body), 401, "unauthorized", "Bearer")
    wrong = {"Authorization": "Bearer not-the-token"}
    assert_error(client.post(path, json=body, headers=wrong), 401, "unauthorized", "wrong")
    with read_only_client(market) as reader:
        assert_error(reader.post(path, json=body, headers=AUTH), 403, "forbidden", "read-only")


# -- repairs -----------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with FakeExchange(NOW) as server:
        yield server


@pytest.fixture
def gapped(context: AppContext) -> AppContext:
    """A fresh database holding two days of real BTC perpetual bars with five hidden, and the
    scan that opened an event for them."""
    context.market.upsert_instruments(sample_instruments(), 0)
    hourly = read_candles(SAMPLE / "binance_usdm_BTCUSDT_1h.csv.gz")
    days = between(hourly, parse_ts("2024-02-01"), parse_ts("2024-02-02T23:00"))
    kept = days.where((days.ts < GAP_FROM) | (days.ts > GAP_TO))
    context.market.write_candles("binance", BTC, "1h", kept)
    [series] = integrity.scan(context, symbols=[BTC])
    assert series.outcome.opened == 1
    return context


def app_on(context: AppContext) -> TestClient:
    """The app on ``context`` (pointed at an exchange), with the test token configured."""
    settings = context.settings.model_copy(update={"api_allowed_hosts": TEST_HOST})
    return TestClient(create_app(settings, context, embedded_runner=False), client=LOOPBACK)


def stored_gap(context: AppContext) -> Candles:
    return context.market.read_candles("binance", BTC, "1h", GAP_FROM, GAP_TO)


def test_repair_refetches_the_gap_from_the_exchange(gapped: AppContext, fake: FakeExchange) -> None:
    with app_on(pointed_at(gapped, fake, api_token=SecretStr(TOKEN))) as client:
        response = client.post(REPAIR, json={"symbols": [BTC]}, headers=AUTH)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["repaired"] == 1
        [result] = body["results"]
        assert (result["symbol"], result["timeframe"], result["status"]) == (BTC, "1h", "repaired")
        assert (result["missing"], result["rows_fetched"], result["rows_inserted"]) == (5, 5, 5)
        assert (result["start"], result["end"], result["error"]) == (
            "2024-02-01T05:00:00Z", "2024-02-01T09:00:00Z", None
        )  # fmt: skip
        assert fake.requests["/fapi/v1/klines"] >= 1
        # The rescan after the repair resolved the event.
        assert client.get(EVENTS).json()["total"] == 0
        [resolved] = client.get(EVENTS, params={"status": "resolved"}).json()["items"]
        assert resolved["id"] == result["event_id"]
    filled = stored_gap(gapped)
    expected = between(read_candles(SAMPLE / "binance_usdm_BTCUSDT_1h.csv.gz"), GAP_FROM, GAP_TO)
    np.testing.assert_array_equal(filled.ts, np.arange(GAP_FROM, GAP_TO + 1, HOUR_MS))
    for name in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(filled, name), getattr(expected, name), name)
    [job] = gapped.integrity.repair_jobs()
    assert (job.id, job.status, job.rows_inserted) == (result["job_id"], "repaired", 5)


def test_a_gap_the_exchange_lacks_too_is_confirmed_not_filled(
    gapped: AppContext, fake: FakeExchange
) -> None:
    fake.hide_bars(GAP_FROM, GAP_TO)
    with app_on(pointed_at(gapped, fake, api_token=SecretStr(TOKEN))) as client:
        [result] = client.post(REPAIR, headers=AUTH).json()["results"]
        assert (result["status"], result["rows_inserted"]) == ("unrepairable", 0)
        [event] = client.get(EVENTS).json()["items"]
        assert event["status"] == "confirmed"
        # A confirmed outage is not retried.
        assert client.post(REPAIR, headers=AUTH).json() == {"repaired": 0, "results": []}
    assert len(stored_gap(gapped)) == 0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_exchange_is_a_clean_502_and_writes_nothing(
    gapped: AppContext, fake: FakeExchange
) -> None:
    before = len(gapped.market.read_candles("binance", BTC, "1h"))
    unreachable = pointed_at(
        gapped, fake, api_token=SecretStr(TOKEN),
        exchange_base_url=f"http://127.0.0.1:{closed_port()}",
    )  # fmt: skip
    with app_on(unreachable) as client:
        response = client.post(REPAIR, json={"symbols": [BTC], "timeframes": ["1h"]}, headers=AUTH)
        message = assert_error(response, 502, "source_unavailable", "binance", "connection refused")
        assert "Traceback" not in message and "\n" not in message
        [event] = client.get(EVENTS, params={"status": "open"}).json()["items"]
        assert event["count"] == 5  # still open, still to be repaired
    assert fake.requests.total() == 0  # nothing went to the real (fake) exchange
    assert len(stored_gap(gapped)) == 0
    assert len(gapped.market.read_candles("binance", BTC, "1h")) == before
    [job] = gapped.integrity.repair_jobs()
    assert job.status == "failed" and job.error and "connection refused" in job.error


def test_an_exchange_answering_503_is_a_502_too(gapped: AppContext, fake: FakeExchange) -> None:
    fake.fail_next(503, count=10)
    with app_on(pointed_at(gapped, fake, api_token=SecretStr(TOKEN))) as client:
        response = client.post(REPAIR, json={"symbols": [BTC]}, headers=AUTH)
    assert_error(response, 502, "source_unavailable", "binance")
    assert len(stored_gap(gapped)) == 0


def test_repair_without_open_gaps_does_nothing(client: TestClient) -> None:
    response = client.post(REPAIR, json={"symbols": [BTC], "timeframes": ["1h"]}, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json() == {"repaired": 0, "results": []}


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"timeframes": ["funding"]}, 400, "unknown timeframe 'funding'"),
        ({"symbols": ["NOPE/USDT:USDT"]}, 404, "NOPE/USDT:USDT"),
        ({"exchange": "kraken"}, 404, "kraken"),
        ({"symbols": [BTC], "force": True}, 422, "force"),
    ],
)
def test_bad_repair_requests_are_4xx(
    client: TestClient, body: dict[str, Any], status: int, fragment: str
) -> None:
    response = client.post(REPAIR, json=body, headers=AUTH)
    assert response.status_code == status, response.text
    assert fragment in response.json()["error"]["message"]
