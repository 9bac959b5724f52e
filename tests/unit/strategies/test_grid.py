"""Grid trading against a hand-computed case, run as a backtest (the one engine a season runs
on): a synthetic SOL path crosses the levels 90, 95, 100, 105, 110 of a grid with a cap of two
filled levels. Rungs are 10% of equity (10 SOL at these prices; the amount step is 1 SOL); the
fee is 0.1% on every fill.

    bar  open   high   low    close   what happens
    0    102    102.5  101.5  102     buys rest at 100 and 95 (the cap of two: not at 90)
    1    101    101.5  99     99.5    the buy at 100 fills; its sell rests at 105
    2    100    105.5  99.6   104     the sell at 105 fills (+50); the free 100 gets a buy again
    3    103    96.5   94     96      buys at 100 and 95 fill; sells rest at 105 and 100;
                                      two levels filled: the cap, so no buy at 90
    4    96     97     89     91      the price falls through 90: nothing fills there
    5    92     101    91.5   100.5   the sell at 100 fills; a buy rests at 95 again
    6    100    106    99.8   105.5   the sell at 105 fills, flat; buys at 105 (9 SOL) and 95 rest

Realized PnL, booked against the position's average entry (97.5 while 100 and 95 are both
held): 10 x (105 - 100) = 50, 10 x (100 - 97.5) = 25, 10 x (105 - 97.5) = 75; in all 150,
which is the three round trips of one level each (3 x 10 x 5). Fees: 10 x price x 0.001 per
fill: 1.00 + 1.05 + 1.00 + 0.95 + 1.00 + 1.05 = 6.05."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.agents.config import parse_config
from alpha_arena.backtest.run import BacktestConfig, SymbolData, simulate
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.decisions import Signal
from alpha_arena.domain.market import Candles, FundingRates
from alpha_arena.domain.orders import Order, OrderType, Side
from alpha_arena.domain.positions import MarginMode, PositionMode
from alpha_arena.marketdata.sources.sample import sample_instruments
from alpha_arena.strategies import registry
from alpha_arena.strategies.base import StrategyInput
from alpha_arena.strategies.library.grid import Grid, GridParams, Rung

SYMBOL = "SOL/USDT:USDT"  # price tick 0.01, amount step 1
INSTRUMENTS = {item.symbol: item for item in sample_instruments() if item.symbol == SYMBOL}
T0 = 1_722_470_400_000  # 2024-08-01T00:00:00Z
HOUR = 3_600_000
BARS = [  # open, high, low, close
    (102, 102.5, 101.5, 102),
    (101, 101.5, 99, 99.5),
    (100, 105.5, 99.6, 104),
    (103, 96.5, 94, 96),
    (96, 97, 89, 91),
    (92, 101, 91.5, 100.5),
    (100, 106, 99.8, 105.5),
]
PARAMS = (("lower", "90"), ("upper", "110"), ("levels", "5"), ("level_fraction", "0.1"),
          ("max_filled", "2"))  # fmt: skip


def candles(bars: list[tuple[float, float, float, float]]) -> Candles:
    table = np.array(bars, dtype=np.float64)
    ts = T0 + HOUR * np.arange(len(bars), dtype=np.int64)
    return Candles(ts, table[:, 0], table[:, 1], table[:, 2], table[:, 3], np.ones(len(bars)))


def run_grid(params: tuple[tuple[str, str], ...] = PARAMS):  # type: ignore[no-untyped-def]
    market = {SYMBOL: SymbolData(candles(BARS), FundingRates(np.empty(0, np.int64), np.empty(0)))}
    config = BacktestConfig(
        "grid", (SYMBOL,), "1h", T0, T0 + len(BARS) * HOUR, capital=10_000.0, fee_rate=0.001,
        params=params,
    )  # fmt: skip
    return simulate(market, INSTRUMENTS, config, registry.create("grid", dict(params)))


def bar(index: int) -> int:
    """The stamp of orders placed at bar ``index``'s close and of fills inside bar ``index``."""
    return T0 + index * HOUR


