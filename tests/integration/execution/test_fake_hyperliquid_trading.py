"""The fake exchange's Hyperliquid API, driven only through the real CCXT ``hyperliquid`` client
as ``client.connect`` builds it (testnet, its URLs rewritten to the loopback fake) and through
the gateway: signed actions checked by recovering their signer, client ids as ``cloid``s,
isolated leverage, market and trigger orders, funding. Prices come from the bundled sample."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from alpha_arena.core.errors import (
    ConfigurationError,
    ExchangeUnreachableError,
    OrderRejectedError,
    SourceUnavailableError,
)
from alpha_arena.core.time import HOUR_MS
from alpha_arena.domain.accounts import ExchangeAccount, ExchangeCredentials
from alpha_arena.domain.orders import Side
from alpha_arena.execution.exchange.ccxt_gateway import CcxtGateway
from alpha_arena.execution.exchange.client import connect
from alpha_arena.execution.exchange.errors import translate
from alpha_arena.execution.exchange.ids import ClientIds
from tests.support.fake_exchange import FakeExchange
from tests.support.fake_hyperliquid_info import TAKER_FEE
from tests.support.fake_hyperliquid_sign import address_of
from tests.support.fake_venues import DEFAULT_NOW_MS, btc_bar, funding_table

NOW = DEFAULT_NOW_MS  # 2024-03-15 00:00 UTC, a bar boundary
BTC = "BTC/USDC:USDC"
CORE_BTC = "BTC/USDT:USDT"  # the sample rows the fake trades Hyperliquid's BTC on
WALLET_KEY = "0x" + "5a" * 32
WALLET = address_of(WALLET_KEY)
ACCOUNT = ExchangeAccount(1, "hl-testnet", "hyperliquid", True, "f", 0, 0)
IDS = ClientIds.for_entry(3, 4, "hyperliquid")


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with FakeExchange(NOW) as server:
        server.add_account(WALLET, WALLET_KEY, usdt=10_000.0)
        yield server


def gateway_of(
    fake: FakeExchange, key: str = WALLET_KEY, account: ExchangeAccount = ACCOUNT
) -> CcxtGateway:
    client = connect(account, ExchangeCredentials(WALLET, key), base_url=fake.url, rate_limit_ms=0)
    return CcxtGateway(client, lambda error: translate(error, account, (WALLET, key)))


@pytest.fixture
def gateway(fake: FakeExchange) -> CcxtGateway:
    return gateway_of(fake)


def test_a_market_order_is_found_by_its_cloid_after_a_restart(
    fake: FakeExchange, gateway: CcxtGateway
) -> None:
    cloid = IDS.exchange_id("gpt-1")
    gateway.prepare(BTC, 3)
    placed = gateway.market_order(BTC, Side.BUY, 0.05, cloid, reduce_only=False)

    again = gateway_of(fake).find_order(BTC, cloid, trigger=False)  # a new process
    assert again is not None
    assert (again.order_id, again.client_id, again.status, again.filled) == (
        placed.order_id, cloid, "closed", 0.05,
    )  # fmt: skip
    assert fake.account(WALLET).orders[placed.order_id].client_order_id == cloid
    # Filled at the fake's price, within the slippage bound CCXT put on the limit price.
    [fill] = fake.account(WALLET).fills
    assert fill.price == btc_bar(NOW)[1]
    assert fill.fee == pytest.approx(0.05 * fill.price * TAKER_FEE)
    assert gateway_of(fake).find_order(BTC, IDS.exchange_id("gpt-2"), trigger=False) is None


def test_a_client_id_that_is_not_a_cloid_is_refused(
    fake: FakeExchange, gateway: CcxtGateway
) -> None:
    # What the other exchanges' ids would get: Hyperliquid cannot even read the request.
    with pytest.raises(SourceUnavailableError, match="Failed to deserialize"):
        gateway.market_order(BTC, Side.BUY, 0.05, "aa3e4xabc", reduce_only=False)
    assert fake.account(WALLET).orders == {}


@pytest.mark.parametrize("case", ["another key", "signed for mainnet"])
def test_an_action_signed_by_an_unknown_key_is_refused_as_the_keys_fault(
    fake: FakeExchange, case: str
) -> None:
    other = "0x" + "77" * 32
    if case == "another key":
        gateway = gateway_of(fake, key=other)
        secret = other
    else:  # the right key, signing for mainnet's chain while talking to the testnet
        mainnet = ExchangeAccount(1, "hl-main", "hyperliquid", False, "f", 0, 0)
        gateway, secret = gateway_of(fake, account=mainnet), WALLET_KEY

    with pytest.raises(ConfigurationError, match="refused the credentials") as refused:
        gateway.prepare(BTC, 2)
    assert secret.removeprefix("0x") not in str(refused.value)
    assert "does not exist" in str(refused.value)
    assert fake.account(WALLET).leverage == {}


def test_leverage_is_set_isolated_and_shows_on_the_position(
    fake: FakeExchange, gateway: CcxtGateway
) -> None:
    gateway.prepare(BTC, 4)
    account = fake.account(WALLET)
    assert (account.leverage[CORE_BTC], account.margin_mode[CORE_BTC]) == (4.0, "isolated")

    gateway.market_order(BTC, Side.SELL, 0.1, IDS.exchange_id("short"), reduce_only=False)
    [position] = gateway.positions()
    assert (position.symbol, position.quantity, position.leverage) == (BTC, -0.1, 4.0)
    total, free = gateway.balance()  # USDC
    assert total == pytest.approx(account.equity(fake.marks()), abs=1e-5)
    assert 0 < free < total


def test_a_stop_loss_rests_then_executes_as_itself_when_a_bar_reaches_it(
    fake: FakeExchange, gateway: CcxtGateway
) -> None:
    gateway.prepare(BTC, 3)
    gateway.market_order(BTC, Side.BUY, 0.05, IDS.exchange_id("entry"), reduce_only=False)
    # The first bar whose low is at least 1% under the entry.
    entry = btc_bar(NOW)[1]
    ts = NOW
    while btc_bar(ts)[3] > entry * 0.99:
        ts += HOUR_MS
    level = float(int(entry * 0.99))
    stop_id = IDS.exchange_id("entry-stop_loss")
    stop = gateway.trigger_order(BTC, Side.SELL, 0.05, stop_id, level, stop_loss=True)
    take = gateway.trigger_order(
        BTC, Side.SELL, 0.05, IDS.exchange_id("entry-take_profit"), entry * 2, stop_loss=False
    )
    listed = {order.client_id: order.trigger for order in gateway.open_orders()}
    assert listed == {stop_id: True, IDS.exchange_id("entry-take_profit"): True}

    fake.advance_to(ts + HOUR_MS)

    found = gateway.find_order(BTC, stop_id, trigger=True)
    assert found is not None and (found.status, found.filled) == ("closed", 0.05)
    assert found.children == (stop.order_id,)  # its executions carry its own oid
    [exit_] = [t for t in gateway.trades(BTC, NOW) if t.order_id == stop.order_id]
    assert (exit_.side, exit_.quantity) == (Side.SELL, 0.05)
    assert exit_.price == min(level, btc_bar(ts)[1])  # at the level, or the open past a gap
    gateway.cancel_order(BTC, take, trigger=True)
    gateway.cancel_order(BTC, take, trigger=True)  # already canceled: tolerated
    assert gateway.open_orders() == [] and gateway.positions() == []


def test_funding_is_paid_by_a_long_when_the_rate_is_positive(
    fake: FakeExchange, gateway: CcxtGateway
) -> None:
    gateway.prepare(BTC, 2)
    gateway.market_order(BTC, Side.BUY, 0.1, IDS.exchange_id("long"), reduce_only=False)
    fake.advance_to(NOW + 24 * HOUR_MS)

    payments = gateway.funding(NOW)
    rates = funding_table("BTC")
    settled = rates[(rates[:, 0] > NOW) & (rates[:, 0] <= NOW + 24 * HOUR_MS)]
    assert [p.ts for p in payments] == [int(ts) for ts in settled[:, 0]]
    bills = [b for b in fake.account(WALLET).bills if b.kind == "funding"]
    assert [p.amount for p in payments] == pytest.approx([b.amount for b in bills], abs=1e-6)
    for payment, rate in zip(payments, settled[:, 1], strict=True):
        assert (payment.amount < 0) == (rate > 0)  # paid when positive, received otherwise
        assert payment.symbol == BTC
    assert len({p.payment_id for p in payments}) == len(payments)


def test_no_builder_fee_is_charged_and_no_referrer_is_set(
    fake: FakeExchange, gateway: CcxtGateway
) -> None:
    gateway.prepare(BTC, 2)
    gateway.market_order(BTC, Side.BUY, 0.05, IDS.exchange_id("a"), reduce_only=False)

    [fill] = fake.account(WALLET).fills
    assert fill.fee_rate == TAKER_FEE  # the builder's share is 0
    assert all(rate == 0 for rate in fake.hyperliquid.builders.values())
    assert fake.hyperliquid.referrers == {}


def test_a_refused_order_is_an_order_rejection_with_hyperliquids_reason(
    fake: FakeExchange, gateway: CcxtGateway
) -> None:
    gateway.prepare(BTC, 2)
    fake.reject_next_order("insufficient_funds")
    with pytest.raises(OrderRejectedError, match="Insufficient margin") as refused:
        gateway.market_order(BTC, Side.BUY, 0.05, IDS.exchange_id("b"), reduce_only=False)
    assert refused.value.kind == "insufficient_funds"
    with pytest.raises(OrderRejectedError, match="Reduce only order would increase") as refused:
        gateway.market_order(BTC, Side.SELL, 0.05, IDS.exchange_id("c"), reduce_only=True)
    assert fake.account(WALLET).fills == [] and fake.errors == []


def test_only_perpetuals_are_loaded_with_hyperliquid_precision(gateway: CcxtGateway) -> None:
    client: Any = gateway._client  # what CCXT loaded
    client.load_markets()
    assert sorted(client.markets) == ["BTC/USDC:USDC", "ETH/USDC:USDC"]
    market = client.market(BTC)
    assert (market["precision"]["amount"], market["precision"]["price"]) == (0.00001, 1.0)
    assert client.options["sandboxMode"] is True


def test_an_order_whose_answer_is_lost_is_found_filled_by_its_cloid(
    fake: FakeExchange, gateway: CcxtGateway
) -> None:
    gateway.prepare(BTC, 2)  # not an order: the lost answer is the order's
    fake.drop_response_after_accept_next()
    cloid = IDS.exchange_id("lost")
    with pytest.raises(ExchangeUnreachableError):
        gateway.market_order(BTC, Side.BUY, 0.05, cloid, reduce_only=False)

    found = gateway.find_order(BTC, cloid, trigger=False)
    assert found is not None and (found.status, found.filled) == ("closed", 0.05)


def test_a_partly_filled_market_order_ends_canceled_with_what_it_executed(
    fake: FakeExchange, gateway: CcxtGateway
) -> None:
    gateway.prepare(BTC, 2)
    fake.partial_fill_next(0.5)
    cloid = IDS.exchange_id("half")
    placed = gateway.market_order(BTC, Side.BUY, 0.05, cloid, reduce_only=False)
    assert placed.filled == 0.025

    found = gateway.find_order(BTC, cloid, trigger=False)
    assert found is not None and (found.status, found.filled) == ("canceled", 0.025)
