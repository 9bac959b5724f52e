"""Decision outcomes of one agent: every call it made in its seasons, judged by what the coin
did next (see ``analytics.outcomes`` for the definitions).

Reads the agent's decisions in one query and each coin's candles once per exchange and
timeframe, from before the first call (the regime's history) to the longest horizon after the
last; a season of thousands of decisions costs a handful of reads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alpha_arena.analytics.outcomes import (
    HORIZONS,
    REGIME_BARS,
    Call,
    CallOutcome,
    HorizonReport,
    Tally,
    calls_of,
    evaluate,
    report,
)
from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.time import timeframe_ms
from alpha_arena.domain.market import Candles
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.context import AppContext
from alpha_arena.storage.agent_decisions import AgentDecisions, AgentEntry
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.season_store import SeasonStore

MAX_HORIZON = 10_000


@dataclass(frozen=True, slots=True)
class SeasonCovered:
    """A season the report read: its id, name, timeframe and the agent's decisions in it."""

    season_id: int
    name: str
    timeframe: str
    decisions: int


@dataclass(frozen=True, slots=True)
class AgentReport:
    """An agent's decision outcomes; ``message`` says why a report is empty (else "")."""

    agent: str
    season_id: int | None
    seasons: tuple[SeasonCovered, ...]
    decisions: int
    calls: int  # coin calls in those decisions, directional or aside
    horizons: tuple[HorizonReport, ...]
    message: str
    outcomes: tuple[CallOutcome, ...]  # every call judged, one per coin per decision


def agent_report(
    context: AppContext,
    name: str,
    season_id: int | None = None,
    horizons: Sequence[int] = HORIZONS,
) -> AgentReport:
    """The outcomes of agent ``name``'s calls in every season it entered (or in
    ``season_id`` only). NotFoundError for an unknown agent or season."""
    horizons = _checked(horizons)
    agent = AgentStore(context.engine).get(name)
    if season_id is not None:
        SeasonStore(context.engine).get(season_id)
    store = AgentDecisions(context.engine)
    entries = {entry.entry_id: entry for entry in store.entries(agent.id, season_id)}
    decisions = store.decisions(list(entries))
    calls: dict[AgentEntry, list[Call]] = defaultdict(list)
    counted: dict[int, int] = defaultdict(int)
    for entry_id, decision in decisions:
        entry = entries[entry_id]
        calls[entry].extend(calls_of(decision, entry_id))
        counted[entry.season_id] += 1
    outcomes = _outcomes(context, calls, horizons)
    seasons = {entry.season_id: entry for entry in entries.values()}
    covered = tuple(
        SeasonCovered(sid, entry.season_name, entry.timeframe, counted[sid])
        for sid, entry in sorted(seasons.items())
    )
    message = _empty_message(agent.name, season_id, covered, len(outcomes))
    return AgentReport(
        agent.name, season_id, covered, len(decisions), len(outcomes),
        tuple(report(outcomes, horizons)), message, tuple(outcomes),
    )  # fmt: skip


def _checked(horizons: Sequence[int]) -> tuple[int, ...]:
    chosen = tuple(horizons)
    if not chosen or any(not 1 <= bars <= MAX_HORIZON for bars in chosen):
        raise InvalidInputError(
            f"horizons {list(chosen)}: give one or more bar counts from 1 to {MAX_HORIZON:,}"
        )
    return chosen


def _outcomes(
    context: AppContext, calls: dict[AgentEntry, list[Call]], horizons: tuple[int, ...]
) -> list[CallOutcome]:
    """Evaluate the calls per exchange and timeframe, reading each coin's candles once."""
    markets: dict[tuple[str, str], list[Call]] = defaultdict(list)
    for entry, found in calls.items():
        markets[(entry.exchange, entry.timeframe)].extend(found)
    outcomes: list[CallOutcome] = []
    for (exchange, timeframe), found in markets.items():
        step = timeframe_ms(timeframe)
        data = DataService(context.market, exchange)
        times: dict[str, list[int]] = defaultdict(list)
        for call in found:
            times[call.symbol].append(call.ts)
        candles = {
            symbol: _candles(data, symbol, timeframe, min(ts), max(ts), step, max(horizons))
            for symbol, ts in times.items()
        }
        outcomes += evaluate(found, candles, step, horizons)
    return outcomes


def _candles(
    data: DataService, symbol: str, timeframe: str, first: int, last: int, step: int,
    longest: int,
) -> Candles:  # fmt: skip
    """The bars from the regime's history before the first call (whose decision bar opened
    at ``first - step``) to the longest horizon after the last; none stored: no bars, so that
    the coin's calls stay pending rather than fail the report."""
    start = first - (REGIME_BARS + 1) * step
    end = last - step + longest * step
    try:
        return data.candles(symbol, timeframe, start, end)
    except NotFoundError:
        return Candles.empty()


def _empty_message(
    name: str, season_id: int | None, seasons: tuple[SeasonCovered, ...], calls: int
) -> str:
    where = "any season" if season_id is None else f"season {season_id}"
    if not seasons:
        return f"agent {name} has no entry in {where}: no decisions to judge"
    if calls == 0:
        return f"agent {name} made no call on any coin in {where}: no decisions to judge"
    return ""


def report_json(found: AgentReport) -> dict[str, Any]:
    """The report as plain JSON values: what ``arena agent report --json`` prints and the API
    returns (without the calls one by one)."""
    return {
        "agent": found.agent, "season_id": found.season_id, "decisions": found.decisions,
        "calls": found.calls, "message": found.message,
        "seasons": [{"season_id": s.season_id, "name": s.name, "timeframe": s.timeframe,
                     "decisions": s.decisions} for s in found.seasons],
        "horizons": [{
            "bars": h.bars, "overall": _tally_json(h.overall),
            "by_regime": {name: _tally_json(t) for name, t in h.by_regime.items()},
            "by_coin": {coin: _tally_json(t) for coin, t in h.by_coin.items()},
        } for h in found.horizons],
    }  # fmt: skip


def _tally_json(tally: Tally) -> dict[str, Any]:
    return {
        "calls": tally.calls, "known": tally.known, "pending": tally.pending, "hits": tally.hits,
        "hit_rate": tally.hit_rate, "average_outcome": tally.average_outcome,
        "aside": tally.aside, "aside_pending": tally.aside_pending,
        "average_move_aside": tally.average_move_aside,
    }  # fmt: skip
