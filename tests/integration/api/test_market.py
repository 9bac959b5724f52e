"""Market data through the API: instruments, candles, funding and latest prices, checked against
what the DataService returns for the same rows, and bad input answered with 4xx bodies."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.context import AppContext
from tests.integration.api.conftest import BTC, ETH, assert_error
from tests.support.sample import manifest

CANDLES = "/api/v1/market/candles"
FUNDING = "/api/v1/market/funding"
PRICES = "/api/v1/market/prices"
INSTRUMENTS = "/api/v1/market/instruments"
DAY = {"start": "2024-06-01", "end": "2024-06-02"}


def rows_of(body: dict[str, Any]) -> np.ndarray:
    return np.array(
        [
            [c["ts"], c["open"], c["high"], c["low"], c["close"], c["volume"]]
            for c in body["candles"]
        ]
    )


# -- instruments -------------------------------------------------------------------------------


def test_instruments_are_the_stored_specs(client: TestClient, market: AppContext) -> None:
    body = client.get(INSTRUMENTS, params={"exchange": "binance", "limit": 1000}).json()
    stored = market.market.instruments("binance")
    assert body["total"] == len(stored) > 2
    assert [item["symbol"] for item in body["items"]] == [item.symbol for item in stored]
    btc = next(item for item in body["items"] if item["symbol"] == BTC)
    spec = market.market.instrument("binance", BTC)
    assert spec is not None
    assert btc["market_type"] == "swap" and btc["settle"] == "USDT" and btc["base"] == "BTC"
    assert (btc["price_tick"], btc["taker_fee"], btc["max_leverage"]) == (
        spec.price_tick,
        spec.taker_fee,
        spec.max_leverage,
    )


def test_instruments_page_and_filter(client: TestClient, market: AppContext) -> None:
    everything = client.get(INSTRUMENTS, params={"limit": 1000}).json()["items"]
    second_page = client.get(INSTRUMENTS, params={"limit": 2, "offset": 1}).json()
    assert second_page["items"] == everything[1:3]
    assert (second_page["limit"], second_page["offset"]) == (2, 1)
    assert client.get(INSTRUMENTS, params={"exchange": "kraken"}).json()["total"] == 0
    assert_error(client.get(INSTRUMENTS, params={"exchange": "bin'ance"}), 422, "validation_error")


# -- candles -----------------------------------------------------------------------------------


def test_a_day_of_candles_equals_the_data_service(client: TestClient, market: AppContext) -> None:
    response = client.get(CANDLES, params={"symbol": BTC, "timeframe": "1h", **DAY})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["symbol"], body["timeframe"], body["truncated"]) == (BTC, "1h", False)
    start = parse_ts("2024-06-01")
    # The range is half-open: the bar opened at `end` is not in it.
    expected = DataService(market.market, "binance").candles(BTC, "1h", start, start + 23 * HOUR_MS)
    assert len(body["candles"]) == len(expected) == 24
    np.testing.assert_array_equal(
        rows_of(body),
        np.column_stack(
            [expected.ts, expected.open, expected.high, expected.low, expected.close,
             expected.volume]
        ),
    )  # fmt: skip
    assert body["candles"][0]["time"] == "2024-06-01T00:00:00Z"
    assert body["candles"][-1]["time"] == "2024-06-01T23:00:00Z"


def test_limit_keeps_the_newest_bars_of_the_range(client: TestClient) -> None:
    whole = client.get(CANDLES, params={"symbol": ETH, **DAY}).json()
    newest = client.get(CANDLES, params={"symbol": ETH, "limit": 5, **DAY}).json()
    assert newest["truncated"] is True and newest["limit"] == 5
    assert newest["candles"] == whole["candles"][-5:]


def test_without_a_range_the_newest_bars_come_back(client: TestClient) -> None:
    body = client.get(CANDLES, params={"symbol": BTC, "limit": 3}).json()
    last = parse_ts(manifest()["binance_usdm_BTCUSDT_1h.csv.gz"]["last"])
    assert [bar["ts"] for bar in body["candles"]] == [last - 2 * HOUR_MS, last - HOUR_MS, last]


def test_longer_bars_are_resampled_from_the_hourly_ones(client: TestClient) -> None:
    hourly = client.get(CANDLES, params={"symbol": BTC, **DAY}).json()["candles"]
    four = client.get(CANDLES, params={"symbol": BTC, "timeframe": "4h", **DAY}).json()["candles"]
    assert [bar["time"][11:16] for bar in four] == ["00:00", "04:00", "08:00", "12:00", "16:00",
                                                    "20:00"]  # fmt: skip
    for index, bar in enumerate(four):
        parts = hourly[4 * index : 4 * index + 4]
        assert bar["open"] == parts[0]["open"] and bar["close"] == parts[-1]["close"]
        assert bar["high"] == max(p["high"] for p in parts)
        assert bar["low"] == min(p["low"] for p in parts)
        assert bar["volume"] == pytest.approx(sum(p["volume"] for p in parts))


@pytest.mark.parametrize(
    "window",
    [{"start": "2010-01-01", "end": "2010-02-01"}, {"start": "2024-06-01", "end": "2024-06-01"}],
)
def test_an_empty_range_is_an_empty_list(client: TestClient, window: dict[str, str]) -> None:
    response = client.get(CANDLES, params={"symbol": BTC, **window})
    assert response.status_code == 200
    assert (response.json()["candles"], response.json()["truncated"]) == ([], False)


def test_unknown_symbols_and_timeframes_are_named_in_the_error(client: TestClient) -> None:
    message = assert_error(
        client.get(CANDLES, params={"symbol": "NOPE/USDT:USDT"}), 404, "not_found", "NOPE/USDT"
    )
    assert BTC in message  # it names what is stored
    assert_error(
        client.get(CANDLES, params={"symbol": BTC, "timeframe": "xyz"}),
        400, "invalid_input", "unknown timeframe 'xyz'", "1h",
    )  # fmt: skip
    assert_error(
        client.get(CANDLES, params={"symbol": BTC, "timeframe": "1w"}), 400, "invalid_input"
    )
    # A known timeframe shorter than the stored one cannot be made up.
    assert_error(
        client.get(CANDLES, params={"symbol": BTC, "timeframe": "15m"}),
        404, "not_found", "none to resample from",
    )  # fmt: skip
    # A listed instrument with no bars stored.
    assert_error(
        client.get(CANDLES, params={"symbol": "SOL/USDT:USDT"}), 404, "not_found", "stored: none"
    )


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start": "\x00"}, 400),
        ({"start": "yesterday"}, 400),
        ({"end": "2024-13-45"}, 400),
        ({"start": "2024-06-02", "end": "2024-06-01"}, 400),
        ({"start": "9999-12-31T23:59:59-05:00"}, 400),
        ({"end": "0001-01-01T00:00+05:00"}, 400),
        ({"limit": 0}, 422),
        ({"limit": -3}, 422),
        ({"limit": 5001}, 422),
        ({"limit": "many"}, 422),
        ({"symbol": "BTC'; DROP TABLE candles; --"}, 422),
        ({"symbol": "BTC\x00/USDT"}, 422),
        ({"symbol": ""}, 422),
        ({"exchange": "\x00"}, 422),
        ({"timeframe": "1h'--"}, 400),
        ({"timeframe": "\x00"}, 400),
    ],
)
def test_bad_candle_requests_are_4xx_with_the_error_body(
    client: TestClient, params: dict[str, Any], status: int
) -> None:
    response = client.get(CANDLES, params={"symbol": BTC, **params})
    assert_error(response, status, "invalid_input" if status == 400 else "validation_error")


def test_start_after_end_says_so(client: TestClient) -> None:
    response = client.get(
        CANDLES, params={"symbol": BTC, "start": "2024-06-02", "end": "2024-06-01"}
    )
    assert_error(response, 400, "invalid_input", "after end")


def test_candles_of_an_unknown_exchange_are_404(client: TestClient) -> None:
    assert_error(client.get(CANDLES, params={"symbol": BTC, "exchange": "okx"}), 404, "not_found")


def test_symbol_is_required(client: TestClient) -> None:
    assert_error(client.get(CANDLES), 422, "validation_error", "symbol")


# -- funding -----------------------------------------------------------------------------------


def test_funding_of_a_day_equals_the_data_service(client: TestClient, market: AppContext) -> None:
    body = client.get(FUNDING, params={"symbol": BTC, **DAY}).json()
    start = parse_ts("2024-06-01")
    expected = DataService(market.market, "binance").funding(BTC, start, start + 24 * HOUR_MS - 1)
    assert [r["time"][11:16] for r in body["rates"]] == ["00:00", "08:00", "16:00"]
    assert [r["ts"] for r in body["rates"]] == expected.ts.tolist()
    assert [r["rate"] for r in body["rates"]] == expected.rate.tolist()
    assert body["truncated"] is False

    newest = client.get(FUNDING, params={"symbol": BTC, "limit": 1, **DAY}).json()
    assert (newest["rates"], newest["truncated"]) == (body["rates"][-1:], True)


def test_funding_of_a_spot_market_is_empty_and_of_an_unknown_one_404(client: TestClient) -> None:
    assert client.get(FUNDING, params={"symbol": "BTC/USDT"}).json()["rates"] == []
    assert_error(client.get(FUNDING, params={"symbol": "NOPE/USDT:USDT"}), 404, "not_found")
    assert_error(client.get(FUNDING, params={"symbol": BTC, "start": "\x00"}), 400, "invalid_input")
    assert_error(client.get(FUNDING, params={"symbol": BTC, "limit": 0}), 422, "validation_error")


# -- prices ------------------------------------------------------------------------------------


def test_prices_are_the_closes_of_the_newest_closed_bars(
    client: TestClient, market: AppContext
) -> None:
    at = "2024-06-01T12:30"
    body = client.get(PRICES, params={"symbols": f"{ETH},{BTC}", "at": at}).json()
    assert (body["at"], body["at_time"], body["missing"]) == (
        parse_ts(at),
        "2024-06-01T12:30:00Z",
        [],
    )
    assert [price["symbol"] for price in body["prices"]] == [ETH, BTC]  # as asked
    bars = client.get(CANDLES, params={"symbol": BTC, **DAY}).json()["candles"]
    # The 12:00 bar is still open at 12:30; the 11:00 bar closed at 12:00.
    btc = body["prices"][1]
    assert (btc["ts"], btc["time"], btc["last"]) == (
        parse_ts("2024-06-01T12:00"), "2024-06-01T12:00:00Z", bars[11]["close"]
    )  # fmt: skip
    direct = DataService(market.market, "binance").latest_prices([ETH, BTC], parse_ts(at))
    assert [(p["ts"], p["last"]) for p in body["prices"]] == [
        (direct[ETH].ts, direct[ETH].last),
        (direct[BTC].ts, direct[BTC].last),
    ]


def test_prices_default_to_now_on_the_server_clock(client: TestClient, market: AppContext) -> None:
    body = client.get(PRICES, params={"symbols": BTC}).json()
    now = market.clock.now_ms()
    assert body["at"] == now
    last = parse_ts(manifest()["binance_usdm_BTCUSDT_1h.csv.gz"]["last"])
    [price] = body["prices"]
    assert price["ts"] == last + HOUR_MS < now
    newest = client.get(CANDLES, params={"symbol": BTC, "limit": 1}).json()["candles"][0]
    assert price["last"] == newest["close"]


def test_a_time_before_any_data_has_no_prices(client: TestClient) -> None:
    body = client.get(PRICES, params={"symbols": f"{BTC},{ETH}", "at": "2020-01-01"}).json()
    assert (body["prices"], body["missing"]) == ([], [BTC, ETH])


@pytest.mark.parametrize(
    ("symbols", "fragment"),
    [
        (",,", "at least one symbol"),
        (",".join(f"S{i}/USDT" for i in range(51)), "at most 50"),
        (f"{BTC},BTC'--", "cannot read symbol"),
        ("\x00", "cannot read symbol"),
    ],
)
def test_bad_symbol_lists_are_400(client: TestClient, symbols: str, fragment: str) -> None:
    assert_error(client.get(PRICES, params={"symbols": symbols}), 400, "invalid_input", fragment)


def test_price_errors(client: TestClient) -> None:
    assert_error(client.get(PRICES, params={"symbols": "NOPE/USDT"}), 404, "not_found", "NOPE")
    assert_error(client.get(PRICES, params={"symbols": BTC, "at": "\x00"}), 400, "invalid_input")
    assert_error(
        client.get(PRICES, params={"symbols": BTC, "at": "9999-12-31T23:59:59-05:00"}),
        400, "invalid_input", "outside the years",
    )  # fmt: skip
    assert_error(
        client.get(PRICES, params={"symbols": BTC, "timeframe": "xyz"}), 400, "invalid_input"
    )
    assert_error(client.get(PRICES), 422, "validation_error", "symbols")
