"""An agent's decision outcomes on real replay seasons of built-in strategy agents, on both
databases: the calls counted from the stored decisions, every forward return redone here from
the stored candles, the regime from the bars known at the decision, pending at the data's end."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from alpha_arena.agents.selector import regime_of
from alpha_arena.analytics.outcomes import HORIZONS, Direction, classify
from alpha_arena.core.clock import SimClock
from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.time import parse_ts
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.outcomes import AgentReport, agent_report
from alpha_arena.services.sample import load_sample
from alpha_arena.services.seasons import create_season, run_season
from alpha_arena.storage.season_store import SeasonStore
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
HOUR = 3_600_000
#: The bundled BTC and ETH perpetual hours end with the bar opened 2026-05-17T07:00.
LAST_BAR = parse_ts("2026-05-17T07:00")
EARLY = (parse_ts("2026-03-01"), parse_ts("2026-03-08"))
LATE = (parse_ts("2026-05-10"), LAST_BAR + HOUR)  # to the data's end
AGENTS: dict[str, dict[str, Any]] = {
    "ema-fast": {"kind": "strategy", "strategy": "ema_trend",
                 "params": {"fast": "3", "slow": "8"}},
    "bands": {"kind": "strategy", "strategy": "bollinger_range"},
    "idle": {"kind": "strategy", "strategy": "ema_trend"},  # registered, never entered
}  # fmt: skip
FILES = [
    "binance_usdm_BTCUSDT_1h.csv.gz",
    "binance_usdm_BTCUSDT_funding_8h.csv.gz",
    "binance_usdm_ETHUSDT_1h.csv.gz",
    "binance_usdm_ETHUSDT_funding_8h.csv.gz",
]


@dataclass(frozen=True)
class Played:
    context: AppContext
    seasons: tuple[int, int]


@pytest.fixture(scope="module", params=BACKENDS)
def played(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Played]:
    """Two finished seasons of ema-fast and bands (a week in March, the data's last week)."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        folder = sample_subset(tmp_path_factory.mktemp("sample"), FILES)
        context = open_context(settings_for(url), clock=SimClock(parse_ts("2026-06-01")))
        try:
            load_sample(context, folder)
            for name, config in AGENTS.items():
                add_agent(context, name, config)
            ids = []
            for label, (start, end) in (("early", EARLY), ("late", LATE)):
                season = create_season(context, {
                    "name": label, "symbols": [BTC, ETH], "start": start, "end": end,
                    "participants": ["ema-fast", "bands"],
                })  # fmt: skip
                run_season(context, season.id)
                ids.append(season.id)
            yield Played(context, (ids[0], ids[1]))
        finally:
            context.close()


def stored_calls(played: Played, name: str, season_id: int | None = None) -> list[tuple]:
    """(season, ts, symbol, direction) of every coin a stored decision names, worked out here
    from the decision rows: the last signal other than hold; hold alone stands aside."""
    store = SeasonStore(played.context.engine)
    calls = []
    for season in played.seasons:
        if season_id not in (None, season):
            continue
        (entry,) = [e for e in store.entries(season) if e.name == name]
        for row in store.decisions(entry.id):
            last: dict[str, str] = {}
            for action in row["actions"]:
                if action["signal"] != "hold" or action["symbol"] not in last:
                    last[action["symbol"]] = action["signal"]
            named = {"buy_to_enter": "long", "sell_to_enter": "short"}
            calls += [(season, row["ts"], symbol, named.get(signal, "aside"))
                      for symbol, signal in last.items()]  # fmt: skip
    return calls


def closes(played: Played, symbol: str) -> dict[int, float]:
    """Every stored hourly close by its bar's open time, read straight from the store."""
    bars = played.context.market.read_candles("binance", symbol, "1h")
    return dict(zip(bars.ts.tolist(), bars.close.tolist(), strict=True))


def test_the_report_counts_every_directional_call_the_seasons_stored(played: Played) -> None:
    report = agent_report(played.context, "ema-fast")
    calls = stored_calls(played, "ema-fast")
    directional = [c for c in calls if c[3] != "aside"]
    assert len(directional) > 20  # a real, busy agent: the counts below mean something
    assert report.message == ""
    assert report.calls == len(calls)
    for horizon in report.horizons:
        assert horizon.overall.calls == len(directional)
        assert horizon.overall.aside == len(calls) - len(directional)
        assert sum(t.calls for t in horizon.by_coin.values()) == len(directional)
        assert sum(t.calls for t in horizon.by_regime.values()) == len(directional)
    stored = sum(len(SeasonStore(played.context.engine).decisions(e.id))
                 for s in played.seasons for e in SeasonStore(played.context.engine).entries(s)
                 if e.name == "ema-fast")  # fmt: skip
    assert report.decisions == stored
    assert [(s.season_id, s.timeframe) for s in report.seasons] == [
        (played.seasons[0], "1h"),
        (played.seasons[1], "1h"),
    ]
    assert sum(s.decisions for s in report.seasons) == stored


def test_every_forward_return_is_the_candle_math_redone_here(played: Played) -> None:
    report = agent_report(played.context, "bands")
    by_symbol = {symbol: closes(played, symbol) for symbol in (BTC, ETH)}
    judged = [(o.call.ts, o.call.symbol, o.call.direction.value) for o in report.outcomes]
    assert sorted(judged) == sorted((ts, sym, d) for _, ts, sym, d in stored_calls(played, "bands"))
    for outcome in report.outcomes:
        prices = by_symbol[outcome.call.symbol]
        bar = outcome.call.ts - HOUR  # decided at the close of the bar opened an hour before
        for index, bars_ahead in enumerate(HORIZONS):
            later = bar + bars_ahead * HOUR
            expected = prices[later] / prices[bar] - 1 if later <= LAST_BAR else None
            if expected is None:
                assert outcome.forward[index] is None
            else:
                assert outcome.forward[index] == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", ["ema-fast", "bands"])
def test_averages_and_hits_are_the_signed_returns_recombined(played: Played, name: str) -> None:
    report = agent_report(played.context, name)
    for index, horizon in enumerate(report.horizons):
        signed = []
        moves = []
        for outcome in report.outcomes:
            value = outcome.forward[index]
            if value is None:
                continue
            if outcome.call.direction is Direction.ASIDE:
                moves.append(abs(value))
            else:
                signed.append(value if outcome.call.direction is Direction.LONG else -value)
        overall = horizon.overall
        assert overall.known == len(signed)
        assert overall.hits == sum(1 for value in signed if value > 0)
        assert overall.hit_rate == pytest.approx(overall.hits / len(signed))
        assert overall.average_outcome == pytest.approx(math.fsum(signed) / len(signed))
        if name == "ema-fast":  # always long or short: a flip closes and enters at once
            assert (overall.aside, overall.average_move_aside) == (0, None)
        else:  # the range strategy stands aside between its trades
            assert overall.average_move_aside == pytest.approx(math.fsum(moves) / len(moves))


def test_calls_in_the_last_bars_of_the_data_are_pending(played: Played) -> None:
    report = agent_report(played.context, "ema-fast", season_id=played.seasons[1])
    for index, bars_ahead in enumerate(HORIZONS):
        expected = [o for o in report.outcomes
                    if o.call.ts - HOUR + bars_ahead * HOUR > LAST_BAR]  # fmt: skip
        pending = [o for o in report.outcomes if o.forward[index] is None]
        assert pending == expected
        tally = report.horizons[index].overall
        assert tally.pending + tally.aside_pending == len(expected)
    # The season ran to the data's end: some of its last day's calls wait for 24 bars.
    assert report.horizons[2].overall.pending + report.horizons[2].overall.aside_pending > 0
    assert report.horizons[0].overall.pending <= report.horizons[2].overall.pending


def test_the_regime_is_read_from_the_bars_known_at_the_decision(played: Played) -> None:
    report = agent_report(played.context, "bands", season_id=played.seasons[0])
    data = DataService(played.context.market, "binance")
    checked = 0
    for outcome in report.outcomes[:40]:
        known = data.closed_candles(outcome.call.symbol, "1h", outcome.call.ts, last=200)
        assert int(known.ts[-1]) == outcome.call.ts - HOUR
        assert outcome.regime is classify(regime_of(outcome.call.symbol, known))
        checked += 1
    assert checked > 0
    assert set(report.horizons[0].by_regime) <= {"trending", "squeeze", "ranging", "unknown"}


def test_one_season_reports_only_its_own_calls(played: Played) -> None:
    early = played.seasons[0]
    first = agent_report(played.context, "ema-fast", season_id=early)
    whole = agent_report(played.context, "ema-fast")
    assert [s.season_id for s in first.seasons] == [early]
    assert first.calls == len(stored_calls(played, "ema-fast", early))
    assert all(EARLY[0] < o.call.ts <= EARLY[1] for o in first.outcomes)
    # Nothing of March is pending: a month of bars follows it.
    assert all(None not in o.forward for o in first.outcomes)
    assert first.calls < whole.calls


def test_an_agent_without_decisions_gets_an_empty_report_that_says_so(played: Played) -> None:
    report = agent_report(played.context, "idle")
    assert isinstance(report, AgentReport)
    assert report.message == "agent idle has no entry in any season: no decisions to judge"
    assert (report.decisions, report.calls, report.seasons, report.outcomes) == (0, 0, (), ())
    assert [h.overall.calls for h in report.horizons] == [0, 0, 0]
    assert report.horizons[0].overall.hit_rate is None
    in_season = agent_report(played.context, "idle", season_id=played.seasons[0])
    assert in_season.message == (
        f"agent idle has no entry in season {played.seasons[0]}: no decisions to judge"
    )


def test_unknown_agent_season_or_horizon_is_one_line(played: Played) -> None:
    with pytest.raises(NotFoundError, match="no agent named 'ghost'; known: bands, ema-fast"):
        agent_report(played.context, "ghost")
    with pytest.raises(NotFoundError, match="no season 999"):
        agent_report(played.context, "ema-fast", season_id=999)
    with pytest.raises(InvalidInputError, match="horizons"):
        agent_report(played.context, "ema-fast", horizons=(0, 4))
    for error in (NotFoundError, InvalidInputError):
        assert "\n" not in str(error)


def test_hit_rates_differ_by_regime_only_through_the_calls_in_them(played: Played) -> None:
    """The per-regime tallies partition the overall one: hits and counts add up."""
    report = agent_report(played.context, "ema-fast")
    for horizon in report.horizons:
        parts = list(horizon.by_regime.values())
        assert sum(t.hits for t in parts) == horizon.overall.hits
        assert sum(t.pending for t in parts) == horizon.overall.pending
        known = np.array([t.known for t in parts], dtype=float)
        averages = np.array([t.average_outcome or 0.0 for t in parts])
        if horizon.overall.known:
            recombined = float((known * averages).sum() / known.sum())
            assert recombined == pytest.approx(horizon.overall.average_outcome)
