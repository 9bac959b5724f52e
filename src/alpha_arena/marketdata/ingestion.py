"""Ingestion: download candles, funding history, prices and open interest from a source into the
store, incrementally, one transaction per page, recording the run and its progress as it goes.

A page written is never rolled back, and the next run starts after the newest stored candle, so
a run interrupted at any point (even by a killed process) loses at most the page in flight and
the next run completes the series without duplicates."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic

from alpha_arena.core.clock import Clock
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import floor_ts, timeframe_ms, to_iso
from alpha_arena.domain.instrument import Instrument, MarketType, parse_symbol
from alpha_arena.marketdata.derivatives import (
    OPEN_INTEREST_HISTORY,
    DerivativesIngestor,
    StatisticsSeries,
)
from alpha_arena.marketdata.ports import (
    ListedInstrument,
    MarketSource,
    MarketWriter,
    RunRecorder,
    TallyT,
)


@dataclass(frozen=True, slots=True)
class SeriesReport:
    """What one series got: rows received from the source and rows newly stored."""

    symbol: str
    dataset: str  # candles, funding, prices, open_interest (now), open_interest_history, ...
    timeframe: str | None  # candle timeframe or statistics period; None for the other datasets
    ts_from: int | None  # the range asked for (candles and funding)
    ts_to: int | None
    fetched: int
    inserted: int


@dataclass(frozen=True, slots=True)
class IngestionReport:
    run_id: int
    source: str
    venue: str
    series: tuple[SeriesReport, ...]

    def inserted(self, dataset: str) -> int:
        """Rows newly stored for one dataset (candles, funding, prices, open_interest)."""
        return sum(item.inserted for item in self.series if item.dataset == dataset)


@dataclass(frozen=True, slots=True)
class IngestionProgress:
    """Where a series stands: ``ts_done`` moves from ``ts_from`` to ``ts_to`` page by page."""

    symbol: str
    dataset: str
    timeframe: str | None
    ts_from: int
    ts_to: int
    ts_done: int
    inserted: int


ProgressCallback = Callable[[IngestionProgress], None]


class Ingestor(Generic[TallyT]):
    """Runs ingestions from one source into one store."""

    def __init__(
        self,
        source: MarketSource,
        market: MarketWriter,
        runs: RunRecorder[TallyT],
        new_tally: Callable[[], TallyT],
        clock: Clock,
        derivatives: DerivativesIngestor | None = None,
    ) -> None:
        """``derivatives``: also ingest the source's open interest history and long/short
        ratios (marketdata/derivatives.py)."""
        self._source = source
        self._market = market
        self._runs = runs
        self._new_tally = new_tally
        self._clock = clock
        self._derivatives = derivatives

    def run(
        self,
        symbols: Sequence[str],
        timeframes: Sequence[str],
        ts_since: int,
        backfill: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestionReport:
        """Ingest every symbol and timeframe from ``ts_since`` (or from the newest stored row,
        when later, unless ``backfill``); record the run, and re-raise any failure after
        recording it on the run."""
        symbols, timeframes = checked_request(symbols, timeframes, ts_since, self._clock.now_ms())
        source, venue = self._source.name, self._source.venue
        run_id = self._runs.start(
            source, symbols, timeframes, self._clock.now_ms(), ts_since, backfill
        )
        tally = self._new_tally()
        series: list[SeriesReport] = []
        try:
            instruments = self._refresh_instruments(symbols)
            for symbol in symbols:
                for timeframe in timeframes:
                    series.append(
                        self._candles(
                            run_id, tally, symbol, timeframe, ts_since, backfill, progress
                        )
                    )
            swaps = [s for s in symbols if instruments[s].market_type is MarketType.SWAP]
            for symbol in swaps:
                series.append(self._funding(run_id, tally, symbol, ts_since, backfill, progress))
            series += self._prices(run_id, tally, symbols)
            series += self._open_interest(run_id, tally, swaps)
            if self._derivatives is not None:
                series += self._statistics(
                    self._derivatives, run_id, tally, swaps, timeframes, ts_since, backfill,
                    progress,
                )  # fmt: skip
        except BaseException as error:  # KeyboardInterrupt too: the run must not stay "running"
            message = str(error) or type(error).__name__
            self._runs.finish(run_id, tally, self._clock.now_ms(), error=message)
            raise
        self._runs.finish(run_id, tally, self._clock.now_ms())
        return IngestionReport(run_id, source, venue, tuple(series))

    def _refresh_instruments(self, symbols: list[str]) -> dict[str, Instrument]:
        """Store the source's specs, keeping stored values of fields the source only guessed."""
        listed = self._source.load_instruments(symbols)
        merged = [self._merge(item) for item in listed]
        self._market.upsert_instruments(merged, self._clock.now_ms())
        return {item.symbol: item for item in merged}

    def _merge(self, listed: ListedInstrument) -> Instrument:
        fresh = listed.instrument
        stored = self._market.instrument(fresh.exchange, fresh.symbol)
        if stored is None or not listed.estimated:
            return fresh
        kept = {name: getattr(stored, name) for name in listed.estimated}
        return dataclasses.replace(fresh, **kept)

    def _candles(
        self,
        run_id: int,
        tally: TallyT,
        symbol: str,
        timeframe: str,
        ts_since: int,
        backfill: bool,
        progress: ProgressCallback | None,
    ) -> SeriesReport:
        step = timeframe_ms(timeframe)
        venue = self._source.venue
        last = None if backfill else self._market.last_candle_ts(venue, symbol, timeframe)
        ts_from = ts_since if last is None else max(last + step, ts_since)
        now = self._clock.now_ms()
        ts_to = floor_ts(now, step) - step  # the open time of the newest closed bar
        fetched = inserted = 0
        pages = self._source.fetch_candles(symbol, timeframe, ts_from, ts_to, now)
        for page in pages:
            added = self._market.write_candles(venue, symbol, timeframe, page.candles)
            fetched += len(page.candles)
            inserted += added
            tally.candles += added
            self._runs.record_progress(run_id, tally)
            if progress is not None:
                progress(
                    IngestionProgress(
                        symbol, "candles", timeframe, ts_from, ts_to, page.ts_to, inserted
                    )
                )
        return SeriesReport(symbol, "candles", timeframe, ts_from, ts_to, fetched, inserted)

    def _funding(
        self,
        run_id: int,
        tally: TallyT,
        symbol: str,
        ts_since: int,
        backfill: bool,
        progress: ProgressCallback | None,
    ) -> SeriesReport:
        venue = self._source.venue
        last = None if backfill else self._market.last_funding_ts(venue, symbol)
        ts_from = ts_since if last is None else max(last + 1, ts_since)
        ts_to = self._clock.now_ms()
        fetched = inserted = 0
        for batch in self._source.fetch_funding_history(symbol, ts_from):
            added = self._market.write_funding(venue, symbol, batch)
            fetched += len(batch)
            inserted += added
            tally.funding += added
            self._runs.record_progress(run_id, tally)
            if progress is not None:
                done = int(batch.ts[-1]) if len(batch) else ts_from
                progress(IngestionProgress(symbol, "funding", None, ts_from, ts_to, done, inserted))
        if progress is not None:  # the next settlement lies ahead: the series is complete
            progress(IngestionProgress(symbol, "funding", None, ts_from, ts_to, ts_to, inserted))
        return SeriesReport(symbol, "funding", None, ts_from, ts_to, fetched, inserted)

    def _prices(self, run_id: int, tally: TallyT, symbols: list[str]) -> list[SeriesReport]:
        snapshots = self._source.fetch_prices(symbols, self._clock.now_ms())
        reports = []
        for snapshot in snapshots:
            added = self._market.write_price_snapshots(self._source.venue, [snapshot])
            tally.prices += added
            reports.append(SeriesReport(snapshot.symbol, "prices", None, None, None, 1, added))
        self._runs.record_progress(run_id, tally)
        return reports

    def _open_interest(self, run_id: int, tally: TallyT, swaps: list[str]) -> list[SeriesReport]:
        reports = []
        for symbol in swaps:
            found = self._source.fetch_open_interest(symbol, self._clock.now_ms())
            if found is None:
                continue
            added = self._market.write_open_interest(self._source.venue, [found])
            tally.open_interest += added
            reports.append(SeriesReport(symbol, "open_interest", None, None, None, 1, added))
        self._runs.record_progress(run_id, tally)
        return reports

    def _statistics(
        self,
        derivatives: DerivativesIngestor,
        run_id: int,
        tally: TallyT,
        swaps: list[str],
        timeframes: list[str],
        ts_since: int,
        backfill: bool,
        progress: ProgressCallback | None,
    ) -> list[SeriesReport]:
        counted: dict[tuple[str, str, str], int] = {}

        def on_page(series: StatisticsSeries, ts_done: int) -> None:
            key = (series.symbol, series.dataset, series.period)
            if series.dataset == OPEN_INTEREST_HISTORY:  # the run counts open interest rows
                tally.open_interest += series.inserted - counted.get(key, 0)
            counted[key] = series.inserted
            self._runs.record_progress(run_id, tally)
            if progress is not None:
                progress(
                    IngestionProgress(series.symbol, series.dataset, series.period,
                                      series.ts_from, series.ts_to, ts_done, series.inserted)
                )  # fmt: skip

        done = derivatives.run(swaps, timeframes, ts_since, backfill, self._clock.now_ms(), on_page)
        return [
            SeriesReport(item.symbol, item.dataset, item.period, item.ts_from, item.ts_to,
                         item.fetched, item.inserted)
            for item in done
        ]  # fmt: skip


def checked_request(
    symbols: Sequence[str], timeframes: Sequence[str], ts_since: int, now_ms: int
) -> tuple[list[str], list[str]]:
    """Reject bad input before anything is fetched or recorded (also before a background
    ingestion is accepted); drop repeats, keep order."""
    unique_symbols = list(dict.fromkeys(s.strip() for s in symbols if s.strip()))
    unique_timeframes = list(dict.fromkeys(t.strip() for t in timeframes if t.strip()))
    if not unique_symbols:
        raise InvalidInputError("no symbols given; e.g. BTC/USDT:USDT,ETH/USDT:USDT")
    if not unique_timeframes:
        raise InvalidInputError("no timeframes given; e.g. 1h,4h")
    for symbol in unique_symbols:
        parse_symbol(symbol)
    for timeframe in unique_timeframes:
        timeframe_ms(timeframe)
    if ts_since > now_ms:
        raise InvalidInputError(
            f"since {to_iso(ts_since)} is in the future (now is {to_iso(now_ms)})"
        )
    return unique_symbols, unique_timeframes
