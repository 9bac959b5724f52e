"""``arena data price`` and ``arena data ingest --exchange coingecko`` end to end: the real
commands, settings from the environment, a loopback server speaking CoinGecko's API, and the
database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.core.clock import WallClock
from alpha_arena.core.time import DAY_MS, parse_ts, to_iso
from alpha_arena.services.context import open_context
from tests.support.databases import settings_for
from tests.support.fake_coingecko import FakeCoinGecko

SINCE = "2026-05-01"


@pytest.fixture
def fake() -> Iterator[FakeCoinGecko]:
    # The commands read the wall clock: the fake's does too (its sample ends 2026-05-16).
    with FakeCoinGecko(WallClock().now_ms()) as server:
        yield server


def _run(database_url: str, fake: FakeCoinGecko, *args: str, **extra: str) -> Result:
    env = {
        **extra,
        "ARENA_DATABASE_URL": database_url,
        "ARENA_COINGECKO_BASE_URL": fake.url,
        "ARENA_COINGECKO_CALLS_PER_MINUTE": "0",
        "ARENA_COINGECKO_MAX_RETRIES": "1",
        "ARENA_EXCHANGE_RETRY_BASE_S": "0",
    }
    return CliRunner().invoke(app, ["data", *args], env=env)


def test_price_prints_coingeckos_current_prices_and_stores_nothing(
    tmp_path: Path, fake: FakeCoinGecko
) -> None:
    url = f"sqlite:///{tmp_path / 'arena.db'}"
    result = _run(url, fake, "price", "btc", "ETH", "--json")

    assert result.exit_code == 0, result.output
    btc, updated = fake.price_now("bitcoin")
    eth, _ = fake.price_now("ethereum")
    assert json.loads(result.stdout) == [
        {"symbol": "BTC/USD", "price": btc, "ts": updated * 1000},
        {"symbol": "ETH/USD", "price": eth, "ts": updated * 1000},
    ]
    (request,) = fake.requests_to("/simple/price")
    assert (request["ids"], request["vs_currencies"]) == ("bitcoin,ethereum", "usd")
    assert not (tmp_path / "arena.db").exists()  # a price is asked, not stored

    table = _run(url, fake, "price", "BTC")
    assert table.exit_code == 0, table.output
    assert f"{btc:,.8g}" in table.stdout and to_iso(updated * 1000)[:10] in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("price", "WAGMI"), "error: coingecko: unknown coin 'WAGMI'; known: ADA, AVAX"),
        (("price", "BTC", "--vs", "u$d"), "error: cannot read currency 'u$d'; e.g. usd, eur"),
        (("price", "BTC", "--vs", "eur"), "error: coingecko: no EUR price for 'bitcoin'"),
    ],
)
def test_a_bad_price_request_is_one_line(
    tmp_path: Path, fake: FakeCoinGecko, args: tuple[str, ...], message: str
) -> None:
    result = _run(f"sqlite:///{tmp_path / 'arena.db'}", fake, *args)

    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr


def test_ingest_from_coingecko_stores_daily_candles(database_url: str, fake: FakeCoinGecko) -> None:
    args = ("--exchange", "coingecko", "--symbols", "BTC/USD", "--timeframes", "1d")
    # With a pro key: the public plans' year of history will one day end after SINCE.
    key = {"ARENA_COINGECKO_API_KEY": "CG-test-key", "ARENA_COINGECKO_KEY_TYPE": "pro"}
    result = _run(database_url, fake, "ingest", *args, "--since", SINCE, "--json", **key)

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # The sample's last hour is 2026-05-16 18:00: the days 05-01 to 05-15 have ended, the
    # 16th (partial in the sample) is past too, and is stored from the samples it has.
    days = (parse_ts("2026-05-16") - parse_ts(SINCE)) // DAY_MS + 1
    assert (report["venue"], report["inserted"]["candles"]) == ("coingecko", days)
    assert report["inserted"]["prices"] == 1
    context = open_context(settings_for(database_url))
    try:
        stored = context.market.read_candles("coingecko", "BTC/USD", "1d")
        samples = fake.served("bitcoin")
        first_day = samples[(samples[:, 0] >= parse_ts(SINCE))][:24]  # 00:02 .. 23:02
        assert stored.ts[0] == parse_ts(SINCE)
        assert (stored.open[0], stored.close[0]) == (first_day[0, 1], first_day[-1, 1])
        assert stored.high[0] == first_day[:, 1].max() and stored.low[0] == first_day[:, 1].min()
        assert np.all(np.diff(stored.ts) == DAY_MS)
    finally:
        context.close()
