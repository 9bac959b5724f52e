"""Ingestion when things go wrong: rate limits, server errors, dropped connections, a killed
process, bad input and an unreachable exchange, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from alpha_arena.core.errors import (
    InvalidInputError,
    NotFoundError,
    SourceUnavailableError,
    TemporaryError,
)
from alpha_arena.core.time import HOUR_MS
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import ingest
from tests.integration.marketdata.ingest_helpers import (
    NOW,
    SINCE,
    VENUE,
    assert_stored,
    closed,
    pointed_at,
)
from tests.support.fake_exchange import FakeExchange

BTC = "BTC/USDT:USDT"
CANDLE_PATH = {"okx": "/api/v5/market/history-candles", "binanceusdm": "/fapi/v1/klines"}
EXCHANGES = ("okx", "binanceusdm")


def _failed_run(arena: AppContext) -> str:
    """The error text of the one recorded run, which must have failed."""
    (run,) = arena.runs.recent()
    assert run.status == "failed" and run.ts_finished is not None and run.error
    return run.error


@pytest.mark.parametrize("exchange", EXCHANGES)
@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retried_until_they_pass(
    arena: AppContext, fake: FakeExchange, exchange: str, status: int
) -> None:
    fake.fail_next(status, count=2, path=CANDLE_PATH[exchange])  # settings allow 2 retries

    report = ingest(arena, exchange, [BTC], ["4h"], since=SINCE)

    assert_stored(arena.market, VENUE[exchange], BTC, "4h", closed(fake, BTC, "4h"))
    pages = fake.candle_pages
    assert fake.requests[CANDLE_PATH[exchange]] == pages + 2
    run = arena.runs.get(report.run_id)
    assert run is not None and run.status == "succeeded"


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_persistent_server_errors_fail_the_run_with_one_clear_line(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    fake.fail_next(500, count=100, path=CANDLE_PATH[exchange])

    with pytest.raises(SourceUnavailableError) as raised:
        ingest(arena, exchange, [BTC], ["4h"], since=SINCE)

    message = str(raised.value)
    assert message.startswith(f"{exchange}: fetching {BTC} 4h candles failed after 3 attempts")
    assert "\n" not in message and len(message) < 400
    assert fake.requests[CANDLE_PATH[exchange]] == 3  # the first try and two retries
    assert _failed_run(arena) == message
    assert len(arena.market.read_candles(VENUE[exchange], BTC, "4h")) == 0


def test_persistent_rate_limiting_is_a_temporary_error(
    arena: AppContext, fake: FakeExchange
) -> None:
    fake.fail_next(429, count=100)

    with pytest.raises(TemporaryError, match=r"^okx: loading markets: still rate-limited after 3"):
        ingest(arena, "okx", [BTC], ["4h"], since=SINCE)
    assert "rate-limited" in _failed_run(arena)


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_an_interrupted_run_keeps_its_pages_and_the_next_run_completes_the_series(
    arena: AppContext, fake: FakeExchange, exchange: str
) -> None:
    page = {"okx": 300, "binanceusdm": 1000}[exchange]
    fake.disconnect_after_candle_pages(1)

    with pytest.raises(SourceUnavailableError, match="connection closed without a response"):
        ingest(arena, exchange, [BTC], ["1h"], since=SINCE)

    venue = VENUE[exchange]
    kept = arena.market.read_candles(venue, BTC, "1h")
    assert len(kept) == page  # the first page, whole
    (run,) = arena.runs.recent()
    assert (run.status, run.rows_candles) == ("failed", page)

    fake.heal()
    fake.log.clear()
    report = ingest(arena, exchange, [BTC], ["1h"], since=SINCE)

    expected = closed(fake, BTC, "1h")
    assert report.inserted("candles") == len(expected) - page
    first = next(params for path, params in fake.log if path == CANDLE_PATH[exchange])
    resumed_at = SINCE + page * HOUR_MS
    assert int(first.get("startTime", first.get("before", 0))) in (resumed_at, resumed_at - 1)
    assert_stored(arena.market, venue, BTC, "1h", expected)


_INGEST_IN_A_CHILD = textwrap.dedent(
    """
    import sys
    from alpha_arena.core.clock import SimClock
    from alpha_arena.core.settings import Settings
    from alpha_arena.services.context import open_context
    from alpha_arena.services.ingestion import ingest

    database_url, base_url, now, since = sys.argv[1:]
    settings = Settings(
        _env_file=None, database_url=database_url, exchange_base_url=base_url,
        exchange_retry_base_s=0, exchange_rate_limit_ms=0,
    )
    context = open_context(settings, clock=SimClock(int(now)))
    ingest(context, "okx", ["BTC/USDT:USDT"], ["1h"], since=int(since))
    """
)


def test_a_killed_process_leaves_whole_pages_and_the_next_run_resumes_without_duplicates(
    arena: AppContext, fake: FakeExchange, database_url: str
) -> None:
    fake.stall_after_candle_pages(2)
    child = subprocess.Popen(
        [sys.executable, "-c", _INGEST_IN_A_CHILD, database_url, fake.url, str(NOW), str(SINCE)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert fake.stalled.wait(timeout=60), "the child never asked for a third page"
    finally:
        child.kill()
        child.wait(timeout=30)
    fake.heal()

    kept = arena.market.read_candles("okx", BTC, "1h")
    assert len(kept) == 600  # two whole pages of 300, nothing of the third
    (run,) = arena.runs.recent()
    assert (run.status, run.rows_candles, run.ts_finished) == ("running", 600, None)

    report = ingest(arena, "okx", [BTC], ["1h"], since=SINCE)

    expected = closed(fake, BTC, "1h")
    assert report.inserted("candles") == len(expected) - 600
    stored = arena.market.read_candles("okx", BTC, "1h")
    assert len(np.unique(stored.ts)) == len(stored.ts)
    assert_stored(arena.market, "okx", BTC, "1h", expected)


def test_an_unknown_symbol_is_named_and_fails_the_run(
    arena: AppContext, fake: FakeExchange
) -> None:
    with pytest.raises(NotFoundError, match=r"^okx: unknown symbol 'DOGE/USDT:USDT'"):
        ingest(arena, "okx", [BTC, "DOGE/USDT:USDT"], ["1h"], since=SINCE)

    assert "DOGE/USDT:USDT" in _failed_run(arena)
    assert fake.candle_pages == 0  # checked before anything is downloaded


@pytest.mark.parametrize("typed", ["BTC/USDT:USD", "btc/usdt:usdt"])
def test_a_misspelt_symbol_gets_a_suggestion(
    arena: AppContext, fake: FakeExchange, typed: str
) -> None:
    with pytest.raises(NotFoundError, match=r"did you mean BTC/USDT:USDT"):
        ingest(arena, "binanceusdm", [typed], ["1h"], since=SINCE)


@pytest.mark.parametrize(
    ("symbols", "timeframes", "since", "message"),
    [
        ([BTC], ["7m"], SINCE, r"^unknown timeframe '7m'; accepted: 1m, 5m, 15m"),
        ([BTC], ["1h"], NOW + HOUR_MS, r"^since 2024-03-15T01:30:00Z is in the future"),
        (["BTCUSDT"], ["1h"], SINCE, r"^cannot read symbol 'BTCUSDT'; use the CCXT form"),
        ([], ["1h"], SINCE, r"^no symbols given"),
    ],
)
def test_bad_input_is_rejected_before_any_request_or_run(
    arena: AppContext,
    fake: FakeExchange,
    symbols: list[str],
    timeframes: list[str],
    since: int,
    message: str,
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        ingest(arena, "okx", symbols, timeframes, since=since)

    assert sum(fake.requests.values()) == 0
    assert arena.runs.recent() == []


def test_a_timeframe_the_exchange_lacks_is_refused_with_what_it_offers(
    arena: AppContext, fake: FakeExchange
) -> None:
    with pytest.raises(InvalidInputError, match=r"^okx does not offer 8h candles; accepted: .*12h"):
        ingest(arena, "okx", [BTC], ["8h"], since=SINCE)
    assert "8h" in _failed_run(arena)


def test_an_unsupported_exchange_lists_the_supported_ones(arena: AppContext) -> None:
    with pytest.raises(
        InvalidInputError, match=r"unknown exchange 'kraken'; accepted: okx, binance"
    ):
        ingest(arena, "kraken", [BTC], ["1h"], since=SINCE)


def test_an_unreachable_exchange_fails_the_run_with_one_line(
    context: AppContext, fake: FakeExchange
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    arena = pointed_at(context, fake, exchange_base_url=f"http://127.0.0.1:{port}")

    with pytest.raises(SourceUnavailableError) as raised:
        ingest(arena, "binanceusdm", [BTC], ["1h"], since=SINCE)

    assert str(raised.value) == (
        "binanceusdm: loading markets failed after 3 attempts: connection refused"
    )
    assert _failed_run(arena) == str(raised.value)
