"""Cross margin and hedge mode in the paper venue, on cases computed by hand (the random-path
properties of every mode are in test_paper_venue). Fees are off where they would only blur
the arithmetic; the maintenance margin rate is 0.004 throughout."""

from __future__ import annotations

import pytest

from alpha_arena.domain.orders import Order, OrderStatus, OrderType, Side
from alpha_arena.domain.positions import (
    ExitPlan,
    MarginMode,
    PositionMode,
    held_position,
    position_key,
    positions_in,
)
from alpha_arena.execution.paper import LatestPrice, PaperVenue, PaperVenueConfig
from tests.unit.execution.test_paper_venue import BTC, ETH, INSTRUMENTS, MMR, at

BUY, SELL = Side.BUY, Side.SELL
LONG, SHORT = position_key(BTC, True, True), position_key(BTC, False, True)


def venue_of(
    cash: float,
    margin_mode: MarginMode = MarginMode.ISOLATED,
    position_mode: PositionMode = PositionMode.NET,
    fee_rate: float = 0.0,
) -> PaperVenue:
    config = PaperVenueConfig(cash, 0.0, fee_rate, margin_mode, position_mode)
    return PaperVenue(config, INSTRUMENTS, LatestPrice())


def order(
    cid: str,
    side: Side,
    quantity: float,
    symbol: str = BTC,
    *,
    leverage: float = 1.0,
    reduce_only: bool = False,
) -> Order:
    return Order(cid, symbol, side, OrderType.MARKET, quantity, at(0), reduce_only=reduce_only,
                 leverage=leverage)  # fmt: skip


# -- cross margin ---------------------------------------------------------------------------------


def two_positions(margin_mode: MarginMode) -> PaperVenue:
    """150 of cash, all of it margin: a BTC long of 10 at 100 (10x: margin 100) and an ETH
    short of 10 at 50 (10x: margin 50)."""
    venue = venue_of(150.0, margin_mode)
    venue.set_mark(BTC, 100.0)
    venue.set_mark(ETH, 50.0)
    venue.submit(order("btc", BUY, 10, leverage=10), at(0))
    venue.submit(order("eth", SELL, 10, ETH, leverage=10), at(0))
    assert venue.cash == 0.0
    venue.drain()
    return venue


def test_cross_margin_liquidates_the_account_where_isolated_liquidates_one_position() -> None:
    """By hand, maintenance rate r = 0.004, no fees; cash 0, BTC long 10 @ 100 (margin 100),
    ETH short 10 @ 50 (margin 50).

    Bar 1, BTC falls to a low of 88 (close 89):
    - isolated: the long's level is (q e - m) / (q (1 - r)) = (1000 - 100) / 9.96 = 90.361446;
      88 reaches it: the long closes there, realizing 10 x (90.361446 - 100) = -96.385542 and
      paying the rest of its margin, 100 - 96.385542 = 3.614458 (= r x 10 x 90.361446), as
      the liquidation fee. The ETH short is untouched: equity 50.
    - cross: equity is 0 + 150 + 10 (p - 100) + 0 = 10 p - 850, the requirement
      0.004 x 10 x 50 + 0.004 x 10 p = 2 + 0.04 p; they meet at p = 852 / 9.96 = 85.542169,
      below the low: the account lives on. At the close of 89: equity 40, requirement 5.56.

    Bar 2, ETH rises to a high of 54 (close 52), BTC at its mark 89:
    - cross: equity 150 - 110 - 10 (p - 50) = 540 - 10 p, requirement 3.56 + 0.04 p; they
      meet rising at p = 536.44 / 10.04 = 53.430279 <= 54: the account is liquidated. The
      ETH short closes at 53.430279 (realized -34.302789), the BTC long at its mark 89
      (realized -110); the equity left, 40 - 34.302789 = 5.697211, is exactly the
      requirement there and goes as the liquidation fee: 0.004 x 890 = 3.56 on BTC and
      0.004 x 534.302789 = 2.137211 on ETH. Nothing is left.
    - isolated: the short's level is (q e + m) / (q (1 + r)) = 550 / 10.04 = 54.780876,
      above 54: it lives; equity is its margin 50 + its PnL -10 x (52 - 50) = 30."""
    isolated = two_positions(MarginMode.ISOLATED)
    cross = two_positions(MarginMode.CROSS)

    for venue in (isolated, cross):
        venue.on_bar(BTC, at(1), 100.0, 100.0, 88.0, 89.0)
    (fill,) = isolated.drain()[2]
    assert (fill.tag, fill.symbol, fill.price) == ("liquidation", BTC, pytest.approx(90.361446))
    assert fill.realized_pnl == pytest.approx(-96.385542)
    assert fill.fee == pytest.approx(3.614458)
    assert list(isolated.positions()) == [ETH]
    assert isolated.equity() == pytest.approx(50.0)
    assert cross.drain()[2] == []
    assert cross.liquidation_price(BTC) == pytest.approx(85.542169)
    assert cross.equity() == pytest.approx(40.0)

    for venue in (isolated, cross):
        venue.on_bar(ETH, at(2), 50.0, 54.0, 50.0, 52.0)
    assert isolated.drain()[2] == []
    assert isolated.equity() == pytest.approx(30.0)
    btc, eth = cross.drain()[2]
    assert (btc.symbol, btc.side, btc.quantity, btc.price) == (BTC, SELL, 10.0, 89.0)
    assert (btc.realized_pnl, btc.fee) == (pytest.approx(-110.0), pytest.approx(3.56))
    assert (eth.symbol, eth.side, eth.price) == (ETH, BUY, pytest.approx(53.430279))
    assert (eth.realized_pnl, eth.fee) == (pytest.approx(-34.302789), pytest.approx(2.137211))
    assert btc.tag == eth.tag == "liquidation"
    assert cross.positions() == {}
    assert cross.cash == 0.0
    assert cross.equity() == 0.0
    assert cross.realized_pnl == pytest.approx(-144.302789)
    assert cross.fees == pytest.approx(5.697211)


