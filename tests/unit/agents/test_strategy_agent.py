"""Strategy sizing through the one engine, on a small synthetic market: an entry sized by
``Sizing`` fits margin plus its taker fee in cash at every leverage and fee, so the risk check
approves it and the venue fills it whole; a flip leaves room for the close's fee; exits are
fractions of the fill price, not levels computed from the signal bar's close."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.agents.strategy_agent import Sizing, StrategyAgent, target_actions
from alpha_arena.core.clock import SimClock
from alpha_arena.domain.decisions import Signal
from alpha_arena.domain.market import Candles, FloatArray
from alpha_arena.domain.orders import OrderAction
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.engine.ledger import Ledger
from alpha_arena.engine.participant import StepView
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import sample_instruments
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import Strategy, StrategyInput, StrategyParams

SYMBOL = "BTC/USDT:USDT"  # max leverage 125, taker fee 0.05%, 0.001 BTC step
INSTRUMENTS = {item.symbol: item for item in sample_instruments() if item.symbol == SYMBOL}
T0 = 1_722_470_400_000  # 2024-08-01T00:00:00Z
HOUR = 3_600_000
CAPITAL = 10_000.0
PRICE = 60_000.0


@dataclass(frozen=True, slots=True)
class _NoParams(StrategyParams):
    pass


class Flip(Strategy):
    """Long for the first half of the bars, short for the rest."""

    name = "flip"
    params_type = _NoParams

    def targets(self, data: StrategyInput) -> FloatArray:
        half = len(data.candles) // 2
        return np.where(np.arange(len(data.candles)) < half, 1.0, -1.0)


def flat_market(bars: int) -> Candles:
    """Hourly bars that never move: every open is the previous close."""
    price = np.full(bars, PRICE)
    ts = T0 + HOUR * np.arange(bars, dtype=np.int64)
    return Candles(ts, price, price, price, price, np.ones(bars))


def run(
    strategy: Strategy,
    sizing: Sizing,
    *,
    fee_rate: float | None = None,
    max_leverage: float = 125.0,
    bars: int = 6,
) -> tuple[Ledger, PaperVenue]:
    candles = flat_market(bars)
    inputs = {SYMBOL: StrategyInput(SYMBOL, "1h", candles, np.full(bars, np.nan))}
    agent = StrategyAgent("agent", strategy, inputs, sizing)
    venue = PaperVenue(PaperVenueConfig(CAPITAL, 0.0, fee_rate), INSTRUMENTS, NextBarOpen())
    engine = TradingEngine(
        ReplayFeed("1h", {SYMBOL: candles}, {}), [(agent, venue)], INSTRUMENTS,
        RiskLimits(max_leverage=max_leverage), SimClock(T0),
    )  # fmt: skip
    return engine.run()["agent"], venue


def assert_filled_whole(ledger: Ledger) -> None:
    """Every order filled as sent: no denial, no shrinking at the fill."""
    assert [event for event in ledger.risk_events if not event.approved] == []
    fills = [event for event in ledger.order_events if event.action is OrderAction.FILL]
    assert len(fills) == len(ledger.orders) > 0
    for event in fills:
        assert event.quantity == ledger.orders[event.client_order_id].quantity
        assert event.reason == ""


def test_sizing_commits_the_equity_less_the_reserve_to_margin_plus_fee() -> None:
    sizing = Sizing(leverage=25.0, fee_rate=0.0005)
    # 9,900 x 25 / (1 + 25 x 0.0005) = 244,444.44: margin 9,777.78 + fee 122.22 = 9,900
    notional = sizing.notional(CAPITAL, 1.0, 1.0)
    assert notional == pytest.approx(244_444.444, abs=1e-3)
    assert notional / 25 + notional * 0.0005 == pytest.approx(9_900.0)
    assert sizing.notional(CAPITAL, -0.5, 0.5) == pytest.approx(notional / 4)


def test_leverage_25_trades_with_margin_and_fee_within_cash() -> None:
    # Sized as 9,900 x 25 = 247,500 without the fee, the entry needed 9,900 of margin + 123.75
    # of fee: more than the 10,000 of cash, so every entry above ~20x was denied.
    ledger, venue = run(registry.create("buy_and_hold"), Sizing(25.0, fee_rate=0.0005))

    assert_filled_whole(ledger)
    [fill] = ledger.fills
    assert fill.quantity == pytest.approx(4.074)  # 244,444.44 / 60,000, on the 0.001 step
    position = venue.positions()[SYMBOL]
    assert position.leverage == 25.0
    assert position.margin + fill.fee == pytest.approx(4.074 * PRICE * (1 / 25 + 0.0005))
    assert position.margin + fill.fee <= CAPITAL and venue.cash >= 0.0


@settings(max_examples=60, deadline=None)
@given(leverage=st.floats(1.0, 125.0), fee=st.floats(0.0, 0.01))
def test_first_entry_is_approved_and_filled_whole_at_any_leverage_and_fee(
    leverage: float, fee: float
) -> None:
    ledger, venue = run(
        registry.create("buy_and_hold"), Sizing(leverage, fee_rate=fee), fee_rate=fee
    )

    assert_filled_whole(ledger)
    [fill] = ledger.fills
    margin = venue.positions()[SYMBOL].margin
    assert margin + fill.fee <= CAPITAL * (1 - 0.01) * (1 + 1e-9)
    assert venue.cash >= 0.0


@pytest.mark.parametrize("leverage", [1.0, 20.0, 50.0])
def test_a_flip_leaves_room_for_the_fee_of_the_close(leverage: float) -> None:
    # At 50x the close's fee is 50 x 0.05% = 2.5% of the equity: more than the 1% reserve,
    # so the entry after it must be sized on the equity the close leaves.
    ledger, _ = run(Flip(_NoParams()), Sizing(leverage, fee_rate=0.0005), bars=6)

    assert_filled_whole(ledger)
    assert [fill.tag for fill in ledger.fills] == ["entry", "close", "entry"]


def test_exits_are_fractions_of_the_fill_not_levels_from_the_signal_close() -> None:
    view = StepView(0, T0, {SYMBOL: 0}, CAPITAL, CAPITAL, {})
    sizing = Sizing(2.0, stop_loss=0.05, take_profit=0.1, fee_rate=0.0005)

    [action] = target_actions(view, SYMBOL, PRICE, 1.0, sizing, 1.0, "why")

    assert action.signal is Signal.BUY_TO_ENTER
    assert (action.stop_loss, action.take_profit) == (None, None)
    assert (action.stop_loss_fraction, action.take_profit_fraction) == (0.05, 0.1)
