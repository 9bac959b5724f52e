"""The fake exchange's Bybit v5 API, driven only through the real CCXT ``bybit`` client as
``client.connect`` builds it (demo trading, its URLs rewritten to the loopback fake), and through
the gateway where Bybit needs what CCXT does not unify. Prices come from the bundled sample."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ccxt
import pytest

from alpha_arena.core.errors import ConfigurationError, OrderRejectedError
from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.accounts import ExchangeAccount, ExchangeCredentials
from alpha_arena.domain.orders import Side
from alpha_arena.execution.exchange.ccxt_gateway import CcxtGateway
from alpha_arena.execution.exchange.client import connect
from alpha_arena.execution.exchange.errors import translate
from tests.support.fake_bybit_account import TAKER_FEE
from tests.support.fake_exchange import FakeExchange
from tests.support.fake_venues import DEFAULT_NOW_MS, btc_bar, funding_table

NOW = DEFAULT_NOW_MS  # 2024-03-15 00:00 UTC, a bar boundary
BTC = "BTC/USDT:USDT"
KEY, SECRET = "bybit-demo-key", "bybit-demo-secret"
ACCOUNT = ExchangeAccount(1, "bybit-demo", "bybit", True, "f", 0, 0)


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with FakeExchange(NOW) as server:
        server.add_account(KEY, SECRET, usdt=10_000.0)
        yield server


def client_of(fake: FakeExchange, secret: str = SECRET) -> Any:
    return connect(ACCOUNT, ExchangeCredentials(KEY, secret), base_url=fake.url, rate_limit_ms=0)


@pytest.fixture
def bybit(fake: FakeExchange) -> Any:
    return client_of(fake)


def gateway_of(client: Any) -> CcxtGateway:
    return CcxtGateway(client, lambda error: translate(error, ACCOUNT, (KEY, SECRET)))


def test_only_the_linear_markets_are_loaded_with_bybit_lot_steps(
    fake: FakeExchange, bybit: Any
) -> None:
    bybit.load_markets()
    categories = {p["category"] for path, p in fake.log if path.endswith("instruments-info")}
    assert categories == {"linear"}
    btc = bybit.market(BTC)
    assert (btc["linear"], btc["contractSize"], btc["precision"]["amount"]) == (True, 1, 0.001)
    assert btc["limits"]["cost"]["min"] == 5
    assert fake.unknown_paths == []


def test_preparing_twice_sets_one_way_isolated_and_tolerates_an_unchanged_leverage(
    fake: FakeExchange,
) -> None:
    gateway_of(client_of(fake)).prepare(BTC, 3.0)
    with pytest.raises(ccxt.NoChange, match="110043"):  # what the gateway tolerates
        client_of(fake).set_leverage(3, BTC)
    gateway_of(client_of(fake)).prepare(BTC, 3.0)  # a restarted process
    account = fake.account(KEY)
    assert (account.leverage[BTC], account.margin_mode[BTC], account.hedged) == (
        3.0, "isolated", False,
    )  # fmt: skip


def test_a_market_buy_fills_at_the_bar_open_with_bybit_taker_fee(
    fake: FakeExchange, bybit: Any
) -> None:
    gateway = gateway_of(bybit)
    gateway.prepare(BTC, 5.0)
    sent = gateway.market_order(BTC, Side.BUY, 0.1, "entry1", reduce_only=False)
    found = gateway.find_order(BTC, "entry1", trigger=False)
    open_ = btc_bar(NOW)[1]
    assert found is not None and found.order_id == sent.order_id
    assert (found.status, found.filled) == ("closed", 0.1)
    (trade,) = gateway.trades(BTC, NOW)
    assert (trade.order_id, trade.price, trade.ts) == (sent.order_id, open_, NOW)
    assert trade.fee == pytest.approx(0.1 * open_ * TAKER_FEE, abs=1e-8)
    (position,) = gateway.positions()
    assert (position.symbol, position.quantity, position.entry_price, position.leverage) == (
        BTC, 0.1, open_, 5.0,
    )  # fmt: skip
    total, free = gateway.balance()
    assert total == pytest.approx(10_000 - 0.1 * open_ * TAKER_FEE)
    assert free == pytest.approx(total - 0.1 * open_ / 5)


def test_a_stop_executes_as_itself_on_the_bar_that_trades_through_it(
    fake: FakeExchange, bybit: Any
) -> None:
    # Hand-checked: the 00:00 and 01:00 bars stay above 70,000; the 02:00 bar's low is below.
    assert all(btc_bar(NOW + h * HOUR_MS)[3] > 70_000 for h in (0, 1))
    assert btc_bar(NOW + 2 * HOUR_MS)[3] < 70_000
    gateway = gateway_of(bybit)
    gateway.market_order(BTC, Side.BUY, 0.1, "entry2", reduce_only=False)
    stop = gateway.trigger_order(BTC, Side.SELL, 0.1, "stop2", 70_000, stop_loss=True)
    placed = next(o for o in fake.account(KEY).orders.values() if o.kind == "conditional")
    # A sell falling to its trigger: a stop-loss (triggerDirection 2), reduce-only.
    assert (placed.stop_price, placed.extras["triggerDirection"], placed.reduce_only) == (
        70_000, "2", True,
    )  # fmt: skip
    (resting,) = gateway.open_orders()
    assert (resting.order_id, resting.trigger) == (stop.order_id, True)

    fake.advance_to(NOW + 6 * HOUR_MS)

    assert gateway.open_orders() == []
    done = gateway.find_order(BTC, "stop2", trigger=True)
    assert done is not None and (done.status, done.filled) == ("closed", 0.1)
    assert done.children == (stop.order_id,)  # its executions are its own
    exits = [t for t in gateway.trades(BTC, NOW) if t.order_id == stop.order_id]
    assert [(t.side, t.price, t.ts) for t in exits] == [(Side.SELL, 70_000, NOW + 2 * HOUR_MS)]
    assert gateway.positions() == []


def test_a_canceled_stop_never_fires(fake: FakeExchange, bybit: Any) -> None:
    gateway = gateway_of(bybit)
    gateway.market_order(BTC, Side.BUY, 0.1, "entry3", reduce_only=False)
    stop = gateway.trigger_order(BTC, Side.SELL, 0.1, "stop3", 70_000, stop_loss=True)
    gateway.cancel_order(BTC, stop, trigger=True)
    gateway.cancel_order(BTC, stop, trigger=True)  # gone already: not an error
    fake.advance_to(NOW + 6 * HOUR_MS)
    found = gateway.find_order(BTC, "stop3", trigger=True)
    assert found is not None and found.status == "canceled"
    assert [p.quantity for p in gateway.positions()] == [0.1]


def test_funding_paid_is_negative_as_on_the_other_exchanges(fake: FakeExchange, bybit: Any) -> None:
    gateway = gateway_of(bybit)
    gateway.market_order(BTC, Side.BUY, 0.1, "entry4", reduce_only=False)
    fake.advance_to(NOW + 9 * HOUR_MS)  # crosses the 08:00 settlement
    (payment,) = gateway.funding(NOW)
    funding = funding_table("BTC")
    rate = funding[funding[:, 0] == NOW + 8 * HOUR_MS][0, 1]
    mark = btc_bar(NOW + 7 * HOUR_MS)[4]  # the close of the bar that closes at 08:00
    assert (payment.symbol, payment.ts) == (BTC, NOW + 8 * HOUR_MS)
    assert payment.amount == pytest.approx(-0.1 * mark * rate, abs=1e-8)
    (raw,) = bybit.fetch_funding_history(BTC, NOW)
    assert raw["amount"] == pytest.approx(-payment.amount)  # CCXT passes Bybit's fee on


@pytest.mark.parametrize(
    ("kind", "code"), [("insufficient_funds", "110007"), ("invalid_order", "10001")]
)
def test_refused_orders_are_rejections_of_their_kind(
    fake: FakeExchange, bybit: Any, kind: str, code: str
) -> None:
    gateway = gateway_of(bybit)
    fake.reject_next_order(kind)
    with pytest.raises(OrderRejectedError, match=code) as refused:
        gateway.market_order(BTC, Side.BUY, 0.1, "refused", reduce_only=False)
    assert refused.value.kind == kind
    assert gateway.find_order(BTC, "refused", trigger=False) is None
    gateway.market_order(BTC, Side.BUY, 0.1, "refused", reduce_only=False)  # only the next one


def test_reduce_only_without_a_position_and_a_reused_client_id_are_invalid(
    fake: FakeExchange, bybit: Any
) -> None:
    with pytest.raises(ccxt.InvalidOrder, match="110017"):
        bybit.create_order(BTC, "market", "sell", 0.1, None, {"reduceOnly": True})
    bybit.create_order(BTC, "market", "buy", 0.1, None, {"clientOrderId": "once"})
    with pytest.raises(ccxt.InvalidOrder, match="110072"):
        bybit.create_order(BTC, "market", "buy", 0.1, None, {"clientOrderId": "once"})


def test_an_order_whose_answer_is_lost_exists_and_is_found_by_client_id(
    fake: FakeExchange, bybit: Any
) -> None:
    gateway = gateway_of(bybit)
    fake.drop_response_after_accept_next()
    with pytest.raises(ccxt.NetworkError):
        bybit.create_order(BTC, "market", "buy", 0.1, None, {"clientOrderId": "lost"})
    found = gateway.find_order(BTC, "lost", trigger=False)
    assert found is not None and (found.status, found.filled) == ("closed", 0.1)


def test_a_partial_fill_cancels_the_rest(fake: FakeExchange, bybit: Any) -> None:
    gateway = gateway_of(bybit)
    fake.partial_fill_next(0.5)
    gateway.market_order(BTC, Side.BUY, 0.015, "half", reduce_only=False)
    found = gateway.find_order(BTC, "half", trigger=False)
    assert found is not None and (found.status, found.filled) == ("canceled", 0.007)
    assert [p.quantity for p in gateway.positions()] == [0.007]


def test_a_position_opened_by_hand_shows_without_any_api_trade(
    fake: FakeExchange, bybit: Any
) -> None:
    gateway = gateway_of(bybit)
    fake.open_position_by_hand(KEY, BTC, -0.05, 70_000.0)
    (position,) = gateway.positions()
    assert (position.quantity, position.entry_price) == (-0.05, 70_000)
    assert gateway.trades(BTC, NOW - HOUR_MS) == []


def test_too_many_requests_is_a_rate_limit(fake: FakeExchange, bybit: Any) -> None:
    fake.fail_next(429)
    with pytest.raises(ccxt.RateLimitExceeded, match="10006"):
        bybit.fetch_balance()


def test_a_wrong_secret_is_a_configuration_error_naming_the_account(fake: FakeExchange) -> None:
    with pytest.raises(ConfigurationError, match="10004") as refused:
        gateway_of(client_of(fake, secret="wrong")).balance()
    assert "bybit-demo" in str(refused.value) and SECRET not in str(refused.value)


def test_records_older_than_bybit_seven_day_window_are_read_span_by_span(
    fake: FakeExchange, bybit: Any
) -> None:
    gateway = gateway_of(bybit)
    gateway.market_order(BTC, Side.BUY, 0.01, "early", reduce_only=False)
    fake.advance_to(NOW + 9 * 24 * HOUR_MS)
    gateway.market_order(BTC, Side.SELL, 0.01, "late", reduce_only=False)
    # One request answers at most 7 days: a restart reading from the start needs two.
    (alone,) = bybit.fetch_my_trades(BTC, NOW)
    assert alone["timestamp"] == NOW
    restarted = gateway_of(client_of(fake))
    assert [t.ts for t in restarted.trades(BTC, NOW)] == [NOW, NOW + 9 * 24 * HOUR_MS]
    assert len(restarted.funding(NOW)) == 9 * 3  # every 8h settlement on the position
