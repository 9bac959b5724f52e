"""What the engine tells the participants it asks asynchronously of everyone's standing."""

from __future__ import annotations

from alpha_arena.core.clock import SimClock
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.market import Candles, IntArray
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.engine.participant import Participant, StepView
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import read_candles, sample_instruments
from alpha_arena.risk.limits import RiskLimits
from tests.support.sample import SAMPLE

SYMBOL = "BTC/USDT:USDT"
INSTRUMENTS = {item.symbol: item for item in sample_instruments()}
BARS: Candles = read_candles(SAMPLE / "binance_usdm_BTCUSDT_1h.csv.gz").slice(0, 6)


class Watcher:
    """An async participant that buys BTC with ``notional`` at its first step and remembers
    every view it was given."""

    def __init__(self, name: str, notional: float) -> None:
        self.name = name
        self.notional = notional
        self.views: list[StepView] = []

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        return None

    def decide(self, view: StepView) -> Decision | None:
        raise AssertionError("asked through decide_async")

    async def decide_async(self, view: StepView) -> Decision | None:
        self.views.append(view)
        if len(self.views) > 1 or not self.notional:
            return None
        action = SymbolDecision(SYMBOL, Signal.BUY_TO_ENTER, notional=self.notional, leverage=5)
        return Decision(view.ts, (action,))


class Rule:
    """A synchronous participant (a rule strategy) that never trades."""

    name = "rule"

    def __init__(self) -> None:
        self.views: list[StepView] = []

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        return None

    def decide(self, view: StepView) -> Decision | None:
        self.views.append(view)
        return None


def run(participants: list[Participant]) -> TradingEngine:
    entrants = [
        (p, PaperVenue(PaperVenueConfig(10_000.0), INSTRUMENTS, NextBarOpen()))
        for p in participants
    ]
    engine = TradingEngine(
        ReplayFeed("1h", {SYMBOL: BARS}, {}), entrants, INSTRUMENTS, RiskLimits(),
        SimClock(int(BARS.ts[0])),
    )  # fmt: skip
    engine.run()
    engine.close()
    return engine


def test_async_participants_see_every_entrants_equity_as_recorded_at_that_step() -> None:
    bold, flat, rule = Watcher("bold", 20_000.0), Watcher("flat", 0.0), Rule()
    engine = run([bold, flat, rule])
    ledgers = {entrant.participant.name: entrant.ledger for entrant in engine.entrants}
    assert len(bold.views) == len(BARS)
    for step, view in enumerate(bold.views):
        assert [name for name, _ in view.equities] == ["bold", "flat", "rule"]
        for name, equity in view.equities:
            assert equity == ledgers[name].equity[step]  # what the leaderboard reads
        assert flat.views[step].equities == view.equities  # one snapshot for everyone
    moved = {view.equities[0][1] for view in bold.views[2:]}
    assert len(moved) > 1 and 10_000.0 not in moved  # bold's position moves its equity
    assert all(equity == 10_000.0 for view in bold.views for _, equity in view.equities[1:])


def test_rule_strategies_asked_inline_get_no_standings() -> None:
    rule = Rule()
    run([Watcher("llm", 0.0), rule])
    assert rule.views and all(view.equities == () for view in rule.views)


def test_a_participant_alone_sees_only_itself() -> None:
    alone = Watcher("alone", 0.0)
    run([alone])
    assert [view.equities for view in alone.views] == [(("alone", 10_000.0),)] * len(BARS)
