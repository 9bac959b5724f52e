"""Asynchronous participants (LLM agents) are asked together, each within the deadline."""

from __future__ import annotations

import asyncio
import time

from alpha_arena.core.clock import SimClock
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.market import Candles, IntArray
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.engine.participant import StepView
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import read_candles, sample_instruments
from alpha_arena.risk.limits import RiskLimits
from tests.support.sample import SAMPLE

SYMBOL = "BTC/USDT:USDT"
INSTRUMENTS = {item.symbol: item for item in sample_instruments()}
BARS: Candles = read_candles(SAMPLE / "binance_usdm_BTCUSDT_1h.csv.gz").slice(0, 3)


class Thinker:
    """A working async participant: thinks for ``seconds``, then buys a little BTC."""

    def __init__(self, name: str, seconds: float) -> None:
        self.name = name
        self.seconds = seconds
        self.spans: list[tuple[float, float]] = []

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        return None

    def decide(self, view: StepView) -> Decision | None:
        raise AssertionError("an async participant must be asked through decide_async")

    async def decide_async(self, view: StepView) -> Decision | None:
        started = time.monotonic()
        await asyncio.sleep(self.seconds)
        self.spans.append((started, time.monotonic()))
        action = SymbolDecision(SYMBOL, Signal.BUY_TO_ENTER, notional=1_000.0)
        return Decision(view.ts, (action,))


def engine_for(thinkers: list[Thinker], timeout: float | None) -> TradingEngine:
    entrants = [
        (t, PaperVenue(PaperVenueConfig(10_000.0), INSTRUMENTS, NextBarOpen())) for t in thinkers
    ]
    return TradingEngine(
        ReplayFeed("1h", {SYMBOL: BARS}, {}), entrants, INSTRUMENTS, RiskLimits(),
        SimClock(int(BARS.ts[0])), decision_timeout_s=timeout,
    )  # fmt: skip


def test_async_participants_are_asked_together_not_one_after_another() -> None:
    thinkers = [Thinker(f"t{n}", 0.2) for n in range(5)]
    engine = engine_for(thinkers, timeout=5.0)
    engine.step(0)
    engine.close()
    spans = [t.spans[0] for t in thinkers]
    assert max(start for start, _ in spans) < min(end for _, end in spans)  # all overlapped
    for entrant in engine.entrants:
        assert len(entrant.ledger.decisions) == 1
        assert entrant.venue.open_orders()  # the entry waits for the next bar's open


def test_a_participant_past_the_deadline_holds_and_the_others_still_trade() -> None:
    quick, slow = Thinker("quick", 0.0), Thinker("slow", 2.0)
    engine = engine_for([quick, slow], timeout=0.2)
    engine.step(0)
    engine.step(1)
    engine.close()
    quick_ledger, slow_ledger = (entrant.ledger for entrant in engine.entrants)
    assert quick_ledger.fills and not slow_ledger.fills
    assert slow_ledger.decisions[0].actions == ()
    assert "missed the 0.2 s deadline: hold" in slow_ledger.decisions[0].reasoning
