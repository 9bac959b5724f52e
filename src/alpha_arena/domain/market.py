"""Market data values. Series are columnar numpy arrays: the engine and indicators read them
without building an object per bar."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

CANDLE_COLUMNS = ("ts", "open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True)
class Candles:
    """OHLCV bars keyed by open time (UTC epoch ms), oldest first."""

    ts: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    @classmethod
    def empty(cls) -> Candles:
        floats = np.empty(0, dtype=np.float64)
        return cls(np.empty(0, dtype=np.int64), floats, floats, floats, floats, floats)

    @classmethod
    def from_rows(cls, rows: npt.ArrayLike) -> Candles:
        """Build from an (n, 6) array-like of ts, open, high, low, close, volume."""
        table = np.asarray(rows, dtype=np.float64).reshape(-1, 6)
        return cls(
            table[:, 0].astype(np.int64),
            np.ascontiguousarray(table[:, 1]),
            np.ascontiguousarray(table[:, 2]),
            np.ascontiguousarray(table[:, 3]),
            np.ascontiguousarray(table[:, 4]),
            np.ascontiguousarray(table[:, 5]),
        )

    def slice(self, start: int, stop: int) -> Candles:
        return Candles(
            self.ts[start:stop],
            self.open[start:stop],
            self.high[start:stop],
            self.low[start:stop],
            self.close[start:stop],
            self.volume[start:stop],
        )

    def where(self, keep: npt.NDArray[np.bool_]) -> Candles:
        """The bars where ``keep`` is True."""
        return Candles(
            self.ts[keep], self.open[keep], self.high[keep], self.low[keep], self.close[keep],
            self.volume[keep],
        )  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        """Return a DataFrame indexed by aware UTC open time; the ms timestamp stays as ``ts``."""
        frame = pd.DataFrame(
            {
                "ts": self.ts,
                "open": self.open,
                "high": self.high,
                "low": self.low,
                "close": self.close,
                "volume": self.volume,
            }
        )
        frame.index = pd.to_datetime(self.ts, unit="ms", utc=True)
        frame.index.name = "time"
        return frame


@dataclass(frozen=True, slots=True)
class FundingRates:
    """Funding settlements: rate per interval as a fraction, stamped at settlement time."""

    ts: IntArray
    rate: FloatArray

    def __len__(self) -> int:
        return int(self.ts.shape[0])


@dataclass(frozen=True, slots=True)
class PriceSnapshot:
    """Prices observed at one moment; fields an exchange does not report are None."""

    symbol: str
    ts: int
    last: float | None
    mark: float | None = None
    index: float | None = None
    bid: float | None = None
    ask: float | None = None


@dataclass(frozen=True, slots=True)
class OpenInterest:
    symbol: str
    ts: int
    amount: float | None  # in contracts or base currency, as the exchange reports it
    value: float | None  # in quote currency


@dataclass(frozen=True, slots=True)
class LongShortRatio:
    """The accounts long against those short on one symbol, measured at ``ts``. The shares
    (fractions of accounts, summing to 1) are None where the exchange publishes the ratio only
    (OKX)."""

    symbol: str
    ts: int
    ratio: float
    long_share: float | None = None
    short_share: float | None = None


@dataclass(frozen=True, slots=True)
class OpenInterestReading:
    """Open interest as known at a decision: the newest reading stamped at or before it, and
    its change against the newest reading at or before ``window_ms`` earlier (None when none is
    stored that far back)."""

    ts: int
    amount: float | None  # base currency
    value: float | None  # quote currency
    change_pct: float | None
    window_ms: int


@dataclass(frozen=True, slots=True)
class MarketSnapshot:
    """Everything known about one symbol as of ``ts``; built so it cannot contain later rows."""

    symbol: str
    ts: int
    candles: Candles
    funding_rate: float | None
    ts_funding: int | None
    price: PriceSnapshot | None
    open_interest: OpenInterest | None
