"""Quiet spans: runs of steps in which nothing can happen to an account but its marks moving.

A step is quiet for an account when it has no open order, its participant has said it will not
decide then (``Participant.decision_steps``), no funding falls due on a symbol it holds, and no
position reaches its liquidation price. Over a quiet span the account's equity is a function of
the closes alone, so the engine records it in one vectorized pass instead of bar by bar. The
arithmetic is the same as ``PaperVenue.valuation`` term by term, so the ledger is identical to
stepping (a parity test compares them)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alpha_arena.domain.market import FloatArray
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.execution.venue import Venue

#: ``ndarray.min`` and ``ndarray.max`` without their Python-level wrappers (the same reductions).
_lowest, _highest = np.minimum.reduce, np.maximum.reduce

#: Below this many steps, stepping one by one costs less than the vectorized pass.
MIN_SPAN = 4


@dataclass(frozen=True, slots=True)
class Account:
    """What the quiet-span computation needs of one entrant."""

    venue: Venue
    decision_steps: list[int]  # ascending


def quiet_until(feed: ReplayFeed, accounts: Sequence[Account], start: int, stop: int) -> int:
    """The first step in ``[start, stop)`` that is not quiet for every account (or ``stop``).

    When the span would be shorter than MIN_SPAN the liquidation scan is left out: the caller
    steps through such a span bar by bar anyway, which is always correct."""
    limit = stop
    for account in accounts:
        venue = account.venue
        if venue.has_open_orders():
            return start
        steps = account.decision_steps
        following = bisect_left(steps, start)
        if following < len(steps):
            limit = min(limit, steps[following])
        for symbol in venue.positions():
            funding = feed.funding_steps(symbol)
            due = bisect_left(funding, start)
            if due < len(funding):
                limit = min(limit, funding[due])
    if limit - start < MIN_SPAN:
        return limit
    for account in accounts:
        for symbol in account.venue.positions():
            limit = min(limit, _liquidation_step(feed, account.venue, symbol, start, limit))
    return limit


def _liquidation_step(feed: ReplayFeed, venue: Venue, symbol: str, start: int, stop: int) -> int:
    """The first step in ``[start, stop)`` whose bar reaches the position's liquidation price."""
    long = venue.positions()[symbol].quantity > 0
    level = venue.liquidation_price(symbol)
    series = feed.step_series(symbol)
    # A level beyond every bar of the feed (a long at 1x is liquidated at 0) needs no scan.
    if stop <= start or ((level < series.lowest) if long else (level > series.highest)):
        return stop
    if long:
        lows = series.low[start:stop]
        if not _lowest(lows) <= level:  # the usual case: the span never gets there
            return stop
        reached = lows <= level
    else:
        highs = series.high[start:stop]
        if not _highest(highs) >= level:
            return stop
        reached = highs >= level
    return start + int(reached.argmax())


def span_valuation(
    feed: ReplayFeed, venue: Venue, start: int, stop: int
) -> tuple[FloatArray, FloatArray, dict[str, float]]:
    """Equity and gross exposure at every step of ``[start, stop)``, and each held symbol's
    last mark, for an account that does nothing but hold its positions."""
    equity: FloatArray | float = venue.cash
    gross: FloatArray | float = 0.0
    last_marks: dict[str, float] = {}
    for symbol, position in venue.positions().items():
        marks = _marks(feed, symbol, start, stop, venue.mark(symbol))
        quantity = position.quantity
        equity = equity + (position.margin + quantity * (marks - position.entry_price))
        notional = (quantity if quantity > 0 else -quantity) * marks
        # valuation() adds the first notional to 0.0 too: that only turns a -0.0 into 0.0,
        # which is recorded as no exposure either way.
        gross = notional if isinstance(gross, float) else gross + notional
        last_marks[symbol] = float(marks[-1])
    count = stop - start
    if isinstance(equity, float):  # no position
        return np.full(count, equity), np.zeros(count), last_marks
    assert not isinstance(gross, float)
    return equity, gross, last_marks


def _marks(
    feed: ReplayFeed, symbol: str, start: int, stop: int, previous: float | None
) -> FloatArray:
    """The close at each step, carried forward over steps where the symbol has no bar; before
    the span's first bar of the symbol, ``previous`` (the account's mark)."""
    series = feed.step_series(symbol)
    marks = series.close[start:stop]
    lead = series.next_bar[start] - start
    if lead > 0:
        marks = marks.copy()
        marks[:lead] = np.nan if previous is None else previous
    return marks
