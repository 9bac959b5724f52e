"""A paper season follows the market: each bar that closes is ingested and stepped once by the
engine that stepped the bars before it (no re-execution from the season's start), and the
ledger it builds bar by bar is the one a replay of the same window gives, on hourly bars and
on 1m bars (the loopback exchange splits its hours into minutes). A restarted runner
re-executes the stored ticks once, then follows the market again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts, timeframe_ms
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus
from alpha_arena.seasons.runner import RunReport, SeasonRunner
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.ingestion import ingest
from alpha_arena.storage.season_store import SeasonStore
from tests.support.fake_exchange import FakeExchange
from tests.support.live_exchange import LAG_MS, ExchangeClock

BTC = "BTC/USDT:USDT"
START = parse_ts("2024-02-01")
TICKS = 24


@pytest.fixture(params=["1h", "1m"])
def timeframe(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def market(database_url: str, timeframe: str) -> Iterator[tuple[AppContext, FakeExchange]]:
    """A database holding the exchange's history up to the season's start, and the exchange,
    whose clock is the season's wall clock."""
    with FakeExchange(START) as fake:
        settings = Settings(
            database_url=database_url, exchange_base_url=fake.url, exchange_max_retries=1,
            exchange_retry_base_s=0, exchange_rate_limit_ms=0,
        )  # fmt: skip
        context = open_context(settings, clock=ExchangeClock(fake))
        try:
            since = START - 200 * timeframe_ms(timeframe)
            ingest(context, "binanceusdm", [BTC], [timeframe], since=since)
            add_agent(context, "fast", {"kind": "strategy", "strategy": "ema_trend",
                                        "params": {"fast": "3", "slow": "8"},
                                        "timeframe": timeframe})  # fmt: skip
            add_agent(context, "breakout", {"kind": "strategy", "strategy": "breakout",
                                            "timeframe": timeframe})  # fmt: skip
            yield context, fake
        finally:
            context.close()


def values(mode: str, timeframe: str) -> dict[str, Any]:
    return {"name": mode, "mode": mode, "symbols": [BTC], "start": START, "timeframe": timeframe,
            "end": START + TICKS * timeframe_ms(timeframe),
            "participants": ["fast", "breakout"]}  # fmt: skip


class Background:
    """A runner on its own thread, as `arena season run` drives a paper season."""

    def __init__(self, context: AppContext, season_id: int, **options: Any) -> None:
        self.runner = SeasonRunner(context, season_id, poll_s=0.01, **options)
        self.report: RunReport | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.report = self.runner.run()
        except BaseException as error:  # handed to the test
            self.error = error

    def alive(self) -> None:
        assert self._thread.is_alive() or self.report is not None, self.error

    def finish(self) -> RunReport:
        self._thread.join(timeout=120)
        assert self.error is None, self.error
        assert self.report is not None, "the runner did not return"
        return self.report


def follow(
    fake: FakeExchange, store: SeasonStore, season_id: int, ticks: range, runner: Background
) -> None:
    """Move the exchange's clock past each bar's close once the tick before it is committed."""
    step = timeframe_ms(store.get(season_id).config["timeframe"])
    for tick in ticks:
        fake.advance_to(START + (tick + 1) * step + LAG_MS)
        while store.get(season_id).ticks_done <= tick:
            runner.alive()
            threading.Event().wait(0.01)


def replayed(context: AppContext, timeframe: str) -> str:
    """The ledger of a replay of the season's window, on the bars the paper season stored."""
    season = seasons.create_season(context, values("replay", timeframe))
    report = seasons.run_season(context, season.id)
    assert (report.status, report.ticks_done) == (SeasonStatus.FINISHED, TICKS)
    return SeasonStore(context.engine).ledger_hash(season.id)


def test_a_paper_season_steps_each_new_bar_once_and_matches_a_replay(
    market: tuple[AppContext, FakeExchange], timeframe: str
) -> None:
    context, fake = market
    store = SeasonStore(context.engine)
    season = seasons.create_season(context, values("paper", timeframe))
    seasons.transition(context, season.id, SeasonEvent.START)

    running = Background(context, season.id)
    follow(fake, store, season.id, range(TICKS), running)
    report = running.finish()

    assert (report.status, report.ticks_done, report.ticks_stepped) == (
        SeasonStatus.FINISHED, TICKS, TICKS,
    )  # fmt: skip
    assert report.ticks_reexecuted == 0  # every bar was stepped once, as it closed
    fills = [fill for entry in store.entries(season.id) for fill in store.fills(entry.id)]
    assert len(fills) >= 2, "the agents should have traded"
    assert store.ledger_hash(season.id) == replayed(context, timeframe)


@pytest.mark.parametrize("timeframe", ["1h"], indirect=True)
def test_a_restarted_runner_re_executes_the_stored_ticks_once_then_follows_again(
    market: tuple[AppContext, FakeExchange], timeframe: str
) -> None:
    context, fake = market
    store = SeasonStore(context.engine)
    season = seasons.create_season(context, values("paper", timeframe))
    seasons.transition(context, season.id, SeasonEvent.START)
    stopped_at = 9

    first = Background(context, season.id, stop_after=stopped_at)  # a runner that goes away
    follow(fake, store, season.id, range(stopped_at), first)
    assert first.finish().ticks_done == stopped_at

    second = Background(context, season.id)
    follow(fake, store, season.id, range(stopped_at, TICKS), second)
    report = second.finish()

    assert (report.status, report.ticks_stepped) == (SeasonStatus.FINISHED, TICKS - stopped_at)
    assert report.ticks_reexecuted == stopped_at  # on start, and never again
    assert store.ledger_hash(season.id) == replayed(context, timeframe)