def test_cross_margin_loss_beyond_a_positions_margin_is_paid_by_the_account() -> None:
    """Cash 1,000, no fees; a 10x long of 10 BTC at 100 holds margin 100 (cash 900). Closed at
    85: isolated realizes at most its margin (-100; the position would have been liquidated at
    90.36 on a bar); cross realizes the whole -150, paid from cash: 900 + 100 - 150 = 850."""
    for mode, realized, cash in ((MarginMode.ISOLATED, -100.0, 900.0),
                                 (MarginMode.CROSS, -150.0, 850.0)):  # fmt: skip
        venue = venue_of(1_000.0, mode)
        venue.set_mark(BTC, 100.0)
        venue.submit(order("open", BUY, 10, leverage=10), at(0))
        venue.set_mark(BTC, 85.0)
        venue.submit(order("close", SELL, 10, reduce_only=True), at(0))
        fill = venue.drain()[2][-1]
        assert fill.realized_pnl == pytest.approx(realized)
        assert venue.cash == pytest.approx(cash)
        assert venue.positions() == {}


def test_cross_margin_loss_beyond_free_cash_comes_out_of_the_other_positions_margin() -> None:
    """Cash 150, all margin (BTC long 10 @ 100 10x: 100, ETH short 10 @ 50 10x: 50). The long
    closes at 88 (no bar in between): it realizes -120, 20 more than its margin, and there is
    no free cash: the ETH short's margin pays the 20 (50 -> 30); equity 150 - 120 = 30."""
    venue = two_positions(MarginMode.CROSS)
    venue.set_mark(BTC, 88.0)
    venue.submit(order("close", SELL, 10, reduce_only=True), at(0))
    assert venue.drain()[2][-1].realized_pnl == pytest.approx(-120.0)
    assert venue.cash == 0.0
    assert venue.positions()[ETH].margin == pytest.approx(30.0)
    assert venue.equity() == pytest.approx(30.0)  # 150 - 120 at the ETH mark of 50


# -- hedge mode -----------------------------------------------------------------------------------


