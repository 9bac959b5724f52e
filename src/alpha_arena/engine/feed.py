"""Market feeds for the engine. The replay feed steps through stored history; bars are
stamped by open time and become known at their close."""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from alpha_arena.core.time import DAY_MS, timeframe_ms
from alpha_arena.domain.market import Candles, FloatArray, FundingRates, IntArray


@dataclass(frozen=True, slots=True)
class SymbolSeries:
    """One symbol's bars and funding, with flat copies of the prices for the per-bar loop (see
    ``doubles``)."""

    symbol: str
    candles: Candles
    funding: FundingRates
    open: array[float]
    high: array[float]
    low: array[float]
    close: array[float]


def doubles(values: FloatArray) -> array[float]:
    """``values`` as a Python array of doubles, for loops that read them one at a time: its
    items come out as plain floats about as fast as a list's (several times faster than
    indexing numpy), it is built with one copy, and it holds no objects for the cyclic garbage
    collector to scan (a list of floats is scanned whole at every collection that meets it)."""
    return array("d", np.ascontiguousarray(values, dtype=np.float64).tobytes())


def integers(values: IntArray) -> array[int]:
    """``values`` as a Python array of 64-bit integers (see ``doubles``)."""
    return array("q", np.ascontiguousarray(values, dtype=np.int64).tobytes())


@dataclass(frozen=True, slots=True)
class StepSeries:
    """One symbol's bars laid out on the feed's timeline, for recording a quiet span with a few
    slices (``engine.quiet``): at each step the close carried forward from the latest bar (NaN
    before the first), the bar's low and high (+inf and -inf at a step without a bar), the first
    step from there on that has a bar (the timeline's length when none has), and the lowest low
    and highest high of all the bars."""

    close: FloatArray
    low: FloatArray
    high: FloatArray
    next_bar: array[int]
    lowest: float
    highest: float


@dataclass(frozen=True, slots=True)
class StepCloses:
    """When each step of the timeline closes (its bars' open + the step): the time, its UTC day
    number, and the first step that closes on that day."""

    ts: list[int]  # a list: the engine extends the ledger with slices of it
    day: array[int]
    day_first: array[int]


