"""Open interest history and long/short account ratios through the real CCXT client against
the fake exchange speaking Binance USD-M's and OKX's statistics endpoints, on SQLite and
PostgreSQL: what is stored, how it is paged, re-ingestion, gaps and the next funding time."""

from __future__ import annotations

import math

import pytest

from alpha_arena.core.time import DAY_MS, HOUR_MS, parse_ts
from alpha_arena.services import integrity
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import ingest
from tests.integration.marketdata.ingest_helpers import NOW, SINCE, VENUE, advance
from tests.support.fake_exchange import FakeExchange

EXCHANGES = ("okx", "binanceusdm")
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
OI_PATH = {
    "okx": "/api/v5/rubik/stat/contracts/open-interest-history",
    "binanceusdm": "/futures/data/openInterestHist",
}
RATIO_PATH = {
    "okx": "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract",
    "binanceusdm": "/futures/data/globalLongShortAccountRatio",
}
#: Binance answers the latest 30 days only: the first run starts there, not at SINCE.
FIRST = {"okx": SINCE, "binanceusdm": NOW - 30 * DAY_MS}


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_open_interest_and_ratios_are_stored_as_served(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    report = ingest(arena, exchange, [BTC, ETH], ["1h"], since=SINCE)

    venue, store = VENUE[exchange], arena.derivatives
    for symbol in (BTC, ETH):
        served = fake.statistics.open_interest(symbol, "1h", FIRST[exchange])
        stored = store.read_open_interest_history(venue, symbol, "1h")
        assert [(row.ts, row.amount, row.value) for row in stored] == [
            (row.ts, row.amount, row.value) for row in served
        ]
        assert len(stored) > 700
        ratios = store.read_long_short_ratios(venue, symbol, "1h")
        expected = fake.statistics.ratios("1h", FIRST[exchange])
        assert [(row.ts, row.ratio) for row in ratios] == [(r.ts, r.ratio) for r in expected]
        if exchange == "okx":  # OKX publishes the ratio alone
            assert {(row.long_share, row.short_share) for row in ratios} == {(None, None)}
        else:
            assert [(row.long_share, row.short_share) for row in ratios] == [
                (r.long_share, r.short_share) for r in expected
            ]
    histories = sum(len(store.read_open_interest_history(venue, s, "1h")) for s in (BTC, ETH))
    assert report.inserted("open_interest_history") == histories
    assert report.inserted("long_short_ratio") == histories  # one ratio per reading
    assert report.inserted("open_interest") == 2  # the snapshots, counted apart
    run = arena.runs.get(report.run_id)
    assert run is not None and run.status == "succeeded"
    assert run.rows_open_interest == 2 + histories
    assert fake.unknown_paths == []


def test_the_first_reading_of_okx_is_the_hand_computed_one(
    arena: AppContext, fake: FakeExchange
) -> None:
    ingest(arena, "okx", [BTC], ["1h"], since=SINCE)

    first = arena.derivatives.read_open_interest_history("okx", BTC, "1h", last=None)[0]
    # The fake's BTC open interest at its first 5-minute step: 81,234.567 x (1 - 24/1000),
    # in base currency (OKX's oiCcy), worth 42,000.5 USDT each.
    assert (first.ts, first.amount) == (SINCE, 79_284.937)
    assert first.value == round(79_284.937 * 42_000.5, 2)
    ratio = arena.derivatives.read_long_short_ratios("okx", BTC, "1h")[0]
    # Hour 473,352 since the epoch: 0.45 + 2/100 long against 0.53 short.
    assert (ratio.ts, ratio.ratio) == (SINCE, 0.8868)


@pytest.mark.parametrize(("exchange", "page"), [("okx", 100), ("binanceusdm", 500)])
def test_statistics_are_paged_in_windows_of_the_exchange_page_size(
    arena: AppContext, fake: FakeExchange, exchange: str, page: int
) -> None:
    ingest(arena, exchange, [BTC], ["1h"], since=SINCE)

    first = -(-FIRST[exchange] // HOUR_MS) * HOUR_MS
    rows = (NOW - first) // HOUR_MS + 1
    for path in (OI_PATH[exchange], RATIO_PATH[exchange]):
        requests = [params for logged, params in fake.log if logged == path]
        assert len(requests) == math.ceil(rows / page) > 1
        if exchange == "okx":  # begin and end exclusive around windows of 100 hours
            assert [int(p["begin"]) for p in requests] == [
                first - 1 + i * page * HOUR_MS for i in range(len(requests))
            ]
            assert int(requests[0]["end"]) == first + (page - 1) * HOUR_MS + 1
            assert {p["period"] for p in requests} == {"1H"}
        else:  # startTime and endTime inclusive
            assert [int(p["startTime"]) for p in requests] == [
                first + i * page * HOUR_MS for i in range(len(requests))
            ]
            assert int(requests[0]["endTime"]) == first + (page - 1) * HOUR_MS
            assert {p["period"] for p in requests} == {"1h"}
        assert all(int(p["limit"]) == page for p in requests)


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_ingesting_again_adds_nothing_and_asks_only_for_what_is_new(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    ingest(arena, exchange, [BTC], ["1h"], since=SINCE)
    venue, store = VENUE[exchange], arena.derivatives
    before = store.read_open_interest_history(venue, BTC, "1h")
    fake.log.clear()

    again = ingest(arena, exchange, [BTC], ["1h"], since=SINCE)
    assert again.inserted("open_interest_history") == again.inserted("long_short_ratio") == 0
    assert [path for path, _ in fake.log if path in (OI_PATH[exchange], RATIO_PATH[exchange])] == []

    refetched = ingest(arena, exchange, [BTC], ["1h"], since=SINCE, backfill=True)
    assert refetched.inserted("open_interest_history") == 0
    assert sum(i.fetched for i in refetched.series if i.dataset == "long_short_ratio") > 700
    assert store.read_open_interest_history(venue, BTC, "1h") == before

    advance(arena, fake, NOW + 3 * HOUR_MS)
    later = ingest(arena, exchange, [BTC], ["1h"], since=SINCE)
    assert later.inserted("open_interest_history") == later.inserted("long_short_ratio") == 3
    newest = store.read_open_interest_history(venue, BTC, "1h", last=1)[0]
    assert newest.ts == NOW - 30 * 60_000 + 3 * HOUR_MS  # the hour 03:00 of the new clock


def test_timeframes_the_exchange_has_no_statistics_for_are_left_out(
    arena: AppContext, fake: FakeExchange
) -> None:
    report = ingest(arena, "okx", [BTC], ["4h"], since=parse_ts("2024-03-01"))

    assert [i for i in report.series if i.dataset == "open_interest_history"] == []
    assert OI_PATH["okx"] not in fake.requests
    assert arena.derivatives.series("okx") == []


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_a_window_the_exchange_left_out_is_recorded_as_a_gap_by_the_scan(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    hidden_from, hidden_to = parse_ts("2024-03-10T05:00"), parse_ts("2024-03-10T07:00")
    fake.statistics.hide(hidden_from, hidden_to)
    ingest(arena, exchange, [BTC], ["1h"], since=SINCE)

    scans = integrity.scan(arena, VENUE[exchange], [BTC], ["1h"])

    by_dataset = {scan.dataset: scan for scan in scans}
    assert set(by_dataset) == {"candles", "open_interest", "long_short_ratio"}
    assert by_dataset["candles"].issues == []
    for dataset in ("open_interest", "long_short_ratio"):
        (gap,) = by_dataset[dataset].issues
        assert (gap.kind.value, gap.ts_start, gap.ts_end, gap.count) == (
            "gap",
            hidden_from,
            hidden_to,
            3,
        )
    events = arena.integrity.events(exchange=VENUE[exchange], kind="gap")
    assert sorted((e.dataset, e.timeframe, e.count) for e in events) == [
        ("long_short_ratio", "1h", 3), ("open_interest", "1h", 3)
    ]  # fmt: skip
    stats = {s.dataset: s for s in integrity.series_stats(arena, VENUE[exchange], [BTC])}
    assert (stats["open_interest"].gaps, stats["open_interest"].missing_rows) == (1, 3)


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_each_funding_settlement_keeps_the_time_of_the_next_one(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    ingest(arena, exchange, [BTC], ["1h"], since=SINCE)

    settled = [int(ts) for ts in fake.funding(BTC, SINCE)[:, 0]]
    store = arena.derivatives
    known = [store.next_funding(VENUE[exchange], BTC, ts) for ts in settled]
    assert known == [
        (ts, following) for ts, following in zip(settled, [*settled[1:], None], strict=True)
    ]
    assert known[0] == (SINCE, SINCE + 8 * HOUR_MS)  # Binance's 8-hour cadence
