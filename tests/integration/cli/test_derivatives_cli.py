"""``arena data ingest``, ``stats`` and ``scan`` name the open interest and long/short series
the ingestion stored (the real commands against the fake exchange's OKX statistics)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.core.time import parse_ts
from tests.support.fake_exchange import FakeExchange

BTC = "BTC/USDT:USDT"


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with FakeExchange(parse_ts("2024-03-15T00:30")) as server:
        yield server


def arena(database_url: str, fake: FakeExchange, *args: str) -> Result:
    env = {
        "ARENA_DATABASE_URL": database_url,
        "ARENA_EXCHANGE_BASE_URL": fake.url,
        "ARENA_EXCHANGE_MAX_RETRIES": "1",
        "ARENA_EXCHANGE_RETRY_BASE_S": "0",
        "ARENA_EXCHANGE_RATE_LIMIT_MS": "0",
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result


def test_the_statistics_series_are_named_in_every_table(
    database_url: str, fake: FakeExchange
) -> None:
    ingest = arena(database_url, fake, "data", "ingest", "--exchange", "okx", "--symbols", BTC,
                   "--timeframes", "1d", "--since", "2024-03-01")  # fmt: skip
    # Daily readings from 2024-03-01 to the fake's 2024-03-15: fifteen of each.
    assert "open interest history 1d" in ingest.stdout
    assert "long/short ratio 1d" in ingest.stdout
    assert "15 open interest history, 15 long/short ratio" in ingest.stdout

    stats = arena(database_url, fake, "data", "stats").stdout
    assert "open interest 1d" in stats and "long/short ratio 1d" in stats
    scan = arena(database_url, fake, "data", "scan").stdout
    rows = [line for line in scan.splitlines() if "open interest 1d" in line]
    assert len(rows) == 1 and "clean" in rows[0]
