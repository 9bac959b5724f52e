"""Ingestion through the real CCXT client against the fake OKX and Binance USDT-M servers, on
SQLite and PostgreSQL: what is stored, how it is paged, and how later runs continue."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from alpha_arena.core.time import HOUR_MS, parse_ts, timeframe_ms
from alpha_arena.marketdata.ingestion import IngestionProgress
from alpha_arena.marketdata.sources.ccxt_source import (
    DEFAULT_MAINTENANCE_MARGIN_RATE,
    DEFAULT_SWAP_MAX_LEVERAGE,
)
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import fetch_candles, ingest
from tests.integration.marketdata.ingest_helpers import (
    NOW,
    SINCE,
    VENUE,
    advance,
    assert_stored,
    closed,
)
from tests.support.fake_exchange import FakeExchange

EXCHANGES = ("okx", "binanceusdm")
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
CANDLE_PATH = {"okx": "/api/v5/market/history-candles", "binanceusdm": "/fapi/v1/klines"}
FUNDING_PATH = {"okx": "/api/v5/public/funding-rate-history", "binanceusdm": "/fapi/v1/fundingRate"}


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_candles_of_every_timeframe_are_stored_as_served(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    report = ingest(arena, exchange, [BTC, ETH], ["1h", "4h", "1d"], since=SINCE)

    venue = VENUE[exchange]
    assert report.venue == venue
    for symbol in (BTC, ETH):
        for timeframe in ("1h", "4h", "1d"):
            assert_stored(arena.market, venue, symbol, timeframe, closed(fake, symbol, timeframe))
    expected_rows = sum(len(closed(fake, s, t)) for s in (BTC, ETH) for t in ("1h", "4h", "1d"))
    assert report.inserted("candles") == expected_rows
    run = arena.runs.get(report.run_id)
    assert run is not None
    assert (run.status, run.source, run.error) == ("succeeded", exchange, None)
    assert run.rows_candles == expected_rows
    assert run.symbols == [BTC, ETH] and run.timeframes == ["1h", "4h", "1d"]
    assert fake.unknown_paths == []


@pytest.mark.parametrize(("exchange", "page"), [("okx", 300), ("binanceusdm", 1000)])
def test_candles_are_paged_in_windows_of_the_exchange_page_size(
    arena: AppContext, fake: FakeExchange, exchange: str, page: int
) -> None:
    ingest(arena, exchange, [BTC], ["1h"], since=SINCE)

    bars = len(closed(fake, BTC, "1h"))
    requests = [params for path, params in fake.log if path == CANDLE_PATH[exchange]]
    assert len(requests) == math.ceil(bars / page) > 1
    if exchange == "binanceusdm":  # startTime..endTime inclusive, one window after the other
        starts = [int(params["startTime"]) for params in requests]
        assert starts == [SINCE + i * page * HOUR_MS for i in range(len(requests))]
        assert int(requests[0]["endTime"]) == SINCE + page * HOUR_MS - 1
    else:  # OKX: before/after exclusive bounds around the same windows
        befores = [int(params["before"]) for params in requests]
        assert befores == [SINCE - 1 + i * page * HOUR_MS for i in range(len(requests))]
    assert all(int(params["limit"]) == page for params in requests)


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_pages_cut_shorter_than_asked_lose_no_bars(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    fake.cap_candle_pages(70)  # OKX answers a window newest-first, Binance oldest-first

    ingest(arena, exchange, [BTC], ["1h"], since=SINCE)

    assert_stored(arena.market, VENUE[exchange], BTC, "1h", closed(fake, BTC, "1h"))


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_a_gap_at_the_exchange_is_left_as_a_gap_and_the_rest_is_stored(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    # 36 bars across the end of the first OKX window (which closes at 2024-01-13T11:00)
    fake.hide_bars(parse_ts("2024-01-12T12:00"), parse_ts("2024-01-13T23:00"))

    report = ingest(arena, exchange, [BTC], ["1h"], since=SINCE)

    expected = closed(fake, BTC, "1h")
    assert len(expected) == 1776 - 36
    assert_stored(arena.market, VENUE[exchange], BTC, "1h", expected)
    assert report.inserted("candles") == len(expected)


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_the_candle_still_open_is_not_stored(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    ingest(arena, exchange, [BTC], ["1h", "4h", "1d"], since=SINCE)

    open_bar = parse_ts("2024-03-15")  # opened at 00:00, now is 00:30
    for timeframe in ("1h", "4h", "1d"):
        served = fake.served_bars(BTC, timeframe_ms(timeframe))
        assert int(served[-1, 0]) == open_bar  # the exchange does serve it
        last = arena.market.last_candle_ts(VENUE[exchange], BTC, timeframe)
        assert last is not None and last < open_bar


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_a_second_run_fetches_and_inserts_only_new_bars(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    ingest(arena, exchange, [BTC], ["1h", "4h"], since=SINCE)
    venue = VENUE[exchange]
    first_last = arena.market.last_candle_ts(venue, BTC, "1h")
    assert first_last is not None

    later = NOW + 30 * HOUR_MS  # 2024-03-16T06:30
    advance(arena, fake, later)
    fake.log.clear()
    report = ingest(arena, exchange, [BTC], ["1h", "4h"], since=SINCE)

    new_1h = closed(fake, BTC, "1h", first_last + HOUR_MS)
    new_4h = closed(fake, BTC, "4h", parse_ts("2024-03-15"))
    assert len(new_1h) == 30 and len(new_4h) == 7
    by_timeframe = {item.timeframe: item for item in report.series if item.dataset == "candles"}
    assert by_timeframe["1h"].inserted == by_timeframe["1h"].fetched == 30
    assert by_timeframe["4h"].inserted == by_timeframe["4h"].fetched == 7
    assert by_timeframe["1h"].ts_from == first_last + HOUR_MS
    for timeframe in ("1h", "4h"):
        assert_stored(arena.market, venue, BTC, timeframe, closed(fake, BTC, timeframe))
    assert len([path for path, _ in fake.log if path == CANDLE_PATH[exchange]]) == 2


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_backfill_refetches_from_since_and_inserts_nothing_twice(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    ingest(arena, exchange, [BTC], ["4h"], since=SINCE)
    report = ingest(arena, exchange, [BTC], ["4h"], since=SINCE, backfill=True)

    series = next(item for item in report.series if item.dataset == "candles")
    assert series.ts_from == SINCE
    assert series.fetched == len(closed(fake, BTC, "4h")) and series.inserted == 0
    assert_stored(arena.market, VENUE[exchange], BTC, "4h", closed(fake, BTC, "4h"))


@pytest.mark.parametrize(("exchange", "pages"), [("okx", 3), ("binanceusdm", 1)])
def test_funding_history_is_stored_and_continued(
    arena: AppContext, fake: FakeExchange, exchange: str, pages: int
) -> None:
    ingest(arena, exchange, [BTC, ETH], ["1d"], since=SINCE)

    venue = VENUE[exchange]
    for symbol in (BTC, ETH):
        stored = arena.market.read_funding(venue, symbol)
        expected = fake.funding(symbol, SINCE)
        assert len(stored) == len(expected) == 223  # 00:00 on the 15th is settled already
        np.testing.assert_array_equal(stored.ts, expected[:, 0].astype(np.int64))
        np.testing.assert_array_equal(stored.rate, expected[:, 1])
    # OKX pages funding from the newest backwards (100 a page); Binance forwards (1,000).
    assert fake.requests[FUNDING_PATH[exchange]] == 2 * pages

    advance(arena, fake, NOW + 24 * HOUR_MS)
    report = ingest(arena, exchange, [BTC], ["1d"], since=SINCE)
    assert report.inserted("funding") == 3
    assert len(arena.market.read_funding(venue, BTC)) == 226


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_prices_and_open_interest_are_snapshotted(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    report = ingest(arena, exchange, [BTC, ETH], ["1d"], since=SINCE)

    venue = VENUE[exchange]
    assert report.inserted("prices") == 2 and report.inserted("open_interest") == 2
    for symbol in (BTC, ETH):
        quote = fake.quote(symbol)
        price = arena.market.latest_price(venue, symbol, as_of=NOW)
        assert price is not None and price.ts == NOW
        assert (price.last, price.bid, price.ask, price.mark) == (
            quote["last"],
            quote["bid"],
            quote["ask"],
            quote["mark"],
        )
        # OKX's tickers carry no index price, Binance's premium index does.
        assert price.index == (None if exchange == "okx" else quote["index"])
        interest = arena.market.latest_open_interest(venue, symbol, as_of=NOW)
        assert interest is not None and interest.ts == NOW
        assert interest.amount == pytest.approx(fake.open_interest(symbol), rel=1e-12)
        if exchange == "okx":  # OKX publishes the USD value too
            assert interest.value == pytest.approx(fake.open_interest(symbol) * quote["last"])
        else:
            assert interest.value is None


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_instrument_specs_come_from_the_exchange(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    ingest(arena, exchange, [BTC], ["1d"], since=SINCE)

    instrument = arena.market.instrument(VENUE[exchange], BTC)
    assert instrument is not None
    assert (instrument.base, instrument.quote, instrument.settle) == ("BTC", "USDT", "USDT")
    assert (instrument.maker_fee, instrument.taker_fee) == (0.0002, 0.0005)
    assert instrument.price_tick == 0.1
    assert instrument.maintenance_margin_rate == DEFAULT_MAINTENANCE_MARGIN_RATE
    if exchange == "okx":  # amounts in contracts of 0.01 BTC, leverage published
        assert (instrument.amount_step, instrument.contract_size) == (0.01, 0.01)
        assert instrument.max_leverage == 100
    else:
        assert (instrument.amount_step, instrument.min_notional) == (0.001, 100)
        assert instrument.max_leverage == DEFAULT_SWAP_MAX_LEVERAGE


def test_specs_the_exchange_does_not_publish_keep_their_stored_values(
    arena: AppContext, fake: FakeExchange
) -> None:
    ingest(arena, "binanceusdm", [BTC], ["1d"], since=SINCE)
    stored = arena.market.instrument("binance", BTC)
    assert stored is not None
    known = [dataclasses.replace(stored, max_leverage=125.0, maintenance_margin_rate=0.004)]
    arena.market.upsert_instruments(known, NOW)

    ingest(arena, "binanceusdm", [BTC], ["1d"], since=SINCE)

    refreshed = arena.market.instrument("binance", BTC)
    assert refreshed is not None
    assert (refreshed.max_leverage, refreshed.maintenance_margin_rate) == (125.0, 0.004)
    assert refreshed.min_notional == 100  # published specs are still refreshed


def test_progress_reports_every_page_until_the_series_is_done(
    arena: AppContext, fake: FakeExchange
) -> None:
    events: list[IngestionProgress] = []
    ingest(arena, "okx", [BTC], ["1h"], since=SINCE, progress=events.append)

    candles = [event for event in events if event.dataset == "candles"]
    assert len(candles) == math.ceil(len(closed(fake, BTC, "1h")) / 300)
    assert [event.ts_done for event in candles] == sorted(event.ts_done for event in candles)
    assert candles[-1].ts_done == candles[-1].ts_to == parse_ts("2024-03-14T23:00")
    assert candles[-1].inserted == len(closed(fake, BTC, "1h"))
    assert any(event.dataset == "funding" for event in events)


def test_a_fetched_candle_range_is_returned_not_stored(
    arena: AppContext, fake: FakeExchange
) -> None:
    ts_from, ts_to = parse_ts("2024-02-01"), parse_ts("2024-02-03T23:00")

    candles = fetch_candles(arena, "okx", BTC, "1h", ts_from, ts_to)

    expected = fake.closed_bars(BTC, HOUR_MS, ts_from)[:72]
    np.testing.assert_array_equal(candles.ts, expected[:, 0].astype(np.int64))
    np.testing.assert_array_equal(candles.volume, expected[:, 5])
    assert arena.market.instruments() == [] and arena.runs.recent() == []
