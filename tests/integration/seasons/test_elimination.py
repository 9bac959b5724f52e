"""Elimination in a replayed season on a real crash, on both databases: the BTC and ETH
perpetuals fell 20% and more between 2024-08-04 12:00 and 2024-08-05 06:00 (UTC). Levered
entries lose half their capital within hours and are eliminated: closed out at a close (or
liquidated inside a bar first), frozen, their equity flat from then on; the 1x entries and
baselines ride the crash out. A run resumed across an elimination stores exactly what a
straight run stores."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from alpha_arena.core.clock import SimClock
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.seasons import EntryStatus, SeasonStatus
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.services.seasons import create_season, leaderboard, run_season
from alpha_arena.storage.season_store import EntryRecord, SeasonStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
HOUR = 3_600_000
START, END = parse_ts("2024-08-04T12:00"), parse_ts("2024-08-06")  # 36 ticks of 1h
TICKS = (END - START) // HOUR
CRASH_LOW = parse_ts("2024-08-05T07:00")  # close of the bar holding BTC's lowest low
CAPITAL = 10_000.0
THRESHOLD = 0.5
FLOOR = THRESHOLD * CAPITAL
STRATEGY: dict[str, Any] = {"kind": "strategy"}
AGENTS = {
    "all-in-20x": STRATEGY | {"strategy": "buy_and_hold", "leverage": 20},
    "momentum-20x": STRATEGY | {"strategy": "momentum", "params": {"period": "4"}, "leverage": 20},
    "momentum-1x": STRATEGY | {"strategy": "momentum", "params": {"period": "4"}},
    # ETH only (a symbol the season does not list): a wick reaches its liquidation price
    # before any close falls to the floor.
    "eth-10x": STRATEGY | {"strategy": "buy_and_hold", "symbols": [ETH], "leverage": 10},
}
LEVERED = ["all-in-20x", "momentum-20x", "eth-10x"]
SURVIVORS = ["momentum-1x", "btc-buy-and-hold", "equal-weight-hold"]
SEASON = {
    "name": "august crash", "symbols": [BTC], "start": START, "end": END, "capital": CAPITAL,
    "elimination_threshold": THRESHOLD, "risk": {"max_leverage": 50},
    "participants": list(AGENTS),
}  # fmt: skip


@dataclass(frozen=True)
class Crash:
    context: AppContext
    season_id: int
    entries: dict[str, EntryRecord]

    @property
    def store(self) -> SeasonStore:
        return SeasonStore(self.context.engine)


@pytest.fixture(scope="module", params=BACKENDS)
def crash(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crash]:
    """The crash season, run to its end, per backend."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        folder = sample_subset(
            tmp_path_factory.mktemp("sample"),
            [
                "binance_usdm_BTCUSDT_1h.csv.gz",
                "binance_usdm_BTCUSDT_funding_8h.csv.gz",
                "binance_usdm_ETHUSDT_1h.csv.gz",
                "binance_usdm_ETHUSDT_funding_8h.csv.gz",
            ],
        )
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, folder)
            for name, config in AGENTS.items():
                add_agent(context, name, config)
            season = create_season(context, SEASON)
            assert run_season(context, season.id).status is SeasonStatus.FINISHED
            entries = {e.name: e for e in SeasonStore(context.engine).entries(season.id)}
            yield Crash(context, season.id, entries)
        finally:
            context.close()


@pytest.mark.parametrize("symbol", [BTC, ETH])
def test_the_window_holds_a_real_crash_of_more_than_15_percent(crash: Crash, symbol: str) -> None:
    bars = DataService(crash.context.market, "binance").candles(symbol, "1h", START, END - HOUR)
    assert len(bars) == TICKS
    lowest = int(np.argmin(bars.low))
    assert bars.low[lowest] / bars.open[0] < 0.85
    assert START < int(bars.ts[lowest]) + HOUR <= CRASH_LOW  # the bottom is inside the crash


def test_the_levered_entries_are_eliminated_inside_the_crash(crash: Crash) -> None:
    for name in LEVERED:
        entry = crash.entries[name]
        assert entry.status is EntryStatus.ELIMINATED, name
        assert entry.ts_eliminated is not None
        assert START < entry.ts_eliminated <= CRASH_LOW, name
        assert (entry.ts_eliminated - START) % HOUR == 0  # at a tick's close
    board = {row.name: row for row in leaderboard(crash.context, crash.season_id).rows}
    assert {name for name, row in board.items() if row.status == "eliminated"} == set(LEVERED)


