"""The backtest store on every database: an order's final state is replayed from its events, so
an entry the venue shrank at the fill is stored filled with what it executed; the denial counts
are stored with the run, and its decisions, position path and risk events as given."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.orders import Order, OrderType, Side
from alpha_arena.domain.positions import ExitPlan, Position
from alpha_arena.engine.ledger import PositionChange, RiskEvent
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import sample_instruments
from alpha_arena.services.context import AppContext
from alpha_arena.storage.backtest_store import BacktestRecord, BacktestStore
from alpha_arena.storage.tables import (
    BacktestDecisionRow,
    BacktestPositionRow,
    BacktestRiskEventRow,
)

BTC = "BTC/USDT:USDT"
INSTRUMENTS = {item.symbol: item for item in sample_instruments() if item.symbol == BTC}
T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z


def record(venue: PaperVenue, denials: dict[str, int]) -> BacktestRecord:
    orders, events, fills = venue.drain()
    fees = {fill.client_order_id: fill.fee for fill in fills}
    return BacktestRecord(
        strategy="scripted", symbols=[BTC], timeframe="1h", ts_start=T0, ts_end=T0 + 2 * HOUR_MS,
        bars=2, config={}, metrics={"trade_count": 1}, equity_ts=[], equity=[], cash=[],
        exposure=[], trades=[], orders={order.client_order_id: order for order in orders},
        order_events=events, fees_by_order=fees, denials=denials,
    )  # fmt: skip


def test_an_entry_shrunk_at_the_fill_is_stored_filled_with_what_it_executed(
    context: AppContext,
) -> None:
    venue = PaperVenue(PaperVenueConfig(1_000.0), INSTRUMENTS, NextBarOpen())
    venue.on_bar(BTC, T0, 100.0, 100.0, 100.0, 100.0)
    entry = Order("big", BTC, Side.BUY, OrderType.MARKET, 20.0, T0 + HOUR_MS, tag="entry")
    venue.submit(entry, T0 + HOUR_MS)
    venue.on_bar(BTC, T0 + HOUR_MS, 100.0, 100.0, 100.0, 100.0)  # 1,000 affords 9.995

    store = BacktestStore(context.engine)
    run_id = store.save(record(venue, {"margin": 2, "min_notional": 1}), T0)

    [row] = store.orders(run_id)
    assert (row["status"], row["quantity"]) == ("filled", 20.0)  # not "canceled" with a fill
    assert row["filled_quantity"] == pytest.approx(9.995)
    assert row["average_price"] == 100.0
    assert row["reason"] == "shrunk to what free cash affords: 9.995 of 20 executed"
    assert store.get(run_id).denials == {"margin": 2, "min_notional": 1}


def test_decisions_positions_and_risk_events_are_stored_as_given(context: AppContext) -> None:
    entry = SymbolDecision(
        BTC, Signal.BUY_TO_ENTER, notional=990.0, justification="ema_trend: up -> long",
        stop_loss_fraction=0.02, take_profit_fraction=0.03,
    )  # fmt: skip
    close = SymbolDecision(BTC, Signal.CLOSE, justification="ema_trend: down -> short")
    held = Position(BTC, 0.01, 100_000.0, 1_000.0, 1.0, 0.004, T0, ExitPlan(103_000.0, 98_000.0))
    denied = RiskEvent(T0 + HOUR_MS, BTC, entry, False, "too small", rule="min_notional")
    clamped = RiskEvent(T0, BTC, entry, True, "", ("leverage 2 clamped to 1",))
    venue = PaperVenue(PaperVenueConfig(1_000.0), INSTRUMENTS, NextBarOpen())
    base = record(venue, {"min_notional": 1})
    stored = replace(
        base,
        decisions=[Decision(T0, (entry,)), Decision(T0 + HOUR_MS, (close,))],
        targets={(T0, BTC): 1.0, (T0 + HOUR_MS, BTC): -1.0},
        positions=[
            PositionChange(T0, BTC, held, "entry"),
            PositionChange(T0 + HOUR_MS, BTC, None, "stop_loss"),
        ],
        risk_events=[clamped, denied],
    )

    store = BacktestStore(context.engine)
    run_id = store.save(stored, T0)

    assert store.decisions(run_id) == [
        {"seq": 0, "ts": T0, "symbol": BTC, "signal": "buy_to_enter", "target": 1.0,
         "quantity": None, "notional": 990.0, "leverage": 1.0, "stop_loss": None,
         "take_profit": None, "stop_loss_fraction": 0.02, "take_profit_fraction": 0.03,
         "reason": "ema_trend: up -> long"},
        {"seq": 1, "ts": T0 + HOUR_MS, "symbol": BTC, "signal": "close", "target": -1.0,
         "quantity": None, "notional": None, "leverage": 1.0, "stop_loss": None,
         "take_profit": None, "stop_loss_fraction": None, "take_profit_fraction": None,
         "reason": "ema_trend: down -> short"},
    ]  # fmt: skip
    assert store.positions(run_id) == [
        {"seq": 0, "ts": T0, "symbol": BTC, "quantity": 0.01, "entry_price": 100_000.0,
         "margin": 1_000.0, "leverage": 1.0, "stop_loss": 98_000.0, "take_profit": 103_000.0,
         "ts_opened": T0, "tag": "entry"},
        {"seq": 1, "ts": T0 + HOUR_MS, "symbol": BTC, "quantity": 0.0, "entry_price": None,
         "margin": 0.0, "leverage": None, "stop_loss": None, "take_profit": None,
         "ts_opened": None, "tag": "stop_loss"},
    ]  # fmt: skip
    assert store.risk_events(run_id) == [
        {"seq": 0, "ts": T0, "symbol": BTC, "signal": "buy_to_enter", "level": "warn",
         "rule": "", "reason": "", "adjustments": '["leverage 2 clamped to 1"]'},
        {"seq": 1, "ts": T0 + HOUR_MS, "symbol": BTC, "signal": "buy_to_enter",
         "level": "deny", "rule": "min_notional", "reason": "too small", "adjustments": "[]"},
    ]  # fmt: skip
    store.delete(run_id)  # its rows go with it
    with context.engine.connect() as connection:
        for table in (BacktestDecisionRow, BacktestPositionRow, BacktestRiskEventRow):
            count = select(func.count()).select_from(table).where(table.run_id == run_id)
            assert connection.execute(count).scalar_one() == 0