def test_the_ladder_places_buys_below_the_price_and_each_fill_its_sell_one_level_up() -> None:
    ledger = run_grid().ledger
    placed = [
        (o.client_order_id, o.side, o.type, o.price, o.quantity, o.reduce_only, o.ts_created)
        for o in ledger.orders.values()
    ]
    buy, sell, limit = Side.BUY, Side.SELL, OrderType.LIMIT
    assert placed == [
        ("grid-1", buy, limit, 100.0, 10.0, False, bar(1)),
        ("grid-2", buy, limit, 95.0, 10.0, False, bar(1)),
        ("grid-1-take_profit", sell, limit, 105.0, 10.0, True, bar(1)),
        ("grid-3", buy, limit, 100.0, 10.0, False, bar(3)),
        ("grid-3-take_profit", sell, limit, 105.0, 10.0, True, bar(3)),
        ("grid-2-take_profit", sell, limit, 100.0, 10.0, True, bar(3)),
        ("grid-4", buy, limit, 95.0, 10.0, False, bar(6)),
        ("grid-5", buy, limit, 105.0, 9.0, False, bar(7)),  # 10% of 10,143.95
    ]


def test_fills_prices_realized_pnl_and_fees_match_the_hand_computed_path() -> None:
    result = run_grid()
    fills = [
        (f.client_order_id, f.side, f.quantity, f.price, round(f.fee, 10),
         round(f.realized_pnl, 10), f.ts)
        for f in result.ledger.fills
    ]  # fmt: skip
    assert fills == [
        ("grid-1", Side.BUY, 10.0, 100.0, 1.0, 0.0, bar(1)),
        ("grid-1-take_profit", Side.SELL, 10.0, 105.0, 1.05, 50.0, bar(2)),
        ("grid-3", Side.BUY, 10.0, 100.0, 1.0, 0.0, bar(3)),
        ("grid-2", Side.BUY, 10.0, 95.0, 0.95, 0.0, bar(3)),
        ("grid-2-take_profit", Side.SELL, 10.0, 100.0, 1.0, 25.0, bar(5)),
        ("grid-3-take_profit", Side.SELL, 10.0, 105.0, 1.05, 75.0, bar(6)),
    ]
    realized = sum(fill.realized_pnl for fill in result.ledger.fills)
    assert realized == pytest.approx(150.0)  # three one-level round trips of 10 x 5
    assert result.metrics.fees_paid == pytest.approx(6.05)
    assert result.ledger.equity[-1] == pytest.approx(10_000 + 150 - 6.05)
    # As trades from flat to flat: 100 -> 105 (price PnL 50, fees 2.05); then 100 and 95
    # -> 100 and 105 (price PnL 100, fees 4.00).
    trades = [(t.pnl, t.fees, t.net_pnl) for t in result.trades]
    assert trades == [pytest.approx((50.0, 2.05, 47.95)), pytest.approx((100.0, 4.0, 96.0))]


def test_the_cap_stops_further_buys_while_two_levels_are_filled() -> None:
    ledger = run_grid().ledger
    # No order at 90, though the price sat above it from bar 0 and fell through it in bar 4.
    assert all(order.price != 90.0 for order in ledger.orders.values())
    assert all(fill.price != 90.0 for fill in ledger.fills)
    # While 100 and 95 were filled (bars 3 and 4) the grid asked for nothing.
    asked = {decision.ts for decision in ledger.decisions}
    assert bar(4) not in asked and bar(5) not in asked
    # A cap of three fills the third level at 90 in bar 4, and its sell rests at 95.
    wider = dict(PARAMS) | {"max_filled": "3"}
    third = run_grid(tuple(wider.items())).ledger
    assert [(f.client_order_id, f.price) for f in third.fills if f.price == 90.0] == [
        ("grid-3", 90.0)
    ]


