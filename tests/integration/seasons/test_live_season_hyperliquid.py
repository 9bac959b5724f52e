"""A live season on Hyperliquid's testnet (the loopback fake's ``POST /info`` and signed
``POST /exchange``, CCXT's real client): its market data is ingested from Hyperliquid every bar,
both agents trade on their own API wallets, every tick reconciles, and ``flatten`` leaves
nothing open."""

from __future__ import annotations

import threading

import pytest

from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.services import seasons
from alpha_arena.services.context import open_context
from alpha_arena.services.live_trading import flatten_season, season_reconciliation
from alpha_arena.storage.season_store import SeasonStore
from tests.support.fake_exchange import FakeExchange
from tests.support.live_exchange import (
    HYPERLIQUID_ACCOUNTS,
    LAG_MS,
    START,
    ExchangeClock,
    drive,
    live_season,
    live_settings,
)

pytestmark = pytest.mark.usefixtures("database_url")
TICKS = 24
ACCOUNTS = HYPERLIQUID_ACCOUNTS.values()


def test_a_live_season_on_hyperliquid_trades_reconciles_and_flattens(database_url: str) -> None:
    with FakeExchange(START + LAG_MS) as fake:
        context = open_context(live_settings(database_url, fake), clock=ExchangeClock(fake))
        try:
            season_id = live_season(context, fake, ticks=TICKS, exchange="hyperliquid")
            store = SeasonStore(context.engine)
            stop = threading.Event()
            driver = threading.Thread(
                target=drive, args=(fake, lambda: store.get(season_id).ticks_done, TICKS, stop)
            )
            driver.start()
            try:
                report = seasons.run_season(context, season_id)
            finally:
                stop.set()
                driver.join()
            assert (report.status, report.ticks_done) == (SeasonStatus.FINISHED, TICKS)
            assert fake.errors == []
            # The season's bars came from Hyperliquid: a candleSnapshot at least every bar.
            assert fake.hyperliquid.info.requests["candleSnapshot"] > TICKS

            entries = store.entries(season_id)
            traded = sum(len(store.fills(entry.id)) for entry in entries)
            assert traded > 0, "the agents should have traded in a day"
            reconciliation = season_reconciliation(context, season_id)
            assert reconciliation.events == []

            held = sum(len(fake.account(c.api_key).positions) for _, c in ACCOUNTS)
            assert held > 0, "a trend follower holds a position at the end"
            flattened = flatten_season(context, season_id)
            assert {(f.remaining_positions, f.remaining_orders) for f in flattened} == {(0, 0)}
            assert sum(len(f.closed) for f in flattened) == held
            for _, credentials in ACCOUNTS:
                account = fake.account(credentials.api_key)
                assert account.positions == {}
                assert account.open_orders() == []
        finally:
            context.close()
