"""The exchange venue against the loopback exchange, through the real CCXT client: the same
window traded by the same script gives the same fills, fees and equity on the paper venue and on
the exchange; a re-executed window (a restart) places nothing twice; refusals are recorded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import pytest

from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.domain.accounts import ExchangeAccount, ExchangeCredentials
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision
from alpha_arena.domain.market import Candles, FundingRates, IntArray
from alpha_arena.domain.orders import OrderStatus
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.engine.feed import ReplayFeed
from alpha_arena.engine.ledger import Ledger
from alpha_arena.engine.participant import StepView
from alpha_arena.execution.exchange.ccxt_gateway import CcxtGateway
from alpha_arena.execution.exchange.client import connect
from alpha_arena.execution.exchange.errors import translate
from alpha_arena.execution.exchange.ids import ClientIds
from alpha_arena.execution.exchange.records import ExchangeRecords
from alpha_arena.execution.exchange.venue import ExchangeVenue
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.execution.venue import Venue
from alpha_arena.marketdata.sources.sample import sample_instruments
from alpha_arena.risk.limits import RiskLimits
from tests.support.fake_bitget_rows import TAKER_FEE as BITGET_TAKER_FEE
from tests.support.fake_bybit_account import TAKER_FEE as BYBIT_TAKER_FEE
from tests.support.fake_exchange import FakeExchange, running
from tests.support.fake_hyperliquid_info import TAKER_FEE as HYPERLIQUID_TAKER_FEE
from tests.support.fake_hyperliquid_sign import address_of
from tests.support.fake_okx_rows import TAKER_FEE
from tests.support.fake_venues import bars, funding_table

SYMBOL = "BTC/USDT:USDT"
#: Where each exchange lists an account's executions.
TRADE_PAGES = ("/api/v5/trade/fills", "/api/v5/trade/fills-history", "/fapi/v1/userTrades",
               "/v5/execution/list", "/api/v2/mix/order/fills")  # fmt: skip
INSTRUMENTS = {item.symbol: item for item in sample_instruments() if item.symbol == SYMBOL}
START = parse_ts("2024-02-01")
STEPS = 96
CAPITAL = 10_000.0
KEY, SECRET, PASSPHRASE = "demo-key-1", "demo-secret-1", "Demo-pass-1"
# Hyperliquid: a wallet address and its private key; its perpetuals are USDC-margined, with
# Hyperliquid's own specs (BTC: 5 size decimals, 5 significant price digits: whole dollars).
WALLET_KEY = "0x" + "4c" * 32
WALLET = address_of(WALLET_KEY)
HL_SYMBOL = "BTC/USDC:USDC"
INSTRUMENTS[HL_SYMBOL] = replace(
    INSTRUMENTS[SYMBOL], exchange="hyperliquid", symbol=HL_SYMBOL, quote="USDC", settle="USDC",
    price_tick=1.0, amount_step=0.00001, min_amount=0.00001, min_notional=10.0, max_leverage=40,
    maker_fee=0.00015, taker_fee=HYPERLIQUID_TAKER_FEE,
)  # fmt: skip


@dataclass
class Alternator:
    """Every 12 bars: enter long or short (alternately) guarded by a tight stop-loss and
    take-profit; close what is left 8 bars later."""

    name: str = "alternator"
    symbol: str = SYMBOL

    def decide(self, view: StepView) -> Decision | None:
        phase = view.step % 12
        if phase == 1:
            signal = Signal.BUY_TO_ENTER if view.step % 24 == 1 else Signal.SELL_TO_ENTER
            action = SymbolDecision(
                self.symbol, signal, notional=3_000.0, leverage=3.0, stop_loss_fraction=0.006,
                take_profit_fraction=0.008,
            )  # fmt: skip
            return Decision(view.ts, (action,))
        if phase == 9 and self.symbol in view.positions:
            return Decision(view.ts, (SymbolDecision(self.symbol, Signal.CLOSE),))
        return None

    def decision_steps(self, timeline: IntArray) -> IntArray | None:
        return None


def window() -> Candles:
    table = bars("binance_usdm_BTCUSDT_1h.csv.gz", HOUR_MS)  # ts, open, high, low, close, volume
    rows = table[(table[:, 0] >= START) & (table[:, 0] < START + STEPS * HOUR_MS)]
    return Candles(rows[:, 0].astype(np.int64), rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4],
                   rows[:, 5])  # fmt: skip


def funding() -> FundingRates:
    table = funding_table("BTC")
    return FundingRates(table[:, 0].astype(np.int64), table[:, 1])


def engine_for(venue: Venue, symbol: str = SYMBOL) -> TradingEngine:
    feed = ReplayFeed("1h", {symbol: window()}, {symbol: funding()})
    instruments = {symbol: INSTRUMENTS[symbol]}
    return TradingEngine(
        feed, [(Alternator(symbol=symbol), venue)], instruments, RiskLimits(max_leverage=5.0),
        SimClock(START), fast_forward=False,
    )  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakeExchange]:
    with running(now_ms=START) as exchange:
        exchange.add_account(KEY, SECRET, PASSPHRASE, usdt=CAPITAL)
        exchange.add_account(WALLET, WALLET_KEY, usdt=CAPITAL)
        yield exchange


def exchange_venue(
    fake: FakeExchange, entry_id: int = 1, exchange: str = "okx", page_size: int = 100
) -> ExchangeVenue:
    account = ExchangeAccount(1, "demo", exchange, True, "f", 0, 0)
    passphrase = PASSPHRASE if exchange in ("okx", "bitget") else None
    credentials = ExchangeCredentials(KEY, SECRET, passphrase)
    symbol = SYMBOL
    if exchange == "hyperliquid":
        credentials, symbol = ExchangeCredentials(WALLET, WALLET_KEY), HL_SYMBOL
    client = connect(account, credentials, base_url=fake.url, timeout_s=2.0)
    client.enableRateLimit = False  # a loopback server needs no pacing
    gateway = CcxtGateway(
        client, lambda error: translate(error, account, credentials.secrets()), page_size=page_size
    )
    records = ExchangeRecords(gateway, START, lambda: fake.now_ms)  # a process's records
    ids = ClientIds.for_entry(1, entry_id, exchange)
    return ExchangeVenue(records, {symbol: INSTRUMENTS[symbol]}, CAPITAL, ids, HOUR_MS)


def run_on_exchange(
    fake: FakeExchange, venue: ExchangeVenue, steps: int = STEPS, symbol: str = SYMBOL
) -> Ledger:
    engine = engine_for(venue, symbol)
    for step in range(steps):
        close = engine.timeline[step] + HOUR_MS
        if fake.now_ms < close:
            fake.advance_to(close)
        engine.step(step)
    return engine.entrants[0].ledger


@pytest.mark.parametrize("exchange", ["okx", "binanceusdm", "bybit", "bitget", "hyperliquid"])
def test_the_same_script_gives_the_same_ledger_on_paper_and_on_the_exchange(
    fake: FakeExchange, exchange: str
) -> None:
    fees = {"bybit": BYBIT_TAKER_FEE, "bitget": BITGET_TAKER_FEE,
            "hyperliquid": HYPERLIQUID_TAKER_FEE}  # fmt: skip
    fee = fees.get(exchange, TAKER_FEE)  # each exchange's own rate
    symbol = HL_SYMBOL if exchange == "hyperliquid" else SYMBOL
    paper = PaperVenue(PaperVenueConfig(CAPITAL, 0.0, fee), INSTRUMENTS, NextBarOpen())
    expected = engine_for(paper, symbol).run()["alternator"]

    ledger = run_on_exchange(fake, exchange_venue(fake, exchange=exchange), symbol=symbol)

    def summary(fills: list) -> list[tuple]:
        return [(f.ts, f.side, f.tag, round(f.quantity, 9), round(f.price, 6)) for f in fills]

    assert len(expected.fills) >= 8  # entries, both kinds of exit and closes
    assert {fill.tag for fill in expected.fills} >= {"entry", "stop_loss", "take_profit"}
    assert summary(ledger.fills) == summary(expected.fills)
    # The exchange charges fees rounded to its precision (8 decimals here).
    assert [f.fee for f in ledger.fills] == pytest.approx([f.fee for f in expected.fills], abs=1e-6)
    # Funding as the exchange settled it: the same payments, on the same positions.
    assert len(expected.funding) >= 3
    assert [(ts, s) for ts, s, _ in ledger.funding] == [(ts, s) for ts, s, _ in expected.funding]
    assert [a for _, _, a in ledger.funding] == pytest.approx(
        [a for _, _, a in expected.funding], abs=1e-6
    )
    assert ledger.equity == pytest.approx(expected.equity, rel=1e-9)
    assert ledger.equity_ts == expected.equity_ts


def test_a_restart_re_executes_the_window_and_places_nothing_twice(fake: FakeExchange) -> None:
    first = run_on_exchange(fake, exchange_venue(fake), steps=60)
    placed = len(fake.account(KEY).orders)

    again = run_on_exchange(fake, exchange_venue(fake), steps=60)  # a new process, same entry

    assert len(fake.account(KEY).orders) == placed
    assert [(f.ts, f.price, f.fee) for f in again.fills] == [
        (f.ts, f.price, f.fee) for f in first.fills
    ]
    assert again.equity == first.equity


@pytest.mark.parametrize("exchange", ["okx", "binanceusdm", "bybit", "bitget", "hyperliquid"])
def test_a_restart_reads_the_whole_history_not_its_first_page(
    fake: FakeExchange, exchange: str
) -> None:
    symbol = HL_SYMBOL if exchange == "hyperliquid" else SYMBOL
    venue = exchange_venue(fake, exchange=exchange)
    first = run_on_exchange(fake, venue, steps=STEPS, symbol=symbol)
    assert len(first.fills) > 6 and len(first.funding) > 3

    # Two records a page: the fills and funding payments of the window take many pages.
    # Hyperliquid's page size is its own (2,000 fills): the fake is told to answer two.
    fake.hyperliquid.info.page_cap = 2
    info = fake.hyperliquid.info.requests

    def trade_pages() -> int:
        return sum(fake.requests[path] for path in TRADE_PAGES) + info["userFillsByTime"]

    pages_before = trade_pages()
    again = run_on_exchange(
        fake, exchange_venue(fake, exchange=exchange, page_size=2), symbol=symbol
    )
    pages = trade_pages() - pages_before
    assert pages >= len(first.fills) // 2

    assert [(f.ts, f.price, f.fee) for f in again.fills] == [
        (f.ts, f.price, f.fee) for f in first.fills
    ]
    assert again.funding == first.funding
    assert again.equity == first.equity


def test_an_order_the_exchange_refuses_is_a_recorded_rejection(fake: FakeExchange) -> None:
    fake.reject_next_order("insufficient_funds")
    ledger = run_on_exchange(fake, exchange_venue(fake), steps=3)

    [order] = ledger.orders.values()  # as submitted; its events say what became of it
    [event] = [e for e in ledger.order_events if e.client_order_id == order.client_order_id]
    assert event.status_to is OrderStatus.REJECTED
    assert "insufficient" in event.reason.lower()
    assert ledger.fills == []


@pytest.mark.parametrize("steps", [26, 30])  # just after an entry was sent; while it is held
def test_reconciliation_agrees_with_the_exchange_and_reports_what_it_did_not_open(
    fake: FakeExchange, steps: int
) -> None:
    venue = exchange_venue(fake)
    run_on_exchange(fake, venue, steps=steps)
    ts = START + steps * HOUR_MS

    clean = venue.reconcile(ts)
    assert clean.differences == ()
    assert clean.positions  # the entry's position, booked or not yet
    assert 0 < clean.balance_free <= clean.balance_total

    fake.open_position_by_hand(KEY, "ETH/USDT:USDT", 0.5)
    report = venue.reconcile(ts)
    assert [(d.kind, d.symbol) for d in report.differences] == [
        ("unknown_position", "ETH/USDT:USDT")
    ]
    assert "ETH/USDT:USDT" not in venue.positions()  # reported, never adopted


def paper_fills(steps: int) -> list[tuple[int, str, float, float]]:
    paper = PaperVenue(PaperVenueConfig(CAPITAL, 0.0, TAKER_FEE), INSTRUMENTS, NextBarOpen())
    engine = engine_for(paper)
    for step in range(steps):
        engine.step(step)
    return [(f.ts, f.tag, round(f.quantity, 9), f.price) for f in engine.entrants[0].ledger.fills]


@pytest.mark.parametrize("fault", ["lost answer", "rate limit"])
def test_an_order_whose_answer_is_lost_or_refused_for_a_moment_is_placed_once(
    fake: FakeExchange, fault: str
) -> None:
    if fault == "lost answer":  # accepted (and filled), but the connection drops unanswered
        fake.drop_response_after_accept_next()
    else:
        fake.fail_next(429, path="/api/v5/trade/order")
    ledger = run_on_exchange(fake, exchange_venue(fake), steps=30)

    assert [(f.ts, f.tag, round(f.quantity, 9), f.price) for f in ledger.fills] == paper_fills(30)
    sent = [
        o for o in fake.account(KEY).orders.values() if o.kind == "market" and o.client_order_id
    ]
    assert (
        len(sent)
        == len({o.client_order_id for o in sent})
        == len(ledger.orders)
        - sum(order.type.value != "market" for order in ledger.orders.values())
    )


def test_a_partly_filled_market_order_ends_canceled_with_what_it_executed(
    fake: FakeExchange,
) -> None:
    fake.partial_fill_next(0.5)
    ledger = run_on_exchange(fake, exchange_venue(fake), steps=3)

    [entry] = [f for f in ledger.fills if f.tag == "entry"]
    [order] = [o for o in ledger.orders.values() if o.tag == "entry"]
    assert entry.quantity == pytest.approx(order.quantity / 2, abs=0.001)
    moves = [(e.action.value, e.status_to.value) for e in ledger.order_events
             if e.client_order_id == order.client_order_id]  # fmt: skip
    assert moves == [("accept", "open"), ("partial_fill", "partially_filled"),
                     ("cancel", "canceled")]  # fmt: skip
    canceled = ledger.order_events[2]
    assert canceled.reason == f"the exchange executed {entry.quantity:g} of {order.quantity:g}"
    # The exits guard what was executed, not what was asked for.
    exits = [o for o in ledger.orders.values() if o.tag in ("stop_loss", "take_profit")]
    assert [o.quantity for o in exits] == [entry.quantity] * 2
