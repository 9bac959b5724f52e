"""The order lifecycle as a transition table: every row is legal, everything else raises, and
no sequence of moves can leave the table."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.domain.orders import (
    TRANSITIONS,
    IllegalTransitionError,
    Order,
    OrderAction,
    OrderStatus,
    OrderType,
    Side,
)

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
FILLS = (OrderAction.FILL, OrderAction.PARTIAL_FILL)
ILLEGAL = sorted(
    set(itertools.product(OrderStatus, OrderAction)) - set(TRANSITIONS),
    key=lambda pair: (pair[0].value, pair[1].value),
)
TERMINAL = [status for status in OrderStatus if status.is_terminal]


def order(status: OrderStatus = OrderStatus.NEW, quantity: float = 3.0) -> Order:
    return Order("o-1", "BTC/USDT:USDT", Side.BUY, OrderType.MARKET, quantity, T0, status=status)


def rid(pair: tuple[OrderStatus, OrderAction]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


@pytest.mark.parametrize(
    ("status_from", "action", "status_to"),
    [(status, action, target) for (status, action), target in TRANSITIONS.items()],
    ids=[rid(pair) for pair in TRANSITIONS],
)
def test_every_row_of_the_table_is_legal_and_emits_its_event(
    status_from: OrderStatus, action: OrderAction, status_to: OrderStatus
) -> None:
    before = order(status_from)
    quantity, price = (1.0, 100.0) if action in FILLS else (0.0, 0.0)

    after, event = before.apply(action, T0 + 5, quantity, price, reason="why")

    assert after.status is status_to
    assert after.ts_updated == T0 + 5
    assert (event.status_from, event.action, event.status_to) == (status_from, action, status_to)
    assert (event.client_order_id, event.ts, event.reason) == ("o-1", T0 + 5, "why")
    assert (event.quantity, event.price) == (quantity, price)
    assert before.status is status_from  # orders are values: apply returns a new one


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=[rid(pair) for pair in ILLEGAL])
def test_every_move_missing_from_the_table_raises(status: OrderStatus, action: OrderAction) -> None:
    with pytest.raises(IllegalTransitionError, match=f"cannot {action.value} when {status.value}"):
        order(status).apply(action, T0, 1.0, 100.0)


def test_the_cross_product_is_split_exactly_into_legal_and_illegal_moves() -> None:
    assert len(TRANSITIONS) + len(ILLEGAL) == len(OrderStatus) * len(OrderAction)
    assert len(TRANSITIONS) == 10


@pytest.mark.parametrize("status", TERMINAL, ids=[status.value for status in TERMINAL])
def test_terminal_status_accepts_no_action(status: OrderStatus) -> None:
    for action in OrderAction:
        with pytest.raises(IllegalTransitionError):
            order(status).apply(action, T0)
    assert not any(source is status for source, _ in TRANSITIONS)


def test_terminal_statuses_are_exactly_those_without_a_way_out() -> None:
    sources = {status for status, _ in TRANSITIONS}
    assert set(TERMINAL) == set(OrderStatus) - sources
    assert {s.value for s in TERMINAL} == {"filled", "canceled", "rejected", "expired"}


def test_fills_accumulate_the_quantity_and_a_weighted_average_price() -> None:
    opened, _ = order(quantity=4.0).apply(OrderAction.ACCEPT, T0)

    first, _ = opened.apply(OrderAction.PARTIAL_FILL, T0 + 1, 1.0, 100.0)
    second, _ = first.apply(OrderAction.PARTIAL_FILL, T0 + 2, 2.0, 103.0)
    last, event = second.apply(OrderAction.FILL, T0 + 3, 1.0, 110.0)

    assert (first.filled_quantity, first.average_price, first.remaining) == (1.0, 100.0, 3.0)
    assert (second.filled_quantity, second.average_price) == (3.0, 102.0)  # (100 + 206) / 3
    assert last.status is OrderStatus.FILLED
    assert last.filled_quantity == 4.0
    assert last.average_price == pytest.approx(104.0)  # (100 + 206 + 110) / 4
    assert last.remaining == 0.0
    assert (event.quantity, event.price) == (1.0, 110.0)


def test_cancel_of_a_partly_filled_order_keeps_what_was_filled() -> None:
    opened, _ = order().apply(OrderAction.ACCEPT, T0)
    partial, _ = opened.apply(OrderAction.PARTIAL_FILL, T0, 1.0, 100.0)
    canceled, event = partial.apply(OrderAction.CANCEL, T0 + 1, reason="rest not executable")

    assert canceled.status is OrderStatus.CANCELED
    assert (canceled.filled_quantity, canceled.average_price) == (1.0, 100.0)
    assert (event.quantity, event.reason) == (0.0, "rest not executable")


STEPS = st.lists(
    st.tuples(
        st.sampled_from(list(OrderAction)),
        st.floats(0.001, 10.0),
        st.floats(0.01, 1e6),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(steps=STEPS)
def test_no_sequence_of_actions_leaves_the_table(
    steps: list[tuple[OrderAction, float, float]],
) -> None:
    current = order()
    path = [current.status]
    filled = 0.0
    cost = 0.0
    for ts, (action, quantity, price) in enumerate(steps):
        if (current.status, action) not in TRANSITIONS:
            with pytest.raises(IllegalTransitionError):
                current.apply(action, T0 + ts, quantity, price)
            continue
        current, event = current.apply(action, T0 + ts, quantity, price)
        assert event.status_from is path[-1]
        assert TRANSITIONS[(event.status_from, event.action)] is event.status_to
        assert event.status_to is current.status
        path.append(current.status)
        if action in FILLS:
            filled += quantity
            cost += quantity * price

    assert path[0] is OrderStatus.NEW
    for source, target in itertools.pairwise(path):
        assert target in {TRANSITIONS[(source, action)] for action in OrderAction
                          if (source, action) in TRANSITIONS}  # fmt: skip
        assert not source.is_terminal
    assert math.isclose(current.filled_quantity, filled, rel_tol=1e-12)
    if filled:
        assert math.isclose(current.average_price, cost / filled, rel_tol=1e-9)
    else:
        assert current.average_price == 0.0
