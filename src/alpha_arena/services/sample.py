"""Load the bundled sample into the database, idempotently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alpha_arena.core.errors import ArenaError
from alpha_arena.core.time import timeframe_ms
from alpha_arena.domain.market import Candles, FundingRates
from alpha_arena.marketdata.integrity import validate_candles, validate_funding
from alpha_arena.marketdata.sources.sample import SAMPLE_EXCHANGE, iter_sample, sample_instruments
from alpha_arena.services.context import AppContext
from alpha_arena.storage.ingestion_runs import RowCounts


@dataclass(frozen=True, slots=True)
class LoadedFile:
    file: str
    symbol: str
    dataset: str
    timeframe: str
    rows: int
    inserted: int


@dataclass(frozen=True, slots=True)
class SampleLoadReport:
    run_id: int
    files: list[LoadedFile]

    @property
    def rows(self) -> int:
        return sum(item.rows for item in self.files)

    @property
    def inserted(self) -> int:
        return sum(item.inserted for item in self.files)


def load_sample(
    context: AppContext,
    directory: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> SampleLoadReport:
    """Parse and validate every sample file first, then store each series in one transaction;
    rows already stored are skipped, so a second load inserts nothing."""
    parsed = list(iter_sample(directory))
    for item, data in parsed:
        if isinstance(data, FundingRates):
            validate_funding(data, item.path.name)
        else:
            validate_candles(data, timeframe_ms(item.timeframe), item.path.name)
    symbols = sorted({item.symbol for item, _ in parsed})
    timeframes = sorted({item.timeframe for item, _ in parsed if item.dataset == "candles"})
    market, runs = context.market, context.runs
    run_id = runs.start("sample", symbols, timeframes, context.clock.now_ms())
    counts = RowCounts()
    loaded: list[LoadedFile] = []
    try:
        market.upsert_instruments(sample_instruments(directory), context.clock.now_ms())
        for item, data in parsed:
            if progress is not None:
                progress(item.path.name)
            if isinstance(data, Candles):
                inserted = market.write_candles(SAMPLE_EXCHANGE, item.symbol, item.timeframe, data)
                counts.candles += inserted
            else:
                inserted = market.write_funding(SAMPLE_EXCHANGE, item.symbol, data)
                counts.funding += inserted
            loaded.append(
                LoadedFile(
                    item.path.name, item.symbol, item.dataset, item.timeframe, len(data), inserted
                )
            )
            runs.record_progress(run_id, counts)
    except ArenaError as error:
        runs.finish(run_id, counts, context.clock.now_ms(), error=str(error))
        raise
    runs.finish(run_id, counts, context.clock.now_ms())
    return SampleLoadReport(run_id, loaded)