def test_every_rung_is_a_limit_entry_with_its_counter_and_passes_the_risk_checks() -> None:
    ledger = run_grid().ledger
    rungs = [action for decision in ledger.decisions for action in decision.actions]
    assert [(a.signal, a.limit_price, a.counter_price) for a in rungs] == [
        (Signal.BUY_TO_ENTER, 100.0, 105.0),
        (Signal.BUY_TO_ENTER, 95.0, 100.0),
        (Signal.BUY_TO_ENTER, 100.0, 105.0),
        (Signal.BUY_TO_ENTER, 95.0, 100.0),
        (Signal.BUY_TO_ENTER, 105.0, 110.0),
    ]
    assert ledger.risk_events == []  # with a position open too: a rung is not pyramiding


def test_the_range_comes_from_the_recent_bars_when_not_given() -> None:
    grid = Grid(GridParams(lookback=3, levels=3))
    data = StrategyInput(SYMBOL, "1h", candles(BARS), np.full(len(BARS), np.nan))
    assert grid.warmup == 2
    assert grid.prices(data, 1) is None  # warming up
    # Bars 1-3: lowest low 94, highest high 105.5.
    assert grid.prices(data, 3) == (94.0, 99.75, 105.5)


def test_ladder_counts_resting_buys_and_bought_rungs_against_the_cap() -> None:
    grid = Grid(GridParams(lower=90, upper=110, levels=5, max_filled=3, level_fraction=0.1))
    prices = (90.0, 95.0, 100.0, 105.0, 110.0)

    def limit(side: Side, price: float, reduce_only: bool) -> Order:
        return Order("x", SYMBOL, side, OrderType.LIMIT, 1.0, T0, price, reduce_only=reduce_only)

    assert grid.ladder(prices, 107.0, []) == [Rung(105, 110), Rung(100, 105), Rung(95, 100)]
    # 100 is bought (its sell rests at 105), 95 has a buy: room for one more, at 105.
    orders = [limit(Side.SELL, 105.0, True), limit(Side.BUY, 95.0, False)]
    assert grid.ladder(prices, 107.0, orders) == [Rung(105, 110)]
    assert grid.ladder(prices, 89.0, []) == []  # below the range: nothing below the price


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lower": "90"}, "give both lower and upper, or neither"),
        ({"lower": "110", "upper": "90"}, "lower (110.0) must be less than upper (90.0)"),
        ({"levels": "1"}, "levels must be a whole number of at least 2, got 1"),
        ({"level_fraction": "0"}, "level_fraction must be in (0, 1], got 0.0"),
        ({"max_filled": "4", "level_fraction": "0.3"}, "max_filled x level_fraction must be"),
    ],
)
def test_bad_parameters_are_one_line_errors(params: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        registry.create("grid", params)


def test_a_selector_cannot_choose_the_grid_and_live_seasons_refuse_it() -> None:
    with pytest.raises(InvalidInputError, match="grid trades through resting orders"):
        parse_config({"kind": "selector", "provider": "openai", "model": "m",
                      "strategies": ["ema_trend", "grid"]})  # fmt: skip
    with pytest.raises(InvalidInputError, match="a grid, whose rungs' take-profit limits"):
        registry.check_live_trading("gridder", ["grid"])


@pytest.mark.parametrize("margin_mode", list(MarginMode))
@pytest.mark.parametrize("position_mode", list(PositionMode))
def test_the_grid_trades_the_same_in_every_margin_and_position_mode(
    margin_mode: MarginMode, position_mode: PositionMode
) -> None:
    market = {SYMBOL: SymbolData(candles(BARS), FundingRates(np.empty(0, np.int64), np.empty(0)))}
    config = BacktestConfig(
        "grid", (SYMBOL,), "1h", T0, T0 + len(BARS) * HOUR, capital=10_000.0, fee_rate=0.001,
        params=PARAMS, margin_mode=margin_mode, position_mode=position_mode,
    )  # fmt: skip
    result = simulate(market, INSTRUMENTS, config, registry.create("grid", dict(PARAMS)))
    expected = run_grid()  # isolated margin, net positions
    assert [(f.client_order_id, f.price, f.realized_pnl) for f in result.ledger.fills] == [
        (f.client_order_id, f.price, f.realized_pnl) for f in expected.ledger.fills
    ]
    assert result.ledger.equity[-1] == pytest.approx(10_000 + 150 - 6.05)
