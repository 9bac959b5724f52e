"""The fake exchange's Bitget v2 USDT-M futures API, driven through the real CCXT ``bitget``
client as ``client.connect`` builds it for a demo account (sandbox mode: the ``paptrading``
header), its URLs rewritten to the loopback fake. Prices come from the bundled sample."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ccxt
import pytest

from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.accounts import ExchangeAccount, ExchangeCredentials
from alpha_arena.domain.orders import Side
from alpha_arena.execution.exchange.ccxt_gateway import CcxtGateway
from alpha_arena.execution.exchange.client import connect
from alpha_arena.execution.exchange.errors import translate
from tests.support.fake_bitget_rows import TAKER_FEE
from tests.support.fake_exchange import FakeExchange
from tests.support.fake_venues import DEFAULT_NOW_MS, btc_bar, funding_table

NOW = DEFAULT_NOW_MS  # 2024-03-15 00:00 UTC, a bar boundary
BTC = "BTC/USDT:USDT"
KEY, SECRET, PASSPHRASE = "bitget-demo-key", "bitget-demo-secret", "Bitget-pass-1"
PLANS = {"planType": "profit_loss"}  # how Bitget lists TP/SL plan orders


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with FakeExchange(NOW) as server:
        server.add_account(KEY, SECRET, PASSPHRASE, usdt=10_000.0)
        yield server


def client(
    fake: FakeExchange, secret: str = SECRET, passphrase: str = PASSPHRASE, demo: bool = True
) -> Any:
    account = ExchangeAccount(1, "demo", "bitget", demo, "f", 0, 0)
    exchange = connect(
        account, ExchangeCredentials(KEY, secret, passphrase), base_url=fake.url, rate_limit_ms=0
    )
    exchange.enableRateLimit = False
    return exchange


@pytest.fixture
def bitget(fake: FakeExchange) -> Any:
    exchange = client(fake)
    exchange.load_markets()
    exchange.set_position_mode(False, BTC)
    exchange.set_margin_mode("isolated", BTC)
    exchange.set_leverage(5, BTC)
    return exchange


def stop(exchange: Any, size: float, level: float, client_id: str = "", **extra: Any) -> Any:
    params = {"stopLossPrice": level, "reduceOnly": True, "planType": "loss_plan",
              "triggerType": "fill_price", **extra}  # fmt: skip
    if client_id:
        params["clientOrderId"] = client_id
    return exchange.create_order(BTC, "market", "sell", size, None, params)


def test_markets_report_bitget_fees_and_sizes_in_base_coin(fake: FakeExchange) -> None:
    exchange = client(fake)
    exchange.load_markets()
    btc = exchange.market(BTC)
    assert (btc["taker"], btc["maker"], btc["contractSize"]) == (TAKER_FEE, 0.0002, 1)
    assert (btc["precision"]["amount"], btc["precision"]["price"]) == (0.001, 0.1)
    assert set(exchange.markets) == {BTC, "ETH/USDT:USDT"}  # USDT-M swaps only
    assert fake.unknown_paths == []


def test_market_buy_fills_at_the_bar_open_with_the_taker_fee(
    fake: FakeExchange, bitget: Any
) -> None:
    bitget.create_order(BTC, "market", "buy", 0.1, None,
                        {"clientOrderId": "entry1", "marginMode": "isolated"})  # fmt: skip
    order = bitget.fetch_order(None, BTC, {"clientOrderId": "entry1"})
    open_ = btc_bar(NOW)[1]
    notional = 0.1 * open_
    assert (order["status"], order["filled"], order["average"]) == ("closed", 0.1, open_)
    assert order["fee"]["cost"] == pytest.approx(notional * TAKER_FEE)
    (position,) = bitget.fetch_positions([BTC])
    assert (position["contracts"], position["side"], position["marginMode"]) == (
        0.1, "long", "isolated",
    )  # fmt: skip
    assert (position["entryPrice"], position["leverage"]) == (open_, 5)
    (trade,) = bitget.fetch_my_trades(BTC)
    assert (trade["order"], trade["price"], trade["fee"]["cost"]) == (
        order["id"], open_, pytest.approx(notional * TAKER_FEE),
    )  # fmt: skip
    balance = bitget.fetch_balance()["USDT"]
    assert balance["total"] == pytest.approx(10_000 - notional * TAKER_FEE)
    assert balance["free"] == pytest.approx(10_000 - notional / 5 - notional * TAKER_FEE)


def test_stop_fires_on_the_bar_through_it_and_bitget_cancels_the_take_profit(
    fake: FakeExchange, bitget: Any
) -> None:
    # Hand-checked: the 02:00 bar is the first whose low is below 70,000; none reaches 73,000.
    assert all(btc_bar(NOW + h * HOUR_MS)[3] > 70_000 for h in (0, 1))
    assert all(btc_bar(NOW + h * HOUR_MS)[2] < 73_000 for h in (0, 1, 2))
    bitget.create_order(BTC, "market", "buy", 0.1, None, {"marginMode": "isolated"})
    stop(bitget, 0.1, 70_000, "sl1")
    bitget.create_order(
        BTC, "market", "sell", 0.1, None,
        {"takeProfitPrice": 73_000, "planType": "profit_plan", "clientOrderId": "tp1"},
    )  # fmt: skip
    pending = bitget.fetch_open_orders(BTC, None, None, PLANS)
    assert sorted(o["info"]["planType"] for o in pending) == ["loss_plan", "profit_plan"]
    assert fake.account(KEY).order_by_client_id("sl1").extras["triggerType"] == "fill_price"

    fake.advance_to(NOW + 6 * HOUR_MS)

    assert bitget.fetch_open_orders(BTC, None, None, PLANS) == []
    done = bitget.fetch_canceled_and_closed_orders(BTC, None, None, {**PLANS, "clientOid": "sl1"})
    assert [(o["status"], o["info"]["planStatus"]) for o in done] == [("closed", "executed")]
    canceled = bitget.fetch_canceled_and_closed_orders(
        BTC, None, None, {**PLANS, "clientOid": "tp1"}
    )
    assert canceled[0]["status"] == "canceled"  # the position closed: its TP/SL go with it
    trades = bitget.fetch_my_trades(BTC)
    assert [(t["side"], t["price"], t["timestamp"]) for t in trades] == [
        ("buy", btc_bar(NOW)[1], NOW),
        ("sell", 70_000, NOW + 2 * HOUR_MS),
    ]
    assert trades[1]["order"] == done[0]["info"]["executeOrderId"]
    assert bitget.fetch_positions([BTC]) == []


def test_a_plan_is_canceled_only_under_its_own_plan_type(fake: FakeExchange, bitget: Any) -> None:
    bitget.create_order(BTC, "market", "buy", 0.1, None, {"marginMode": "isolated"})
    placed = stop(bitget, 0.1, 70_000)

    missed = bitget.cancel_order(placed["id"], BTC, {"trigger": True})  # normal_plan
    assert missed["id"] is None
    assert len(bitget.fetch_open_orders(BTC, None, None, PLANS)) == 1
    bitget.cancel_order(placed["id"], BTC, {"trigger": True, "planType": "loss_plan"})
    assert bitget.fetch_open_orders(BTC, None, None, PLANS) == []

    fake.advance_to(NOW + 6 * HOUR_MS)
    assert bitget.fetch_positions([BTC])[0]["contracts"] == 0.1


def test_a_stop_above_the_price_of_a_long_is_refused(fake: FakeExchange, bitget: Any) -> None:
    bitget.create_order(BTC, "market", "buy", 0.1, None, {"marginMode": "isolated"})
    with pytest.raises(ccxt.InvalidOrder, match="40917"):
        stop(bitget, 0.1, float(btc_bar(NOW)[1]) + 100)


def test_funding_is_a_settle_fee_bill_at_the_funding_time(fake: FakeExchange, bitget: Any) -> None:
    bitget.create_order(BTC, "market", "buy", 0.1, None, {"marginMode": "isolated"})
    fake.advance_to(NOW + 9 * HOUR_MS)  # crosses the 08:00 settlement
    (payment,) = bitget.fetch_funding_history(BTC)
    funding = funding_table("BTC")
    rate = funding[funding[:, 0] == NOW + 8 * HOUR_MS][0, 1]
    mark = btc_bar(NOW + 7 * HOUR_MS)[4]  # the close of the bar that closes at 08:00
    assert payment["timestamp"] == NOW + 8 * HOUR_MS
    assert payment["amount"] == pytest.approx(-0.1 * mark * rate)
    assert payment["info"]["businessType"] == "contract_settle_fee"


@pytest.mark.parametrize(
    ("kind", "error", "code"),
    [("insufficient_funds", ccxt.InsufficientFunds, "40762"),
     ("invalid_order", ccxt.InvalidOrder, "40808")],
)  # fmt: skip
def test_rejected_orders_raise_the_ccxt_error_for_their_code(
    fake: FakeExchange, bitget: Any, kind: str, error: type[Exception], code: str
) -> None:
    fake.reject_next_order(kind)
    with pytest.raises(error, match=code):
        bitget.create_order(BTC, "market", "buy", 0.1, None, {"marginMode": "isolated"})
    bitget.create_order(BTC, "market", "buy", 0.1, None, {"marginMode": "isolated"})


def test_order_faults_and_duplicates(fake: FakeExchange, bitget: Any) -> None:
    isolated = {"marginMode": "isolated"}
    fake.drop_response_after_accept_next()
    with pytest.raises(ccxt.NetworkError):
        bitget.create_order(BTC, "market", "buy", 0.2, None, {**isolated, "clientOrderId": "lost"})
    assert bitget.fetch_order(None, BTC, {"clientOrderId": "lost"})["filled"] == 0.2
    with pytest.raises(ccxt.ExchangeError, match="40786"):  # a code CCXT does not map
        bitget.create_order(BTC, "market", "buy", 0.2, None, {**isolated, "clientOrderId": "lost"})
    fake.partial_fill_next(0.5)
    bitget.create_order(BTC, "market", "buy", 0.3, None, {**isolated, "clientOrderId": "half"})
    half = bitget.fetch_order(None, BTC, {"clientOrderId": "half"})
    assert (half["status"], half["amount"], half["filled"]) == ("canceled", 0.3, 0.15)
    fake.fail_next(429)
    with pytest.raises(ccxt.DDoSProtection, match="429"):  # CCXT's name for Bitget's 429
        bitget.fetch_balance()
    fake.open_position_by_hand(KEY, "ETH/USDT:USDT", -0.5)
    held = {p["symbol"]: (p["side"], p["contracts"]) for p in bitget.fetch_positions()}
    assert held == {BTC: ("long", 0.35), "ETH/USDT:USDT": ("short", 0.5)}


@pytest.mark.parametrize(
    ("overrides", "code"),
    [({"secret": "wrong"}, "40009"), ({"passphrase": "wrong"}, "40012"),
     ({"demo": False}, "40099")],  # a demo key without the demo header
)  # fmt: skip
def test_bad_credentials_or_environment_are_authentication_errors(
    fake: FakeExchange, overrides: dict[str, Any], code: str
) -> None:
    with pytest.raises(ccxt.AuthenticationError, match=code):
        client(fake, **overrides).fetch_balance()


def test_demo_trading_header_is_sent_on_every_signed_request(
    fake: FakeExchange, bitget: Any
) -> None:
    bitget.create_order(BTC, "market", "buy", 0.1, None, {"marginMode": "isolated"})
    bitget.fetch_balance()
    assert fake.paptrading_requests >= 5
    assert fake.bitget_live_requests == 0


def test_the_gateway_places_finds_and_cancels_a_stop_as_a_sized_loss_plan(
    fake: FakeExchange,
) -> None:
    account = ExchangeAccount(1, "demo", "bitget", True, "f", 0, 0)
    gateway = CcxtGateway(client(fake), lambda error: translate(error, account))
    gateway.prepare(BTC, 3)
    gateway.market_order(BTC, Side.BUY, 0.2, "entry9", reduce_only=False)
    placed = gateway.trigger_order(BTC, Side.SELL, 0.2, "stop9", 70_000.0, stop_loss=True)

    found = gateway.find_order(BTC, "stop9", trigger=True)
    assert found is not None and (found.order_id, found.status) == (placed.order_id, "open")
    plan = fake.account(KEY).orders[placed.order_id]
    assert (plan.extras["planType"], plan.quantity, plan.extras["triggerType"]) == (
        "loss_plan", 0.2, "fill_price",
    )  # fmt: skip
    assert [o.order_id for o in gateway.open_orders() if o.trigger] == [placed.order_id]

    gateway.cancel_order(BTC, placed, trigger=True)
    assert plan.status == "canceled"
    assert gateway.open_orders() == []
    assert gateway.find_order(BTC, "nowhere", trigger=True) is None