class ReplayFeed:
    """The bars of several symbols on one timeline (the union of their open times; a symbol
    missing a bar, e.g. during an exchange outage, simply has no bar at that step)."""

    def __init__(
        self,
        timeframe: str,
        candles: Mapping[str, Candles],
        funding: Mapping[str, FundingRates],
    ) -> None:
        self.timeframe = timeframe
        self.step_ms = timeframe_ms(timeframe)
        empty = FundingRates(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))
        self.series = {
            symbol: SymbolSeries(
                symbol,
                bars,
                funding.get(symbol, empty),
                doubles(bars.open),
                doubles(bars.high),
                doubles(bars.low),
                doubles(bars.close),
            )
            for symbol, bars in candles.items()
        }
        self.timeline: IntArray = _union([bars.ts for bars in candles.values()])
        # bar_index[symbol][k]: the symbol's bar at step k, or -1 when it has none.
        self.bar_index: dict[str, array[int]] = {}
        self.bar_index_array: dict[str, IntArray] = {}
        # funding_due[symbol]: step -> rates settling inside that step's bar (open, close].
        self.funding_due: dict[str, dict[int, list[tuple[int, float]]]] = {}
        self._funding_steps: dict[str, list[int]] = {}
        for symbol, item in self.series.items():
            position = np.searchsorted(item.candles.ts, self.timeline)
            clipped = np.minimum(position, max(len(item.candles) - 1, 0))
            present = (position < len(item.candles)) & (item.candles.ts[clipped] == self.timeline)
            indices = np.where(present, position, -1)
            self.bar_index_array[symbol] = indices
            self.bar_index[symbol] = integers(indices)
            self.funding_due[symbol] = self._funding_by_step(item.funding)
            self._funding_steps[symbol] = sorted(self.funding_due[symbol])
        # Built on first use: only runs that record quiet spans need them.
        self._step_series: dict[str, StepSeries] = {}
        self._closes: StepCloses | None = None

    def step_series(self, symbol: str) -> StepSeries:
        """``symbol``'s bars on the timeline (see ``StepSeries``)."""
        found = self._step_series.get(symbol)
        if found is None:
            found = self._step_series[symbol] = self._lay_out(symbol)
        return found

    def _lay_out(self, symbol: str) -> StepSeries:
        candles = self.series[symbol].candles
        index = self.bar_index_array[symbol]
        steps = np.arange(len(index))
        lowest = float(candles.low.min()) if len(candles) else np.inf
        highest = float(candles.high.max()) if len(candles) else -np.inf
        if len(candles) == len(index):  # a bar at every step (one symbol, no gap): as they are
            return StepSeries(
                candles.close, candles.low, candles.high, integers(steps), lowest, highest
            )
        present = index >= 0
        safe = np.where(present, index, 0)
        latest = np.maximum.accumulate(np.where(present, steps, -1))
        close = np.where(latest >= 0, candles.close[safe[np.maximum(latest, 0)]], np.nan)
        following = np.where(present, steps, len(index))
        next_bar = np.minimum.accumulate(following[::-1])[::-1]
        return StepSeries(
            close,
            np.where(present, candles.low[safe], np.inf),
            np.where(present, candles.high[safe], -np.inf),
            integers(next_bar),
            lowest,
            highest,
        )

    def closes(self) -> StepCloses:
        """When each step closes (see ``StepCloses``)."""
        if self._closes is None:
            stamps = self.timeline + self.step_ms
            days = stamps // DAY_MS
            steps = np.arange(len(days))
            starts = np.ones(len(days), dtype=bool)
            starts[1:] = days[1:] != days[:-1]
            first = np.maximum.accumulate(np.where(starts, steps, 0))
            self._closes = StepCloses(stamps.tolist(), integers(days), integers(first))
        return self._closes

    def _funding_by_step(self, funding: FundingRates) -> dict[int, list[tuple[int, float]]]:
        """Assign each settlement to the first step whose bar closes at or after it; one that
        falls in a data gap settles at the next bar there is (no price is invented for it)."""
        due: dict[int, list[tuple[int, float]]] = {}
        if len(self.timeline) == 0:
            return due
        closes = self.timeline + self.step_ms
        steps = np.searchsorted(closes, funding.ts, side="left")
        first_open = self.timeline[0]
        for step, ts, rate in zip(steps.tolist(), funding.ts.tolist(), funding.rate.tolist(),
                                  strict=True):  # fmt: skip
            if ts <= first_open or step >= len(self.timeline):
                continue  # before the first bar closed, or after the last
            due.setdefault(step, []).append((ts, rate))
        return due

    def funding_steps(self, symbol: str) -> list[int]:
        """The steps at which ``symbol`` has funding due, ascending."""
        return self._funding_steps[symbol]

    def __len__(self) -> int:
        return len(self.timeline)


def _union(stamps: list[IntArray]) -> IntArray:
    """The sorted union of ``stamps``; one series that is already strictly increasing (the
    usual case) is taken as it is, without np.unique's sort."""
    if len(stamps) == 1 and bool(np.all(stamps[0][1:] > stamps[0][:-1])):
        return np.array(stamps[0], dtype=np.int64)
    if not stamps:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(stamps))


def changes_before(old: ReplayFeed, new: ReplayFeed, steps: int) -> str:
    """What ``new`` changes in the first ``steps`` steps of ``old`` (their bars and the funding
    settling in them), in a few words; "" when nothing: ``new`` then only adds to them."""
    if new.step_ms != old.step_ms or set(new.series) != set(old.series):
        return "its timeframe or symbols"
    if len(new) < steps or not np.array_equal(new.timeline[:steps], old.timeline[:steps]):
        return "its timeline"
    last = int(old.timeline[steps - 1]) if steps else None
    for symbol, series in old.series.items():
        bars = 0 if last is None else int(np.searchsorted(series.candles.ts, last, side="right"))
        before, after = series.candles, new.series[symbol].candles
        if len(after) < bars or any(
            not np.array_equal(getattr(before, name)[:bars], getattr(after, name)[:bars])
            for name in ("ts", "open", "high", "low", "close", "volume")
        ):
            return f"bars of {symbol}"
        due = {step: rates for step, rates in old.funding_due[symbol].items() if step < steps}
        now_due = {step: rates for step, rates in new.funding_due[symbol].items() if step < steps}
        if due != now_due:
            return f"funding of {symbol}"
    return ""
