"""Gap repair end to end: a gap left by the exchange during ingestion is found by a scan and
refetched through the real CCXT client from the loopback exchange."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.core.errors import SourceUnavailableError
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import ingest
from alpha_arena.services.integrity import scan
from alpha_arena.services.repair import repair_from_exchanges
from tests.integration.marketdata.ingest_helpers import SINCE, assert_stored, closed
from tests.support.fake_exchange import FakeExchange

SYMBOL = "BTC/USDT:USDT"
GAP_FROM = parse_ts("2024-02-01T05:00")
GAP_TO = parse_ts("2024-02-01T09:00")  # five hours hidden


def ingest_with_gap(arena: AppContext, fake: FakeExchange) -> None:
    fake.hide_bars(GAP_FROM, GAP_TO)
    ingest(arena, "binanceusdm", [SYMBOL], ["1h"], since=SINCE)
    fake.unhide_bars()


def test_scan_finds_the_gap_the_exchange_left_and_repair_fills_it(
    arena: AppContext, fake: FakeExchange
) -> None:
    ingest_with_gap(arena, fake)
    # The exchange's open interest and long/short series of 1h are scanned too; the candles:
    [series] = [found for found in scan(arena, "binance", [SYMBOL], ["1h"])
                if found.dataset == "candles"]  # fmt: skip
    [gap] = series.issues
    assert (gap.kind.value, gap.ts_start, gap.ts_end, gap.count) == ("gap", GAP_FROM, GAP_TO, 5)

    [result] = repair_from_exchanges(arena, "binance", [SYMBOL], ["1h"])

    assert (result.status, result.rows_fetched, result.rows_inserted) == ("repaired", 5, 5)
    assert_stored(arena.market, "binance", SYMBOL, "1h", closed(fake, SYMBOL, "1h"))
    assert arena.integrity.events(symbol=SYMBOL) == []  # the rescan resolved it
    [job] = arena.integrity.repair_jobs()
    assert (job.status, job.rows_inserted, job.error) == ("repaired", 5, None)


def test_a_gap_the_exchange_has_no_bars_for_is_confirmed_not_filled(
    arena: AppContext, fake: FakeExchange
) -> None:
    ingest_with_gap(arena, fake)
    scan(arena, "binance", [SYMBOL], ["1h"])
    fake.hide_bars(GAP_FROM, GAP_TO)  # a real outage: the exchange never had these bars

    [result] = repair_from_exchanges(arena, "binance", [SYMBOL], ["1h"])

    assert (result.status, result.rows_inserted) == ("unrepairable", 0)
    [event] = arena.integrity.events(symbol=SYMBOL)
    assert event.status == "confirmed"
    stored = arena.market.read_candles("binance", SYMBOL, "1h", GAP_FROM, GAP_TO)
    assert len(stored) == 0
    # A confirmed outage is not retried by the next repair.
    assert repair_from_exchanges(arena, "binance", [SYMBOL], ["1h"]) == []


def test_an_unreachable_exchange_fails_the_repair_with_a_recorded_job(
    arena: AppContext, fake: FakeExchange
) -> None:
    ingest_with_gap(arena, fake)
    scan(arena, "binance", [SYMBOL], ["1h"])
    fake.fail_next(503, count=10)

    with pytest.raises(SourceUnavailableError, match="binance"):
        repair_from_exchanges(arena, "binance", [SYMBOL], ["1h"])

    [job] = arena.integrity.repair_jobs()
    assert job.status == "failed" and job.error and "binance" in job.error
    [event] = arena.integrity.events(symbol=SYMBOL)
    assert event.status == "open"  # still to be repaired
    bars = arena.market.read_candles("binance", SYMBOL, "1h", GAP_FROM - HOUR_MS, GAP_TO + HOUR_MS)
    assert np.array_equal(bars.ts, [GAP_FROM - HOUR_MS, GAP_TO + HOUR_MS])
