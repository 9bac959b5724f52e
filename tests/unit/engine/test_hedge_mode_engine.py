"""The engine with a hedged paper account: entries open the side they name, a ``close``
decision closes both sides of the coin, and the risk checks judge each side on its own."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from alpha_arena.core.clock import SimClock
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.market import IntArray
from alpha_arena.domain.orders import Side
from alpha_arena.domain.positions import PositionMode, position_key
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.engine.participant import StepView
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.risk.checks import RiskRule
from alpha_arena.risk.limits import RiskLimits
from tests.unit.engine.test_engine import CAPITAL, INSTRUMENTS, SYMBOL, T0, flat_market

LONG, SHORT = position_key(SYMBOL, True, True), position_key(SYMBOL, False, True)


@dataclass
class Hedger:
    """Step 0: buy 1,000 of BTC; step 1: sell 600 (a short beside the long); step 3: close."""

    name: str = "hedger"

    def decide(self, view: StepView) -> Decision | None:
        actions = {
            0: SymbolDecision(SYMBOL, Signal.BUY_TO_ENTER, notional=1_000.0, leverage=1.0),
            1: SymbolDecision(SYMBOL, Signal.SELL_TO_ENTER, notional=600.0, leverage=1.0),
            3: SymbolDecision(SYMBOL, Signal.CLOSE),
        }
        action = actions.get(view.step)
        if view.step == 3:
            self.held_before_close = {key: p.quantity for key, p in view.positions.items()}
        return None if action is None else Decision(view.ts, (action,))

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        return None


def run(position_mode: PositionMode) -> tuple[Hedger, PaperVenue, TradingEngine]:
    hedger = Hedger()
    config = PaperVenueConfig(CAPITAL, 0.0, None, position_mode=position_mode)
    venue = PaperVenue(config, INSTRUMENTS, NextBarOpen())
    engine = TradingEngine(
        ReplayFeed("1h", {SYMBOL: flat_market()}, {}), [(hedger, venue)], INSTRUMENTS,
        RiskLimits(max_leverage=10), SimClock(T0),
    )  # fmt: skip
    engine.run()
    return hedger, venue, engine


def test_a_close_decision_closes_both_sides_of_a_hedged_coin() -> None:
    """At 60,000 (amount step 0.001): 1,000 buys 0.016, 600 sells 0.01; both are held at step
    3, and the close sends one reduce-only order per side (the long first), filled at the next
    open: the account ends flat, having paid the taker fee on 0.052 BTC of turnover."""
    hedger, venue, engine = run(PositionMode.LONG_SHORT)
    assert hedger.held_before_close == {LONG: pytest.approx(0.016), SHORT: pytest.approx(-0.01)}
    fills = engine.entrants[0].ledger.fills
    assert [(f.side, f.quantity, f.tag) for f in fills] == [
        (Side.BUY, pytest.approx(0.016), "entry"), (Side.SELL, pytest.approx(0.01), "entry"),
        (Side.SELL, pytest.approx(0.016), "close"), (Side.BUY, pytest.approx(0.01), "close"),
    ]  # fmt: skip
    assert venue.positions() == {}
    taker = INSTRUMENTS[SYMBOL].taker_fee
    assert venue.fees == pytest.approx(0.052 * 60_000.0 * taker)
    assert venue.cash == pytest.approx(CAPITAL - venue.fees)


def test_in_net_mode_the_same_sell_is_refused_as_an_opposite_position() -> None:
    """Net mode: the sell meets the long and is denied (close it first); the close closes it."""
    hedger, venue, engine = run(PositionMode.NET)
    assert hedger.held_before_close == {SYMBOL: pytest.approx(0.016)}
    ledger = engine.entrants[0].ledger
    assert [event.rule for event in ledger.risk_events] == [RiskRule.PYRAMIDING.value]
    assert [(f.side, f.tag) for f in ledger.fills] == [(Side.BUY, "entry"), (Side.SELL, "close")]
    assert venue.positions() == {}
