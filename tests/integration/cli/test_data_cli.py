"""The ``arena`` command as a user runs it: configured through ARENA_DATABASE_URL (or a .env file
in the working directory), against a real database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.services.context import open_context
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import PERPETUALS, manifest

UseDatabase = Callable[[str], None]
TOTAL_ROWS = sum(entry["rows"] for entry in manifest().values())


@dataclass
class LoadedDatabase:
    url: str
    first_load: Result


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoadedDatabase]:
    """A database per backend into which ``arena data load-sample`` has loaded the sample."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(tmp_path_factory.mktemp("cwd"))
            patch.setenv("ARENA_DATABASE_URL", url)
            first = invoke("data", "load-sample")
        yield LoadedDatabase(url, first)


@pytest.fixture
def use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> UseDatabase:
    """Point the command at a database URL, from an empty working directory (no .env)."""
    monkeypatch.chdir(tmp_path)

    def point_at(url: str) -> None:
        monkeypatch.setenv("ARENA_DATABASE_URL", url)

    return point_at


def assert_one_line_error(result: Result, *fragments: str) -> str:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def test_load_sample_twice_inserts_everything_then_nothing(
    loaded: LoadedDatabase, use: UseDatabase
) -> None:
    first = loaded.first_load
    assert first.exit_code == 0, first.output
    assert f"sample loaded: {TOTAL_ROWS:,} new rows of {TOTAL_ROWS:,} from 30 files" in first.stdout
    use(loaded.url)
    second = invoke("data", "load-sample")
    assert second.exit_code == 0, second.output
    assert f"sample already loaded: {TOTAL_ROWS:,} rows checked, nothing inserted" in second.stdout
    assert second.stderr == ""


def test_stats_json_lists_the_six_perpetuals_with_their_1h_span_and_no_gaps(
    loaded: LoadedDatabase,
    use: UseDatabase,
) -> None:
    use(loaded.url)
    result = invoke("data", "stats", "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    hourly = {
        item["symbol"]: item
        for item in stats
        if item["timeframe"] == "1h" and item["symbol"].endswith(":USDT")
    }
    assert sorted(hourly) == sorted(PERPETUALS)
    for symbol, item in hourly.items():
        entry = manifest()[f"binance_usdm_{symbol.split('/')[0]}USDT_1h.csv.gz"]
        assert (item["first"], item["last"], item["rows"]) == (
            entry["first"],
            entry["last"],
            entry["rows"],
        )
        assert (item["gaps"], item["missing_rows"], item["exchange"]) == (0, 0, "binance")
    assert len(stats) == len(manifest())


def test_stats_json_filtered_by_symbol_and_timeframe(
    loaded: LoadedDatabase, use: UseDatabase
) -> None:
    use(loaded.url)
    result = invoke(
        "data", "stats", "--json", "--symbols", "BTC/USDT, ETH/USDT:USDT", "--timeframes", "1h"
    )
    assert result.exit_code == 0, result.output
    stats = {item["symbol"]: item for item in json.loads(result.stdout)}
    assert sorted(stats) == ["BTC/USDT", "ETH/USDT:USDT"]
    spot = manifest()["binance_spot_BTCUSDT_1h.csv.gz"]
    assert (stats["BTC/USDT"]["gaps"], stats["BTC/USDT"]["missing_rows"]) == (
        spot["gap_count"],
        spot["missing_intervals"],
    )


def test_stats_table_shows_every_series(loaded: LoadedDatabase, use: UseDatabase) -> None:
    use(loaded.url)
    result = invoke("data", "stats", "--symbols", "DOGE/USDT:USDT")
    assert result.exit_code == 0, result.output
    # Rich shortens cells to fit 80 columns, the width of a pipe: look for what survives.
    assert "DOGE/" in result.stdout
    assert "20,844" in result.stdout  # the perpetual's 1h rows
    assert "3,701" in result.stdout  # and its funding settlements
    assert "BTC/" not in result.stdout


def test_scan_json_reports_the_spot_gaps_and_clean_perpetuals(
    loaded: LoadedDatabase, use: UseDatabase
) -> None:
    use(loaded.url)
    result = invoke("data", "scan", "--json", "--symbols", "BTC/USDT,BTC/USDT:USDT")
    assert result.exit_code == 0, result.output
    scans = {(item["symbol"], item["timeframe"]): item for item in json.loads(result.stdout)}
    assert set(scans) == {
        ("BTC/USDT", "1h"),
        ("BTC/USDT", "4h"),
        ("BTC/USDT", "1d"),
        ("BTC/USDT:USDT", "1h"),
        ("BTC/USDT:USDT", "funding"),
    }
    spot = scans[("BTC/USDT", "1h")]
    assert spot["issues"] == {"gap": 27}
    assert spot["events_opened"] + spot["events_still_open"] == 27
    assert sum(detail["count"] for detail in spot["details"]) == 122
    assert {
        "kind": "gap",
        "start": "2019-05-15T03:00:00Z",
        "end": "2019-05-15T12:00:00Z",
        "count": 10,
        "detail": "10 bars missing",
    } in spot["details"]
    for key in [("BTC/USDT:USDT", "1h"), ("BTC/USDT:USDT", "funding"), ("BTC/USDT", "4h")]:
        assert (scans[key]["issues"], scans[key]["details"]) == ({}, []), key


