"""Seasons through their use cases, on both databases: creation pins the agents and adds the
baselines, lifecycle moves persist, a run commits tick by tick and resumes where it stopped,
a paused or ended season is not run, seasons never share state, and bad input is refused."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.seasons import EntryStatus, SeasonConflictError, SeasonEvent, SeasonStatus
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.services.seasons import create_season, run_season, transition
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.season_store import EntryRecord, SeasonStore
from alpha_arena.storage.tables import AgentRow
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
HOUR = 3_600_000
START, END = parse_ts("2024-03-01"), parse_ts("2024-03-06")  # five days: 120 ticks of 1h
TICKS = (END - START) // HOUR
CAPITAL = 10_000.0
FILES = [
    "binance_usdm_BTCUSDT_1h.csv.gz",
    "binance_usdm_BTCUSDT_funding_8h.csv.gz",
    "binance_usdm_ETHUSDT_1h.csv.gz",
    "binance_usdm_ETHUSDT_funding_8h.csv.gz",
]
BASELINES = ["btc-buy-and-hold", "equal-weight-hold"]
_names = itertools.count()


@pytest.fixture(scope="module", params=BACKENDS)
def market(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppContext]:
    """A database per backend holding the BTC and ETH perpetual 1h bars and funding."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        folder = sample_subset(tmp_path_factory.mktemp("sample"), FILES)
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, folder)
            yield context
        finally:
            context.close()


def agent(context: AppContext, **config: Any) -> str:
    """Register a strategy agent under a fresh name; return the name."""
    name = f"agent-{next(_names)}"
    add_agent(context, name, {"kind": "strategy", "strategy": "ema_trend", **config})
    return name


def values(participants: list[str], **fields: Any) -> dict[str, Any]:
    """A season configuration of ``participants`` over the test window; ``fields`` override."""
    return {
        "name": f"season-{next(_names)}", "symbols": [BTC, ETH], "start": START, "end": END,
        "capital": CAPITAL, "participants": participants,
    } | fields  # fmt: skip


def by_name(entries: list[EntryRecord]) -> dict[str, EntryRecord]:
    return {entry.name: entry for entry in entries}


def test_creation_pins_the_agents_and_adds_the_baselines(market: AppContext) -> None:
    slow, fast = agent(market), agent(market, params={"fast": "5", "slow": "20"})
    twin = agent(market)  # configured exactly like ``slow``
    store = SeasonStore(market.engine)

    season = create_season(market, values([slow, fast, twin]))

    assert season.status is SeasonStatus.DRAFT
    assert (season.ticks_done, season.ts_last_tick) == (0, None)
    assert (season.ts_start, season.ts_end, season.timeframe) == (START, END, "1h")
    assert season.config["symbols"] == [BTC, ETH]
    entries = store.entries(season.id)
    assert [entry.name for entry in entries] == [slow, fast, twin, *BASELINES]
    agents = AgentStore(market.engine)
    for entry in entries:
        assert re.fullmatch(r"[0-9a-f]{12}", entry.fingerprint)
        assert entry.status is EntryStatus.ACTIVE
        assert (entry.equity, entry.cash, entry.ts_eliminated) == (CAPITAL, CAPITAL, None)
        assert entry.baseline is (entry.name in BASELINES)
        assert entry.kind == "strategy"
        if entry.baseline:
            assert entry.agent_id is None
        else:
            assert entry.agent_id == agents.get(entry.name).id
    named = by_name(entries)
    assert named[fast].config["agent"]["params"] == {"fast": "5", "slow": "20"}
    assert named[BASELINES[0]].config["agent"]["strategy"] == "buy_and_hold"
    assert named[BASELINES[0]].config["agent"]["symbols"] == [BTC]
    assert named[BASELINES[1]].config["agent"]["symbols"] is None  # all the season's coins
    assert len({entry.fingerprint for entry in entries}) == 4  # slow and its twin share one
    assert named[slow].fingerprint == named[twin].fingerprint
    assert named[slow].fingerprint != named[fast].fingerprint

    again = by_name(store.entries(create_season(market, values([fast, slow])).id))
    for name in (slow, fast, *BASELINES):
        assert again[name].fingerprint == named[name].fingerprint


