"""A replay season must lie within every coin's stored data: a window running past a coin's
last bar (or before its first) is refused with the coin, its bar and the window that fits,
instead of replaying the missing stretch as an outage with a frozen price."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import parse_ts
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.services.seasons import create_season
from alpha_arena.storage.tables import CandleRow, InstrumentRow
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
FILES = [f"binance_usdm_{coin}USDT_1h.csv.gz" for coin in ("BTC", "ETH")]
ETH_LAST = parse_ts("2024-03-10T05:00")  # ETH's bars stop here (the open of its last bar)
BTC_FIRST = parse_ts("2024-02-01T00:00")  # BTC's bars start here


@pytest.fixture(scope="module", params=BACKENDS)
def market(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppContext]:
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, sample_subset(tmp_path_factory.mktemp("sample"), FILES))
            with context.engine.begin() as connection:
                ids = dict(connection.execute(select(InstrumentRow.symbol, InstrumentRow.id)).all())
                connection.execute(delete(CandleRow).where(
                    CandleRow.instrument_id == ids[ETH], CandleRow.ts > ETH_LAST))  # fmt: skip
                connection.execute(delete(CandleRow).where(
                    CandleRow.instrument_id == ids[BTC], CandleRow.ts < BTC_FIRST))  # fmt: skip
            add_agent(context, "trend", {"kind": "strategy", "strategy": "ema_trend"})
            yield context
        finally:
            context.close()


def season(context: AppContext, start: str, end: str) -> int:
    return create_season(context, {
        "name": f"{start} to {end}", "symbols": [BTC, ETH], "start": parse_ts(start),
        "end": parse_ts(end), "participants": ["trend"],
    }).id  # fmt: skip


def test_a_season_past_a_coins_last_bar_is_refused_with_the_end_that_fits(
    market: AppContext,
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        season(market, "2024-03-01", "2024-04-01")
    assert str(refused.value) == (
        "ETH/USDT:USDT's 1h data ends with the bar of 2024-03-10T05:00:00Z, before the "
        "season's end 2024-04-01T00:00:00Z: end the season at 2024-03-10T06:00:00Z or "
        "earlier, or load more data (`arena data ingest`)"
    )
    assert season(market, "2024-03-01", "2024-03-10T06:00") > 0  # the end it suggested fits


def test_a_season_before_a_coins_first_bar_is_refused_with_the_start_that_fits(
    market: AppContext,
) -> None:
    expected = (
        r"BTC/USDT:USDT's 1h data starts with the bar of 2024-02-01T00:00:00Z, after the "
        r"season's start 2024-01-15T00:00:00Z: start the season at 2024-02-01T00:00:00Z or later"
    )
    with pytest.raises(InvalidInputError, match=expected):
        season(market, "2024-01-15", "2024-02-15")
    assert season(market, "2024-02-01", "2024-02-15") > 0
    assert season(market, "2024-01-31T23:30", "2024-02-15") > 0  # its first bar opens at 00:00
