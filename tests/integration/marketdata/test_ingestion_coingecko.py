"""Ingestion from CoinGecko against a loopback server speaking its API (simple/price and
market_chart/range), on SQLite and PostgreSQL: daily candles and prices stored under
``coingecko``, paging in 90-day windows, rate limits, unknown coins and garbage answers."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import socket
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from pydantic import SecretStr

from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import (
    DataIntegrityError,
    InvalidInputError,
    NotFoundError,
    SourceUnavailableError,
    TemporaryError,
)
from alpha_arena.core.time import DAY_MS, parse_ts
from alpha_arena.domain.instrument import MarketType
from alpha_arena.marketdata.sources.coingecko import CoinGeckoSource
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import coingecko_config, fetch_candles, ingest
from tests.support.fake_coingecko import FakeCoinGecko

NOW = parse_ts("2024-03-15T00:30")
SINCE = parse_ts("2023-06-01")
BTC, ETH = "BTC/USD", "ETH/USD"
COIN = {BTC: "bitcoin", ETH: "ethereum"}
CHART = "/market_chart/range"


@pytest.fixture
def fake() -> Iterator[FakeCoinGecko]:
    with FakeCoinGecko(NOW) as server:
        yield server


def _pointed_at(context: AppContext, fake: FakeCoinGecko, **settings: Any) -> AppContext:
    values = {
        "coingecko_base_url": fake.url,
        "coingecko_calls_per_minute": 0,
        "coingecko_max_retries": 2,
        "exchange_retry_base_s": 0.0,
        "exchange_timeout_s": 5.0,
        **settings,
    }
    return dataclasses.replace(
        context, settings=context.settings.model_copy(update=values), clock=SimClock(NOW)
    )


@pytest.fixture
def arena(context: AppContext, fake: FakeCoinGecko) -> AppContext:
    return _pointed_at(context, fake)


def _expected_days(fake: FakeCoinGecko, coin_id: str, ts_from: int, ts_to: int) -> np.ndarray:
    """Rows (day, open, high, low, close, volume) computed one day at a time from the samples:
    first, highest, lowest and last price of the day; the day's last 24h dollar volume over
    its close."""
    table = fake.served(coin_id)
    rows = []
    for day in range(ts_from, ts_to + 1, DAY_MS):
        in_day = table[(table[:, 0] >= day) & (table[:, 0] < day + DAY_MS)]
        prices = list(in_day[:, 1])
        close = prices[-1]
        rows.append([day, prices[0], max(prices), min(prices), close, in_day[-1, 2] / close])
    return np.array(rows)


def _assert_days(arena: AppContext, symbol: str, expected: np.ndarray) -> None:
    stored = arena.market.read_candles("coingecko", symbol, "1d")
    assert len(stored) == len(expected) > 0
    np.testing.assert_array_equal(stored.ts, expected[:, 0].astype(np.int64))
    for column, name in enumerate(("open", "high", "low", "close"), start=1):
        np.testing.assert_array_equal(getattr(stored, name), expected[:, column], err_msg=name)
    np.testing.assert_allclose(stored.volume, expected[:, 5], rtol=1e-12)


def _failed_run(arena: AppContext) -> str:
    (run,) = arena.runs.recent()
    assert run.status == "failed" and run.error
    return run.error


def test_daily_candles_prices_and_instruments_are_stored_under_coingecko(
    arena: AppContext, fake: FakeCoinGecko
) -> None:
    report = ingest(arena, "coingecko", [BTC, ETH], ["1d"], since=SINCE)

    # The day that ended 30 minutes ago (03-14) waits for CoinGecko's cache: 03-13 is the last.
    last_day = parse_ts("2024-03-13")
    assert report.source == report.venue == "coingecko"
    for symbol in (BTC, ETH):
        _assert_days(arena, symbol, _expected_days(fake, COIN[symbol], SINCE, last_day))
        price = arena.market.latest_price("coingecko", symbol, as_of=NOW)
        expected_price, updated = fake.price_now(COIN[symbol])
        assert price is not None and (price.last, price.ts) == (expected_price, updated * 1000)
        assert (price.bid, price.ask, price.mark) == (None, None, None)
        instrument = arena.market.instrument("coingecko", symbol)
        assert instrument is not None and instrument.market_type is MarketType.SPOT
        assert (instrument.quote, instrument.max_leverage, instrument.taker_fee) == ("USD", 1, 0)
    # Hourly samples, not one a day: a day's high and low differ from its open.
    btc = arena.market.read_candles("coingecko", BTC, "1d")
    assert np.all(btc.high > btc.low)
    assert report.inserted("funding") == report.inserted("open_interest") == 0
    assert arena.market.read_funding("coingecko", BTC).ts.size == 0
    run = arena.runs.get(report.run_id)
    assert run is not None and (run.status, run.source) == ("succeeded", "coingecko")
    assert run.rows_candles == 2 * ((last_day - SINCE) // DAY_MS + 1)


def test_history_is_asked_in_windows_of_at_most_ninety_days(
    arena: AppContext, fake: FakeCoinGecko
) -> None:
    ingest(arena, "coingecko", [BTC], ["1d"], since=SINCE)

    windows = [
        (int(params["from"]) * 1000, int(params["to"]) * 1000 + 1000)
        for params in fake.requests_to(CHART)
    ]
    # 2023-06-01 .. 2024-03-13 is 287 days: 90 + 90 + 90 + 17, back to back, whole days.
    assert [(end - start) // DAY_MS for start, end in windows] == [90, 90, 90, 17]
    assert windows[0][0] == SINCE and windows[-1][1] == parse_ts("2024-03-14")
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert all(params["vs_currency"] == "usd" for params in fake.requests_to(CHART))


def test_a_later_run_adds_only_the_days_that_ended_since(
    arena: AppContext, fake: FakeCoinGecko
) -> None:
    ingest(arena, "coingecko", [BTC], ["1d"], since=SINCE)
    later = NOW + 2 * DAY_MS
    fake.now_ms = later
    assert isinstance(arena.clock, SimClock)
    arena.clock.advance_to(later)

    report = ingest(arena, "coingecko", [BTC], ["1d"], since=SINCE)

    assert report.inserted("candles") == 2  # 03-14 and 03-15
    (latest,) = fake.requests_to(CHART)[-1:]
    assert int(latest["from"]) * 1000 == parse_ts("2024-03-14")
    _assert_days(arena, BTC, _expected_days(fake, "bitcoin", SINCE, parse_ts("2024-03-15")))


def test_a_429_is_waited_out_for_its_retry_after_then_the_run_succeeds(
    arena: AppContext, fake: FakeCoinGecko
) -> None:
    slept: list[float] = []
    source = CoinGeckoSource(coingecko_config(arena.settings), sleep=slept.append)
    fake.rate_limit_next(1, retry_after="7")

    report = ingest(arena, "coingecko", [BTC], ["1d"], since=SINCE, source=source)

    assert slept == [7.0]
    assert fake.log[0][0] == fake.log[1][0] == "/api/v3/simple/price"  # the same call again
    _assert_days(arena, BTC, _expected_days(fake, "bitcoin", SINCE, parse_ts("2024-03-13")))
    assert report.inserted("prices") == 1


def test_requests_are_paced_below_the_calls_per_minute(
    arena: AppContext, fake: FakeCoinGecko
) -> None:
    slept: list[float] = []
    now = [0.0]
    config = dataclasses.replace(coingecko_config(arena.settings), calls_per_minute=30)
    source = CoinGeckoSource(config, sleep=slept.append, monotonic=lambda: now[0])

    ingest(arena, "coingecko", [BTC], ["1d"], since=SINCE, source=source)

    # 30 calls a minute: 2 s apart. The clock stands still, so each call after the first waits
    # the whole 2 s: prices (instruments), four history windows, prices again.
    assert len(fake.log) == 6
    assert slept == [2.0] * 5


def test_persistent_rate_limiting_fails_the_run_with_one_line(
    arena: AppContext, fake: FakeCoinGecko
) -> None:
    fake.rate_limit_next(3, retry_after="0")  # two retries allowed

    with pytest.raises(TemporaryError) as raised:
        ingest(arena, "coingecko", [BTC], ["1d"], since=SINCE)

    assert str(raised.value) == (
        "coingecko: fetching prices: still rate-limited after 3 attempts; try again later "
        "(an API key raises the limit)"
    )
    assert _failed_run(arena) == str(raised.value)
    assert arena.market.instrument("coingecko", BTC) is None


def test_a_retry_after_beyond_the_longest_wait_is_not_waited(
    arena: AppContext, fake: FakeCoinGecko
) -> None:
    fake.rate_limit_next(1, retry_after="3600")

    with pytest.raises(TemporaryError, match=r"CoinGecko asks to wait 3600s, longer than 120s"):
        ingest(arena, "coingecko", [BTC], ["1d"], since=SINCE)
    assert len(fake.log) == 1


def test_an_unknown_coin_is_named_before_any_request(
    arena: AppContext, fake: FakeCoinGecko
) -> None:
    with pytest.raises(NotFoundError) as raised:
        ingest(arena, "coingecko", [BTC, "WAGMI/USD"], ["1d"], since=SINCE)

    message = str(raised.value)
    assert message.startswith("coingecko: unknown coin 'WAGMI'; known: ADA, AVAX, BNB, BTC")
    assert "ARENA_COINGECKO_COINS" in message and "\n" not in message
    assert fake.log == []
    assert _failed_run(arena) == message


def test_a_coin_id_coingecko_does_not_know_fails_before_anything_is_stored(
    context: AppContext, fake: FakeCoinGecko
) -> None:
    arena = _pointed_at(context, fake, coingecko_coins="WAGMI=wagmi-coin")

    with pytest.raises(NotFoundError, match=r"^coingecko: no USD price for coin id 'wagmi-coin'"):
        ingest(arena, "coingecko", [BTC, "WAGMI/USD"], ["1d"], since=SINCE)

    assert arena.market.instruments("coingecko") == []
    assert fake.requests_to(CHART) == []


@pytest.mark.parametrize(
    ("symbols", "timeframes", "message"),
    [
        (["BTC/USDT:USDT"], ["1d"], r"^coingecko: BTC/USDT:USDT is a perpetual; .* BTC/USD$"),
        ([BTC], ["1h"], r"^coingecko offers daily candles only .*; accepted: 1d$"),
    ],
)
def test_what_coingecko_does_not_offer_is_refused_in_one_line(
    arena: AppContext, fake: FakeCoinGecko, symbols: list[str], timeframes: list[str], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        ingest(arena, "coingecko", symbols, timeframes, since=SINCE)
    assert fake.requests_to(CHART) == []


def test_history_beyond_the_public_year_is_refused_with_coingeckos_reason(
    arena: AppContext, fake: FakeCoinGecko
) -> None:
    with pytest.raises(SourceUnavailableError) as raised:
        ingest(arena, "coingecko", [BTC], ["1d"], since=parse_ts("2023-01-01"))

    assert str(raised.value).startswith(
        "coingecko: fetching BTC/USD daily history was refused (HTTP 401): Your request "
        "exceeds the allowed time range. Public API users are limited to querying historical "
        "data within the past 365 days."
    )
    assert arena.market.read_candles("coingecko", BTC, "1d").ts.size == 0


@pytest.mark.parametrize(
    ("garbage", "message"),
    [
        ("<html><body>Just a moment...</body></html>", r"the answer is not JSON \(<html>"),
        ({"prices": "none"}, r"unexpected answer 'none'"),
        ({"prices": [[1, "2"]], "total_volumes": []}, r"unexpected answer \[\[1, '2'\]\]"),
        ([1, 2, 3], r"unexpected answer \[1, 2, 3\]"),
    ],
)
def test_a_garbage_history_answer_fails_in_one_line_and_stores_no_candle(
    arena: AppContext, fake: FakeCoinGecko, garbage: Any, message: str
) -> None:
    fake.garbage_next(garbage, path=CHART)

    with pytest.raises(DataIntegrityError, match=r"^coingecko: .*" + message) as raised:
        ingest(arena, "coingecko", [BTC], ["1d"], since=SINCE)

    assert "\n" not in str(raised.value)
    assert arena.market.read_candles("coingecko", BTC, "1d").ts.size == 0
    assert _failed_run(arena) == str(raised.value)


def test_a_negative_price_is_rejected_by_the_integrity_checks(
    arena: AppContext, fake: FakeCoinGecko
) -> None:
    day = parse_ts("2024-03-01")
    fake.garbage_next(
        {"prices": [[day + 60_000, 100.0], [day + 7_200_000, -5.0]], "total_volumes": []},
        path=CHART,
    )

    with pytest.raises(DataIntegrityError, match=r"^coingecko BTC/USD 1d: rejected, .*price <= 0"):
        ingest(arena, "coingecko", [BTC], ["1d"], since=day)
    assert arena.market.read_candles("coingecko", BTC, "1d").ts.size == 0


@pytest.mark.parametrize(
    ("key_type", "header"), [("demo", "x-cg-demo-api-key"), ("pro", "x-cg-pro-api-key")]
)
def test_the_api_key_goes_in_its_plans_header_and_never_into_logs_or_errors(
    context: AppContext,
    fake: FakeCoinGecko,
    caplog: pytest.LogCaptureFixture,
    key_type: str,
    header: str,
) -> None:
    secret = "CG-s3cr3t-key-value"
    arena = _pointed_at(
        context, fake, coingecko_api_key=SecretStr(secret), coingecko_key_type=key_type
    )
    fake.fail_next(503, count=2)
    fake.garbage_next("not json")
    caplog.set_level(logging.DEBUG)

    with pytest.raises(DataIntegrityError) as raised:
        ingest(arena, "coingecko", [BTC], ["1d"], since=SINCE)

    assert all(headers.get(header) == secret for headers in fake.headers)
    assert all(set(headers) & {"x-cg-demo-api-key", "x-cg-pro-api-key"} == {header}
               for headers in fake.headers)  # fmt: skip
    assert "retry 1 of 2" in caplog.text  # the 503s were logged...
    assert secret not in caplog.text  # ...without the key
    assert secret not in str(raised.value) and secret not in _failed_run(arena)
    assert secret not in repr(coingecko_config(arena.settings))


def test_an_unreachable_coingecko_fails_the_run_with_one_line(
    context: AppContext, fake: FakeCoinGecko
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    arena = _pointed_at(context, fake, coingecko_base_url=f"http://127.0.0.1:{port}/api/v3")

    with pytest.raises(SourceUnavailableError) as raised:
        ingest(arena, "coingecko", [BTC], ["1d"], since=SINCE)

    assert str(raised.value) == (
        "coingecko: fetching prices failed after 3 attempts: connection refused"
    )
    assert _failed_run(arena) == str(raised.value)


def test_a_fetched_day_range_is_returned_not_stored(arena: AppContext, fake: FakeCoinGecko) -> None:
    ts_from, ts_to = parse_ts("2024-02-01"), parse_ts("2024-02-05")

    candles = fetch_candles(arena, "coingecko", BTC, "1d", ts_from, ts_to)

    expected = _expected_days(fake, "bitcoin", ts_from, ts_to)
    np.testing.assert_array_equal(candles.ts, expected[:, 0].astype(np.int64))
    np.testing.assert_array_equal(candles.close, expected[:, 4])
    assert arena.market.instrument("coingecko", BTC) is None  # what a repair refills from
