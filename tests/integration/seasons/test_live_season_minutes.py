"""A live season at 1m bars (the public arena decided every two to three minutes) against the
loopback exchange matching on minute bars: each bar is stepped once as it closes, and every
fill it books is an execution the exchange reports, at the paper venue's fill price (the open
of the bar after the decision)."""

from __future__ import annotations

import threading

from alpha_arena.core.time import MINUTE_MS, floor_ts
from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.seasons.runner import SeasonRunner
from alpha_arena.services.context import open_context
from alpha_arena.storage.season_store import SeasonStore
from tests.support.fake_exchange import FakeExchange
from tests.support.fake_venues import bars
from tests.support.live_exchange import (
    ACCOUNTS,
    LAG_MS,
    START,
    ExchangeClock,
    drive,
    live_season,
    live_settings,
)

TICKS = 40


def test_a_live_season_at_1m_steps_each_bar_once_on_the_exchange(database_url: str) -> None:
    with FakeExchange(START + LAG_MS, bar_ms=MINUTE_MS) as fake:
        context = open_context(live_settings(database_url, fake), clock=ExchangeClock(fake))
        try:
            season_id = live_season(context, fake, TICKS, timeframe="1m")
            store = SeasonStore(context.engine)
            stop = threading.Event()
            driver = threading.Thread(
                target=drive,
                args=(fake, lambda: store.get(season_id).ticks_done, TICKS, stop, MINUTE_MS),
            )
            driver.start()
            try:
                report = SeasonRunner(context, season_id, poll_s=0.01).run(start_draft=True)
            finally:
                stop.set()
                driver.join()

            assert (report.status, report.ticks_done) == (SeasonStatus.FINISHED, TICKS)
            assert report.ticks_reexecuted == 0  # every bar stepped once, as it closed
            opens = dict(bars("binance_usdm_BTCUSDT_1h.csv.gz", MINUTE_MS)[:, :2].tolist())
            entries = {entry.name: entry for entry in store.entries(season_id)}
            booked = 0
            for agent, (_, credentials) in ACCOUNTS.items():
                fills = store.fills(entries[agent].id)
                executions = {  # booked with the bar they happened in
                    (floor_ts(f.ts, MINUTE_MS), round(f.price, 8))
                    for f in fake.account(credentials.api_key).fills
                }
                for fill in fills:
                    assert (fill.ts, round(fill.price, 8)) in executions
                    assert fill.price == opens[fill.ts]  # the open of the minute it filled in
                booked += len(fills)
            assert booked >= 2, "the trend followers should have traded in 40 minutes"
        finally:
            context.close()
