"""What ingestion needs from the outside, as protocols: a market-data source to read from, and a
store to write market data and run records to. Marketdata never imports storage; ``MarketStore``
and ``IngestionRunStore`` satisfy these structurally (checked where services wire them)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from alpha_arena.domain.instrument import Instrument
from alpha_arena.domain.market import Candles, FundingRates, OpenInterest, PriceSnapshot


@dataclass(frozen=True, slots=True)
class ListedInstrument:
    """An instrument as a source lists it; ``estimated`` names the fields the source did not
    publish and filled with a documented default (a stored value should be kept instead)."""

    instrument: Instrument
    estimated: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CandlePage:
    """The closed candles of one request window ``[ts_from, ts_to]``; may be empty (a gap)."""

    ts_from: int
    ts_to: int
    candles: Candles


class MarketSource(Protocol):
    """A market-data source such as an exchange."""

    @property
    def name(self) -> str:
        """The source id recorded on ingestion runs (an exchange id)."""
        ...

    @property
    def venue(self) -> str:
        """The exchange name rows are stored under."""
        ...

    def load_instruments(self, symbols: Sequence[str]) -> list[ListedInstrument]: ...

    def fetch_candles(
        self, symbol: str, timeframe: str, ts_from: int, ts_to: int, now_ms: int
    ) -> Iterator[CandlePage]: ...

    def fetch_funding_history(self, symbol: str, ts_from: int) -> Iterator[FundingRates]: ...

    def fetch_prices(self, symbols: Sequence[str], now_ms: int) -> list[PriceSnapshot]: ...

    def fetch_open_interest(self, symbol: str, now_ms: int) -> OpenInterest | None: ...


class MarketWriter(Protocol):
    """Where ingested market data goes; every write is one transaction."""

    def instrument(self, exchange: str, symbol: str) -> Instrument | None: ...

    def upsert_instruments(self, instruments: Sequence[Instrument], ts_updated: int) -> None: ...

    def write_candles(self, exchange: str, symbol: str, timeframe: str, candles: Candles) -> int:
        """Store candles, keeping bars already stored; return the rows added."""
        ...

    def last_candle_ts(self, exchange: str, symbol: str, timeframe: str) -> int | None: ...

    def write_funding(self, exchange: str, symbol: str, funding: FundingRates) -> int: ...

    def last_funding_ts(self, exchange: str, symbol: str) -> int | None: ...

    def write_price_snapshots(self, exchange: str, snapshots: Sequence[PriceSnapshot]) -> int: ...

    def write_open_interest(self, exchange: str, items: Sequence[OpenInterest]) -> int: ...


class RowTally(Protocol):
    """Rows inserted so far by a run, per table."""

    candles: int
    funding: int
    prices: int
    open_interest: int


TallyT = TypeVar("TallyT", bound=RowTally)
TallyT_contra = TypeVar("TallyT_contra", bound=RowTally, contravariant=True)


class RunRecorder(Protocol[TallyT_contra]):
    """Records each ingestion run, its progress and its outcome."""

    def start(
        self,
        source: str,
        symbols: list[str],
        timeframes: list[str],
        ts_started: int,
        ts_since: int | None = None,
        backfill: bool = False,
    ) -> int: ...

    def record_progress(self, run_id: int, counts: TallyT_contra) -> None: ...

    def finish(
        self, run_id: int, counts: TallyT_contra, ts_finished: int, error: str | None = None
    ) -> None: ...