def test_lifecycle_moves_persist_and_refusals_change_nothing(market: AppContext) -> None:
    store = SeasonStore(market.engine)
    season = create_season(market, values([agent(market)]))

    moves = [
        (SeasonEvent.START, SeasonStatus.RUNNING, "started"),
        (SeasonEvent.PAUSE, SeasonStatus.PAUSED, "paused by hand"),
        (SeasonEvent.RESUME, SeasonStatus.RUNNING, "resumed"),
        (SeasonEvent.PAUSE, SeasonStatus.PAUSED, "paused by hand"),
        (SeasonEvent.END, SeasonStatus.FINISHED, "ended by hand"),
    ]
    for event, status, message in moves:
        returned = transition(market, season.id, event)
        stored = store.get(season.id)
        assert returned.status is stored.status is status
        assert stored.message == message
        assert store.status(season.id) is status

    for event in (SeasonEvent.START, SeasonEvent.PAUSE, SeasonEvent.RESUME, SeasonEvent.END):
        with pytest.raises(SeasonConflictError, match=f"cannot {event.value} a finished season"):
            transition(market, season.id, event)
    with pytest.raises(InvalidInputError, match="completes by itself"):  # only the runner may
        transition(market, running_id(market), SeasonEvent.COMPLETE)
    assert store.get(season.id).status is SeasonStatus.FINISHED

    running = transition(market, create_season(market, values([])).id, SeasonEvent.START)
    with pytest.raises(
        SeasonConflictError, match=r"^cannot resume a running season; it can pause or end$"
    ):
        transition(market, running.id, SeasonEvent.RESUME)
    assert store.get(running.id).status is SeasonStatus.RUNNING


def test_ending_a_draft_cancels_it_and_it_cannot_be_run(market: AppContext) -> None:
    store = SeasonStore(market.engine)
    season = create_season(market, values([agent(market)]))

    assert transition(market, season.id, SeasonEvent.END).status is SeasonStatus.CANCELED
    with pytest.raises(SeasonConflictError, match="canceled; there is nothing left to run"):
        run_season(market, season.id)
    with pytest.raises(SeasonConflictError, match="cannot start a canceled season"):
        transition(market, season.id, SeasonEvent.START)
    assert store.get(season.id).ticks_done == 0
    assert all(not store.equity(entry.id) for entry in store.entries(season.id))


def test_a_run_stopped_after_n_ticks_resumes_to_the_end_like_a_straight_run(
    market: AppContext,
) -> None:
    store = SeasonStore(market.engine)
    participants = [agent(market), agent(market, params={"fast": "5", "slow": "20"})]
    season = create_season(market, values(participants))
    progress: list[tuple[int, int]] = []

    def report(done: int, total: int) -> None:
        progress.append((done, total))

    first = run_season(market, season.id, report, stop_after=7)

    assert (first.status, first.ticks_done, first.ticks_stepped) == (SeasonStatus.RUNNING, 7, 7)
    stored = store.get(season.id)
    assert (stored.status, stored.ticks_done) == (SeasonStatus.RUNNING, 7)
    assert stored.ts_last_tick == START + 7 * HOUR
    assert progress == [(n, TICKS) for n in range(1, 8)]
    for entry in store.entries(season.id):
        assert [row["tick"] for row in store.equity(entry.id)] == list(range(7))

    second = run_season(market, season.id)

    assert (second.status, second.ticks_done, second.ticks_stepped) == (
        SeasonStatus.FINISHED, TICKS, TICKS - 7,
    )  # fmt: skip
    finished = store.get(season.id)
    assert (finished.status, finished.ticks_done) == (SeasonStatus.FINISHED, TICKS)
    assert finished.ts_last_tick == END
    assert f"after {TICKS} ticks" in finished.message
    entries = store.entries(season.id)
    traded = 0
    for entry in entries:
        rows = store.equity(entry.id)
        assert [row["tick"] for row in rows] == list(range(TICKS))  # each tick exactly once
        assert [row["ts"] for row in rows] == [START + (t + 1) * HOUR for t in range(TICKS)]
        # The entry row follows its last snapshot (stored as Numeric(38, 12): to 1e-12).
        assert entry.equity == pytest.approx(rows[-1]["equity"], abs=1e-9)
        assert entry.cash == pytest.approx(rows[-1]["cash"], abs=1e-9)
        fills = store.fills(entry.id)
        traded += bool(fills)
        assert all(START < fill.ts <= END for fill in fills)
    assert traded == len(entries)  # every entry traded at least once: the test moves money

    straight = create_season(market, values(participants))
    assert run_season(market, straight.id).status is SeasonStatus.FINISHED
    assert store.ledger_hash(straight.id) == store.ledger_hash(season.id)

    with pytest.raises(SeasonConflictError, match="finished; there is nothing left to run"):
        run_season(market, season.id)


