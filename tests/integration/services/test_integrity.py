"""Integrity scans and gap repair on real Binance spot data, whose 1h series has real outages."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import SourceUnavailableError
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.domain.market import Candles
from alpha_arena.marketdata.sources.sample import read_candles, sample_instruments
from alpha_arena.services.context import AppContext
from alpha_arena.services.integrity import GapSource, repair_gaps, scan, series_stats
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.integrity_store import IntegrityEvent
from tests.support.sample import SAMPLE, manifest, sample_subset

SPOT = "BTC/USDT"
FILE = "binance_spot_BTCUSDT_1h.csv.gz"
HOURLY = read_candles(SAMPLE / FILE)
SCANNED_AT = parse_ts("2026-06-01")
# The 2019-05-15 Binance outage: no 1h bar from 03:00 to 12:00.
OUTAGE_START, OUTAGE_END = parse_ts("2019-05-15T03:00"), parse_ts("2019-05-15T12:00")


def between(candles: Candles, start: int, end: int) -> Candles:
    index = np.flatnonzero((candles.ts >= start) & (candles.ts <= end))
    return candles.slice(int(index[0]), int(index[-1]) + 1)


def flat_bars(ts_from: int, ts_to: int, price: float) -> Candles:
    return Candles.from_rows(
        [[ts, price, price, price, price, 0.0] for ts in range(ts_from, ts_to + 1, HOUR_MS)]
    )


def events(context: AppContext, *statuses: str) -> list[IntegrityEvent]:
    return context.integrity.events(statuses=statuses or ("open", "confirmed"))


@pytest.fixture
def btc_spot(context: AppContext, tmp_path: Path) -> AppContext:
    """The whole BTC/USDT 1h series, loaded through the sample loader."""
    load_sample(context, sample_subset(tmp_path / "sample", [FILE]))
    context.clock = SimClock(SCANNED_AT)
    return context


@pytest.fixture
def outage_days(context: AppContext) -> AppContext:
    """Three real days around the 2019-05-15 outage: one gap of 10 bars, and nothing else."""
    context.market.upsert_instruments(sample_instruments(), 0)
    days = between(HOURLY, parse_ts("2019-05-14"), parse_ts("2019-05-16T23:00"))
    assert len(days) == 72 - 10
    context.market.write_candles("binance", SPOT, "1h", days)
    context.clock = SimClock(SCANNED_AT)
    (result,) = scan(context)
    assert result.outcome.opened == 1
    return context


# -- scans -------------------------------------------------------------------------------------


def test_scan_finds_the_27_gaps_of_the_readme_and_opens_an_event_for_each(
    btc_spot: AppContext,
) -> None:
    entry = manifest()[FILE]
    (result,) = scan(btc_spot, symbols=[SPOT], timeframes=["1h"])
    assert (result.symbol, result.dataset, result.rows) == (SPOT, "candles", entry["rows"])
    assert result.counts() == {"gap": 27}
    assert (result.outcome.opened, result.outcome.still_open, result.outcome.resolved) == (27, 0, 0)
    found = events(btc_spot)
    assert len(found) == 27
    assert {(e.status, e.kind, e.symbol, e.timeframe, e.ts_detected) for e in found} == {
        ("open", "gap", SPOT, "1h", SCANNED_AT)
    }
    assert sum(e.count for e in found) == entry["missing_intervals"] == 122
    spans = {(e.ts_start, e.ts_end): e.count for e in found}
    for gap in entry["largest_gaps"]:
        assert spans[(parse_ts(gap["from_"]), parse_ts(gap["to"]))] == gap["missing"]


def test_a_second_scan_opens_no_new_event(btc_spot: AppContext) -> None:
    scan(btc_spot)
    before = events(btc_spot)
    btc_spot.clock = SimClock(SCANNED_AT + HOUR_MS)
    (again,) = scan(btc_spot)
    assert (again.outcome.opened, again.outcome.still_open, again.outcome.resolved) == (0, 27, 0)
    assert events(btc_spot) == before


def test_writing_the_bars_of_one_gap_resolves_exactly_its_event(btc_spot: AppContext) -> None:
    scan(btc_spot)
    (outage,) = [e for e in events(btc_spot) if e.ts_start == OUTAGE_START]
    assert (outage.ts_end, outage.count) == (OUTAGE_END, 10)
    close_before = float(HOURLY.close[np.searchsorted(HOURLY.ts, OUTAGE_START) - 1])
    written = btc_spot.market.write_candles(
        "binance", SPOT, "1h", flat_bars(OUTAGE_START, OUTAGE_END, close_before)
    )
    assert written == 10
    resolved_at = SCANNED_AT + 2 * HOUR_MS
    btc_spot.clock = SimClock(resolved_at)
    (rescan,) = scan(btc_spot)
    assert (rescan.outcome.opened, rescan.outcome.still_open, rescan.outcome.resolved) == (0, 26, 1)
    (resolved,) = events(btc_spot, "resolved")
    assert (resolved.id, resolved.status, resolved.ts_resolved) == (
        outage.id,
        "resolved",
        resolved_at,
    )
    assert outage.id not in {e.id for e in events(btc_spot)}
    assert len(events(btc_spot, "open")) == 26


def test_filling_the_tail_of_a_gap_shrinks_its_open_event(btc_spot: AppContext) -> None:
    scan(btc_spot)
    tail_start = OUTAGE_START + 5 * HOUR_MS
    btc_spot.market.write_candles("binance", SPOT, "1h", flat_bars(tail_start, OUTAGE_END, 8000.0))
    (rescan,) = scan(btc_spot)
    assert (rescan.outcome.opened, rescan.outcome.resolved) == (0, 0)
    (outage,) = [e for e in events(btc_spot) if e.ts_start == OUTAGE_START]
    assert (outage.status, outage.ts_end, outage.count) == ("open", tail_start - HOUR_MS, 5)


def test_scan_records_nothing_for_a_clean_perpetual(context: AppContext, tmp_path: Path) -> None:
    folder = sample_subset(
        tmp_path / "sample",
        ["binance_usdm_SOLUSDT_1h.csv.gz", "binance_usdm_SOLUSDT_funding_8h.csv.gz"],
    )
    load_sample(context, folder)
    results = scan(context)
    assert [(r.dataset, r.timeframe, r.counts(), r.outcome.opened) for r in results] == [
        ("candles", "1h", {}, 0),
        ("funding", "funding", {}, 0),
    ]
    assert events(context, "open", "confirmed", "resolved") == []
    assert [(s.gaps, s.missing_rows) for s in series_stats(context)] == [(0, 0), (0, 0)]


# -- repair with gap sources -------------------------------------------------------------------


class FillingSource:
    """Has every bar: flat bars at a fixed price for whatever range is asked."""

    name = "binance"

    def __init__(self, price: float = 8000.0) -> None:
        self.price = price
        self.requests: list[tuple[str, str, int, int]] = []

    def fetch_candle_range(self, symbol: str, timeframe: str, ts_from: int, ts_to: int) -> Candles:
        self.requests.append((symbol, timeframe, ts_from, ts_to))
        return flat_bars(ts_from, ts_to, self.price)


class EmptySource:
    """Has nothing for the range: the exchange itself was down."""

    name = "binance"

    def fetch_candle_range(self, symbol: str, timeframe: str, ts_from: int, ts_to: int) -> Candles:
        return Candles.empty()


class UnreachableSource:
    name = "binance"

    def fetch_candle_range(self, symbol: str, timeframe: str, ts_from: int, ts_to: int) -> Candles:
        raise SourceUnavailableError("binance: connection refused (api.binance.com)")


class GenerousSource:
    """Answers with the range asked for plus bars after it, as a paging exchange API does."""

    name = "binance"

    def fetch_candle_range(self, symbol: str, timeframe: str, ts_from: int, ts_to: int) -> Candles:
        return flat_bars(ts_from, ts_to + 100 * HOUR_MS, 8000.0)


class BrokenSource:
    """Returns bars no exchange should: a NaN close."""

    name = "binance"

    def fetch_candle_range(self, symbol: str, timeframe: str, ts_from: int, ts_to: int) -> Candles:
        bars = flat_bars(ts_from, ts_to, 8000.0)
        bars.close[3] = math.nan
        return bars


def opener(source: GapSource, opened: list[str] | None = None) -> Callable[[str], GapSource]:
    def open_source(exchange: str) -> GapSource:
        if opened is not None:
            opened.append(exchange)
        return source

    return open_source


def stored_rows(context: AppContext) -> int:
    return len(context.market.read_candles("binance", SPOT, "1h"))


def test_repair_with_a_source_that_has_the_bars_fills_the_gap_and_resolves_it(
    outage_days: AppContext,
) -> None:
    source, opened = FillingSource(), list[str]()
    (result,) = repair_gaps(outage_days, opener(source, opened))
    assert opened == ["binance"]
    assert source.requests == [(SPOT, "1h", OUTAGE_START, OUTAGE_END)]
    assert (result.status, result.rows_fetched, result.rows_inserted, result.error) == (
        "repaired",
        10,
        10,
        None,
    )
    (job,) = outage_days.integrity.repair_jobs(result.event.id)
    assert (job.id, job.status, job.rows_fetched, job.rows_inserted) == (
        result.job_id,
        "repaired",
        10,
        10,
    )
    assert job.ts_finished == SCANNED_AT
    assert events(outage_days) == []
    (resolved,) = events(outage_days, "resolved")
    assert resolved.id == result.event.id
    bars = outage_days.market.read_candles("binance", SPOT, "1h", OUTAGE_START, OUTAGE_END)
    assert bars.close.tolist() == [8000.0] * 10
    assert stored_rows(outage_days) == 72


def test_repair_with_a_source_without_the_bars_confirms_the_gap_and_invents_nothing(
    outage_days: AppContext,
) -> None:
    (result,) = repair_gaps(outage_days, opener(EmptySource()))
    assert (result.status, result.rows_fetched, result.rows_inserted) == ("unrepairable", 0, 0)
    (job,) = outage_days.integrity.repair_jobs()
    assert (job.status, job.error) == ("unrepairable", None)
    (event,) = events(outage_days)
    assert (event.id, event.status) == (result.event.id, "confirmed")
    assert stored_rows(outage_days) == 62
    # A confirmed outage stays confirmed on rescan and is not retried.
    (rescan,) = scan(outage_days)
    assert rescan.outcome.opened == 0
    assert [e.status for e in events(outage_days)] == ["confirmed"]
    assert repair_gaps(outage_days, opener(FillingSource())) == []


def test_repair_with_an_unreachable_source_records_a_failed_job_and_raises(
    outage_days: AppContext,
) -> None:
    with pytest.raises(SourceUnavailableError, match="connection refused"):
        repair_gaps(outage_days, opener(UnreachableSource()))
    (job,) = outage_days.integrity.repair_jobs()
    assert job.status == "failed"
    assert job.error is not None
    assert "connection refused" in job.error
    assert job.ts_finished == SCANNED_AT
    assert [e.status for e in events(outage_days)] == ["open"]
    assert stored_rows(outage_days) == 62


def test_repair_stores_only_the_bars_inside_the_gap(outage_days: AppContext) -> None:
    (result,) = repair_gaps(outage_days, opener(GenerousSource()))
    assert (result.status, result.rows_inserted) == ("repaired", 10)
    last_day_end = parse_ts("2019-05-16T23:00")
    assert outage_days.market.last_candle_ts("binance", SPOT, "1h") == last_day_end
    assert stored_rows(outage_days) == 72


def test_repair_refuses_invalid_bars_from_the_source(outage_days: AppContext) -> None:
    (result,) = repair_gaps(outage_days, opener(BrokenSource()))
    assert result.status == "failed"
    assert result.error is not None
    assert "nan" in result.error
    assert stored_rows(outage_days) == 62
    assert [e.status for e in events(outage_days)] == ["open"]


def test_repair_with_part_of_the_bars_is_partial_and_keeps_the_rest_open(
    outage_days: AppContext,
) -> None:
    class HalfSource(FillingSource):
        def fetch_candle_range(
            self, symbol: str, timeframe: str, ts_from: int, ts_to: int
        ) -> Candles:
            return flat_bars(ts_from, ts_from + 4 * HOUR_MS, 8000.0)

    (result,) = repair_gaps(outage_days, opener(HalfSource()))
    assert (result.status, result.rows_inserted) == ("partial", 5)
    (remaining,) = events(outage_days)
    assert (remaining.status, remaining.ts_start, remaining.ts_end, remaining.count) == (
        "open",
        OUTAGE_START + 5 * HOUR_MS,
        OUTAGE_END,
        5,
    )