def test_a_env_file_in_the_working_directory_configures_the_database(
    loaded: LoadedDatabase, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARENA_DATABASE_URL", raising=False)
    (tmp_path / ".env").write_text(f"ARENA_DATABASE_URL={loaded.url}\n")
    result = invoke("data", "stats", "--json", "--symbols", "XRP/USDT:USDT")
    assert result.exit_code == 0, result.output
    assert {item["timeframe"] for item in json.loads(result.stdout)} == {"1h", "funding"}


# -- bad input: one line on stderr, exit code 2, no traceback -----------------------------------


def test_unknown_symbol_is_one_line_naming_what_is_stored(
    loaded: LoadedDatabase, use: UseDatabase
) -> None:
    use(loaded.url)
    for command in ("stats", "scan"):
        assert_one_line_error(
            invoke("data", command, "--symbols", "NOPE/USDT:USDT"),
            "NOPE/USDT:USDT",
            "BTC/USDT:USDT",
        )


def test_unknown_timeframe_is_one_line_listing_the_accepted_ones(
    loaded: LoadedDatabase, use: UseDatabase
) -> None:
    use(loaded.url)
    assert_one_line_error(
        invoke("data", "stats", "--timeframes", "7h"), "unknown timeframe '7h'", "accepted: 1m"
    )


def test_unreachable_postgres_is_one_line(use: UseDatabase) -> None:
    use("postgresql+psycopg://postgres@127.0.0.1:1/arena")
    line = assert_one_line_error(invoke("data", "stats"), "cannot connect to")
    assert "127.0.0.1:1" in line


@pytest.mark.parametrize(
    "url",
    [
        "not a database url",
        "postgresql://arena@localhost:notaport/arena",
        "postgresql+nosuchdriver://arena@localhost/arena",
        "mysql+nosuchdriver://arena@localhost/arena",
    ],
)
def test_malformed_database_url_is_one_line_naming_the_setting(use: UseDatabase, url: str) -> None:
    use(url)
    assert_one_line_error(invoke("data", "stats"), "ARENA_DATABASE_URL")


def test_a_password_in_an_unusable_url_is_not_printed(use: UseDatabase) -> None:
    use("postgresql://arena:s3cret@127.0.0.1:1/arena")
    line = assert_one_line_error(invoke("data", "stats"))
    assert "s3cret" not in line


@pytest.mark.parametrize(
    ("name", "value"),
    [("ARENA_EXCHANGE_TIMEOUT_S", "-5"), ("ARENA_LOG_LEVEL", "loud")],
)
def test_an_invalid_setting_is_one_line_naming_it(
    use: UseDatabase,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    name: str,
    value: str,
) -> None:
    use(f"sqlite:///{tmp_path / 'arena.db'}")
    monkeypatch.setenv(name, value)
    assert_one_line_error(invoke("data", "stats"), name)


def test_repair_with_no_open_gaps_says_so(use: UseDatabase, tmp_path: Path) -> None:
    use(f"sqlite:///{tmp_path / 'empty.db'}")
    result = invoke("data", "repair")
    assert result.exit_code == 0, result.output
    assert "no open gaps to repair" in result.stdout


def test_repair_with_the_exchange_out_of_reach_is_one_line_and_recorded(
    loaded: LoadedDatabase, use: UseDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(loaded.url)
    assert invoke("data", "scan", "--symbols", "SOL/USDT", "--timeframes", "1h").exit_code == 0
    monkeypatch.setenv("ARENA_EXCHANGE_BASE_URL", "http://127.0.0.1:1")  # nothing listens there
    monkeypatch.setenv("ARENA_EXCHANGE_MAX_RETRIES", "0")

    result = invoke("data", "repair", "--symbols", "SOL/USDT")

    assert_one_line_error(result, "binance", "connection refused")
    context = open_context(settings_for(loaded.url))
    try:
        last_job = context.integrity.repair_jobs()[-1]
        [still_open] = [
            e
            for e in context.integrity.events(symbol="SOL/USDT")
            if e.id == last_job.integrity_event_id
        ]
    finally:
        context.close()
    assert last_job.status == "failed"
    assert last_job.error is not None and "connection refused" in last_job.error
    assert still_open.status == "open"
