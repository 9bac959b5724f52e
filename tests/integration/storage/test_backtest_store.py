"""The backtest store on both databases: an order's final state is replayed from its events, so
an entry the venue shrank at the fill is stored filled with what it executed; the denial counts
are stored with the run."""

from __future__ import annotations

import pytest

from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.orders import Order, OrderType, Side
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import sample_instruments
from alpha_arena.services.context import AppContext
from alpha_arena.storage.backtest_store import BacktestRecord, BacktestStore

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
