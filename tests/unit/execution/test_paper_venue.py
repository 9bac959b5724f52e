"""The paper venue, rule by rule (its module docstring states them), on prices simple enough to
check by hand; then properties over random price paths and random orders, in every margin and
position mode: no balance goes negative, every amount is accounted exactly once, and no order
leaves its lifecycle table. (Cross margin and hedge mode by hand: test_paper_margin_modes.)"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.fills import Fill, Liquidity
from alpha_arena.domain.instrument import Instrument, MarketType
from alpha_arena.domain.orders import (
    TRANSITIONS,
    Order,
    OrderAction,
    OrderEvent,
    OrderStatus,
    OrderType,
    Side,
)
from alpha_arena.domain.positions import ExitPlan, MarginMode, PositionMode
from alpha_arena.execution.paper import (
    LatestPrice,
    MarketFillModel,
    NextBarOpen,
    PaperVenue,
    PaperVenueConfig,
)

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
MAKER, TAKER, MMR = 0.0002, 0.0005, 0.004
BUY, SELL = Side.BUY, Side.SELL


def instrument(symbol: str) -> Instrument:
    base = symbol.split("/", maxsplit=1)[0]
    return Instrument(
        exchange="binance", symbol=symbol, market_type=MarketType.SWAP, base=base,
        quote="USDT", settle="USDT", price_tick=0.01, amount_step=0.001, min_amount=0.001,
        min_notional=5.0, max_leverage=125.0, maker_fee=MAKER, taker_fee=TAKER,
        maintenance_margin_rate=MMR,
    )  # fmt: skip


INSTRUMENTS = {BTC: instrument(BTC), ETH: instrument(ETH)}


def make_venue(
    cash: float = 10_000.0,
    slippage_bps: float = 0.0,
    fill_model: MarketFillModel | None = None,
    fee_rate: float | None = None,
    margin_mode: MarginMode = MarginMode.ISOLATED,
    position_mode: PositionMode = PositionMode.NET,
) -> PaperVenue:
    return PaperVenue(
        PaperVenueConfig(cash, slippage_bps, fee_rate, margin_mode, position_mode),
        INSTRUMENTS,
        fill_model or NextBarOpen(),
    )


def at(hour: int) -> int:
    return T0 + hour * HOUR_MS


def bar(venue: PaperVenue, hour: int, o: float, h: float, low: float, c: float) -> None:
    venue.on_bar(BTC, at(hour), o, h, low, c)


def market(
    cid: str,
    side: Side,
    quantity: float,
    *,
    leverage: float = 1.0,
    reduce_only: bool = False,
    hour: int = 0,
) -> Order:
    return Order(cid, BTC, side, OrderType.MARKET, quantity, at(hour), reduce_only=reduce_only,
                 leverage=leverage, tag="close" if reduce_only else "entry")  # fmt: skip


def resting(
    cid: str,
    kind: OrderType,
    side: Side,
    quantity: float,
    level: float,
    *,
    reduce_only: bool = True,
) -> Order:
    if kind is OrderType.LIMIT:
        return Order(cid, BTC, side, kind, quantity, T0, price=level, reduce_only=reduce_only)
    return Order(cid, BTC, side, kind, quantity, T0, trigger_price=level, reduce_only=reduce_only)


def opened(
    side: Side,
    quantity: float = 1.0,
    price: float = 100.0,
    *,
    leverage: float = 1.0,
    exits: ExitPlan | None = None,
    cash: float = 10_000.0,
    slippage_bps: float = 0.0,
    fee_rate: float | None = None,
) -> PaperVenue:
    """A venue holding a position entered at ``price`` (a live paper fill at the mark)."""
    venue = make_venue(cash, slippage_bps, LatestPrice(), fee_rate)
    venue.set_mark(BTC, price)
    venue.submit(market("entry", side, quantity, leverage=leverage), at(0), exits)
    assert BTC in venue.positions()
    venue.drain()
    return venue


def fills_of(venue: PaperVenue) -> list[Fill]:
    return venue.drain()[2]


# -- market orders -------------------------------------------------------------------------------


def test_market_buy_waits_for_the_next_bar_and_fills_at_its_open_plus_slippage() -> None:
    venue = make_venue(slippage_bps=10)
    bar(venue, 0, 100, 101, 99, 100)

    pending = venue.submit(market("b", BUY, 2.0, leverage=5), at(1))
    assert pending.status is OrderStatus.OPEN
    assert fills_of(venue) == []

    bar(venue, 1, 102, 104, 101, 103)

    [fill] = fills_of(venue)
    price = 102 * 1.001  # the open plus 10 bps
    assert (fill.price, fill.quantity, fill.liquidity, fill.ts) == (
        pytest.approx(price),
        2.0,
        Liquidity.TAKER,
        at(1),
    )
    assert fill.fee == pytest.approx(2 * price * TAKER)
    position = venue.positions()[BTC]
    assert (position.quantity, position.entry_price) == (2.0, pytest.approx(price))
    assert position.margin == pytest.approx(2 * price / 5)
    assert venue.cash == pytest.approx(10_000 - 2 * price / 5 - 2 * price * TAKER)
    assert venue.open_orders() == []


def test_market_sell_fills_at_the_next_open_minus_slippage() -> None:
    venue = make_venue(slippage_bps=10)
    bar(venue, 0, 100, 101, 99, 100)
    venue.submit(market("s", SELL, 1.0), at(1))
    bar(venue, 1, 98, 99, 97, 98)

    [fill] = fills_of(venue)
    assert fill.price == pytest.approx(98 * 0.999)
    assert venue.positions()[BTC].quantity == -1.0


def test_live_market_order_fills_at_once_at_the_latest_price() -> None:
    venue = make_venue(slippage_bps=10, fill_model=LatestPrice())
    venue.set_mark(BTC, 100.0)

    done = venue.submit(market("b", BUY, 1.0), at(3))

    assert done.status is OrderStatus.FILLED
    [fill] = fills_of(venue)
    assert (fill.price, fill.ts) == (pytest.approx(100.1), at(3))
    assert fill.fee == pytest.approx(100.1 * TAKER)


def test_live_market_order_without_a_price_waits_for_the_first_bar() -> None:
    venue = make_venue(fill_model=LatestPrice())

    assert venue.submit(market("b", BUY, 1.0), at(0)).status is OrderStatus.OPEN
    bar(venue, 0, 100, 101, 99, 100)

    [fill] = fills_of(venue)
    assert fill.price == 100.0


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (market("r", SELL, 1.0, reduce_only=True), "reduce-only order without an open position"),
        (Order("u", "DOT/USDT:USDT", BUY, OrderType.MARKET, 1.0, T0), "unknown symbol"),
        (market("z", BUY, 0.0), "quantity must be positive"),
        (market("n", BUY, math.nan), "quantity must be positive"),
        (Order("l", BTC, BUY, OrderType.LIMIT, 1.0, T0), "a limit order needs a positive price"),
        (Order("s", BTC, SELL, OrderType.STOP_MARKET, 1.0, T0), "needs a positive trigger"),
        (market("x", BUY, 1.0, leverage=0.0), "leverage must be positive"),
    ],
    ids=[
        "reduce-only-flat",
        "unknown-symbol",
        "zero-qty",
        "nan-qty",
        "limit-no-price",
        "stop-no-trigger",
        "zero-leverage",
    ],
)
def test_invalid_order_is_rejected_with_its_reason(order: Order, reason: str) -> None:
    venue = make_venue()
    bar(venue, 0, 100, 101, 99, 100)

    result = venue.submit(order, at(1))

    assert result.status is OrderStatus.REJECTED
    _, [event], fills = venue.drain()
    assert (event.status_from, event.status_to) == (OrderStatus.NEW, OrderStatus.REJECTED)
    assert reason in event.reason
    assert fills == [] and venue.open_orders() == [] and venue.positions() == {}


# -- stops, take-profits, limits -----------------------------------------------------------------


def test_long_stop_inside_a_bar_fills_at_the_stop_less_slippage() -> None:
    venue = opened(BUY, slippage_bps=10)  # entered at 100.1
    venue.submit(resting("sl", OrderType.STOP_MARKET, SELL, 1.0, 95.0), at(0))

    bar(venue, 1, 99, 101, 94, 96)

    [fill] = fills_of(venue)
    assert (fill.price, fill.liquidity, fill.ts) == (pytest.approx(95 * 0.999), Liquidity.TAKER,
                                                      at(1))  # fmt: skip
    assert fill.realized_pnl == pytest.approx(95 * 0.999 - 100.1)
    assert venue.positions() == {}


def test_long_stop_gapped_through_fills_at_the_open() -> None:
    venue = opened(BUY)
    venue.submit(resting("sl", OrderType.STOP_MARKET, SELL, 1.0, 95.0), at(0))

    bar(venue, 1, 90, 92, 88, 91)

    [fill] = fills_of(venue)
    assert fill.price == 90.0


def test_short_stop_gapped_through_fills_at_the_open() -> None:
    venue = opened(SELL)
    venue.submit(resting("sl", OrderType.STOP_MARKET, BUY, 1.0, 105.0), at(0))

    bar(venue, 1, 110, 112, 108, 111)

    [fill] = fills_of(venue)
    assert (fill.side, fill.price) == (BUY, 110.0)


@pytest.mark.parametrize(
    ("side", "stop", "take"), [(BUY, 95.0, 105.0), (SELL, 105.0, 95.0)], ids=["long", "short"]
)
def test_stop_wins_when_stop_and_take_profit_are_both_reachable_in_one_bar(
    side: Side, stop: float, take: float
) -> None:
    venue = opened(side, exits=ExitPlan(take_profit=take, stop_loss=stop))

    bar(venue, 1, 100, 106, 94, 100)

    _, events, [fill] = venue.drain()
    assert (fill.tag, fill.price) == ("stop_loss", stop)
    canceled = [e for e in events if e.action is OrderAction.CANCEL]
    assert [e.client_order_id for e in canceled] == ["entry-take_profit"]
    assert venue.positions() == {} and venue.open_orders() == []


def test_take_profit_alone_fills_at_its_level_with_the_taker_fee() -> None:
    venue = opened(BUY, exits=ExitPlan(take_profit=105.0, stop_loss=90.0))

    bar(venue, 1, 100, 106, 99, 104)

    [fill] = fills_of(venue)
    assert (fill.tag, fill.price, fill.liquidity) == ("take_profit", 105.0, Liquidity.TAKER)
    assert fill.fee == pytest.approx(105.0 * TAKER)
    assert fill.realized_pnl == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("side", "take", "gap_bar", "open_"),
    [
        (BUY, 105.0, (110.0, 112.0, 108.0, 111.0), 110.0),  # the whole bar above the target
        (SELL, 95.0, (90.0, 92.0, 88.0, 89.0), 90.0),  # the whole bar below the target
        (BUY, 105.0, (107.0, 108.0, 104.0, 106.0), 107.0),  # opens above, dips back through
    ],
    ids=["long-bar-above", "short-bar-below", "long-dips-back"],
)
def test_take_profit_gapped_through_fills_at_the_open(
    side: Side, take: float, gap_bar: tuple[float, float, float, float], open_: float
) -> None:
    venue = opened(side, exits=ExitPlan(take_profit=take))

    bar(venue, 1, *gap_bar)

    [fill] = fills_of(venue)
    assert (fill.tag, fill.price, fill.ts) == ("take_profit", open_, at(1))
    assert venue.positions() == {}


@pytest.mark.parametrize(
    ("side", "level", "maker_price"),
    [(BUY, 95.0, 95.0), (SELL, 105.0, 105.0), (BUY, 102.0, 100.0), (SELL, 98.0, 100.0)],
    ids=["buy-touched", "sell-touched", "buy-above-open", "sell-below-open"],
)
def test_limit_fills_at_its_price_or_the_better_open_with_the_maker_fee(
    side: Side, level: float, maker_price: float
) -> None:
    venue = make_venue()
    bar(venue, 0, 100, 101, 99, 100)
    venue.submit(resting("lim", OrderType.LIMIT, side, 2.0, level, reduce_only=False), at(0))

    bar(venue, 1, 100, 106, 94, 100)

    [fill] = fills_of(venue)
    assert (fill.price, fill.liquidity) == (maker_price, Liquidity.MAKER)
    assert fill.fee == pytest.approx(2 * maker_price * MAKER)
    assert venue.positions()[BTC].quantity == 2.0 * side.sign


def test_reduce_only_limit_gapped_through_against_a_short_fills_at_the_open() -> None:
    venue = opened(SELL)
    venue.submit(resting("tp", OrderType.LIMIT, BUY, 1.0, 95.0), at(0))

    bar(venue, 1, 90, 92, 88, 91)

    [fill] = fills_of(venue)
    assert (fill.price, fill.liquidity) == (90.0, Liquidity.MAKER)


def test_resting_order_out_of_reach_stays_open() -> None:
    venue = opened(BUY, exits=ExitPlan(take_profit=120.0, stop_loss=80.0))

    bar(venue, 1, 100, 110, 90, 105)

    assert fills_of(venue) == []
    assert {o.tag for o in venue.open_orders()} == {"stop_loss", "take_profit"}


# -- exit plans ----------------------------------------------------------------------------------


def test_entry_with_an_exit_plan_places_reduce_only_stop_and_take_profit() -> None:
    venue = make_venue(slippage_bps=0)
    bar(venue, 0, 100, 101, 99, 100)
    plan = ExitPlan(take_profit=110.0, stop_loss=92.0, invalidation="close below 90")
    venue.submit(market("e", BUY, 3.0, leverage=2), at(1), plan)
    assert [o.client_order_id for o in venue.open_orders()] == ["e"]  # until it fills

    bar(venue, 1, 100, 103, 97, 101)

    orders = {o.tag: o for o in venue.open_orders()}
    assert set(orders) == {"stop_loss", "take_profit"}
    stop, take = orders["stop_loss"], orders["take_profit"]
    assert (stop.type, stop.side, stop.trigger_price, stop.quantity, stop.reduce_only) == (
        OrderType.STOP_MARKET,
        SELL,
        92.0,
        3.0,
        True,
    )
    assert (take.type, take.side, take.trigger_price, take.quantity, take.reduce_only) == (
        OrderType.TAKE_PROFIT_MARKET,
        SELL,
        110.0,
        3.0,
        True,
    )
    assert venue.positions()[BTC].exit_plan == plan


@pytest.mark.parametrize(
    ("side", "fill", "stop", "take"),
    [
        # 100 + 20 bps of slippage = 100.20: stop 5% under it, take-profit 10% over it
        (BUY, 100.2, 95.19, 110.22),
        # 100 - 20 bps = 99.80: stop 5% over it (104.79), take-profit 10% under it (89.82)
        (SELL, 99.8, 104.79, 89.82),
    ],
    ids=["long", "short"],
)
def test_exits_given_as_fractions_are_placed_from_the_fill_price(
    side: Side, fill: float, stop: float, take: float
) -> None:
    venue = make_venue(slippage_bps=20)
    bar(venue, 0, 90, 91, 89, 90)  # the close the entry is decided on: not its reference
    plan = ExitPlan(stop_loss_fraction=0.05, take_profit_fraction=0.1, invalidation="why")
    venue.submit(market("e", side, 1.0), at(1), plan)

    bar(venue, 1, 100, 100.5, 99.5, 100)

    [entry] = fills_of(venue)
    assert entry.price == pytest.approx(fill)
    orders = {o.tag: o.trigger_price for o in venue.open_orders()}
    assert orders == {"stop_loss": pytest.approx(stop), "take_profit": pytest.approx(take)}
    placed = venue.positions()[BTC].exit_plan
    assert (placed.stop_loss, placed.take_profit, placed.invalidation) == (
        pytest.approx(stop), pytest.approx(take), "why",
    )  # fmt: skip
    assert (placed.stop_loss_fraction, placed.take_profit_fraction) == (None, None)


def test_reduce_only_order_larger_than_the_position_ends_filled_with_the_position() -> None:
    venue = opened(BUY, quantity=1.0)
    venue.set_mark(BTC, 101.0)

    closed = venue.submit(market("c", SELL, 3.0, reduce_only=True), at(1))

    _, events, [fill] = venue.drain()
    assert (closed.status, closed.filled_quantity) == (OrderStatus.FILLED, 1.0)
    assert fill.quantity == 1.0
    assert [(e.action, e.quantity, e.reason) for e in events] == [
        (OrderAction.ACCEPT, 0.0, ""),
        (OrderAction.FILL, 1.0, "shrunk to the position's size: 1 of 3 executed"),
    ]
    assert venue.positions() == {}


def test_closing_the_position_cancels_both_exit_orders() -> None:
    venue = opened(BUY, exits=ExitPlan(take_profit=110.0, stop_loss=92.0))
    venue.set_mark(BTC, 101.0)

    closed = venue.submit(market("c", SELL, 1.0, reduce_only=True), at(1))

    _, events, [fill] = venue.drain()
    assert closed.status is OrderStatus.FILLED
    assert (fill.tag, fill.price, fill.realized_pnl) == ("close", 101.0, 1.0)
    canceled = sorted(e.client_order_id for e in events if e.action is OrderAction.CANCEL)
    assert canceled == ["entry-stop_loss", "entry-take_profit"]
    assert venue.open_orders() == []


def test_exit_plan_guards_the_rest_of_the_bar_the_entry_filled_in() -> None:
    venue = make_venue()
    bar(venue, 0, 100, 101, 99, 100)
    venue.submit(market("e", BUY, 1.0), at(1), ExitPlan(stop_loss=95.0))

    bar(venue, 1, 100, 101, 93, 94)

    entry, stop = fills_of(venue)
    assert (entry.price, stop.tag, stop.price) == (100.0, "stop_loss", 95.0)


# -- funding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "rate", "expected"),
    [(BUY, 0.0001, -0.02), (SELL, 0.0001, 0.02), (BUY, -0.0003, 0.06), (SELL, -0.0003, -0.06)],
    ids=["long-pays", "short-receives", "long-receives-negative", "short-pays-negative"],
)
def test_funding_is_minus_quantity_times_mark_times_rate(
    side: Side, rate: float, expected: float
) -> None:
    venue = opened(side, quantity=2.0, fee_rate=0.0)
    cash = venue.cash

    amount = venue.settle_funding(BTC, at(8), rate, 100.0)

    assert amount == pytest.approx(expected)  # -(+-2) * 100 * rate
    assert venue.cash == pytest.approx(cash + expected)
    assert venue.funding == pytest.approx(expected)


def test_funding_without_a_position_settles_nothing() -> None:
    venue = make_venue()

    assert venue.settle_funding(BTC, at(8), 0.01, 100.0) == 0.0
    assert (venue.cash, venue.funding) == (10_000.0, 0.0)


def test_funding_beyond_cash_comes_out_of_the_position_margin() -> None:
    # 9 BTC at 100, 1x, no fees: margin 900, cash 100 left; funding 9 * 100 * 0.2 = 180
    venue = opened(BUY, quantity=9.0, cash=1_000.0, fee_rate=0.0)

    amount = venue.settle_funding(BTC, at(8), 0.2, 100.0)

    assert amount == pytest.approx(-180.0)
    assert venue.cash == 0.0
    assert venue.positions()[BTC].margin == pytest.approx(820.0)
    assert venue.equity() == pytest.approx(820.0)


def test_funding_beyond_cash_and_margin_takes_only_what_there_is() -> None:
    venue = opened(BUY, quantity=9.0, cash=1_000.0, fee_rate=0.0)

    amount = venue.settle_funding(BTC, at(8), 2.0, 100.0)  # asks 1,800; 1,000 is all there is

    assert amount == pytest.approx(-1_000.0)
    assert (venue.cash, venue.positions()[BTC].margin) == (0.0, 0.0)
    assert venue.funding == pytest.approx(-1_000.0)


def test_funding_taken_from_margin_moves_the_liquidation_price() -> None:
    venue = opened(BUY, quantity=1.0, leverage=10, cash=10.0, fee_rate=0.0)  # margin 10, cash 0
    before = venue.positions()[BTC].liquidation_price()

    venue.settle_funding(BTC, at(8), 0.01, 100.0)  # 1 paid out of the margin

    after = venue.positions()[BTC]
    assert after.margin == pytest.approx(9.0)
    assert after.liquidation_price() == pytest.approx((100 - 9) / (1 - MMR))
    assert after.liquidation_price() > before


# -- liquidation ---------------------------------------------------------------------------------

LIQUIDATION_BARS = {
    "touch": ((95.0, 96.0, 90.0, 92.0), (105.0, 110.0, 104.0, 108.0)),
    "violent-gap": ((50.0, 55.0, 40.0, 45.0), (150.0, 160.0, 140.0, 155.0)),
}


@pytest.mark.parametrize("with_orders", [False, True], ids=["bare", "with-resting-orders"])
@pytest.mark.parametrize("kind", list(LIQUIDATION_BARS))
@pytest.mark.parametrize("side", [BUY, SELL], ids=["long", "short"])
def test_liquidation_closes_at_the_liquidation_price_and_loses_exactly_the_margin(
    side: Side, kind: str, with_orders: bool
) -> None:
    # 1 BTC at 100, 10x: margin 10, fee 0.05; liquidation at 90/0.996 (long), 110/1.004 (short)
    exits = ExitPlan(take_profit=300.0 if side is BUY else 20.0) if with_orders else None
    venue = opened(side, leverage=10, exits=exits)
    equity = venue.equity()
    assert equity == pytest.approx(10_000 - 100 * TAKER)
    position = venue.positions()[BTC]
    level = (100 - 10) / (1 - MMR) if side is BUY else (100 + 10) / (1 + MMR)
    assert position.liquidation_price() == pytest.approx(level)
    long_bar, short_bar = LIQUIDATION_BARS[kind]

    bar(venue, 1, *(long_bar if side is BUY else short_bar))

    _, events, [fill] = venue.drain()
    assert (fill.tag, fill.price, fill.ts, fill.side) == ("liquidation", pytest.approx(level),
                                                          at(1), side.opposite)  # fmt: skip
    assert fill.realized_pnl == pytest.approx((level - 100.0) * side.sign)
    assert fill.fee == pytest.approx(10.0 + fill.realized_pnl)  # the rest of the margin
    assert venue.positions() == {} and venue.open_orders() == []
    assert venue.equity() == pytest.approx(equity - 10.0)
    assert venue.cash == pytest.approx(equity - 10.0)
    if with_orders:
        assert [e.client_order_id for e in events] == ["entry-take_profit"]


def test_stop_at_the_liquidation_price_fills_as_a_stop() -> None:
    venue = opened(BUY, leverage=10)
    level = venue.positions()[BTC].liquidation_price()
    venue.submit(resting("sl", OrderType.STOP_MARKET, SELL, 1.0, level), at(0))

    bar(venue, 1, 95, 96, 80, 85)

    [fill] = fills_of(venue)
    assert (fill.tag, fill.price) == ("", pytest.approx(level))
    assert fill.fee == pytest.approx(level * TAKER)


def test_position_above_its_liquidation_price_survives_the_bar() -> None:
    venue = opened(BUY, leverage=10)

    bar(venue, 1, 95, 96, 90.5, 92)  # liquidation at 90.36

    assert fills_of(venue) == []
    assert venue.positions()[BTC].quantity == 1.0


# -- sizing to free cash -------------------------------------------------------------------------


def test_entry_larger_than_free_cash_is_shrunk_and_ends_filled_with_what_was_executed() -> None:
    venue = make_venue(cash=1_000.0)
    bar(venue, 0, 100, 101, 99, 100)
    venue.submit(market("big", BUY, 20.0), at(1))

    bar(venue, 1, 100, 101, 99, 100)

    _, events, [fill] = venue.drain()
    # 1,000 / (100 + 100 * 0.0005) = 9.995 BTC, a whole number of 0.001 steps
    assert fill.quantity == pytest.approx(9.995)
    # One fill event for what was executed: the order is filled, not canceled with a fill.
    assert [(e.action, e.status_to) for e in events] == [
        (OrderAction.ACCEPT, OrderStatus.OPEN),
        (OrderAction.FILL, OrderStatus.FILLED),
    ]
    assert events[1].quantity == pytest.approx(9.995)
    assert events[1].reason == "shrunk to what free cash affords: 9.995 of 20 executed"
    assert venue.cash >= 0.0
    assert venue.cash == pytest.approx(1_000 - 999.5 - 999.5 * TAKER)


def test_entry_with_no_affordable_step_is_canceled() -> None:
    venue = make_venue(cash=0.05)
    bar(venue, 0, 100, 101, 99, 100)
    venue.submit(market("big", BUY, 1.0), at(1))

    bar(venue, 1, 100, 101, 99, 100)

    _, events, fills = venue.drain()
    assert fills == []
    assert (events[-1].action, events[-1].reason) == (OrderAction.CANCEL, "insufficient margin")
    assert venue.cash == 0.05 and venue.positions() == {}


def test_flip_closes_the_position_and_opens_what_cash_allows() -> None:
    venue = opened(BUY, quantity=5.0, cash=1_000.0, fee_rate=0.0)  # margin 500, cash 500

    venue.submit(market("flip", SELL, 50.0, leverage=1), at(1))
    bar(venue, 1, 100, 101, 99, 100)

    [fill] = fills_of(venue)
    # closes 5, then opens what 1,000 of cash can margin at 1x: 10 short
    assert fill.quantity == pytest.approx(15.0)
    assert venue.positions()[BTC].quantity == pytest.approx(-10.0)
    assert venue.cash == pytest.approx(0.0, abs=1e-9)


# -- properties ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    symbol: str
    open: float
    high: float
    low: float
    close: float


@dataclass(frozen=True)
class Action:
    kind: str  # market, stop, take_profit, limit, cancel, funding
    symbol: str = BTC
    side: Side = BUY
    quantity: float = 1.0
    level: float = 1.0  # a multiple of the latest close
    leverage: float = 1.0
    reduce_only: bool = False
    exits: tuple[float | None, float | None] | None = None  # stop, take-profit multiples
    rate: float = 0.0
    pick: int = 0


def _bar(draw: st.DrawFn, symbol: str, previous: float) -> Bar:
    gap = draw(st.one_of(st.floats(0.98, 1.02), st.floats(0.2, 5.0)))  # quiet or violent
    open_ = min(max(previous * gap, 1.0), 10_000.0)
    close = min(max(open_ * draw(st.floats(0.7, 1.4)), 1.0), 10_000.0)
    high = max(open_, close) * draw(st.sampled_from([1.0, 1.01, 1.1, 1.5]))
    low = min(open_, close) * draw(st.sampled_from([1.0, 0.99, 0.9, 0.5]))
    return Bar(symbol, open_, high, low, close)


ACTIONS = st.one_of(
    st.builds(
        Action,
        kind=st.just("market"),
        symbol=st.sampled_from([BTC, ETH]),
        side=st.sampled_from([BUY, SELL]),
        quantity=st.floats(0.001, 300.0),
        leverage=st.integers(1, 50).map(float),
        reduce_only=st.booleans(),
        exits=st.none()
        | st.tuples(st.none() | st.floats(0.5, 1.5), st.none() | st.floats(0.5, 1.5)),
    ),
    st.builds(
        Action,
        kind=st.sampled_from(["stop", "take_profit", "limit"]),
        symbol=st.sampled_from([BTC, ETH]),
        side=st.sampled_from([BUY, SELL]),
        quantity=st.floats(0.001, 300.0),
        level=st.floats(0.3, 3.0),
        leverage=st.integers(1, 50).map(float),
        reduce_only=st.booleans(),
    ),
    st.builds(Action, kind=st.just("cancel"), pick=st.integers(0, 20)),
    st.builds(
        Action,
        kind=st.just("funding"),
        symbol=st.sampled_from([BTC, ETH]),
        rate=st.floats(-0.05, 0.05),
    ),
)


Scenario = tuple[
    list[tuple[list[Bar], list[Action]]], bool, float, float | None, MarginMode, PositionMode
]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Steps of (bars of that step, actions after them): each symbol has a bar at most steps
    (sometimes none, as in an outage), prices stay in [1, 10,000] but may gap violently."""
    price = {BTC: draw(st.floats(20.0, 2_000.0)), ETH: draw(st.floats(5.0, 500.0))}
    steps = []
    for index in range(draw(st.integers(2, 20))):
        bars = []
        for symbol in (BTC, ETH):
            if index == 0 or draw(st.integers(0, 9)) > 0:
                bars.append(_bar(draw, symbol, price[symbol]))
                price[symbol] = bars[-1].close
        steps.append((bars, draw(st.lists(ACTIONS, max_size=4))))
    live, slippage = draw(st.booleans()), draw(st.sampled_from([0.0, 5.0, 50.0]))
    fee_rate = draw(st.sampled_from([None, 0.0, 0.001]))
    return (steps, live, slippage, fee_rate, draw(st.sampled_from(list(MarginMode))),
            draw(st.sampled_from(list(PositionMode))))  # fmt: skip


