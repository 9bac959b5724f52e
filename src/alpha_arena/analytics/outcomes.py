"""Decision outcomes: was a stored call right? The offline feedback loop of the arena.

A decision is made at ``ts``, the close of the bar opened at ``ts - step`` (the decision bar).
For each coin it names, its *call* is the last signal it gave that coin other than ``hold``:
``buy_to_enter`` is long, ``sell_to_enter`` short, ``close`` aside (flat); a coin with only
``hold`` is aside too. A flip (``close`` then ``buy_to_enter``) is therefore a long call.

The *forward return* over N bars is ``close[decision bar + N] / close[decision bar] - 1``
(the bar opened N steps after the decision bar; across a gap in the data, the last bar opened
by then). It is *pending* while that bar is not in the data yet: never guessed.

The *outcome* of a directional call is the forward return signed by its direction (a short
that saw the price fall 2% has the outcome +2%); it is a *hit* when the outcome is above zero.
A call to stand aside has no direction to be right about: its outcome is the absolute move it
sat out (a loss avoided or a gain missed; which one, nobody can say), reported apart.

The *regime* at a decision is the selector's (``agents.selector.regime_of``) computed on the
bars known at the decision time only (up to and including the decision bar), classified as the
selector words it: *trending* when ADX(14) is at least 25 ("strong trend"); otherwise *squeeze*
when the Bollinger width sits in the lowest fifth of its last 200 bars ("bands squeezed");
otherwise *ranging*. With too little history for ADX or the bands, it is *unknown*."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from alpha_arena.agents.selector import Regime, regime_of
from alpha_arena.domain.decisions import Decision, Signal
from alpha_arena.domain.market import Candles

# The thresholds ``Regime.describe`` words as "strong trend" and "bands squeezed", shared with
# the portfolio agent's per-bar regimes.
from alpha_arena.strategies.regime import SQUEEZE_PERCENTILE, TREND_ADX

HORIZONS = (1, 4, 24)
#: The bars ``regime_of`` reads: a caller reading candles for the outcomes starts this many
#: bars before its first decision, so that every regime sees the history the selector saw.
REGIME_BARS = 200


class Direction(StrEnum):
    LONG = "long"
    SHORT = "short"
    ASIDE = "aside"  # close or hold: no position called for

    @property
    def directional(self) -> bool:
        return self is not Direction.ASIDE


class MarketRegime(StrEnum):
    TRENDING = "trending"
    SQUEEZE = "squeeze"
    RANGING = "ranging"
    UNKNOWN = "unknown"


_DIRECTIONS = {
    Signal.BUY_TO_ENTER: Direction.LONG,
    Signal.SELL_TO_ENTER: Direction.SHORT,
    Signal.CLOSE: Direction.ASIDE,
}


@dataclass(frozen=True, slots=True)
class Call:
    """One coin's call in one stored decision; ``group``: where it came from (an entry id)."""

    group: int
    ts: int
    symbol: str
    direction: Direction


def calls_of(decision: Decision, group: int = 0) -> list[Call]:
    """The decision's calls, one per coin it names, in the order the coins first appear."""
    found: dict[str, Direction] = {}
    for action in decision.actions:
        direction = _DIRECTIONS.get(action.signal)
        if direction is not None:
            found[action.symbol] = direction
        else:  # hold: keeps an earlier signal of the same decision, else stands aside
            found.setdefault(action.symbol, Direction.ASIDE)
    return [Call(group, decision.ts, symbol, direction) for symbol, direction in found.items()]


def classify(regime: Regime) -> MarketRegime:
    """The regime's name, by the thresholds the selector describes it with."""
    if math.isnan(regime.adx) or math.isnan(regime.band_width):
        return MarketRegime.UNKNOWN
    if regime.adx >= TREND_ADX:
        return MarketRegime.TRENDING
    if regime.band_width_percentile <= SQUEEZE_PERCENTILE:
        return MarketRegime.SQUEEZE
    return MarketRegime.RANGING


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """A call, the regime it was made in and its forward return per horizon (None: pending)."""

    call: Call
    regime: MarketRegime
    forward: tuple[float | None, ...]

    def outcome(self, horizon: int) -> float | None:
        """The forward return at horizon index ``horizon`` signed by the call (long: as is;
        short: negated; aside: its absolute value); None while pending."""
        value = self.forward[horizon]
        if value is None:
            return None
        if self.call.direction is Direction.LONG:
            return value
        return -value if self.call.direction is Direction.SHORT else abs(value)


