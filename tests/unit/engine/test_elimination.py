"""Elimination in the engine, on a small synthetic market: an account whose equity at a step's
close is at or below the floor has its orders canceled and its positions closed there, and is
asked for nothing more; its equity stays put while the market moves on."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.core.clock import SimClock
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.market import Candles, IntArray
from alpha_arena.domain.orders import OrderAction, OrderType, Side
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.engine.participant import StepView
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import sample_instruments
from alpha_arena.risk.limits import RiskLimits

SYMBOL = "BTC/USDT:USDT"
INSTRUMENTS = {item.symbol: item for item in sample_instruments()}
T0 = 1_722_470_400_000  # 2024-08-01T00:00:00Z
HOUR = 3_600_000
CAPITAL = 10_000.0
FLOOR = 5_000.0
FEE = 0.0005


def bars(closes: list[float], lows: list[float] | None = None) -> Candles:
    """Hourly bars opening at the previous close (the first at its own close)."""
    close = np.array(closes, dtype=np.float64)
    open_ = np.concatenate(([close[0]], close[:-1]))
    low = np.minimum(open_, close) if lows is None else np.array(lows, dtype=np.float64)
    high = np.maximum(open_, close)
    ts = T0 + HOUR * np.arange(len(close), dtype=np.int64)
    return Candles(ts, open_, high, low, close, np.ones_like(close))


# 20x long from 60 000 (filled at bar 1's open): -1% at bar 2's close leaves ~7 900 of equity,
# -3% at bar 3's close ~3 960, below the floor; the liquidation price (~57 230) is never
# touched. Then the market recovers.
CRASH = [60_000.0, 60_000.0, 59_400.0, 58_200.0, 59_000.0, 61_000.0, 62_000.0, 63_000.0]
ELIMINATED_STEP = 3


class Trader:
    """Asked at every step (or only at ``steps``); enters long once at ``leverage``, with a
    stop-loss far below (a resting order) unless ``stop_loss`` is None, then holds. Records
    every step it is asked at."""

    def __init__(
        self,
        name: str,
        leverage: float,
        steps: list[int] | None = None,
        enter: bool = True,
        stop_loss: float | None = 30_000.0,
    ) -> None:
        self.name = name
        self.leverage = leverage
        self.steps = steps
        self.enter = enter
        self.stop_loss = stop_loss
        self.asked: list[int] = []

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        return None if self.steps is None else np.array(self.steps, dtype=np.int64)

    def decide(self, view: StepView) -> Decision | None:
        self.asked.append(view.step)
        if not self.enter or view.positions or len(self.asked) > 1:
            return None
        notional = view.equity * 0.99 * self.leverage
        action = SymbolDecision(
            SYMBOL, Signal.BUY_TO_ENTER, notional=notional, leverage=self.leverage,
            stop_loss=self.stop_loss,
        )  # fmt: skip
        return Decision(view.ts, (action,))


def engine(
    traders: list[Trader],
    candles: Candles,
    floor: float | None = FLOOR,
    fast_forward: bool = False,
) -> TradingEngine:
    venues = [
        PaperVenue(PaperVenueConfig(CAPITAL, 0.0, FEE), INSTRUMENTS, NextBarOpen()) for _ in traders
    ]
    return TradingEngine(
        ReplayFeed("1h", {SYMBOL: candles}, {}), list(zip(traders, venues, strict=True)),
        INSTRUMENTS, RiskLimits(max_leverage=50), SimClock(int(candles.ts[0])),
        fast_forward=fast_forward, elimination_equity=floor,
    )  # fmt: skip


def test_an_account_below_the_floor_is_closed_out_at_the_close_and_frozen() -> None:
    gambler, steady = Trader("gambler", 20.0), Trader("steady", 1.0)
    run = engine([gambler, steady], bars(CRASH))

    run.run()

    eliminated, survivor = run.entrants
    ledger = eliminated.ledger
    closed_at = T0 + (ELIMINATED_STEP + 1) * HOUR
    assert (eliminated.active, ledger.eliminated_at) == (False, closed_at)
    assert ledger.equity[ELIMINATED_STEP - 1] > FLOOR >= ledger.equity[ELIMINATED_STEP]
    # The position was closed at the close's mark (no slippage here), one taker fill.
    entry, close = ledger.fills
    assert (entry.tag, entry.side, entry.ts, entry.price) == ("entry", Side.BUY, T0 + HOUR, 60_000)
    assert (close.tag, close.side, close.ts) == ("elimination", Side.SELL, closed_at)
    assert close.price == CRASH[ELIMINATED_STEP]
    assert close.quantity == entry.quantity
    assert close.fee == pytest.approx(close.quantity * close.price * FEE)
    # The resting stop-loss was canceled for the elimination, the close is a reduce-only order.
    canceled = [e for e in ledger.order_events if e.action is OrderAction.CANCEL]
    assert [(e.ts, e.reason) for e in canceled] == [(closed_at, "elimination")]
    assert ledger.orders[canceled[0].client_order_id].type is OrderType.STOP_MARKET
    assert ledger.orders[close.client_order_id].reduce_only
    assert not eliminated.venue.positions()
    assert not eliminated.venue.open_orders()
    # Frozen: equity and cash constant from the elimination on, nothing held, never asked again.
    after = ledger.equity[ELIMINATED_STEP:]
    assert after == [after[0]] * len(after)
    assert ledger.cash[ELIMINATED_STEP:] == after
    assert ledger.exposure[ELIMINATED_STEP:] == [0.0] * len(after)
    assert after[0] == pytest.approx(
        CAPITAL + sum(fill.realized_pnl - fill.fee for fill in ledger.fills), abs=1e-6
    )
    assert gambler.asked == list(range(ELIMINATED_STEP + 1))
    assert len(ledger.decisions) == 1
    # The 1x account on the same market lives on, is asked at every step and gains back.
    assert (survivor.active, survivor.ledger.eliminated_at) == (True, None)
    assert steady.asked == list(range(len(CRASH)))
    assert survivor.ledger.equity[-1] > survivor.ledger.equity[ELIMINATED_STEP]
    assert [fill.tag for fill in survivor.ledger.fills] == ["entry"]


def test_without_a_floor_the_same_account_keeps_its_position() -> None:
    gambler = Trader("gambler", 20.0)
    run = engine([gambler], bars(CRASH), floor=None)

    run.run()

    (entrant,) = run.entrants
    assert (entrant.active, entrant.ledger.eliminated_at) == (True, None)
    assert SYMBOL in entrant.venue.positions()
    assert [fill.tag for fill in entrant.ledger.fills] == ["entry"]
    assert gambler.asked == list(range(len(CRASH)))
    assert min(entrant.ledger.equity) <= FLOOR < entrant.ledger.equity[-1]


def test_equity_exactly_at_the_floor_eliminates_and_just_above_does_not() -> None:
    flat = [60_000.0] * 4
    at, above = Trader("at", 1.0, enter=False), Trader("above", 1.0, enter=False)
    at_floor = engine([at], bars(flat), floor=CAPITAL)
    below_floor = engine([above], bars(flat), floor=CAPITAL - 0.01)

    at_floor.run()
    below_floor.run()

    (eliminated,) = at_floor.entrants
    assert (eliminated.active, eliminated.ledger.eliminated_at) == (False, T0 + HOUR)
    assert eliminated.ledger.fills == []  # nothing to close
    assert eliminated.ledger.equity == [CAPITAL] * len(flat)
    assert at.asked == [0]  # asked at the first step, before that step's close eliminated it
    (alive,) = below_floor.entrants
    assert (alive.active, alive.ledger.eliminated_at) == (True, None)
    assert above.asked == list(range(len(flat)))


def test_a_liquidation_that_leaves_equity_below_the_floor_eliminates_at_that_close() -> None:
    closes = [60_000.0, 60_000.0, 59_000.0, 58_000.0, 60_000.0, 61_000.0]
    lows = [60_000.0, 60_000.0, 59_000.0, 56_000.0, 58_000.0, 60_000.0]  # 56 000 < liquidation
    gambler = Trader("gambler", 20.0)
    run = engine([gambler], bars(closes, lows))

    run.run()

    (entrant,) = run.entrants
    ledger = entrant.ledger
    assert [fill.tag for fill in ledger.fills] == ["entry", "liquidation"]
    liquidation = ledger.fills[-1]
    assert liquidation.ts == T0 + 3 * HOUR  # inside the bar that opened at step 3
    assert ledger.eliminated_at == T0 + 4 * HOUR  # at that bar's close
    assert not entrant.active
    assert ledger.equity[2] > FLOOR >= ledger.equity[3]
    assert ledger.equity[3:] == [ledger.equity[3]] * (len(closes) - 3)
    assert gambler.asked == [0, 1, 2, 3]


def test_fast_forwarding_quiet_spans_never_skips_an_elimination() -> None:
    # A participant that announces its only decision step and holds no order would let the
    # engine record the quiet hold in spans; with an elimination floor every close counts.
    closes = [60_000.0] * 150 + [58_200.0] * 50
    gambler = Trader("gambler", 20.0, steps=[0], stop_loss=None)
    run = engine([gambler], bars(closes), fast_forward=True)

    run.run()

    (entrant,) = run.entrants
    assert entrant.ledger.eliminated_at == T0 + 151 * HOUR
    assert [fill.tag for fill in entrant.ledger.fills] == ["entry", "elimination"]
    assert len(entrant.ledger.equity) == len(closes)
    assert entrant.ledger.equity[149] > FLOOR >= entrant.ledger.equity[150]
