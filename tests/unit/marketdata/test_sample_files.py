from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from alpha_arena.core.errors import DataIntegrityError, InvalidInputError
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.instrument import MarketType
from alpha_arena.domain.market import Candles, FundingRates
from alpha_arena.marketdata.sources.sample import (
    SampleFile,
    describe,
    read_candles,
    read_funding,
    sample_files,
    sample_instruments,
)
from tests.support.sample import PERPETUALS, SAMPLE, SPOTS, manifest

CANDLE_HEADER = "timestamp_ms,open,high,low,close,volume\n"
GOOD_ROWS = (
    "1514764800000,13715.65,13818.55,13400.01,13529.01,443.356199\n"
    "1514768400000,13528.99,13595.89,13155.38,13203.06,383.697006\n"
)
CANDLE_FILE = "binance_spot_BTCUSDT_1h.csv.gz"
FUNDING_FILE = "binance_usdm_BTCUSDT_funding_8h.csv.gz"


@pytest.mark.parametrize(
    ("name", "symbol", "dataset", "timeframe"),
    [
        ("binance_usdm_BTCUSDT_1h.csv.gz", "BTC/USDT:USDT", "candles", "1h"),
        ("binance_spot_DOGEUSDT_4h.csv.gz", "DOGE/USDT", "candles", "4h"),
        ("binance_spot_ETHUSDT_1d.csv.gz", "ETH/USDT", "candles", "1d"),
        ("binance_usdm_XRPUSDT_funding_8h.csv.gz", "XRP/USDT:USDT", "funding", "funding"),
        ("binance_usdm_1000SHIBUSDT_15m.csv.gz", "1000SHIB/USDT:USDT", "candles", "15m"),
    ],
)
def test_describe_reads_symbol_dataset_and_timeframe_from_the_file_name(
    name: str, symbol: str, dataset: str, timeframe: str
) -> None:
    path = Path("/somewhere") / name
    assert describe(path) == SampleFile(path, symbol, dataset, timeframe)