@dataclass
class Audit:
    """What the property test keeps on the side: its own record of marks, statuses and fills."""

    initial: float
    cross: bool = False
    marks: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, OrderStatus] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    turnover: float = 0.0

    def replay(self, events: list[OrderEvent], fills: list[Fill]) -> None:
        for event in events:  # (d): every move is a row of the table, from where the order was
            status = self.statuses.get(event.client_order_id, OrderStatus.NEW)
            assert event.status_from is status, event
            assert TRANSITIONS.get((status, event.action)) is event.status_to, event
            self.statuses[event.client_order_id] = event.status_to
        self.fills.extend(fills)
        self.turnover += sum(fill.quantity * fill.price for fill in fills)


def _level(order: Order) -> float:
    level = order.price if order.type is OrderType.LIMIT else order.trigger_price
    assert level is not None
    return level


def _reached(order: Order, bar: Bar) -> bool:
    """Whether the bar's range met the order's level in the direction it triggers."""
    falls = (order.side is SELL) if order.type is OrderType.STOP_MARKET else order.side is BUY
    return bar.low <= _level(order) if falls else bar.high >= _level(order)


def _check(venue: PaperVenue, audit: Audit) -> None:
    _, events, fills = venue.drain()
    audit.replay(events, fills)
    # (a) no balance below zero
    assert venue.cash >= 0.0
    for position in venue.positions().values():
        assert position.margin >= 0.0
    # (c) equity is cash + margin + unrealized PnL at the closes the test fed in
    margin = sum(p.margin for p in venue.positions().values())
    unrealized = sum(
        p.quantity * (audit.marks[p.symbol] - p.entry_price) for p in venue.positions().values()
    )
    gross = sum(p.size * audit.marks[p.symbol] for p in venue.positions().values())
    scale = 1e-9 * (audit.initial + audit.turnover + gross + abs(venue.funding))
    equity = venue.equity()
    assert equity == pytest.approx(venue.cash + margin + unrealized, abs=scale)
    assert venue.account(0).equity == pytest.approx(equity, abs=scale)
    assert venue.valuation()[:3] == (
        pytest.approx(equity, abs=scale),
        pytest.approx(gross),
        venue.cash,
    )
    # (b) every amount accounted once: equity = start + realized - fees + funding + unrealized
    expected = audit.initial + venue.realized_pnl - venue.fees + venue.funding + unrealized
    assert equity == pytest.approx(expected, abs=scale)
    # (e) fees and realized PnL are the sums over the fills
    assert sum(f.fee for f in audit.fills) == pytest.approx(venue.fees, abs=scale)
    assert sum(f.realized_pnl for f in audit.fills) == pytest.approx(venue.realized_pnl, abs=scale)
    assert all(f.fee >= 0.0 and f.quantity > 0.0 for f in audit.fills)
    liquidated = False
    for fill in fills:  # a liquidation closes where what is left of the margin is maintenance
        if fill.tag == "liquidation":
            liquidated = True
            maintenance = MMR * fill.quantity * fill.price
            if audit.cross:  # at most: a level below zero closes at the bar's price instead
                assert fill.fee <= maintenance * (1 + 1e-9) + scale
            else:
                assert fill.fee == pytest.approx(maintenance, rel=1e-9, abs=1e-9)
    if liquidated and audit.cross:  # the account, not one position: nothing is left
        assert not venue.positions()
        assert venue.cash == 0.0
    # open orders are open, and the table agrees
    for order in venue.open_orders():
        assert order.status is OrderStatus.OPEN
        assert audit.statuses[order.client_order_id] is OrderStatus.OPEN


