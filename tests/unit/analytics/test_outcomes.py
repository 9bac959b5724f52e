"""Decision outcomes on a hand-built market: three coins whose regimes are plain by
construction (a steady climb, an even zigzag, a zigzag narrowing to nothing), a few decisions,
and every forward return, hit and average written out from the closes by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from alpha_arena.agents.selector import Regime, regime_of
from alpha_arena.analytics.outcomes import (
    Call,
    Direction,
    MarketRegime,
    calls_of,
    classify,
    evaluate,
    report,
    tally,
)
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.market import Candles

HOUR = 3_600_000
BARS = 60
OPEN_TIMES = np.arange(BARS, dtype=np.int64) * HOUR
EVEN = np.where(np.arange(BARS) % 2 == 0, 1.0, -1.0)

# CLIMB: close 100, 101, ... 159, high and low half a point around it: only upward moves,
# so ADX(14) is 100 (trending). ZIGZAG: 101, 99, 101, ...: up and down moves cancel (ADX
# near 0) and the band width never changes, so it sits at the top of its range (ranging).
# NARROW: a zigzag whose swing shrinks from 3 to 0.2: no trend, and every bar's band is the
# narrowest so far (squeeze).
CLOSES = {
    "CLIMB": 100.0 + np.arange(BARS),
    "ZIGZAG": 100.0 + EVEN,
    "NARROW": 100.0 + np.linspace(3.0, 0.2, BARS) * EVEN,
}


def bars(close: np.ndarray) -> Candles:
    return Candles(OPEN_TIMES, close.copy(), close + 0.05, close - 0.05, close, np.ones(BARS))


CANDLES = {symbol: bars(close) for symbol, close in CLOSES.items()}


def at_close_of(bar: int) -> int:
    """A decision's time: the close of bar ``bar`` (its open plus one step)."""
    return int(OPEN_TIMES[bar]) + HOUR


def act(symbol: str, signal: Signal) -> SymbolDecision:
    return SymbolDecision(symbol, signal)


DECISIONS = [
    # A long on the climb at bar 40 (close 140): 141, 144 and 164 follow; bar 64 is beyond
    # the data (its last bar is 59), so 24 bars is pending.
    Decision(at_close_of(40), (act("CLIMB", Signal.BUY_TO_ENTER),)),
    # A short on the zigzag at bar 30 (close 101): bar 31 closes at 99, bars 34 and 54 at 101.
    # A flip on the narrowing coin at bar 30: close then buy is a long.
    Decision(at_close_of(30), (act("ZIGZAG", Signal.SELL_TO_ENTER),
                               act("NARROW", Signal.CLOSE), act("NARROW", Signal.BUY_TO_ENTER))),
    # Standing aside on the climb at bar 32 (close 132): a hold, and a close with a hold after.
    Decision(at_close_of(32), (act("CLIMB", Signal.HOLD),)),
    Decision(at_close_of(33), (act("ZIGZAG", Signal.CLOSE), act("ZIGZAG", Signal.HOLD))),
]  # fmt: skip


def narrow(bar: int) -> float:
    return float(CLOSES["NARROW"][bar])


def test_a_decisions_calls_take_each_coins_last_signal_that_is_not_a_hold() -> None:
    calls = [call for decision in DECISIONS for call in calls_of(decision, group=7)]
    assert [(c.symbol, c.direction, c.ts, c.group) for c in calls] == [
        ("CLIMB", Direction.LONG, at_close_of(40), 7),
        ("ZIGZAG", Direction.SHORT, at_close_of(30), 7),
        ("NARROW", Direction.LONG, at_close_of(30), 7),
        ("CLIMB", Direction.ASIDE, at_close_of(32), 7),
        ("ZIGZAG", Direction.ASIDE, at_close_of(33), 7),
    ]
    assert calls_of(Decision(at_close_of(5), ()), group=7) == []


def test_forward_returns_regimes_and_outcomes_by_hand() -> None:
    calls = [call for decision in DECISIONS for call in calls_of(decision)]
    outcomes = evaluate(calls, CANDLES, HOUR)
    found = {(o.call.symbol, o.call.ts): o for o in outcomes}

    climb = found[("CLIMB", at_close_of(40))]
    assert climb.regime is MarketRegime.TRENDING
    assert climb.forward == pytest.approx((141 / 140 - 1, 144 / 140 - 1, None))
    assert climb.forward[2] is None
    assert [climb.outcome(h) for h in range(2)] == pytest.approx([1 / 140, 4 / 140])

    zigzag = found[("ZIGZAG", at_close_of(30))]
    assert zigzag.regime is MarketRegime.RANGING
    assert zigzag.forward == pytest.approx((99 / 101 - 1, 0.0, 0.0))
    # A short gains when the price falls: the 1-bar outcome is +2/101, then nothing.
    assert [zigzag.outcome(h) for h in range(3)] == pytest.approx([2 / 101, 0.0, 0.0])

    narrowing = found[("NARROW", at_close_of(30))]
    assert narrowing.regime is MarketRegime.SQUEEZE
    expected = [narrow(30 + h) / narrow(30) - 1 for h in (1, 4, 24)]
    assert narrowing.forward == pytest.approx(tuple(expected))

    aside = found[("CLIMB", at_close_of(32))]
    assert aside.regime is MarketRegime.TRENDING
    assert [aside.outcome(h) for h in range(3)] == pytest.approx([1 / 132, 4 / 132, 24 / 132])
    # The zigzag's aside at bar 33 (close 99): 101 next, 99 four and 24 bars on.
    zigzag_aside = found[("ZIGZAG", at_close_of(33))]
    assert [zigzag_aside.outcome(h) for h in range(3)] == pytest.approx([2 / 99, 0.0, 0.0])


