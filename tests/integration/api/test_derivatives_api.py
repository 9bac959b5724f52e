"""Open interest history and long/short ratios through the API, read back as stored, newest
``limit`` of a half-open range, and bad input answered with the unified error body."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.domain.market import LongShortRatio, OpenInterest
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import BTC, ETH, assert_error

OPEN_INTEREST = "/api/v1/market/open-interest"
RATIO = "/api/v1/market/long-short-ratio"
T0 = parse_ts("2024-06-01")


@pytest.fixture(scope="module")
def stored(market: AppContext) -> AppContext:
    """Four hourly readings and ratios of BTC from T0 (ETH has none)."""
    store = market.derivatives
    store.write_open_interest_history(
        "binance", BTC, "1h",
        [OpenInterest(BTC, T0 + h * HOUR_MS, 80_000.0 + h, (80_000.0 + h) * 67_000)
         for h in range(4)],
    )  # fmt: skip
    store.write_long_short_ratios(
        "binance", BTC, "1h",
        [LongShortRatio(BTC, T0, 0.8868, 0.47, 0.53), LongShortRatio(BTC, T0 + HOUR_MS, 1.25)],
    )  # fmt: skip
    return market


def test_open_interest_reads_back_as_stored(client: TestClient, stored: AppContext) -> None:
    body = client.get(OPEN_INTEREST, params={"symbol": BTC}).json()

    assert (body["exchange"], body["symbol"], body["period"], body["truncated"]) == (
        "binance", BTC, "1h", False
    )  # fmt: skip
    assert [(r["ts"], r["amount"], r["value"]) for r in body["readings"]] == [
        (T0 + h * HOUR_MS, 80_000.0 + h, (80_000.0 + h) * 67_000) for h in range(4)
    ]
    assert body["readings"][0]["time"] == "2024-06-01T00:00:00Z"


def test_a_range_is_half_open_and_limit_keeps_the_newest(
    client: TestClient, stored: AppContext
) -> None:
    window = {"symbol": BTC, "start": "2024-06-01T01:00", "end": "2024-06-01T03:00"}
    body = client.get(OPEN_INTEREST, params=window).json()
    assert [r["amount"] for r in body["readings"]] == [80_001.0, 80_002.0]

    newest = client.get(OPEN_INTEREST, params={"symbol": BTC, "limit": 3}).json()
    assert newest["truncated"] is True
    assert [r["amount"] for r in newest["readings"]] == [80_001.0, 80_002.0, 80_003.0]
    assert client.get(OPEN_INTEREST, params={"symbol": ETH}).json()["readings"] == []
    assert (
        client.get(OPEN_INTEREST, params={"symbol": BTC, "period": "5m"}).json()["readings"] == []
    )


def test_ratios_read_back_with_and_without_shares(client: TestClient, stored: AppContext) -> None:
    body = client.get(RATIO, params={"symbol": BTC, "period": "1h"}).json()

    assert body["ratios"] == [
        {"ts": T0, "time": "2024-06-01T00:00:00Z", "ratio": 0.8868, "long_share": 0.47,
         "short_share": 0.53},
        {"ts": T0 + HOUR_MS, "time": "2024-06-01T01:00:00Z", "ratio": 1.25, "long_share": None,
         "short_share": None},
    ]  # fmt: skip


@pytest.mark.parametrize("path", [OPEN_INTEREST, RATIO])
def test_bad_requests_are_named_in_the_error_body(
    client: TestClient, stored: AppContext, path: str
) -> None:
    assert_error(client.get(path, params={"symbol": "NOPE/USDT:USDT"}), 404, "not_found",
                 "NOPE/USDT:USDT")  # fmt: skip
    assert_error(client.get(path, params={"symbol": BTC, "period": "7x"}), 400, "invalid_input")
    assert_error(
        client.get(path, params={"symbol": BTC, "start": "2024-06-02", "end": "2024-06-01"}),
        400, "invalid_input", "after",
    )  # fmt: skip
    assert_error(client.get(path, params={"symbol": BTC, "limit": 0}), 422, "validation_error")
