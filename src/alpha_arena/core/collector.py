"""Pausing Python's cyclic garbage collector around batch work.

A backtest keeps every order, order event, fill and decision it makes in its ledger: thousands
of long-lived objects, which the cyclic collector would scan again at each of its collections
while the run goes on (about a tenth of a backtest's time, ``benchmarks/engine.py``). The engine
makes no reference cycles of its own, and reference counting frees everything it drops, so the
batch paths (``TradingEngine.run``, a sweep's point) pause the collector while they work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block. It is switched back on only if it
    was on, so nested or overlapping blocks (threads) leave it on as they found it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
