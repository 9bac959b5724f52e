"""``arena data ingest`` end to end: the real command, settings from the environment, the real
CCXT client against the fake exchange, and the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.core.time import DAY_MS, parse_ts
from alpha_arena.services.context import open_context
from tests.support.databases import settings_for
from tests.support.fake_exchange import FakeExchange

NOW = parse_ts("2024-03-15T00:30")
SINCE = "2024-03-01"
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with FakeExchange(NOW) as server:
        yield server


def _ingest(database_url: str, base_url: str, *args: str) -> Result:
    env = {
        "ARENA_DATABASE_URL": database_url,
        "ARENA_EXCHANGE_BASE_URL": base_url,
        "ARENA_EXCHANGE_MAX_RETRIES": "1",
        "ARENA_EXCHANGE_RETRY_BASE_S": "0",
        "ARENA_EXCHANGE_RATE_LIMIT_MS": "0",
    }
    return CliRunner().invoke(app, ["data", "ingest", *args], env=env)


def _daily_since(fake: FakeExchange, symbol: str) -> np.ndarray:
    """Daily bars from SINCE on; the command reads the wall clock, long past the fake's day."""
    bars = fake.served_bars(symbol, DAY_MS)
    return bars[bars[:, 0] >= parse_ts(SINCE)]


def test_ingest_stores_the_rows_and_prints_a_summary_with_progress_on_stderr(
    database_url: str, fake: FakeExchange
) -> None:
    args = ("--exchange", "okx", "--symbols", f"{BTC},{ETH}", "--timeframes", "1d")
    result = _ingest(database_url, fake.url, *args, "--since", SINCE)

    assert result.exit_code == 0, result.output
    assert "Ingested from okx (run 1)" in result.stdout
    assert "stored under exchange 'okx': 30 candles" in result.stdout
    assert f"{BTC} 1d" in result.stderr and "100%" in result.stderr
    context = open_context(settings_for(database_url))
    try:
        for symbol in (BTC, ETH):
            stored = context.market.read_candles("okx", symbol, "1d")
            expected = _daily_since(fake, symbol)
            np.testing.assert_array_equal(stored.ts, expected[:, 0].astype(np.int64))
            np.testing.assert_array_equal(stored.close, expected[:, 4])
        (run,) = context.runs.recent()
        assert (run.status, run.source, run.rows_candles) == ("succeeded", "okx", 30)
    finally:
        context.close()


def test_json_output_is_pure_json_and_a_second_run_adds_nothing(
    database_url: str, fake: FakeExchange
) -> None:
    args = ("--exchange", "binanceusdm", "--symbols", BTC, "--timeframes", "1d", "--since", SINCE)
    first = _ingest(database_url, fake.url, *args, "--json")
    second = _ingest(database_url, fake.url, *args, "--json")

    assert first.exit_code == second.exit_code == 0, first.output + second.output
    report = json.loads(first.stdout)
    assert (report["exchange"], report["venue"]) == ("binanceusdm", "binance")
    assert report["inserted"]["candles"] == len(_daily_since(fake, BTC)) == 15
    assert report["inserted"]["funding"] == len(fake.funding(BTC, parse_ts(SINCE))) == 43
    assert first.stderr == ""  # no progress bar with --json
    again = json.loads(second.stdout)
    candles = next(item for item in again["series"] if item["dataset"] == "candles")
    assert candles["ts_from"] == parse_ts("2024-03-16") and again["inserted"]["candles"] == 0
    assert again["inserted"]["funding"] == 0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--exchange", "okx", "--symbols", "FOO/USDT:USDT"),
            "error: okx: unknown symbol 'FOO/USDT:USDT'",
        ),
        (
            ("--exchange", "okx", "--symbols", BTC, "--timeframes", "1h,7m"),
            "error: unknown timeframe '7m'; accepted: 1m, 5m, 15m, 30m, 1h",
        ),
        (
            ("--exchange", "okx", "--symbols", BTC, "--since", "2999-01-01"),
            "error: since 2999-01-01T00:00:00Z is in the future",
        ),
        (
            ("--exchange", "okx", "--symbols", BTC, "--since", "yesterday"),
            "error: cannot read 'yesterday' as a date; use YYYY-MM-DD",
        ),
        (
            ("--exchange", "kraken", "--symbols", BTC),
            "error: unknown exchange 'kraken'; accepted: okx, binance, binanceusdm, bitget, bybit",
        ),
        (
            ("--exchange", "binanceusdm", "--symbols", BTC, "--base-url-closed"),
            "error: binanceusdm: loading markets failed after 2 attempts: connection refused",
        ),
    ],
    ids=["unknown-symbol", "unknown-timeframe", "future-since", "bad-date", "bad-exchange", "down"],
)
def test_a_failure_is_one_line_on_stderr_and_a_non_zero_exit(
    tmp_path: Path, fake: FakeExchange, args: tuple[str, ...], message: str
) -> None:
    base_url = fake.url
    if "--base-url-closed" in args:
        args = args[:-1]
        base_url = f"http://127.0.0.1:{_closed_port()}"

    result = _ingest(f"sqlite:///{tmp_path / 'arena.db'}", base_url, *args)

    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert "Traceback" not in result.output