def test_hedge_mode_holds_a_long_and_a_short_of_one_coin_with_their_own_fees_and_pnl() -> None:
    """Fee 0.1% of the notional, 1x. At 100: buy 2 (the long: margin 200, fee 0.2), sell 1
    (the short, not a reduction: margin 100, fee 0.1); cash 10,000 - 300.3 = 9,699.7. At 110
    the long is up 20 and the short down 10: equity 9,699.7 + 300 + 10 = 10,009.7. Closing
    the long (reduce-only sell 2: +20, fee 0.22) leaves the short as it was; closing the short
    (reduce-only buy 1: -10, fee 0.11) ends with 10,000 + 20 - 10 - 0.63 = 10,009.37.
    The same orders in net mode net out: a long of 1 at 100."""
    venue = venue_of(10_000.0, position_mode=PositionMode.LONG_SHORT, fee_rate=0.001)
    venue.set_mark(BTC, 100.0)
    venue.submit(order("long", BUY, 2), at(0))
    venue.submit(order("short", SELL, 1), at(0))
    positions = venue.positions()
    assert set(positions) == {LONG, SHORT}
    assert (positions[LONG].quantity, positions[SHORT].quantity) == (2.0, -1.0)
    assert positions_in(positions, BTC) == [positions[LONG], positions[SHORT]]
    assert held_position(positions, BTC, long=False) is positions[SHORT]
    assert venue.cash == pytest.approx(9_699.7)
    venue.set_mark(BTC, 110.0)
    assert venue.equity() == pytest.approx(10_009.7)
    assert venue.valuation()[1] == pytest.approx(330.0)  # gross: both sides count

    venue.submit(order("close-long", SELL, 2, reduce_only=True), at(0))
    assert list(venue.positions()) == [SHORT]
    venue.submit(order("close-short", BUY, 1, reduce_only=True), at(0))
    fills = venue.drain()[2]
    assert [(f.realized_pnl, f.fee) for f in fills] == [
        (0.0, pytest.approx(0.2)), (0.0, pytest.approx(0.1)),
        (pytest.approx(20.0), pytest.approx(0.22)), (pytest.approx(-10.0), pytest.approx(0.11)),
    ]  # fmt: skip
    assert venue.positions() == {}
    assert venue.cash == pytest.approx(10_009.37)
    assert venue.realized_pnl == pytest.approx(10.0)
    assert venue.fees == pytest.approx(0.63)

    net = venue_of(10_000.0, fee_rate=0.001)
    net.set_mark(BTC, 100.0)
    net.submit(order("long", BUY, 2), at(0))
    net.submit(order("short", SELL, 1), at(0))
    assert {key: p.quantity for key, p in net.positions().items()} == {BTC: 1.0}


def test_hedge_mode_reduce_only_closes_the_side_it_names_or_is_rejected() -> None:
    """A reduce-only buy closes the short: with only a long held, there is nothing to reduce."""
    venue = venue_of(10_000.0, position_mode=PositionMode.LONG_SHORT)
    venue.set_mark(BTC, 100.0)
    venue.submit(order("long", BUY, 1), at(0))
    rejected = venue.submit(order("cover", BUY, 1, reduce_only=True), at(0))
    assert rejected.status is OrderStatus.REJECTED
    assert list(venue.positions()) == [LONG]


def test_hedge_mode_exits_guard_their_own_side() -> None:
    """A long of 1 at 100 with a stop at 95 and a short of 1 at 100 with a stop at 106. A bar
    falling to 94 (high 101) stops the long out at 95 (-5) and leaves the short alone, its
    stop still resting; the long's stop is gone with it."""
    venue = venue_of(10_000.0, position_mode=PositionMode.LONG_SHORT)
    venue.set_mark(BTC, 100.0)
    venue.submit(order("long", BUY, 1), at(0), ExitPlan(stop_loss=95.0))
    venue.submit(order("short", SELL, 1), at(0), ExitPlan(stop_loss=106.0))
    venue.drain()
    venue.on_bar(BTC, at(1), 100.0, 101.0, 94.0, 97.0)
    (fill,) = venue.drain()[2]
    assert (fill.client_order_id, fill.side, fill.price) == ("long-stop_loss", SELL, 95.0)
    assert fill.realized_pnl == pytest.approx(-5.0)
    assert list(venue.positions()) == [SHORT]
    assert [o.client_order_id for o in venue.open_orders()] == ["short-stop_loss"]


def test_hedge_mode_liquidates_each_side_on_its_own_margin_and_funds_both() -> None:
    """10x, a long of 2 (margin 20) and a short of 1 (margin 10) at 100. Funding at 0.01% on
    a mark of 100: the long pays 2 x 100 x 0.0001 = 0.02, the short receives 0.01: -0.01 in
    all. The long's level is (200 - 20) / (2 x 0.996) = 90.361446; a bar to 90 liquidates it
    (fee 0.004 x 2 x 90.361446) and leaves the short, up 1 x (100 - 90) = 10 at the close."""
    venue = venue_of(10_000.0, position_mode=PositionMode.LONG_SHORT)
    venue.set_mark(BTC, 100.0)
    venue.submit(order("long", BUY, 2, leverage=10), at(0))
    venue.submit(order("short", SELL, 1, leverage=10), at(0))
    assert venue.settle_funding(BTC, at(0), 0.0001, 100.0) == pytest.approx(-0.01)
    assert venue.funding == pytest.approx(-0.01)
    venue.drain()
    venue.on_bar(BTC, at(1), 100.0, 100.0, 90.0, 90.0)
    (fill,) = venue.drain()[2]
    assert fill.client_order_id == f"liquidation-{BTC}-{at(1)}-long"
    assert fill.price == pytest.approx(90.361446)
    assert fill.fee == pytest.approx(MMR * 2 * 90.361446)
    assert list(venue.positions()) == [SHORT]
    assert venue.account(at(1)).unrealized_pnl == pytest.approx(10.0)