def test_the_report_counts_hits_averages_and_pending_by_hand() -> None:
    calls = [call for decision in DECISIONS for call in calls_of(decision)]
    horizons = report(evaluate(calls, CANDLES, HOUR))
    assert [h.bars for h in horizons] == [1, 4, 24]
    one, four, day = horizons
    narrow_1 = narrow(31) / narrow(30) - 1  # the zigzag falls from bar 30 to 31: a loss
    assert narrow_1 < 0

    assert (one.overall.calls, one.overall.pending, one.overall.hits) == (3, 0, 2)
    assert one.overall.hit_rate == pytest.approx(2 / 3)
    assert one.overall.average_outcome == pytest.approx((1 / 140 + 2 / 101 + narrow_1) / 3)
    assert (one.overall.aside, one.overall.aside_pending) == (2, 0)
    assert one.overall.average_move_aside == pytest.approx((1 / 132 + 2 / 99) / 2)

    # Four bars on, the zigzag is back where it was: the short's outcome is 0, not a hit.
    narrow_4 = narrow(34) / narrow(30) - 1  # even bars, a smaller swing: lower
    assert narrow_4 < 0
    assert (four.overall.hits, four.overall.hit_rate) == (1, pytest.approx(1 / 3))
    assert four.overall.average_outcome == pytest.approx((4 / 140 + 0.0 + narrow_4) / 3)

    # The climb's long is pending at 24 bars: two known calls, one pending.
    assert (day.overall.calls, day.overall.pending, day.overall.known) == (3, 1, 2)
    narrow_24 = narrow(54) / narrow(30) - 1
    assert day.overall.average_outcome == pytest.approx((0.0 + narrow_24) / 2)
    assert day.by_coin["CLIMB"].hit_rate is None  # its only call is pending
    assert day.by_coin["CLIMB"].average_outcome is None
    assert (day.by_coin["CLIMB"].calls, day.by_coin["CLIMB"].aside) == (1, 1)

    assert list(one.by_coin) == ["CLIMB", "NARROW", "ZIGZAG"]
    assert list(one.by_regime) == ["trending", "squeeze", "ranging"]
    assert one.by_regime["trending"].hits == 1
    assert one.by_regime["ranging"].average_outcome == pytest.approx(2 / 101)
    assert one.by_regime["squeeze"].average_outcome == pytest.approx(narrow_1)


def test_the_regime_reads_only_bars_known_at_the_decision() -> None:
    """A crash after the decision cannot change the regime it was made in."""
    crashed = CLOSES["CLIMB"].copy()
    crashed[41:] = np.linspace(100, 10, BARS - 41)
    call = Call(0, at_close_of(40), "CLIMB", Direction.LONG)
    (before,) = evaluate([call], CANDLES, HOUR)
    (after,) = evaluate([call], {"CLIMB": bars(crashed)}, HOUR)
    assert before.regime is after.regime is MarketRegime.TRENDING
    assert after.forward[0] == pytest.approx(float(crashed[41]) / 140 - 1)
    # The bar opened at the decision's own time is not known yet: the decision bar is 40.
    assert regime_of("CLIMB", CANDLES["CLIMB"].slice(0, 41)).adx == pytest.approx(100.0)


def test_a_coin_without_a_bar_known_at_the_decision_is_pending() -> None:
    early = Call(0, int(OPEN_TIMES[0]), "CLIMB", Direction.LONG)  # before the first bar closed
    missing = Call(0, at_close_of(5), "GHOST", Direction.SHORT)
    outcomes = evaluate([early, missing], CANDLES, HOUR)
    assert [o.forward for o in outcomes] == [(None, None, None)] * 2
    assert tally(outcomes, 0).pending == 2


def test_a_regime_with_too_little_history_for_adx_is_unknown() -> None:
    (young,) = evaluate([Call(0, at_close_of(10), "CLIMB", Direction.LONG)], CANDLES, HOUR)
    assert young.regime is MarketRegime.UNKNOWN
    assert young.forward[0] == pytest.approx(111 / 110 - 1)  # the return is known all the same


@pytest.mark.parametrize(
    ("adx", "percentile", "expected", "words"),
    [
        (25.0, 5.0, MarketRegime.TRENDING, "strong trend"),
        (24.99, 20.0, MarketRegime.SQUEEZE, "bands squeezed"),
        (24.99, 20.01, MarketRegime.RANGING, "bands normal"),
        (10.0, 95.0, MarketRegime.RANGING, "bands wide"),
        (math.nan, 50.0, MarketRegime.UNKNOWN, "weak or no trend"),
    ],
)
def test_regimes_are_named_by_the_selectors_own_thresholds(
    adx: float, percentile: float, expected: MarketRegime, words: str
) -> None:
    regime = Regime("BTC", adx, 0.02, percentile, 0.0)
    assert classify(regime) is expected
    assert words in regime.describe()