def test_the_1x_entries_and_baselines_ride_the_crash_out(crash: Crash) -> None:
    for name in SURVIVORS:
        entry = crash.entries[name]
        assert (entry.status, entry.ts_eliminated) == (EntryStatus.ACTIVE, None), name
        equity = [row["equity"] for row in crash.store.equity(entry.id)]
        assert len(equity) == TICKS
        assert min(equity) > FLOOR
        tags = {fill.tag for fill in crash.store.fills(entry.id)}
        assert tags.isdisjoint({"elimination", "liquidation"})
    hold = [row["equity"] for row in crash.store.equity(crash.entries["btc-buy-and-hold"].id)]
    assert min(hold) < 0.85 * CAPITAL  # the baseline did live through the fall


@pytest.mark.parametrize("name", LEVERED)
def test_an_eliminated_entry_is_closed_out_and_frozen(crash: Crash, name: str) -> None:
    store, entry = crash.store, crash.entries[name]
    at = entry.ts_eliminated
    assert at is not None
    rows = store.equity(entry.id)
    (tick,) = [row["tick"] for row in rows if row["ts"] == at]
    equity = [row["equity"] for row in rows]

    # Eliminated at the first close at or below the floor.
    assert equity[tick] <= FLOOR
    assert all(value > FLOOR for value in equity[:tick])
    # Closed out: the last fill is the elimination's close or the liquidation that caused it.
    fills = store.fills(entry.id)
    assert fills[-1].tag in ("elimination", "liquidation")
    assert all(fill.ts <= at for fill in fills)
    if fills[-1].tag == "elimination":
        assert fills[-1].ts == at
    else:
        assert at - HOUR <= fills[-1].ts < at  # inside the bar that closed at ``at``
    # Frozen: flat equity, all cash, nothing held, nothing decided or ordered afterwards.
    assert equity[tick:] == [equity[tick]] * (TICKS - tick)
    assert [row["cash"] for row in rows[tick:]] == equity[tick:]
    assert [row["exposure"] for row in rows[tick:]] == [0.0] * (TICKS - tick)
    assert entry.equity == pytest.approx(equity[-1], abs=1e-9)
    assert all(d["ts"] <= at for d in store.decisions(entry.id))
    assert all(order["tick"] <= tick for order in store.orders(entry.id))
    assert all(event["tick"] <= tick for event in store.order_events(entry.id))
    assert all(risk["ts"] <= at for risk in store.risk_events(entry.id))
    assert all(ts <= at for ts, _, _ in store.funding(entry.id))


def test_both_ways_out_occur_a_close_out_and_a_liquidation(crash: Crash) -> None:
    tags = {name: crash.store.fills(crash.entries[name].id)[-1].tag for name in LEVERED}
    assert tags["all-in-20x"] == "elimination"
    assert tags["momentum-20x"] == "elimination"
    assert tags["eth-10x"] == "liquidation"
    eth = crash.store.fills(crash.entries["eth-10x"].id)
    assert {fill.symbol for fill in eth} == {ETH}


def test_an_eliminated_entry_decides_no_more_while_its_1x_twin_goes_on(crash: Crash) -> None:
    store = crash.store
    levered, twin = crash.entries["momentum-20x"], crash.entries["momentum-1x"]
    at = levered.ts_eliminated
    assert at is not None
    levered_steps = [d["ts"] for d in store.decisions(levered.id)]
    twin_steps = [d["ts"] for d in store.decisions(twin.id)]
    # The same rule on the same market: the same moments until the elimination, none after.
    assert levered_steps == [ts for ts in twin_steps if ts <= at]
    assert any(ts > at for ts in twin_steps)
    assert any(fill.ts > at for fill in store.fills(twin.id))


@pytest.mark.parametrize("first", [3, 4, 9], ids=lambda n: f"stop-after-{n}")
def test_a_run_resumed_across_an_elimination_stores_what_a_straight_run_stores(
    crash: Crash, first: int
) -> None:
    store = crash.store
    season = create_season(crash.context, SEASON)

    assert run_season(crash.context, season.id, stop_after=first).ticks_done == first
    assert run_season(crash.context, season.id).status is SeasonStatus.FINISHED

    assert store.ledger_hash(season.id) == store.ledger_hash(crash.season_id)
    resumed = {e.name: e for e in store.entries(season.id)}
    for name, straight in crash.entries.items():
        entry = resumed[name]
        assert (entry.status, entry.ts_eliminated) == (straight.status, straight.ts_eliminated)
        assert store.counts(entry.id) == store.counts(straight.id)