def test_a_paused_season_is_not_run_and_ending_it_finishes_it(market: AppContext) -> None:
    store = SeasonStore(market.engine)
    season = create_season(market, values([agent(market)]))
    run_season(market, season.id, stop_after=3)

    transition(market, season.id, SeasonEvent.PAUSE)

    with pytest.raises(SeasonConflictError, match=r"is paused; resume it first") as refused:
        run_season(market, season.id)
    assert "\n" not in str(refused.value)
    assert store.get(season.id).ticks_done == 3
    assert transition(market, season.id, SeasonEvent.END).status is SeasonStatus.FINISHED
    with pytest.raises(SeasonConflictError, match="nothing left to run"):
        run_season(market, season.id)
    stored = store.get(season.id)
    assert (stored.status, stored.ticks_done, stored.message) == (
        SeasonStatus.FINISHED, 3, "ended by hand",
    )  # fmt: skip
    for entry in store.entries(season.id):
        assert len(store.equity(entry.id)) == 3


def test_seasons_never_share_state(market: AppContext) -> None:
    store = SeasonStore(market.engine)
    participants = [agent(market), agent(market, params={"fast": "5", "slow": "20"})]
    ran, idle = (create_season(market, values(participants)) for _ in range(2))

    run_season(market, ran.id)

    assert store.get(ran.id).status is SeasonStatus.FINISHED
    assert any(store.fills(entry.id) for entry in store.entries(ran.id))
    assert any(entry.equity != CAPITAL for entry in store.entries(ran.id))
    untouched = store.get(idle.id)
    assert (untouched.status, untouched.ticks_done, untouched.ts_last_tick) == (
        SeasonStatus.DRAFT, 0, None,
    )  # fmt: skip
    for entry in store.entries(idle.id):
        assert (entry.equity, entry.cash, entry.status) == (CAPITAL, CAPITAL, EntryStatus.ACTIVE)
        assert store.counts(entry.id) == dict.fromkeys(store.counts(entry.id), 0)
        assert store.equity(entry.id) == []
    ran_ids = {entry.id for entry in store.entries(ran.id)}
    assert ran_ids.isdisjoint(entry.id for entry in store.entries(idle.id))


