"""Resample candles to a longer timeframe (1h to 4h or 1d): first open, highest high, lowest low,
last close, summed volume, per bucket aligned to UTC epoch multiples of the target length.

A bucket with missing source bars (an exchange outage) is built from the bars that exist;
nothing is invented for the missing ones."""

from __future__ import annotations

import numpy as np

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import timeframe_ms
from alpha_arena.domain.market import Candles


def can_resample(source: str, target: str) -> bool:
    source_ms, target_ms = timeframe_ms(source), timeframe_ms(target)
    return target_ms > source_ms and target_ms % source_ms == 0


def resample(candles: Candles, source: str, target: str) -> Candles:
    """Aggregate ``source`` bars into ``target`` bars."""
    if not can_resample(source, target):
        raise InvalidInputError(f"cannot resample {source} candles to {target}")
    if len(candles) == 0:
        return Candles.empty()
    step = timeframe_ms(target)
    buckets = candles.ts - candles.ts % step
    starts = np.concatenate(([0], np.flatnonzero(np.diff(buckets)) + 1))
    ends = np.concatenate((starts[1:], [len(candles)])) - 1
    return Candles(
        ts=buckets[starts],
        open=candles.open[starts],
        high=np.maximum.reduceat(candles.high, starts),
        low=np.minimum.reduceat(candles.low, starts),
        close=candles.close[ends],
        volume=np.add.reduceat(candles.volume, starts),
    )


def bars_per_bucket(candles: Candles, source: str, target: str) -> np.ndarray:
    """How many source bars went into each resampled bar (fewer than expected after a gap)."""
    step = timeframe_ms(target)
    buckets = candles.ts - candles.ts % step
    _, counts = np.unique(buckets, return_counts=True)
    return np.asarray(counts, dtype=np.int64)
