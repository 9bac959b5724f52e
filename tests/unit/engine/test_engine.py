"""The engine between agents and the risk checks, on a small synthetic market: a leverage above
the cap trades at the cap (the clamp recorded), the margin check counts the fee the venue will
charge, and every recorded denial names its rule."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from alpha_arena.agents.strategy_agent import Sizing, StrategyAgent
from alpha_arena.core.clock import SimClock
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.market import Candles, IntArray
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.engine.ledger import Ledger
from alpha_arena.engine.participant import Participant, StepView
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import sample_instruments
from alpha_arena.risk.checks import RiskRule
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import StrategyInput

SYMBOL = "BTC/USDT:USDT"  # max leverage 125, taker fee 0.05%, minimum notional 100
INSTRUMENTS = {item.symbol: item for item in sample_instruments() if item.symbol == SYMBOL}
T0 = 1_722_470_400_000  # 2024-08-01T00:00:00Z
HOUR = 3_600_000
CAPITAL = 10_000.0
PRICE = 60_000.0
BARS = 6


def flat_market() -> Candles:
    price = np.full(BARS, PRICE)
    return Candles(T0 + HOUR * np.arange(BARS, dtype=np.int64), price, price, price, price,
                   np.ones(BARS))  # fmt: skip


def holder(leverage: float, fee_rate: float) -> StrategyAgent:
    """Buy and hold, sized at ``leverage`` for entries paying ``fee_rate``."""
    candles = flat_market()
    inputs = {SYMBOL: StrategyInput(SYMBOL, "1h", candles, np.full(BARS, np.nan))}
    return StrategyAgent("agent", registry.create("buy_and_hold"), inputs,
                         Sizing(leverage, fee_rate=fee_rate))  # fmt: skip


@dataclass
class Script:
    """Fixed actions at the first decision."""

    name: str
    actions: tuple[SymbolDecision, ...]

    def decide(self, view: StepView) -> Decision | None:
        return Decision(view.ts, self.actions) if view.step == 0 else None

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        return None


def run(
    participant: Participant, *, max_leverage: float = 125.0, fee_rate: float | None = None
) -> tuple[Ledger, PaperVenue]:
    venue = PaperVenue(PaperVenueConfig(CAPITAL, 0.0, fee_rate), INSTRUMENTS, NextBarOpen())
    engine = TradingEngine(
        ReplayFeed("1h", {SYMBOL: flat_market()}, {}), [(participant, venue)], INSTRUMENTS,
        RiskLimits(max_leverage=max_leverage), SimClock(T0),
    )  # fmt: skip
    return engine.run()[participant.name], venue


def test_an_agent_above_the_leverage_cap_trades_at_the_cap_with_the_clamp_recorded() -> None:
    # Sized for 10x: 9,900 x 10 / 1.005 = 98,507.46. At the cap of 5 that notional would need
    # 19,701 of margin (every entry was denied); scaled with the leverage it needs 9,850.75.
    ledger, venue = run(holder(10.0, 0.0005), max_leverage=5.0)

    [fill] = ledger.fills
    assert fill.quantity == pytest.approx(0.820)  # 49,253.73 / 60,000 on the 0.001 step
    position = venue.positions()[SYMBOL]
    assert position.leverage == 5.0
    assert position.margin + fill.fee <= CAPITAL
    [clamp] = ledger.risk_events
    assert clamp.approved and clamp.rule == ""
    assert clamp.adjustments == (
        "leverage 10 clamped to 5 (limit 5, instrument 125)",
        "notional 98507.46 scaled to 49253.73 with the leverage (margin kept at 9850.75)",
    )


def test_the_margin_check_counts_the_fee_the_venue_charges_not_the_instruments() -> None:
    # Sized without any fee at 20x: 198,000 of notional needs 9,900 of margin. With the
    # instrument's 0.05% the fee is 99 and it fits in 10,000; the run charges 1%: 1,980.
    ledger, _ = run(holder(20.0, 0.0), max_leverage=20.0, fee_rate=0.01)

    assert ledger.fills == []  # denied before the venue, not shrunk at the fill
    [denial] = ledger.risk_events
    assert (denial.approved, denial.rule) == (False, "margin")
    assert denial.reason == "insufficient margin: needs 11880.00, free 10000.00"


def test_every_denial_the_engine_records_names_its_rule() -> None:
    script = Script(
        "script",
        (
            SymbolDecision("ETH/USDT:USDT", Signal.BUY_TO_ENTER, notional=1_000.0),
            SymbolDecision(SYMBOL, Signal.CLOSE),
            SymbolDecision(SYMBOL, Signal.BUY_TO_ENTER, notional=50.0),
            SymbolDecision(SYMBOL, Signal.BUY_TO_ENTER, notional=1e6),
            SymbolDecision(SYMBOL, Signal.BUY_TO_ENTER, notional=1_000.0, stop_loss=PRICE * 2),
        ),
    )
    ledger, _ = run(script)

    assert [(event.approved, event.rule) for event in ledger.risk_events] == [
        (False, RiskRule.INVALID.value),  # no instrument: no market for it
        (False, RiskRule.NO_POSITION.value),
        (False, RiskRule.MIN_NOTIONAL.value),
        (False, RiskRule.MARGIN.value),
        (False, RiskRule.STOP_LOSS.value),
    ]
