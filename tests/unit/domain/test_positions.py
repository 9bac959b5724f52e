"""Isolated-margin positions: liquidation prices worked out by hand, PnL signs, and the account
identity."""

from __future__ import annotations

import pytest

from alpha_arena.domain.positions import AccountSnapshot, Position

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
BTC = "BTC/USDT:USDT"


def position(quantity: float, entry: float = 50_000.0, margin: float = 5_000.0) -> Position:
    leverage = abs(quantity) * entry / margin
    return Position(BTC, quantity, entry, margin, leverage, 0.004, T0)


def test_long_liquidates_where_margin_left_equals_maintenance() -> None:
    # 1 BTC long at 50,000 with 10x isolated margin 5,000 and 0.4% maintenance:
    # 5,000 + (p - 50,000) = 0.004 p  ->  p = 45,000 / 0.996 = 45,180.72...
    long = position(1.0)

    assert long.liquidation_price() == pytest.approx((50_000 - 5_000) / (1 - 0.004))
    assert long.liquidation_price() == pytest.approx(45_180.722891566, abs=1e-6)


def test_short_liquidates_where_margin_left_equals_maintenance() -> None:
    # 1 BTC short: 5,000 + (50,000 - p) = 0.004 p  ->  p = 55,000 / 1.004 = 54,780.87...
    short = position(-1.0)

    assert short.liquidation_price() == pytest.approx((50_000 + 5_000) / (1 + 0.004))
    assert short.liquidation_price() == pytest.approx(54_780.876494024, abs=1e-6)


@pytest.mark.parametrize("quantity", [1.0, -1.0, 2.5, -0.003], ids=str)
def test_at_the_liquidation_price_margin_plus_pnl_is_the_maintenance_requirement(
    quantity: float,
) -> None:
    held = position(quantity, margin=abs(quantity) * 50_000 / 20)  # 20x either side
    price = held.liquidation_price()

    assert held.margin + held.unrealized_pnl(price) == pytest.approx(
        0.004 * held.notional(price), rel=1e-9
    )


def test_liquidation_price_does_not_depend_on_size_at_the_same_leverage() -> None:
    one, three = position(1.0, margin=5_000), position(3.0, margin=15_000)

    assert one.liquidation_price() == pytest.approx(three.liquidation_price())


def test_fully_margined_long_has_no_positive_liquidation_price() -> None:
    # margin 50,000 for 1 BTC at 50,000 (1x): (50,000 - 50,000) / 0.996 = 0
    assert position(1.0, margin=50_000).liquidation_price() == 0.0
    assert position(1.0, margin=60_000).liquidation_price() == 0.0  # clamped, never negative


def test_fully_margined_short_still_liquidates_above_twice_less_maintenance() -> None:
    assert position(-1.0, margin=50_000).liquidation_price() == pytest.approx(100_000 / 1.004)


@pytest.mark.parametrize(
    ("quantity", "mark", "expected"),
    [
        (1.0, 51_000.0, 1_000.0),  # long, price up: gain
        (1.0, 49_000.0, -1_000.0),  # long, price down: loss
        (-1.0, 51_000.0, -1_000.0),  # short, price up: loss
        (-1.0, 49_000.0, 1_000.0),  # short, price down: gain
        (-0.5, 50_000.0, 0.0),  # at entry: nothing
    ],
    ids=["long-up", "long-down", "short-up", "short-down", "flat-price"],
)
def test_unrealized_pnl_sign_follows_side_and_move(
    quantity: float, mark: float, expected: float
) -> None:
    assert position(quantity).unrealized_pnl(mark) == expected


def test_size_notional_and_side_read_the_signed_quantity() -> None:
    short = position(-2.0, margin=10_000)

    assert (short.is_long, short.size, short.notional(40_000.0)) == (False, 2.0, 80_000.0)
    assert position(2.0).is_long


def test_account_equity_is_cash_plus_margin_plus_unrealized() -> None:
    snapshot = AccountSnapshot(T0, cash=1_000.0, margin=500.0, unrealized_pnl=-120.0,
                               realized_pnl=30.0, fees=4.0, funding=-1.0)  # fmt: skip

    assert snapshot.equity == 1_380.0
