"""A strategy run on longer bars than the run steps through: a 4h rule in a 1h season.

The rule sees the run's bars resampled to its own timeframe (``marketdata.resample``) and its
targets are spread back over the run's bars: the target of a long bar takes effect at the run's
bar whose close is that long bar's close, and holds until the next long bar closes. A long bar
still being formed (the last one, before its final short bar has closed) is never read, so
targets stay causal on the run's bars, and a rule decides at the same moments, on the same bars,
as it would in a season of its own timeframe."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from alpha_arena.core.time import timeframe_ms
from alpha_arena.domain.market import FloatArray, IntArray
from alpha_arena.marketdata.resample import can_resample, resample
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams


class ResampledStrategy(Strategy):
    """``inner`` deciding on ``timeframe`` bars, fed the run's ``source`` bars."""

    name: ClassVar[str] = "resampled"
    params_type: ClassVar[type[StrategyParams]] = StrategyParams

    def __init__(self, inner: Strategy, timeframe: str, source: str) -> None:
        if not can_resample(source, timeframe):
            raise ValueError(f"cannot run a {timeframe} rule on {source} bars")
        super().__init__(inner.params)
        self.inner = inner
        self.timeframe = timeframe
        self._step_ms = timeframe_ms(timeframe)
        self._ratio = self._step_ms // timeframe_ms(source)

    @property
    def warmup(self) -> int:
        # Counted in the run's bars, as loaders count, and at least the long bars a run of
        # the long timeframe would load (backtest.run.warmup_bars: 3 x warmup + 10).
        return (self.inner.warmup + 4) * self._ratio

    def targets(self, data: StrategyInput) -> FloatArray:
        long_bars, source_bar = self._long(data)
        inner = self.inner.targets(long_bars)
        spread = np.where(source_bar >= 0, inner[np.maximum(source_bar, 0)], 0.0)
        return np.asarray(spread, dtype=np.float64)

    def explain(self, data: StrategyInput, index: int, targets: FloatArray) -> str:
        long_bars, source_bar = self._long(data)
        bar = int(source_bar[index])
        if bar < 0:
            return f"{self.inner.name} ({self.timeframe}): no {self.timeframe} bar closed yet"
        inner_targets = self._cached(long_bars, self.inner.targets)
        return f"{self.inner.explain(long_bars, bar, inner_targets)} ({self.timeframe} bars)"

    def _long(self, data: StrategyInput) -> tuple[StrategyInput, IntArray]:
        return self._cached(data, self._resampled)

    def _resampled(self, data: StrategyInput) -> tuple[StrategyInput, IntArray]:
        """The long bars, and for each of the run's bars the index of the newest long bar
        closed by its close (-1 before the first)."""
        candles = resample(data.candles, data.timeframe, self.timeframe)
        last_short = np.searchsorted(data.candles.ts, candles.ts + self._step_ms) - 1
        funding = data.funding_rate[last_short] if len(candles) else data.funding_rate[:0]
        long_bars = StrategyInput(data.symbol, self.timeframe, candles, funding)
        closes = data.candles.ts + timeframe_ms(data.timeframe)
        source_bar = np.searchsorted(candles.ts + self._step_ms, closes, side="right") - 1
        return long_bars, source_bar.astype(np.int64)
