"""A limit entry's own take-profit limit (a grid rung's sell one level up), by hand: when the
entry fills, a reduce-only limit for exactly the quantity it filled rests at the level, so two
rungs stacked in one position each sell their own quantity; the position's plan is left alone;
a bar that dips to the entry and comes back to the level fills both."""

from __future__ import annotations

import pytest

from alpha_arena.domain.orders import Order, OrderType
from alpha_arena.domain.positions import ExitPlan
from tests.unit.execution.test_paper_venue import BTC, BUY, MAKER, SELL, at, bar, make_venue


def rung(cid: str, price: float, quantity: float) -> Order:
    return Order(cid, BTC, BUY, OrderType.LIMIT, quantity, at(0), price, tag="entry")


def test_each_rung_sells_its_own_quantity_one_level_up() -> None:
    venue = make_venue()
    bar(venue, 0, 102, 102, 102, 102)
    venue.submit(rung("a", 100.0, 1.0), at(0), ExitPlan(take_profit_limit=105.0))
    venue.submit(rung("b", 95.0, 2.0), at(0), ExitPlan(take_profit_limit=100.0))
    bar(venue, 1, 101, 101, 99, 99.5)  # a buys at 100
    bar(venue, 2, 99, 99.5, 94, 96)  # b buys at 95; the high stays below 100
    resting = sorted(
        (o.client_order_id, o.side, o.type, o.price, o.quantity, o.reduce_only)
        for o in venue.open_orders()
    )
    assert resting == [
        ("a-take_profit", SELL, OrderType.LIMIT, 105.0, 1.0, True),
        ("b-take_profit", SELL, OrderType.LIMIT, 100.0, 2.0, True),
    ]
    position = venue.positions()[BTC]
    assert position.quantity == 3.0
    assert position.exit_plan == ExitPlan()  # the rungs' take-profits are not the position's
    bar(venue, 3, 96, 101, 95.5, 100.5)  # up through 100: b's two sell, a's one stays
    (fill,) = venue.drain()[2][-1:]
    assert (fill.client_order_id, fill.quantity, fill.price) == ("b-take_profit", 2.0, 100.0)
    # Booked against the average entry (1 x 100 + 2 x 95) / 3 = 96.666…: 2 x 3.333… = 6.666…
    assert fill.realized_pnl == pytest.approx(2 * (100 - 290 / 3))
    assert fill.fee == pytest.approx(2 * 100 * MAKER)
    assert [o.client_order_id for o in venue.open_orders()] == ["a-take_profit"]
    assert venue.positions()[BTC].quantity == 1.0


def test_a_bar_that_dips_to_the_rung_and_comes_back_buys_and_sells_it() -> None:
    venue = make_venue()
    bar(venue, 0, 102, 102, 102, 102)
    venue.submit(rung("a", 100.0, 1.0), at(0), ExitPlan(take_profit_limit=105.0))
    bar(venue, 1, 101, 106, 99, 104)  # open, low (buys at 100), high (sells at 105), close
    fills = [(f.client_order_id, f.side, f.price) for f in venue.drain()[2]]
    assert fills == [("a", BUY, 100.0), ("a-take_profit", SELL, 105.0)]
    assert BTC not in venue.positions() and venue.open_orders() == []
    assert venue.cash == pytest.approx(10_000 + 5 - (100 + 105) * MAKER)