def _act(venue: PaperVenue, action: Action, ts: int, number: int, audit: Audit) -> None:
    mark = audit.marks.get(action.symbol)
    if action.kind == "funding":
        if mark is not None:
            venue.settle_funding(action.symbol, ts, action.rate, mark)
        return
    if action.kind == "cancel":
        orders = venue.open_orders()
        if orders:
            venue.cancel(orders[action.pick % len(orders)].client_order_id, ts, "test")
        return
    cid = f"o{number}"
    if action.kind == "market":
        exits = None
        if action.exits is not None and mark is not None:
            stop, take = action.exits
            exits = ExitPlan(take_profit=None if take is None else take * mark,
                             stop_loss=None if stop is None else stop * mark)  # fmt: skip
        order = Order(cid, action.symbol, action.side, OrderType.MARKET, action.quantity, ts,
                      reduce_only=action.reduce_only, leverage=action.leverage)  # fmt: skip
        venue.submit(order, ts, exits)
        return
    if mark is None:
        return
    kind = {"stop": OrderType.STOP_MARKET, "take_profit": OrderType.TAKE_PROFIT_MARKET,
            "limit": OrderType.LIMIT}[action.kind]  # fmt: skip
    level = round(action.level * mark, 6)
    order = Order(cid, action.symbol, action.side, kind, action.quantity, ts,
                  price=level if kind is OrderType.LIMIT else None,
                  trigger_price=None if kind is OrderType.LIMIT else level,
                  reduce_only=action.reduce_only, leverage=action.leverage)  # fmt: skip
    venue.submit(order, ts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_random_paths_and_orders_keep_the_books_exact(scenario: Scenario) -> None:
    steps, live, slippage, fee_rate, margin_mode, position_mode = scenario
    venue = make_venue(
        10_000.0, slippage, LatestPrice() if live else NextBarOpen(), fee_rate, margin_mode,
        position_mode,
    )  # fmt: skip
    audit = Audit(10_000.0, margin_mode is MarginMode.CROSS)
    number = 0
    for index, (bars, actions) in enumerate(steps):
        ts = at(index)
        for item in bars:
            waiting = [o for o in venue.open_orders(item.symbol) if o.type is not OrderType.MARKET]
            venue.on_bar(item.symbol, ts, item.open, item.high, item.low, item.close)
            audit.marks[item.symbol] = item.close
            # (f) a resting order whose level the bar reached does not outlive the bar
            still = {o.client_order_id for o in venue.open_orders(item.symbol)}
            for order in waiting:
                if order.client_order_id in still:
                    assert not _reached(order, item), (order, item)
            _check(venue, audit)
        for action in actions:
            number += 1
            _act(venue, action, ts + HOUR_MS, number, audit)
            _check(venue, audit)
    assert set(audit.statuses) >= {f.client_order_id for f in audit.fills
                                   if f.tag != "liquidation"}  # fmt: skip