@pytest.mark.parametrize(
    "name",
    [
        "binance_spot_BTCUSDT_1h.csv",
        "kraken_spot_BTCUSDT_1h.csv.gz",
        "binance_margin_BTCUSDT_1h.csv.gz",
        "binance_spot_BTCEUR_1h.csv.gz",
        "binance_spot_btcusdt_1h.csv.gz",
        "binance_spot_BTCUSDT.csv.gz",
    ],
)
def test_describe_rejects_other_names_naming_the_file_and_the_expected_form(name: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        describe(Path(name))
    message = str(raised.value)
    assert message.startswith(f"{name}: ")
    assert "binance_<spot|usdm>_<PAIR>_<tf>.csv.gz" in message


def test_sample_files_lists_every_file_of_the_manifest() -> None:
    assert [item.path.name for item in sample_files()] == sorted(manifest())


@pytest.mark.parametrize("name", sorted(manifest()))
def test_each_bundled_file_reads_with_the_manifest_rows_and_span(name: str) -> None:
    entry = manifest()[name]
    item = describe(SAMPLE / name)
    data: Candles | FundingRates = (
        read_funding(item.path) if item.dataset == "funding" else read_candles(item.path)
    )
    assert len(data) == entry["rows"]
    assert data.ts.dtype == np.int64
    assert int(data.ts[0]) == parse_ts(entry["first"])
    assert int(data.ts[-1]) == parse_ts(entry["last"])
    assert item.symbol == entry["symbol"]


def test_first_bundled_btc_spot_bar_has_the_exact_published_values() -> None:
    candles = read_candles(SAMPLE / CANDLE_FILE)
    first = candles.slice(0, 1)
    # The file's first row: 1514764800000,13715.65,13715.65,13400.01,13529.01,443.356199
    assert (first.open[0], first.high[0], first.low[0], first.close[0]) == (
        13715.65,
        13715.65,
        13400.01,
        13529.01,
    )
    assert first.volume[0] == 443.356199


# -- files that must be refused ----------------------------------------------------------------


def write_gzip(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(gzip.compress(text.encode()))
    return path


def corrupt(folder: Path) -> Path:
    path = folder / CANDLE_FILE
    path.write_bytes(b"this is not gzip data at all\n")
    return path


def truncated(folder: Path) -> Path:
    data = gzip.compress((CANDLE_HEADER + GOOD_ROWS * 2000).encode())
    path = folder / CANDLE_FILE
    path.write_bytes(data[: len(data) // 2])
    return path


def damaged_inside(folder: Path) -> Path:
    data = bytearray(gzip.compress((CANDLE_HEADER + GOOD_ROWS * 2000).encode()))
    data[40:80] = bytes(40)  # the gzip header is intact, the deflate stream is not
    path = folder / CANDLE_FILE
    path.write_bytes(bytes(data))
    return path


def empty(folder: Path) -> Path:
    path = folder / CANDLE_FILE
    path.write_bytes(b"")
    return path


def with_rows(rows: str, header: str = CANDLE_HEADER) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        return write_gzip(folder, CANDLE_FILE, header + rows)

    return make


BAD_CANDLE_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "corrupt gzip": (corrupt, "unreadable"),
    "truncated gzip": (truncated, "truncated"),
    "damaged deflate stream": (damaged_inside, "unreadable"),
    "empty file": (empty, "header"),
    "wrong header": (with_rows(GOOD_ROWS, "time,open,high,low,close,volume\n"), "header"),
    "funding header": (with_rows(GOOD_ROWS, "timestamp_ms,funding_rate\n"), "header"),
    "text in a price": (
        with_rows(GOOD_ROWS + "1514772000000,13203.0,abc,13100.0,13300.0,1\n"),
        "malformed",
    ),
    "row too long": (with_rows(GOOD_ROWS + "1514772000000,1,2,0.5,1.5,10,99\n"), "malformed"),
    "only row too long": (with_rows("1514772000000,1,2,0.5,1.5,10,99\n"), "malformed"),
    "row too short": (with_rows(GOOD_ROWS + "1514772000000,1,2,0.5\n"), "malformed"),
    "empty field": (with_rows(GOOD_ROWS + "1514772000000,1,,0.5,1.5,10\n"), "malformed"),
    "fractional timestamp": (
        with_rows(GOOD_ROWS + "1514772000000.5,1,2,0.5,1.5,10\n"),
        "whole milliseconds",
    ),
    "text timestamp": (with_rows(GOOD_ROWS + "2018-01-01T02:00,1,2,0.5,1.5,10\n"), "malformed"),
    "timestamp beyond int64": (
        with_rows(GOOD_ROWS + "1e30,1,2,0.5,1.5,10\n"),
        "whole milliseconds",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CANDLE_FILES))
def test_bad_candle_file_raises_one_line_naming_the_file(case: str, tmp_path: Path) -> None:
    make, reason = BAD_CANDLE_FILES[case]
    path = make(tmp_path)
    with pytest.raises(DataIntegrityError) as raised:
        read_candles(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{path.name}: ")
    assert reason in message


@pytest.mark.parametrize(
    "rows",
    [
        "1568102400000,0.0001\n1568131200000,0.0001,7\n",
        "1568102400000\n",
        "1568102400000,\n",
        "1568102400000.25,0.0001\n",
    ],
)
def test_bad_funding_row_raises_one_line_naming_the_file(rows: str, tmp_path: Path) -> None:
    path = write_gzip(tmp_path, FUNDING_FILE, "timestamp_ms,funding_rate\n" + rows)
    with pytest.raises(DataIntegrityError) as raised:
        read_funding(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{FUNDING_FILE}: ")


def test_funding_file_with_a_candle_header_is_refused(tmp_path: Path) -> None:
    path = write_gzip(tmp_path, FUNDING_FILE, CANDLE_HEADER + GOOD_ROWS)
    with pytest.raises(DataIntegrityError, match="header"):
        read_funding(path)


def test_well_formed_small_file_reads_exactly(tmp_path: Path) -> None:
    candles = read_candles(write_gzip(tmp_path, CANDLE_FILE, CANDLE_HEADER + GOOD_ROWS))
    assert candles.ts.tolist() == [1514764800000, 1514768400000]
    assert candles.close.tolist() == [13529.01, 13203.06]
    assert candles.volume.tolist() == [443.356199, 383.697006]


def test_header_only_file_reads_as_no_bars(tmp_path: Path) -> None:
    candles = read_candles(write_gzip(tmp_path, CANDLE_FILE, CANDLE_HEADER))
    assert len(candles) == 0
    assert candles.ts.dtype == np.int64


# -- instruments -------------------------------------------------------------------------------


def test_sample_instruments_are_the_six_perpetuals_and_the_six_spot_pairs() -> None:
    instruments = sample_instruments()
    perpetuals = [item for item in instruments if item.market_type is MarketType.SWAP]
    spots = [item for item in instruments if item.market_type is MarketType.SPOT]
    assert sorted(item.symbol for item in perpetuals) == sorted(PERPETUALS)
    assert sorted(item.symbol for item in spots) == sorted(SPOTS)
    assert len(instruments) == 12
    assert {item.exchange for item in instruments} == {"binance"}
    assert all(item.settle == "USDT" and item.quote == "USDT" for item in perpetuals)
    assert all(item.settle is None and item.max_leverage == 1 for item in spots)


def test_sample_instruments_carry_binance_specs() -> None:
    by_symbol = {item.symbol: item for item in sample_instruments()}
    btc = by_symbol["BTC/USDT:USDT"]
    assert (btc.base, btc.price_tick, btc.amount_step, btc.min_notional) == ("BTC", 0.1, 0.001, 100)
    assert (btc.max_leverage, btc.maker_fee, btc.taker_fee) == (125, 0.0002, 0.0005)
    assert by_symbol["DOGE/USDT:USDT"].price_tick == 0.00001
    assert by_symbol["BTC/USDT"].taker_fee == 0.001


def test_every_sample_file_has_an_instrument() -> None:
    symbols = {item.symbol for item in sample_instruments()}
    assert {item.symbol for item in sample_files()} <= symbols
