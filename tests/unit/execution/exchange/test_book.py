"""The exchange account's book: hand-computed cases, and the paper venue's ledger reproduced from
the paper venue's own fills (the two must agree for the same executions)."""

from __future__ import annotations

import pytest

from alpha_arena.domain.orders import Order, OrderType, Side
from alpha_arena.execution.exchange.book import Book
from alpha_arena.execution.paper import NextBarOpen, PaperVenue, PaperVenueConfig
from alpha_arena.marketdata.sources.sample import sample_instruments

SYMBOL = "BTC/USDT:USDT"
INSTRUMENTS = {item.symbol: item for item in sample_instruments() if item.symbol == SYMBOL}
MMR = INSTRUMENTS[SYMBOL].maintenance_margin_rate


def test_an_entry_holds_its_margin_and_pays_the_exchanges_fee() -> None:
    book = Book(10_000.0)
    realized = book.execute(SYMBOL, 0.5, 60_000.0, 15.0, 5.0, MMR, 0)

    position = book.positions[SYMBOL]
    assert (realized, position.quantity, position.margin) == (0.0, 0.5, 6_000.0)
    assert book.cash == pytest.approx(10_000.0 - 6_000.0 - 15.0)
    assert book.equity({SYMBOL: 61_000.0}) == pytest.approx(10_000.0 - 15.0 + 500.0)


def test_a_flip_closes_the_long_and_opens_a_short_splitting_the_fee_by_quantity() -> None:
    book = Book(10_000.0)
    book.execute(SYMBOL, 0.5, 60_000.0, 0.0, 5.0, MMR, 0)
    realized = book.execute(SYMBOL, -1.0, 62_000.0, 31.0, 5.0, MMR, 1)

    assert realized == pytest.approx(0.5 * 2_000.0)
    short = book.positions[SYMBOL]
    assert (short.quantity, short.entry_price, short.margin) == (-0.5, 62_000.0, 6_200.0)
    assert book.fees == pytest.approx(31.0)
    # 10,000 + 1,000 realized - 31 fee, of which 6,200 is the short's margin.
    assert book.cash == pytest.approx(11_000.0 - 31.0 - 6_200.0)


def test_a_close_loses_at_most_the_margin_it_releases() -> None:
    book = Book(1_000.0)
    book.execute(SYMBOL, 0.1, 60_000.0, 0.0, 10.0, MMR, 0)  # 600 of margin
    realized = book.execute(SYMBOL, -0.1, 50_000.0, 0.0, 10.0, MMR, 1)

    assert realized == -600.0
    assert book.cash == pytest.approx(400.0)
    assert SYMBOL not in book.positions


def test_funding_moves_cash_and_is_counted_once() -> None:
    book = Book(1_000.0)
    book.receive_funding(-2.5)
    book.receive_funding(1.0)
    assert (book.cash, book.funding) == (pytest.approx(998.5), pytest.approx(-1.5))


def test_the_paper_venues_fills_booked_here_give_its_ledger() -> None:
    venue = PaperVenue(PaperVenueConfig(10_000.0), INSTRUMENTS, NextBarOpen())
    book = Book(10_000.0)
    bars = [(60_000.0, 61_000.0, 59_000.0, 60_500.0), (60_500.0, 63_000.0, 60_000.0, 62_800.0),
            (62_800.0, 63_500.0, 61_000.0, 61_200.0)]  # fmt: skip
    orders = [
        Order("a", SYMBOL, Side.BUY, OrderType.MARKET, 0.3, 0, leverage=4.0),
        Order("b", SYMBOL, Side.SELL, OrderType.MARKET, 0.5, 1, leverage=4.0),
        Order("c", SYMBOL, Side.BUY, OrderType.MARKET, 0.2, 2, leverage=4.0, reduce_only=True),
    ]
    for ts, (order, bar) in enumerate(zip(orders, bars, strict=True)):
        venue.submit(order, ts)
        venue.on_bar(SYMBOL, ts, *bar)
    _, _, fills = venue.drain()
    for fill in fills:
        book.execute(SYMBOL, fill.quantity * fill.side.sign, fill.price, fill.fee, 4.0, MMR,
                     fill.ts)  # fmt: skip

    assert book.cash == pytest.approx(venue.cash, rel=1e-12)
    assert book.fees == pytest.approx(venue.fees, rel=1e-12)
    assert book.realized_pnl == pytest.approx(venue.realized_pnl, rel=1e-12)
    assert dict(book.positions) == dict(venue.positions())
