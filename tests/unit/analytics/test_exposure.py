"""Market exposure on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from alpha_arena.analytics.exposure import Exposure, exposure
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.fills import Fill, Liquidity
from alpha_arena.domain.orders import Side

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def fill(ts: int, symbol: str, side: Side, quantity: float, price: float) -> Fill:
    return Fill("o", symbol, side, quantity, price, 0.0, Liquidity.TAKER, ts)


def test_long_then_short_one_coin() -> None:
    # Held after each tick: +1, +1, -1, -1 BTC, valued at 50, 60, 40, 40 against equity 100.
    fills = [fill(10, BTC, Side.BUY, 1, 50), fill(25, BTC, Side.SELL, 2, 45)]
    result = exposure([10, 20, 30, 40], [100.0] * 4, fills, {BTC: [50, 60, 40, 40]})
    assert result.net == pytest.approx((0.5 + 0.6 - 0.4 - 0.4) / 4)
    assert result.gross == pytest.approx((0.5 + 0.6 + 0.4 + 0.4) / 4)
    assert (result.long_share, result.short_share, result.flat_share) == (0.5, 0.5, 0.0)
    assert result.turnover == pytest.approx((50 + 90) / 100)


def test_offsetting_coins_are_flat_and_a_closed_position_is_flat() -> None:
    fills = [
        fill(1, BTC, Side.BUY, 1, 100),
        fill(1, ETH, Side.SELL, 10, 10),  # short ETH worth exactly the BTC long
        fill(2, BTC, Side.SELL, 1, 100),
        fill(2, ETH, Side.BUY, 10, 10),
    ]
    result = exposure([1, 2, 3], [200.0, 200.0, 200.0], fills, {BTC: [100] * 3, ETH: [10] * 3})
    assert result.net == 0.0
    assert result.gross == pytest.approx(1.0 / 3)  # 200 of 200 held at the first tick only
    assert (result.long_share, result.short_share, result.flat_share) == (0.0, 0.0, 1.0)
    assert result.turnover == pytest.approx(400 / 200)


def test_an_unknown_close_keeps_the_last_known_price_and_late_fills_do_not_count() -> None:
    fills = [fill(1, BTC, Side.BUY, 1, 100), fill(99, BTC, Side.BUY, 5, 100)]
    result = exposure([1, 2], [100.0, 100.0], fills, {BTC: [100, math.nan]})
    assert result.net == pytest.approx(1.0)
    assert result.turnover == pytest.approx(600 / 100)  # traded, though after the last tick


def test_no_ticks_is_undefined_not_zero() -> None:
    assert exposure([], [], [], {}) == Exposure(None, None, None, None, None, None)


def test_a_bust_entry_holds_nothing_to_measure() -> None:
    result = exposure([1, 2], [100.0, 0.0], [fill(1, BTC, Side.BUY, 1, 50)], {BTC: [50, 50]})
    assert result.net == pytest.approx(0.25)  # 0.5 at the first tick, nothing at the second


@pytest.mark.parametrize(
    ("ticks", "equity", "closes", "message"),
    [
        ([1, 2], [100.0], {BTC: [1, 1]}, "equity has 1 points but there are 2 ticks"),
        ([1, 2], [100.0, 100.0], {}, "no closes for BTC/USDT:USDT"),
        ([1, 2], [100.0, 100.0], {BTC: [1]}, "has 1 closes but there are 2 ticks"),
    ],
)
def test_bad_input_is_one_line(
    ticks: list[int], equity: list[float], closes: dict[str, list[float]], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        exposure(ticks, equity, [fill(1, BTC, Side.BUY, 1, 1)], closes)