def test_editing_or_disabling_an_agent_leaves_its_pinned_entry_alone(
    market: AppContext,
) -> None:
    store = SeasonStore(market.engine)
    name = agent(market, params={"fast": "5", "slow": "20"}, leverage=2.0)
    season = create_season(market, values([name]))
    before = by_name(store.entries(season.id))[name]

    edited = {"kind": "strategy", "strategy": "rsi_mean_reversion", "leverage": 5.0}
    with market.engine.begin() as connection:
        connection.execute(
            update(AgentRow).where(AgentRow.name == name).values(config=json.dumps(edited))
        )
    AgentStore(market.engine).set_enabled(name, False, parse_ts("2026-06-01"))
    assert AgentStore(market.engine).get(name).config == edited

    after = by_name(store.entries(season.id))[name]
    assert after.config == before.config
    assert after.config["agent"]["strategy"] == "ema_trend"
    assert after.config["agent"]["leverage"] == 2.0
    assert after.fingerprint == before.fingerprint
    report = run_season(market, season.id, stop_after=5)  # the pinned configuration still runs
    assert report.ticks_done == 5
    with pytest.raises(InvalidInputError, match=f"agent '{name}' is disabled"):
        create_season(market, values([name]))


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"symbols": ["FOO/USDT:USDT"]}, "unknown symbol FOO/USDT:USDT on binance"),
        ({"symbols": ["SOL/USDT:USDT"]}, "no 1h candles for SOL/USDT:USDT"),
        ({"participants": ["nobody"]}, "no agent named 'nobody'"),
        (
            {"start": parse_ts("2023-03-01"), "end": parse_ts("2023-03-02")},
            "no 1h candles of BTC/USDT:USDT between 2023-03-01.* to replay",
        ),
        ({"start": END, "end": START}, "season start .* is not before its end"),
        ({"start": START, "end": START}, "season start .* is not before its end"),
        ({"mode": "live"}, "a live season trades real accounts"),
        ({"risk": {"max_levrage": 5}}, "unknown risk limit max_levrage"),
        ({"risk": {"max_leverage": 0.5}}, "max_leverage must be"),
        ({"symbols": [BTC, ETH, BTC]}, r"season symbols: listed twice: BTC/USDT:USDT"),
        ({"timeframe": "7m"}, "season: unknown timeframe '7m'"),
        ({"capital": -1}, "season capital"),
        ({"surprise": 1}, "season surprise: Extra inputs are not permitted"),
        ({"participants": ["x", "y", "x"]}, "season participants: listed twice: x"),
        ({"baselines": False}, "a season needs at least one participant"),
        ({"timeframe": "1m", "start": 0}, "season of more than 1,000,000 1m ticks"),
    ],
    ids=[
        "unknown-symbol", "symbol-without-data", "unknown-agent", "window-without-data",
        "start-after-end", "empty-window", "live", "unknown-risk-limit", "bad-risk-limit",
        "duplicate-symbols", "bad-timeframe", "negative-capital", "unknown-field",
        "duplicate-participants", "nobody-at-all", "too-many-ticks",
    ],
)  # fmt: skip
def test_bad_input_is_a_one_line_error_and_stores_nothing(
    market: AppContext, fields: dict[str, Any], error: str
) -> None:
    store = SeasonStore(market.engine)
    seasons = len(store.all(limit=10_000))

    with pytest.raises(InvalidInputError, match=error) as raised:
        create_season(market, values([]) | fields)

    assert "\n" not in str(raised.value)
    assert len(store.all(limit=10_000)) == seasons


def test_an_unknown_agent_is_not_found_and_names_the_known_ones(market: AppContext) -> None:
    known = agent(market)
    with pytest.raises(NotFoundError, match=f"no agent named 'ghost'; known: .*{known}"):
        create_season(market, values([known, "ghost"]))


def test_an_agent_on_a_shorter_timeframe_is_refused(market: AppContext) -> None:
    # Longer ones decide on their own bars' closes (test_decision_cadence).
    name = agent(market, timeframe="15m")
    with pytest.raises(InvalidInputError, match="decides on 15m bars; a season ticking every 1h"):
        create_season(market, values([name]))


def test_a_participant_may_not_take_a_baseline_name(market: AppContext) -> None:
    add_agent(market, "btc-buy-and-hold", {"kind": "strategy", "strategy": "flat"})
    with pytest.raises(InvalidInputError, match="reserved for a baseline"):
        create_season(market, values(["btc-buy-and-hold"]))


def running_id(context: AppContext) -> int:
    season = create_season(context, values([]))
    return transition(context, season.id, SeasonEvent.START).id
