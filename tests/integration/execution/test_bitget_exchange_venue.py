"""The exchange venue on Bitget's v2 USDT-M futures API (the loopback fake, through the real
CCXT client): what test_exchange_venue.py checks on OKX when an order is refused, its answer
is lost, it fills in part, a runner restarts or the account holds what it did not open."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.orders import OrderStatus
from tests.integration.execution.test_exchange_venue import (
    CAPITAL,
    KEY,
    PASSPHRASE,
    SECRET,
    START,
    exchange_venue,
    paper_fills,
    run_on_exchange,
)
from tests.support.fake_exchange import FakeExchange, running

EXCHANGE = "bitget"


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with running(now_ms=START) as exchange:
        exchange.add_account(KEY, SECRET, PASSPHRASE, usdt=CAPITAL)
        yield exchange


def test_a_bitget_refusal_is_a_recorded_rejection(fake: FakeExchange) -> None:
    fake.reject_next_order("insufficient_funds")
    ledger = run_on_exchange(fake, exchange_venue(fake, exchange=EXCHANGE), steps=3)

    [order] = ledger.orders.values()
    [event] = [e for e in ledger.order_events if e.client_order_id == order.client_order_id]
    assert event.status_to is OrderStatus.REJECTED
    assert "insufficient funds" in event.reason and "40762" in event.reason
    assert ledger.fills == []


@pytest.mark.parametrize("fault", ["lost answer", "rate limit"])
def test_an_order_whose_answer_is_lost_or_refused_for_a_moment_is_placed_once(
    fake: FakeExchange, fault: str
) -> None:
    if fault == "lost answer":
        fake.drop_response_after_accept_next()
    else:
        fake.fail_next(429, path="/api/v2/mix/order/place-order")
    ledger = run_on_exchange(fake, exchange_venue(fake, exchange=EXCHANGE), steps=30)

    assert [(f.ts, f.tag, round(f.quantity, 9), f.price) for f in ledger.fills] == paper_fills(30)
    sent = [
        o for o in fake.account(KEY).orders.values() if o.kind == "market" and o.client_order_id
    ]
    markets = [o for o in ledger.orders.values() if o.type.value == "market"]
    assert len(sent) == len({o.client_order_id for o in sent}) == len(markets)


def test_a_partly_filled_entry_is_guarded_for_what_it_executed(fake: FakeExchange) -> None:
    fake.partial_fill_next(0.5)
    ledger = run_on_exchange(fake, exchange_venue(fake, exchange=EXCHANGE), steps=3)

    [entry] = [f for f in ledger.fills if f.tag == "entry"]
    [order] = [o for o in ledger.orders.values() if o.tag == "entry"]
    assert entry.quantity == pytest.approx(order.quantity / 2, abs=0.001)
    moves = [e.status_to for e in ledger.order_events if e.client_order_id == order.client_order_id]
    assert moves[-1] is OrderStatus.CANCELED
    exits = [o for o in fake.account(KEY).orders.values() if o.kind == "conditional"]
    assert sorted(o.extras["planType"] for o in exits) == ["loss_plan", "profit_plan"]
    assert [o.quantity for o in exits] == [pytest.approx(entry.quantity)] * 2


def test_a_restart_on_bitget_places_nothing_twice(fake: FakeExchange) -> None:
    first = run_on_exchange(fake, exchange_venue(fake, exchange=EXCHANGE), steps=60)
    placed = len(fake.account(KEY).orders)

    again = run_on_exchange(fake, exchange_venue(fake, exchange=EXCHANGE), steps=60)

    assert len(fake.account(KEY).orders) == placed
    assert [(f.ts, f.price, f.fee) for f in again.fills] == [
        (f.ts, f.price, f.fee) for f in first.fills
    ]
    assert again.equity == first.equity
    assert fake.paptrading_requests > 0 and fake.bitget_live_requests == 0  # demo trading


def test_reconciliation_on_bitget_reports_what_it_did_not_open(fake: FakeExchange) -> None:
    venue = exchange_venue(fake, exchange=EXCHANGE)
    run_on_exchange(fake, venue, steps=30)  # while an entry is held, its exits resting
    ts = START + 30 * HOUR_MS

    clean = venue.reconcile(ts)
    assert clean.differences == ()
    assert clean.positions
    assert 0 < clean.balance_free <= clean.balance_total

    fake.open_position_by_hand(KEY, "ETH/USDT:USDT", 0.5)
    report = venue.reconcile(ts)
    assert [(d.kind, d.symbol) for d in report.differences] == [
        ("unknown_position", "ETH/USDT:USDT")
    ]
