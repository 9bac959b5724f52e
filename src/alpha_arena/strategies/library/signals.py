"""Building blocks that turn per-bar conditions into causal target series."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from alpha_arena.domain.market import FloatArray

BoolArray = npt.NDArray[np.bool_]


def hold_last(signal: FloatArray) -> FloatArray:
    """Carry the last non-NaN signal forward over NaN bars; 0 before the first signal."""
    length = len(signal)
    known = ~np.isnan(signal)
    last_known = np.maximum.accumulate(np.where(known, np.arange(length), -1))
    held = np.zeros(length, dtype=np.float64)
    seen = last_known >= 0
    held[seen] = signal[last_known[seen]]
    return held


def latch(
    enter_long: BoolArray,
    enter_short: BoolArray,
    exit_long: BoolArray,
    exit_short: BoolArray,
    start: int,
) -> FloatArray:
    """Walk the bars from ``start`` holding a position: an exit closes it, then an entry may
    open one on the same bar (so a jump from one extreme to the other flips). 0 before ``start``.

    The state depends on the path, so this is a loop; it reads each bar once and only its past."""
    length = len(enter_long)
    targets = np.zeros(length, dtype=np.float64)
    # Python lists index far faster than numpy scalars in a per-bar loop.
    longs, shorts = enter_long.tolist(), enter_short.tolist()
    long_exits, short_exits = exit_long.tolist(), exit_short.tolist()
    position = 0.0
    for index in range(max(start, 0), length):
        if (position > 0 and long_exits[index]) or (position < 0 and short_exits[index]):
            position = 0.0
        if position == 0.0:
            if longs[index]:
                position = 1.0
            elif shorts[index]:
                position = -1.0
        targets[index] = position
    return targets


def side(target: float) -> str:
    """Name a target: long, short or flat."""
    if target > 0:
        return "long"
    if target < 0:
        return "short"
    return "flat"


def number(value: float) -> str:
    """Format a price or indicator value for an explanation: six significant digits."""
    return f"{value:.6g}"


def warming_up(name: str, index: int, warmup: int) -> str:
    return f"{name}: warming up (bar {index + 1} of {warmup}) -> flat"
