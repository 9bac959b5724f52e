"""Ingestion jobs over HTTP on both databases, against the loopback fake exchange (OKX's real
REST protocol through the real CCXT client): POST /data/ingest checks the request, answers 202
with the job (its ingestion run) and downloads in the background, one job at a time; GET
/data/ingest/{id} follows it from queued through running to succeeded (row counts worked out by
hand) or failed (one line); bad input is refused before anything is recorded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from alpha_arena.api.app import create_app
from alpha_arena.core.time import DAY_MS, HOUR_MS, parse_ts
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import AUTH, BTC, ETH, LOOPBACK, assert_error
from tests.integration.marketdata.ingest_helpers import NOW, pointed_at
from tests.support.fake_exchange import FakeExchange

INGEST = "/api/v1/data/ingest"
SINCE = "2024-03-01"


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with FakeExchange(NOW) as server:
        yield server


@pytest.fixture
def arena(market: AppContext, fake: FakeExchange) -> AppContext:
    """The module's database, its exchange calls sent to ``fake``, its clock at NOW (the 14th
    of March 2024, 00:30 UTC: the bars opened at midnight are still open). A held request
    waits for ``heal`` rather than timing out, however loaded the machine."""
    return pointed_at(market, fake, exchange_timeout_s=120.0)


@pytest.fixture
def client(arena: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(context=arena, embedded_runner=False), client=LOOPBACK) as test:
        yield test


def _finished(client: TestClient, job_id: int, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"{INGEST}/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish within {timeout_s} s")


def _status_becomes(client: TestClient, job_id: int, status: str) -> None:
    deadline = time.monotonic() + 30
    while client.get(f"{INGEST}/{job_id}").json()["status"] != status:
        assert time.monotonic() < deadline, f"job {job_id} never became {status}"
        time.sleep(0.02)


def test_a_job_downloads_in_the_background_and_reports_what_it_stored(
    client: TestClient, arena: AppContext, fake: FakeExchange
) -> None:
    body = {"exchange": "okx", "symbols": [BTC, ETH], "timeframes": ["1d"], "since": SINCE}
    accepted = client.post(INGEST, json=body, headers=AUTH)

    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert job["status"] in ("queued", "running", "succeeded")
    assert (job["source"], job["symbols"], job["timeframes"]) == ("okx", [BTC, ETH], ["1d"])
    assert job["since"] == "2024-03-01T00:00:00Z" and job["backfill"] is False
    assert accepted.headers["location"] == f"{INGEST}/{job['id']}"
    done = _finished(client, job["id"])
    # Daily bars of 1 to 14 March closed by 15 March 00:30: 14 a symbol, 28 in all.
    assert (done["status"], done["error"], done["rows_candles"]) == ("succeeded", None, 28)
    assert done["finished"] is not None and done["ts_finished"] >= done["ts_started"]
    assert done["rows_funding"] > 0 and done["rows_prices"] == 2  # a price snapshot a symbol
    for symbol in (BTC, ETH):
        stored = arena.market.read_candles("okx", symbol, "1d")
        expected = fake.closed_bars(symbol, DAY_MS, parse_ts(SINCE))
        assert len(stored) == len(expected) == 14
        np.testing.assert_array_equal(stored.ts, expected[:, 0].astype(np.int64))
        np.testing.assert_array_equal(stored.close, expected[:, 4])
    runs = client.get("/api/v1/data/ingestion-runs", params={"limit": 1000}).json()["items"]
    assert next(run for run in runs if run["id"] == job["id"]) == done  # a job is a run
    audit = client.get("/api/v1/system/audit", params={"limit": 1}, headers=AUTH).json()
    (entry,) = audit["items"]
    assert (entry["path"], entry["status"], entry["entity"]) == (
        INGEST, 202, f"data/ingest/{job['id']}",
    )  # fmt: skip


def test_jobs_wait_their_turn_and_a_failing_one_says_why_in_one_line(
    client: TestClient, fake: FakeExchange
) -> None:
    fake.stall_after_candle_pages(0)  # the first job's first candle request is held
    first = client.post(INGEST, json={"exchange": "okx", "symbols": [BTC], "timeframes": ["4h"],
                                      "since": SINCE}, headers=AUTH).json()  # fmt: skip
    assert fake.stalled.wait(30)
    second = client.post(INGEST, json={"exchange": "okx", "symbols": [ETH], "timeframes": ["4h"],
                                       "since": SINCE}, headers=AUTH).json()  # fmt: skip
    assert client.get(f"{INGEST}/{first['id']}").json()["status"] == "running"
    assert second["status"] == "queued"
    assert client.get(f"{INGEST}/{second['id']}").json()["status"] == "queued"

    fake.heal()  # the held request is dropped: the client asks again and goes on
    for job in (first, second):
        done = _finished(client, job["id"])
        # 4h bars of 1 to 14 March: 14 days x 6.
        assert (done["status"], done["rows_candles"]) == ("succeeded", 84), done

    fake.fail_next(500, 50, path="candles")  # every attempt at candles fails
    failing = client.post(INGEST, json={"exchange": "okx", "symbols": [BTC], "timeframes": ["2h"],
                                        "since": SINCE}, headers=AUTH)  # fmt: skip
    assert failing.status_code == 202, failing.text
    failed = _finished(client, failing.json()["id"])
    assert failed["status"] == "failed" and failed["rows_candles"] == 0
    assert failed["error"].startswith("okx: ") and "\n" not in failed["error"], failed["error"]


def test_a_job_still_queued_when_the_server_stops_is_marked_failed(
    arena: AppContext, fake: FakeExchange
) -> None:
    fake.stall_after_candle_pages(0)
    with TestClient(create_app(context=arena, embedded_runner=False), client=LOOPBACK) as client:
        running = client.post(INGEST, json={"exchange": "okx", "symbols": [BTC],
                                            "timeframes": ["1h"], "since": "2024-03-10"},
                              headers=AUTH).json()  # fmt: skip
        assert fake.stalled.wait(30)
        waiting = client.post(INGEST, json={"exchange": "okx", "symbols": [ETH],
                                            "timeframes": ["1h"], "since": "2024-03-10"},
                              headers=AUTH).json()  # fmt: skip
    stopped = arena.runs.get(waiting["id"])
    assert stopped is not None and stopped.status == "failed"
    assert stopped.error == "the server stopped before this ingestion ran"
    fake.heal()  # the running one goes on to its end
    deadline = time.monotonic() + 60
    while (run := arena.runs.get(running["id"])) is not None and run.status == "running":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert run is not None and run.status == "succeeded"
    # 1h bars from 10 March 00:00 to 14 March 23:00: 5 days x 24.
    assert run.rows_candles == 5 * 24 == len(fake.closed_bars(BTC, HOUR_MS, parse_ts("2024-03-10")))


@pytest.mark.parametrize(
    ("change", "status", "code", "message"),
    [
        ({"exchange": "kraken"}, 400, "invalid_input", "unknown exchange 'kraken'; accepted: okx"),
        ({"symbols": ["FOO/USDT:USDT"]}, 400, "invalid_input", "okx: unknown symbol 'FOO/USDT"),
        ({"timeframes": ["1h", "7m"]}, 400, "invalid_input", "unknown timeframe '7m'"),
        ({"since": "2999-01-01"}, 400, "invalid_input", "since 2999-01-01T00:00:00Z is in the fut"),
        ({"since": "yesterday"}, 400, "invalid_input", "cannot read 'yesterday' as a date"),
        # 1 Jan 2020 to 15 Mar 2024 00:30: 1,535 days and 30 minutes of 1m bars, 2 symbols.
        ({"since": "2020-01-01", "timeframes": ["1m"]}, 400, "invalid_input",
         "from 2020-01-01T00:00:00Z this is 4,420,860 bars (2 symbols x 1m); at most 1,000,000"),
        ({"symbols": []}, 422, "validation_error", "symbols"),
        ({"depth": 3}, 422, "validation_error", "depth"),
    ],
    ids=["exchange", "symbol", "timeframe", "future", "date", "too-big", "no-symbols", "extra"],
)  # fmt: skip
def test_bad_input_is_refused_before_any_job_is_recorded(
    client: TestClient, arena: AppContext, change: dict[str, Any], status: int, code: str,
    message: str,
) -> None:  # fmt: skip
    before = arena.runs.count()
    body = {"exchange": "okx", "symbols": [BTC, ETH], "timeframes": ["1h"], "since": SINCE}
    assert_error(client.post(INGEST, json={**body, **change}, headers=AUTH), status, code, message)
    assert arena.runs.count() == before


def test_writes_need_the_token_and_unknown_jobs_are_404(
    client: TestClient, arena: AppContext
) -> None:
    before = arena.runs.count()
    body = {"exchange": "okx", "symbols": [BTC]}
    assert_error(client.post(INGEST, json=body), 401, "unauthorized")
    assert arena.runs.count() == before
    assert_error(client.get(f"{INGEST}/999999"), 404, "not_found", "no ingestion job 999999")
    assert_error(client.get(f"{INGEST}/0"), 422, "validation_error")
