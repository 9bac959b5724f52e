"""The bundled sample: real Binance candles and funding, read from gzip CSV files.

Files are named ``binance_<market>_<PAIR>_<timeframe>.csv.gz`` (candles) and
``binance_usdm_<PAIR>_funding_8h.csv.gz`` (funding); ``usdm`` is the USDT-margined perpetual."""

from __future__ import annotations

import gzip
import json
import re
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from alpha_arena.core.errors import DataIntegrityError, InvalidInputError
from alpha_arena.domain.instrument import Instrument, MarketType, parse_symbol
from alpha_arena.domain.market import Candles, FundingRates

SAMPLE_EXCHANGE = "binance"
_NAME = re.compile(
    r"^binance_(?P<market>spot|usdm)_(?P<base>[A-Z0-9]+?)(?P<quote>USDT)_(?P<tail>[0-9a-z_]+)\.csv\.gz$"
)
_CANDLE_HEADER = ["timestamp_ms", "open", "high", "low", "close", "volume"]
_FUNDING_HEADER = ["timestamp_ms", "funding_rate"]
_MAX_EXACT_MS = 2**53  # float64 holds every whole millisecond up to here


@dataclass(frozen=True, slots=True)
class SampleFile:
    path: Path
    symbol: str
    dataset: str  # candles or funding
    timeframe: str  # bar timeframe; "funding" for funding files


def sample_dir() -> Path:
    return Path(str(resources.files("alpha_arena.marketdata.sample")))


def describe(path: Path) -> SampleFile:
    """Work out symbol and dataset from a sample file's name."""
    match = _NAME.match(path.name)
    if match is None:
        raise InvalidInputError(
            f"{path.name}: not a sample file name (expected binance_<spot|usdm>_<PAIR>_<tf>.csv.gz)"
        )
    base, quote, tail = match["base"], match["quote"], match["tail"]
    symbol = f"{base}/{quote}:{quote}" if match["market"] == "usdm" else f"{base}/{quote}"
    if tail.startswith("funding"):
        return SampleFile(path, symbol, "funding", "funding")
    return SampleFile(path, symbol, "candles", tail)


def sample_files(directory: Path | None = None) -> list[SampleFile]:
    folder = directory or sample_dir()
    return [describe(path) for path in sorted(folder.glob("binance_*.csv.gz"))]


def _read_csv(path: Path, header: list[str]) -> pd.DataFrame:
    try:
        with gzip.open(path, "rt") as handle:
            first = handle.readline().strip().split(",")
            if first != header:
                raise DataIntegrityError(
                    f"{path.name}: header {','.join(first)!r} is not {','.join(header)!r}"
                )
            with warnings.catch_warnings():
                # A row longer than the header must not be cut short (or shift into an index),
                # and a short row or an empty field must not pass as NaN: all are malformed.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    handle,
                    names=header,
                    header=None,
                    dtype="float64",
                    index_col=False,
                    na_filter=False,
                )
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise DataIntegrityError(f"{path.name}: unreadable or truncated file ({error})") from None
    except (ValueError, pd.errors.ParserError, pd.errors.ParserWarning) as error:
        reason = str(error).strip().splitlines()[0]
        raise DataIntegrityError(f"{path.name}: malformed row ({reason})") from None
    timestamps = frame["timestamp_ms"].to_numpy()
    if (
        np.isnan(timestamps).any()
        or (timestamps != np.floor(timestamps)).any()
        or (np.abs(timestamps) > _MAX_EXACT_MS).any()  # would wrap around in int64
    ):
        raise DataIntegrityError(f"{path.name}: timestamp_ms must be whole milliseconds")
    return frame


def read_candles(path: Path) -> Candles:
    frame = _read_csv(path, _CANDLE_HEADER)
    return Candles(
        frame["timestamp_ms"].to_numpy(dtype=np.int64),
        frame["open"].to_numpy(),
        frame["high"].to_numpy(),
        frame["low"].to_numpy(),
        frame["close"].to_numpy(),
        frame["volume"].to_numpy(),
    )


def read_funding(path: Path) -> FundingRates:
    frame = _read_csv(path, _FUNDING_HEADER)
    return FundingRates(
        frame["timestamp_ms"].to_numpy(dtype=np.int64), frame["funding_rate"].to_numpy()
    )


def sample_instruments(directory: Path | None = None) -> list[Instrument]:
    """The specs of the sample's markets, as Binance publishes them."""
    folder = directory or sample_dir()
    specs = json.loads((folder / "instruments.json").read_text())["instruments"]
    instruments = []
    for spec in specs:
        base, quote, settle = parse_symbol(spec["symbol"])
        instruments.append(
            Instrument(
                exchange=SAMPLE_EXCHANGE,
                symbol=spec["symbol"],
                market_type=MarketType.SWAP if settle else MarketType.SPOT,
                base=base,
                quote=quote,
                settle=settle,
                price_tick=spec["price_tick"],
                amount_step=spec["amount_step"],
                min_amount=spec["min_amount"],
                min_notional=spec["min_notional"],
                max_leverage=spec["max_leverage"],
                maker_fee=spec["maker_fee"],
                taker_fee=spec["taker_fee"],
                maintenance_margin_rate=spec["maintenance_margin_rate"],
            )
        )
    return instruments


def iter_sample(
    directory: Path | None = None,
) -> Iterator[tuple[SampleFile, Candles | FundingRates]]:
    """Yield every sample file with its parsed series."""
    for item in sample_files(directory):
        data = read_funding(item.path) if item.dataset == "funding" else read_candles(item.path)
        yield item, data