def evaluate(
    calls: Iterable[Call],
    candles: Mapping[str, Candles],
    step_ms: int,
    horizons: Sequence[int] = HORIZONS,
) -> list[CallOutcome]:
    """Every call's regime and forward returns, from each coin's ``candles`` (bars of
    ``step_ms``, oldest first, reaching back ``REGIME_BARS`` before the first call for a full
    regime). A coin without a bar known at the call's time has all its horizons pending."""
    regimes: dict[tuple[str, int], MarketRegime] = {}
    found = []
    for call in calls:
        bars = candles.get(call.symbol, Candles.empty())
        index = int(np.searchsorted(bars.ts, call.ts - step_ms, side="right")) - 1
        if index < 0:
            found.append(CallOutcome(call, MarketRegime.UNKNOWN, (None,) * len(horizons)))
            continue
        key = (call.symbol, index)
        if key not in regimes:  # a coin's bar is classified once, however many calls it has
            regimes[key] = classify(regime_of(call.symbol, bars.slice(0, index + 1)))
        found.append(CallOutcome(call, regimes[key], _forward(bars, index, step_ms, horizons)))
    return found


def _forward(
    bars: Candles, index: int, step_ms: int, horizons: Sequence[int]
) -> tuple[float | None, ...]:
    start = int(bars.ts[index])
    last = int(bars.ts[-1])
    base = float(bars.close[index])
    returns: list[float | None] = []
    for bars_ahead in horizons:
        target = start + bars_ahead * step_ms
        if target > last:
            returns.append(None)
            continue
        later = int(np.searchsorted(bars.ts, target, side="right")) - 1
        returns.append(float(bars.close[later]) / base - 1.0)
    return tuple(returns)


@dataclass(frozen=True, slots=True)
class Tally:
    """One horizon's figures for a set of calls.

    ``calls``: directional calls (long or short); ``pending`` of them not known yet;
    ``hits`` of the known ones right; ``hit_rate`` = hits / known; ``average_outcome``: the
    mean signed forward return of the known ones. ``aside``: calls to stand aside,
    ``aside_pending``, ``average_move_aside``: the mean absolute move they sat out."""

    calls: int
    pending: int
    hits: int
    hit_rate: float | None
    average_outcome: float | None
    aside: int
    aside_pending: int
    average_move_aside: float | None

    @property
    def known(self) -> int:
        return self.calls - self.pending


@dataclass(frozen=True, slots=True)
class HorizonReport:
    """The figures over ``bars`` bars: for all calls, per coin and per regime (sorted)."""

    bars: int
    overall: Tally
    by_coin: Mapping[str, Tally]
    by_regime: Mapping[str, Tally]


def tally(outcomes: Iterable[CallOutcome], horizon: int) -> Tally:
    """The figures of ``outcomes`` at horizon index ``horizon``."""
    calls = pending = hits = aside = aside_pending = 0
    signed: list[float] = []
    moves: list[float] = []
    for item in outcomes:
        value = item.outcome(horizon)
        if item.call.direction.directional:
            calls += 1
            if value is None:
                pending += 1
            else:
                signed.append(value)
                hits += value > 0
        else:
            aside += 1
            if value is None:
                aside_pending += 1
            else:
                moves.append(value)
    return Tally(
        calls, pending, hits, hits / len(signed) if signed else None, _mean(signed), aside,
        aside_pending, _mean(moves),
    )  # fmt: skip


def report(
    outcomes: Sequence[CallOutcome], horizons: Sequence[int] = HORIZONS
) -> list[HorizonReport]:
    """The figures per horizon of ``horizons`` (those ``outcomes`` were evaluated with)."""
    by_coin: dict[str, list[CallOutcome]] = defaultdict(list)
    by_regime: dict[str, list[CallOutcome]] = defaultdict(list)
    for item in outcomes:
        by_coin[item.call.symbol].append(item)
        by_regime[item.regime.value].append(item)
    return [
        HorizonReport(
            bars,
            tally(outcomes, index),
            {coin: tally(by_coin[coin], index) for coin in sorted(by_coin)},
            {name: tally(by_regime[name], index) for name in _regime_order(by_regime)},
        )
        for index, bars in enumerate(horizons)
    ]


def _regime_order(found: Mapping[str, object]) -> list[str]:
    return [regime.value for regime in MarketRegime if regime.value in found]


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None
