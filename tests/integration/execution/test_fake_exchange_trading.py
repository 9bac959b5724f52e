"""The fake exchange's private APIs, driven only through the real CCXT clients: OKX v5 demo
trading (``okx`` with sandbox mode) and Binance USD-M futures (``binanceusdm`` with demo
trading), their URLs rewritten to the loopback fake. Prices come from the bundled sample."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ccxt
import pytest

from alpha_arena.core.time import HOUR_MS
from alpha_arena.marketdata.sources.ccxt_source import rewrite_urls
from tests.support.fake_exchange import FakeExchange
from tests.support.fake_venues import DEFAULT_NOW_MS, btc_bar, funding_table

NOW = DEFAULT_NOW_MS  # 2024-03-15 00:00 UTC, a bar boundary
BTC = "BTC/USDT:USDT"
KEY, SECRET, PASSPHRASE = "demo-key", "demo-secret", "demo-passphrase"
TAKER = 0.0005


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with FakeExchange(NOW) as server:
        server.add_account(KEY, SECRET, PASSPHRASE, usdt=10_000.0)
        yield server


def okx_client(
    fake: FakeExchange, secret: str = SECRET, password: str = PASSPHRASE, demo: bool = True,
    timeout_ms: int = 5_000,
) -> Any:  # fmt: skip
    exchange = ccxt.okx(
        {"apiKey": KEY, "secret": secret, "password": password, "timeout": timeout_ms,
         "enableRateLimit": False, "options": {"defaultMarginMode": "isolated"}}
    )  # fmt: skip
    if demo:
        exchange.set_sandbox_mode(True)
    exchange.urls["api"] = rewrite_urls(exchange.urls["api"], fake.url)
    return exchange


def binance_client(fake: FakeExchange, secret: str = SECRET) -> Any:
    exchange = ccxt.binanceusdm(
        {"apiKey": KEY, "secret": secret, "timeout": 5_000, "enableRateLimit": False}
    )
    exchange.enable_demo_trading(True)
    exchange.urls["api"] = rewrite_urls(exchange.urls["api"], fake.url)
    # CCXT picks Binance's USD-M error codes by the URL's host, which the rewrite replaces.
    exchange.exceptions["exact"].update(exchange.exceptions["linear"]["exact"])
    return exchange


@pytest.fixture
def okx(fake: FakeExchange) -> Any:
    exchange = okx_client(fake)
    exchange.load_markets()
    exchange.set_leverage(5, BTC, {"marginMode": "isolated"})
    return exchange


@pytest.fixture
def binance(fake: FakeExchange) -> Any:
    exchange = binance_client(fake)
    exchange.load_markets()
    exchange.set_margin_mode("isolated", BTC)
    exchange.set_leverage(5, BTC)
    return exchange


# -- OKX ---------------------------------------------------------------------------------------


def test_okx_markets_report_the_swap_fees_and_contract_sizes(fake: FakeExchange) -> None:
    exchange = okx_client(fake)
    exchange.load_markets()
    btc, eth = exchange.market(BTC), exchange.market("ETH/USDT:USDT")
    assert (btc["taker"], btc["maker"]) == (TAKER, 0.0002)
    assert (btc["contractSize"], eth["contractSize"]) == (0.01, 0.1)


def test_okx_account_is_set_to_one_way_isolated_5x(fake: FakeExchange) -> None:
    exchange = okx_client(fake)
    exchange.set_position_mode(False)
    exchange.set_margin_mode("isolated", BTC, {"lever": 3})
    exchange.set_leverage(5, BTC, {"marginMode": "isolated"})
    leverage = exchange.fetch_leverage(BTC, {"marginMode": "isolated"})
    assert (leverage["marginMode"], leverage["longLeverage"]) == ("isolated", 5)
    assert exchange.fetch_position_mode()["hedged"] is False
    assert fake.account(KEY).leverage[BTC] == 5


def test_okx_market_buy_fills_at_the_bar_open_with_the_taker_fee(
    fake: FakeExchange, okx: Any
) -> None:
    okx.create_order(BTC, "market", "buy", 10, None, {"clientOrderId": "entry1"})
    order = okx.fetch_order(None, BTC, {"clientOrderId": "entry1"})
    open_ = btc_bar(NOW)[1]
    notional = 10 * 0.01 * open_
    assert (order["status"], order["filled"], order["average"]) == ("closed", 10, open_)
    assert order["fee"] == {"cost": pytest.approx(notional * TAKER), "currency": "USDT"}
    (position,) = okx.fetch_positions([BTC])
    assert (position["contracts"], position["contractSize"], position["side"]) == (10, 0.01, "long")
    assert (position["entryPrice"], position["leverage"], position["marginMode"]) == (
        open_, 5, "isolated",
    )  # fmt: skip
    assert position["initialMargin"] == pytest.approx(notional / 5)
    balance = okx.fetch_balance()["USDT"]
    assert balance["total"] == pytest.approx(10_000 - notional * TAKER)
    assert balance["free"] == pytest.approx(10_000 - notional / 5 - notional * TAKER)
    assert balance["used"] == pytest.approx(notional / 5)


def test_okx_oco_stop_fires_on_the_bar_that_trades_through_it_and_cancels_the_take_profit(
    fake: FakeExchange, okx: Any
) -> None:
    # Hand-checked: the 00:00 and 01:00 bars stay inside 70,000..73,000; the 02:00 bar's low is
    # 67,828.3, and no bar reaches 73,000 before.
    assert all(btc_bar(NOW + h * HOUR_MS)[3] > 70_000 for h in (0, 1))
    assert all(btc_bar(NOW + h * HOUR_MS)[2] < 73_000 for h in (0, 1, 2))
    assert btc_bar(NOW + 2 * HOUR_MS)[3] < 70_000
    okx.create_order(BTC, "market", "buy", 10, None, {"clientOrderId": "entry2"})
    okx.create_order(
        BTC, "market", "sell", 10, None,
        {"stopLossPrice": 70_000, "takeProfitPrice": 73_000, "reduceOnly": True,
         "clientOrderId": "exit2"},
    )  # fmt: skip
    (pending,) = okx.fetch_open_orders(BTC, None, None, {"ordType": "oco"})
    assert (pending["type"], pending["stopLossPrice"], pending["takeProfitPrice"]) == (
        "oco", 70_000, 73_000,
    )  # fmt: skip

    fake.advance_to(NOW + 2 * HOUR_MS)
    assert okx.fetch_open_orders(BTC, None, None, {"ordType": "oco"})  # not yet
    fake.advance_to(NOW + 6 * HOUR_MS)

    assert okx.fetch_open_orders(BTC, None, None, {"ordType": "oco"}) == []
    done = okx.fetch_order(None, BTC, {"clientOrderId": "exit2", "trigger": True})
    assert (done["status"], done["info"]["state"], done["info"]["actualSide"]) == (
        "closed", "effective", "sl",
    )  # fmt: skip
    trades = okx.fetch_my_trades(BTC)
    assert [(t["side"], t["price"], t["timestamp"]) for t in trades] == [
        ("buy", btc_bar(NOW)[1], NOW),
        ("sell", 70_000, NOW + 2 * HOUR_MS),
    ]
    assert trades[1]["order"] == done["info"]["ordId"]
    assert trades[1]["fee"]["cost"] == pytest.approx(0.1 * 70_000 * TAKER)
    assert okx.fetch_positions([BTC]) == []
    pnl = 0.1 * (70_000 - btc_bar(NOW)[1]) - 0.1 * (70_000 + btc_bar(NOW)[1]) * TAKER
    assert okx.fetch_balance()["USDT"]["total"] == pytest.approx(10_000 + pnl)


def test_okx_attached_take_profit_closes_a_short_at_its_level(fake: FakeExchange, okx: Any) -> None:
    okx.create_order(
        BTC, "market", "sell", 10, None,
        {"clientOrderId": "short1", "stopLoss": {"triggerPrice": 73_000},
         "takeProfit": {"triggerPrice": 70_000}},
    )  # fmt: skip
    (attached,) = okx.fetch_open_orders(
        BTC, None, None, {"trigger": True, "ordType": "conditional,oco"}
    )
    assert (attached["side"], attached["amount"], attached["reduceOnly"]) == ("buy", 10, True)
    fake.advance_to(NOW + 6 * HOUR_MS)
    (history,) = okx.fetch_closed_orders(BTC, None, None, {"ordType": "oco", "trigger": True})
    assert (history["info"]["actualSide"], history["info"]["actualPx"]) == ("tp", "70000")
    assert okx.fetch_positions([BTC]) == []


def test_okx_stop_the_open_already_passed_fills_at_the_open(fake: FakeExchange, okx: Any) -> None:
    okx.create_order(BTC, "market", "buy", 10)
    fake.advance_to(NOW + HOUR_MS)
    # A sell stop above the price: the next bar opens below it, so it fills at that open.
    okx.create_order(BTC, "market", "sell", 10, None, {"stopLossPrice": 72_500, "reduceOnly": True})
    fake.advance_to(NOW + 2 * HOUR_MS)
    assert okx.fetch_my_trades(BTC)[-1]["price"] == btc_bar(NOW + HOUR_MS)[1]


def test_okx_canceled_stop_never_fires(fake: FakeExchange, okx: Any) -> None:
    okx.create_order(BTC, "market", "buy", 10)
    stop = okx.create_order(
        BTC, "market", "sell", 10, None, {"stopLossPrice": 70_000, "reduceOnly": True}
    )
    okx.cancel_order(stop["id"], BTC, {"trigger": True})
    fake.advance_to(NOW + 6 * HOUR_MS)
    assert okx.fetch_order(stop["id"], BTC, {"trigger": True})["status"] == "canceled"
    assert okx.fetch_positions([BTC])[0]["contracts"] == 10


def test_okx_position_is_liquidated_at_its_liquidation_price_losing_its_margin(
    fake: FakeExchange, okx: Any
) -> None:
    okx.set_leverage(50, BTC, {"marginMode": "isolated"})
    okx.create_order(BTC, "market", "buy", 10)
    (position,) = okx.fetch_positions([BTC])
    liquidation, margin = position["liquidationPrice"], position["initialMargin"]
    # Hand-checked: 70,307 at 50x; the 02:00 bar is the first whose low is below it.
    assert btc_bar(NOW + HOUR_MS)[3] > liquidation > btc_bar(NOW + 2 * HOUR_MS)[3]
    fake.advance_to(NOW + 3 * HOUR_MS)
    assert okx.fetch_positions([BTC]) == []
    assert okx.fetch_my_trades(BTC)[-1]["price"] == pytest.approx(liquidation)
    entry_fee = 0.1 * btc_bar(NOW)[1] * TAKER
    assert okx.fetch_balance()["USDT"]["total"] == pytest.approx(10_000 - entry_fee - margin)


def test_okx_funding_is_paid_at_the_funding_time_on_the_close_before_it(
    fake: FakeExchange, okx: Any
) -> None:
    okx.create_order(BTC, "market", "buy", 10)
    fake.advance_to(NOW + 9 * HOUR_MS)  # crosses the 08:00 settlement
    (payment,) = okx.fetch_funding_history(BTC)
    funding = funding_table("BTC")
    rate = funding[funding[:, 0] == NOW + 8 * HOUR_MS][0, 1]
    mark = btc_bar(NOW + 7 * HOUR_MS)[4]  # the close of the bar that closes at 08:00
    assert payment["timestamp"] == NOW + 8 * HOUR_MS
    assert payment["amount"] == pytest.approx(-0.1 * mark * rate)
    assert payment["info"]["type"] == "8"


def test_okx_reduce_only_market_order_closes_at_most_the_position(
    fake: FakeExchange, okx: Any
) -> None:
    okx.create_order(BTC, "market", "buy", 3)
    okx.create_order(BTC, "market", "sell", 5, None, {"reduceOnly": True, "clientOrderId": "c"})
    order = okx.fetch_order(None, BTC, {"clientOrderId": "c"})
    assert (order["amount"], order["filled"]) == (3, 3)
    assert okx.fetch_positions([BTC]) == []
    with pytest.raises(ccxt.ExchangeError, match="51169"):  # nothing left to reduce
        okx.create_order(BTC, "market", "sell", 1, None, {"reduceOnly": True})


def test_okx_duplicate_client_order_id_is_refused(fake: FakeExchange, okx: Any) -> None:
    okx.create_order(BTC, "market", "buy", 1, None, {"clientOrderId": "once"})
    with pytest.raises(ccxt.InvalidOrder, match="51016"):
        okx.create_order(BTC, "market", "buy", 1, None, {"clientOrderId": "once"})
    assert len(okx.fetch_my_trades(BTC)) == 1


@pytest.mark.parametrize(
    ("kind", "error", "code"),
    [("insufficient_funds", ccxt.InsufficientFunds, "51008"),
     ("invalid_order", ccxt.InvalidOrder, "51121")],
)  # fmt: skip
def test_okx_rejected_orders_raise_the_ccxt_error_for_their_code(
    fake: FakeExchange, okx: Any, kind: str, error: type[Exception], code: str
) -> None:
    fake.reject_next_order(kind)
    with pytest.raises(error, match=code):
        okx.create_order(BTC, "market", "buy", 1)
    okx.create_order(BTC, "market", "buy", 1)  # only the next one


def test_okx_too_many_requests_is_rate_limit_exceeded(fake: FakeExchange, okx: Any) -> None:
    fake.fail_next(429)
    with pytest.raises(ccxt.RateLimitExceeded):
        okx.create_order(BTC, "market", "buy", 1)


def test_okx_order_whose_answer_is_lost_exists_and_is_found_by_client_id(
    fake: FakeExchange, okx: Any
) -> None:
    fake.drop_response_after_accept_next()
    with pytest.raises(ccxt.NetworkError):
        okx.create_order(BTC, "market", "buy", 2, None, {"clientOrderId": "lost"})
    found = okx.fetch_order(None, BTC, {"clientOrderId": "lost"})
    assert (found["status"], found["filled"]) == ("closed", 2)


def test_okx_order_whose_answer_stalls_times_out_but_exists(fake: FakeExchange) -> None:
    exchange = okx_client(fake, timeout_ms=300)
    exchange.load_markets()
    fake.drop_response_after_accept_next(stall_s=1.0)
    with pytest.raises(ccxt.RequestTimeout):
        exchange.create_order(BTC, "market", "buy", 2, None, {"clientOrderId": "slow"})
    assert exchange.fetch_order(None, BTC, {"clientOrderId": "slow"})["filled"] == 2


def test_okx_partial_fill_cancels_the_rest(fake: FakeExchange, okx: Any) -> None:
    fake.partial_fill_next(0.5)
    okx.create_order(BTC, "market", "buy", 3, None, {"clientOrderId": "half"})
    order = okx.fetch_order(None, BTC, {"clientOrderId": "half"})
    assert (order["status"], order["amount"], order["filled"]) == ("canceled", 3, 1.5)
    assert okx.fetch_positions([BTC])[0]["contracts"] == 1.5


def test_okx_position_opened_by_hand_shows_without_any_api_trade(
    fake: FakeExchange, okx: Any
) -> None:
    fake.open_position_by_hand(KEY, BTC, -0.05, 70_000.0)
    (position,) = okx.fetch_positions([BTC])
    assert (position["side"], position["contracts"], position["entryPrice"]) == (
        "short", 5, 70_000,
    )  # fmt: skip
    assert okx.fetch_my_trades(BTC) == []


@pytest.mark.parametrize(
    ("overrides", "code"),
    [({"secret": "wrong"}, "50113"), ({"password": "wrong"}, "50105"),
     ({"demo": False}, "50101")],
)  # fmt: skip
def test_okx_bad_credentials_or_environment_are_authentication_errors(
    fake: FakeExchange, overrides: dict[str, Any], code: str
) -> None:
    with pytest.raises(ccxt.AuthenticationError, match=code):
        okx_client(fake, **overrides).fetch_balance()


def test_okx_demo_trading_header_is_sent_on_every_request(fake: FakeExchange, okx: Any) -> None:
    okx.create_order(BTC, "market", "buy", 1)
    okx.fetch_balance()
    assert fake.simulated_requests >= 5
    assert fake.live_requests == 0


# -- Binance USD-M -----------------------------------------------------------------------------


def test_binance_markets_report_the_usdm_fees(fake: FakeExchange) -> None:
    exchange = binance_client(fake)
    exchange.load_markets()
    market = exchange.market(BTC)
    assert (market["taker"], market["maker"], market["contractSize"]) == (TAKER, 0.0002, 1)


def test_binance_market_buy_fills_at_the_bar_open_with_the_taker_fee(
    fake: FakeExchange, binance: Any
) -> None:
    binance.create_order(BTC, "market", "buy", 0.1, None, {"clientOrderId": "b-entry"})
    order = binance.fetch_order(None, BTC, {"clientOrderId": "b-entry"})
    open_ = btc_bar(NOW)[1]
    assert (order["status"], order["filled"], order["average"]) == ("closed", 0.1, open_)
    (trade,) = binance.fetch_my_trades(BTC)
    assert trade["fee"]["cost"] == pytest.approx(0.1 * open_ * TAKER)
    (position,) = binance.fetch_positions([BTC])
    assert (position["contracts"], position["contractSize"], position["side"]) == (0.1, 1, "long")
    assert (position["entryPrice"], position["marginMode"]) == (open_, "isolated")
    balance = binance.fetch_balance()["USDT"]
    assert balance["total"] == pytest.approx(10_000 - 0.1 * open_ * TAKER)
    assert balance["free"] == pytest.approx(10_000 - 0.1 * open_ / 5 - 0.1 * open_ * TAKER)


def test_binance_stop_fires_and_the_close_position_take_profit_is_canceled(
    fake: FakeExchange, binance: Any
) -> None:
    binance.create_order(BTC, "market", "buy", 0.1)
    binance.create_order(
        BTC, "market", "sell", 0.1, None,
        {"stopLossPrice": 70_000, "reduceOnly": True, "clientOrderId": "b-stop"},
    )  # fmt: skip
    binance.create_order(
        BTC, "market", "sell", None, None,
        {"takeProfitPrice": 73_000, "closePosition": True, "clientOrderId": "b-tp"},
    )  # fmt: skip
    assert len(binance.fetch_open_orders(BTC, None, None, {"trigger": True})) == 2
    fake.advance_to(NOW + 6 * HOUR_MS)
    stop = binance.fetch_order(None, BTC, {"clientOrderId": "b-stop", "trigger": True})
    take_profit = binance.fetch_order(None, BTC, {"clientOrderId": "b-tp", "trigger": True})
    assert (stop["status"], stop["info"]["algoStatus"]) == ("closed", "FINISHED")
    assert take_profit["status"] == "canceled"
    sold = binance.fetch_my_trades(BTC)[-1]
    assert (sold["side"], sold["price"], sold["timestamp"]) == ("sell", 70_000, NOW + 2 * HOUR_MS)
    assert str(sold["order"]) == stop["info"]["actualOrderId"]
    assert binance.fetch_positions([BTC]) == []


def test_binance_canceled_stop_never_fires(fake: FakeExchange, binance: Any) -> None:
    binance.create_order(BTC, "market", "buy", 0.1)
    binance.create_order(
        BTC, "market", "sell", 0.1, None,
        {"stopLossPrice": 70_000, "reduceOnly": True, "clientOrderId": "b-cancel"},
    )  # fmt: skip
    binance.cancel_order(None, BTC, {"clientOrderId": "b-cancel", "trigger": True})
    fake.advance_to(NOW + 6 * HOUR_MS)
    stop = binance.fetch_order(None, BTC, {"clientOrderId": "b-cancel", "trigger": True})
    assert stop["status"] == "canceled"
    assert binance.fetch_positions([BTC])[0]["contracts"] == 0.1


def test_binance_funding_fee_is_income(fake: FakeExchange, binance: Any) -> None:
    binance.create_order(BTC, "market", "buy", 0.1)
    fake.advance_to(NOW + 9 * HOUR_MS)
    (payment,) = binance.fetch_funding_history(BTC)
    funding = funding_table("BTC")
    rate = funding[funding[:, 0] == NOW + 8 * HOUR_MS][0, 1]
    assert payment["amount"] == pytest.approx(-0.1 * btc_bar(NOW + 7 * HOUR_MS)[4] * rate, abs=1e-8)
    assert payment["info"]["incomeType"] == "FUNDING_FEE"


@pytest.mark.parametrize(
    ("kind", "error", "code"),
    [("insufficient_funds", ccxt.InsufficientFunds, "-2019"),
     ("invalid_order", ccxt.InvalidOrder, "LOT_SIZE")],
)  # fmt: skip
def test_binance_rejected_orders_raise_the_ccxt_error_for_their_code(
    fake: FakeExchange, binance: Any, kind: str, error: type[Exception], code: str
) -> None:
    fake.reject_next_order(kind)
    with pytest.raises(error, match=code):
        binance.create_order(BTC, "market", "buy", 0.1)


def test_binance_faults_and_duplicates(fake: FakeExchange, binance: Any) -> None:
    fake.fail_next(429)
    with pytest.raises(ccxt.DDoSProtection):
        binance.fetch_balance()
    fake.drop_response_after_accept_next()
    with pytest.raises(ccxt.NetworkError):
        binance.create_order(BTC, "market", "buy", 0.01, None, {"clientOrderId": "b-lost"})
    assert binance.fetch_order(None, BTC, {"clientOrderId": "b-lost"})["filled"] == 0.01
    with pytest.raises(ccxt.InvalidOrder, match="-4116"):
        binance.create_order(BTC, "market", "buy", 0.01, None, {"clientOrderId": "b-lost"})
    fake.partial_fill_next(0.5)
    binance.create_order(BTC, "market", "buy", 0.015, None, {"clientOrderId": "b-half"})
    half = binance.fetch_order(None, BTC, {"clientOrderId": "b-half"})
    assert (half["status"], half["filled"]) == ("expired", 0.007)


def test_binance_wrong_secret_is_an_authentication_error(fake: FakeExchange) -> None:
    with pytest.raises(ccxt.AuthenticationError, match="-1022"):
        binance_client(fake, secret="wrong").fetch_balance()
