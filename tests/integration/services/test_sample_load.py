"""Loading the bundled sample, checked against its manifest (the record of where every file came
from and how many rows and gaps it holds)."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import DataIntegrityError, NotFoundError
from alpha_arena.core.time import parse_ts
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.integrity import series_stats
from alpha_arena.services.sample import SampleLoadReport, load_sample
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import PERPETUALS, SAMPLE, SPOTS, manifest, sample_subset

LOADED_AT = parse_ts("2026-06-01")


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AppContext, SampleLoadReport]]:
    """One database per backend with the whole sample loaded once, for reading only."""
    with empty_database(request.param, tmp_path_factory.mktemp("sample")) as url:
        context = open_context(settings_for(url), clock=SimClock(LOADED_AT))
        try:
            yield context, load_sample(context)
        finally:
            context.close()


def count_rows(context: AppContext, table: str) -> int:
    with context.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_load_stores_exactly_the_manifest_rows_of_every_file(
    loaded: tuple[AppContext, SampleLoadReport],
) -> None:
    context, report = loaded
    files = {item.file: item for item in report.files}
    assert set(files) == set(manifest())
    for name, entry in manifest().items():
        assert (files[name].rows, files[name].inserted) == (entry["rows"], entry["rows"]), name
    stored = {(s.symbol, s.timeframe): s for s in context.market.series("binance")}
    assert len(stored) == len(manifest())
    for name, entry in manifest().items():
        timeframe = "funding" if entry["kind"] == "funding" else entry["timeframe"]
        series = stored[(entry["symbol"], timeframe)]
        assert series.rows == entry["rows"], name
        assert (series.ts_first, series.ts_last) == (
            parse_ts(entry["first"]),
            parse_ts(entry["last"]),
        )
    candle_rows = sum(e["rows"] for e in manifest().values() if e["kind"] == "ohlcv")
    funding_rows = sum(e["rows"] for e in manifest().values() if e["kind"] == "funding")
    assert count_rows(context, "candles") == candle_rows
    assert count_rows(context, "funding_rates") == funding_rows
    assert report.inserted == report.rows == candle_rows + funding_rows


def test_load_records_the_instruments_of_the_sample(
    loaded: tuple[AppContext, SampleLoadReport],
) -> None:
    context, _ = loaded
    symbols = sorted(item.symbol for item in context.market.instruments("binance"))
    assert symbols == sorted(PERPETUALS + SPOTS)


def test_load_is_recorded_as_a_succeeded_run_with_its_counts(
    loaded: tuple[AppContext, SampleLoadReport],
) -> None:
    context, report = loaded
    run = context.runs.get(report.run_id)
    assert run is not None
    assert (run.source, run.status, run.error) == ("sample", "succeeded", None)
    assert sorted(run.symbols) == sorted(PERPETUALS + SPOTS)
    assert run.timeframes == ["1d", "1h", "4h"]
    assert (run.ts_started, run.ts_finished) == (LOADED_AT, LOADED_AT)
    assert run.rows_candles == sum(e["rows"] for e in manifest().values() if e["kind"] == "ohlcv")
    assert run.rows_funding == sum(e["rows"] for e in manifest().values() if e["kind"] == "funding")
    assert (run.rows_prices, run.rows_open_interest) == (0, 0)


def test_second_load_inserts_nothing_and_is_recorded_as_succeeded(
    loaded: tuple[AppContext, SampleLoadReport],
) -> None:
    context, first = loaded
    candles_before = count_rows(context, "candles")
    again = load_sample(context)
    assert again.inserted == 0
    assert again.rows == first.rows
    assert again.run_id != first.run_id
    run = context.runs.get(again.run_id)
    assert run is not None
    assert (run.status, run.rows_candles, run.rows_funding, run.error) == ("succeeded", 0, 0, None)
    assert count_rows(context, "candles") == candles_before
    assert context.runs.recent(1)[0].id == again.run_id


SPOT_HOURLY = sorted(
    name for name in manifest() if name.startswith("binance_spot_") and "_1h" in name
)


@pytest.mark.parametrize("name", SPOT_HOURLY)
def test_series_stats_report_the_manifest_gaps_of_each_spot_1h_file(
    loaded: tuple[AppContext, SampleLoadReport], name: str
) -> None:
    context, _ = loaded
    entry = manifest()[name]
    (stats,) = series_stats(context, "binance", [entry["symbol"]], ["1h"])
    assert (stats.first, stats.last) == (entry["first"], entry["last"])
    assert stats.rows == entry["rows"]
    assert stats.gaps == entry["gap_count"]
    assert stats.missing_rows == entry["missing_intervals"]
    assert stats.expected_rows == entry["rows"] + entry["missing_intervals"]
    assert stats.largest_gap == entry["largest_gaps"][0]["missing"]


def test_series_stats_report_no_gaps_for_perpetuals_funding_and_exchange_4h_1d(
    loaded: tuple[AppContext, SampleLoadReport],
) -> None:
    context, _ = loaded
    stats = {(s.symbol, s.timeframe): s for s in series_stats(context)}
    gapless = [e for e in manifest().values() if e["gap_count"] == 0]
    assert len(gapless) == 24
    for entry in gapless:
        timeframe = "funding" if entry["kind"] == "funding" else entry["timeframe"]
        item = stats[(entry["symbol"], timeframe)]
        assert (item.gaps, item.missing_rows, item.largest_gap) == (0, 0, 0), entry["file"]
        assert (item.first, item.last, item.rows) == (entry["first"], entry["last"], entry["rows"])


def test_series_stats_of_an_unknown_symbol_name_what_is_stored(
    loaded: tuple[AppContext, SampleLoadReport],
) -> None:
    context, _ = loaded
    with pytest.raises(NotFoundError) as raised:
        series_stats(context, symbols=["NOPE/USDT:USDT"])
    assert "NOPE/USDT:USDT" in str(raised.value)
    assert "BTC/USDT:USDT" in str(raised.value)


# -- a broken sample folder --------------------------------------------------------------------

# Sorted by name, the broken file is the last one: every other file parses before it fails.
SUBSET = [
    "binance_spot_BTCUSDT_4h.csv.gz",
    "binance_usdm_BTCUSDT_1h.csv.gz",
    "binance_usdm_BTCUSDT_funding_8h.csv.gz",
    "binance_usdm_XRPUSDT_funding_8h.csv.gz",
]
BROKEN = SUBSET[-1]


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def break_one_row(path: Path) -> None:
    lines = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
    timestamp = lines[500].split(",")[0]
    lines[500] = f"{timestamp},1.5\n"  # a funding rate of 150% per interval is impossible
    path.write_bytes(gzip.compress("".join(lines).encode()))


def assert_nothing_stored(context: AppContext) -> None:
    assert context.market.series() == []
    for table in ("candles", "funding_rates", "instruments", "ingestion_runs"):
        assert count_rows(context, table) == 0, table


@pytest.mark.parametrize(("damage", "reason"), [(truncate, "truncated"), (break_one_row, "1.5")])
def test_a_broken_file_stops_the_load_before_anything_is_written(
    context: AppContext, tmp_path: Path, damage: object, reason: str
) -> None:
    folder = sample_subset(tmp_path / "sample", SUBSET)
    damage(folder / BROKEN)  # type: ignore[operator]
    with pytest.raises(DataIntegrityError) as raised:
        load_sample(context, folder)
    message = str(raised.value)
    assert message.startswith(f"{BROKEN}: ")
    assert reason in message
    assert "\n" not in message
    assert_nothing_stored(context)


def test_a_copy_of_the_whole_sample_with_one_corrupted_file_writes_nothing(
    context: AppContext, tmp_path: Path
) -> None:
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (folder / "binance_usdm_SOLUSDT_1h.csv.gz").write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(DataIntegrityError, match=r"^binance_usdm_SOLUSDT_1h\.csv\.gz: "):
        load_sample(context, folder)
    assert_nothing_stored(context)


def test_a_file_without_an_instrument_fails_the_run_and_records_why(
    context: AppContext, tmp_path: Path
) -> None:
    folder = sample_subset(tmp_path / "sample", ["binance_usdm_BTCUSDT_funding_8h.csv.gz"])
    specs = (folder / "instruments.json").read_text()
    (folder / "instruments.json").write_text(specs.replace('"BTC/USDT:USDT"', '"BTC/USDC:USDC"'))
    with pytest.raises(NotFoundError, match="BTC/USDT:USDT"):
        load_sample(context, folder)
    (run,) = context.runs.recent()
    assert run.status == "failed"
    assert run.error is not None
    assert "BTC/USDT:USDT" in run.error
    assert run.rows_funding == 0
    assert count_rows(context, "funding_rates") == 0
