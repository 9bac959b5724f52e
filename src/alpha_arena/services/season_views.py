"""What a season's entries did, read for people: decisions with the model chat behind them,
open positions marked at the last tick, completed round trips. The CLI prints these; the API
serves the same reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alpha_arena.backtest.trades import round_trips
from alpha_arena.core.errors import NotFoundError
from alpha_arena.domain.llm import LlmCall
from alpha_arena.domain.positions import Position
from alpha_arena.domain.trades import Trade
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.context import AppContext
from alpha_arena.storage.season_queries import LedgerFilter, SeasonQueries
from alpha_arena.storage.season_store import SeasonRecord, SeasonStore


@dataclass(frozen=True, slots=True)
class DecisionView:
    """One decision of one entry at one tick, with the model calls that produced it."""

    entry: str
    seq: int  # the entry's decision number: with the entry, the decision's key
    tick: int
    ts: int
    outcome: str  # valid, repaired, invalid or deadline
    reasoning: str
    actions: list[dict[str, Any]]  # symbol, signal, size, exit plan, confidence, justification
    latency_ms: float
    calls: list[LlmCall]  # none for rule-based agents


@dataclass(frozen=True, slots=True)
class PositionView:
    """An open position with its exit plan, valued at the close of the season's last tick."""

    entry: str
    position: Position
    mark_price: float | None  # None: no bar of the symbol had closed by the last tick

    @property
    def notional(self) -> float | None:
        return None if self.mark_price is None else self.position.notional(self.mark_price)

    @property
    def unrealized_pnl(self) -> float | None:
        return None if self.mark_price is None else self.position.unrealized_pnl(self.mark_price)


@dataclass(frozen=True, slots=True)
class EntryTrade:
    """A completed round trip of one entry."""

    entry: str
    trade: Trade


def entries_by_id(context: AppContext, season_id: int, entry: str | None) -> dict[int, str]:
    """The season's entries (name by id), or only the one named; unknown either is refused."""
    names = SeasonQueries(context.engine).entry_names(season_id)
    if not names:
        SeasonStore(context.engine).get(season_id)  # says so when the season does not exist
    if entry is None:
        return names
    chosen = {eid: name for eid, name in names.items() if name == entry}
    if not chosen:
        raise NotFoundError(
            f"season {season_id} has no entry {entry!r}; entries: {', '.join(names.values())}"
        )
    return chosen


def recent_decisions(
    context: AppContext,
    season_id: int,
    entry: str | None = None,
    symbol: str | None = None,
    last: int = 20,
) -> list[DecisionView]:
    """The newest ``last`` decisions (of one entry, or touching one symbol), oldest first."""
    names = entries_by_id(context, season_id, entry)
    queries = SeasonQueries(context.engine)
    rows, _total = queries.decisions(LedgerFilter(list(names), symbol), last, 0)
    calls = queries.calls_at([(row["entry_id"], row["tick"]) for row in rows])
    return [
        DecisionView(
            entry=names[row["entry_id"]], seq=row["seq"], tick=row["tick"], ts=row["ts"],
            outcome=str(row.get("outcome") or "valid"), reasoning=row["reasoning"],
            actions=row["actions"], latency_ms=row["latency_ms"],
            calls=calls.get((row["entry_id"], row["tick"]), []),
        )
        for row in reversed(rows)
    ]  # fmt: skip


def one_decision(context: AppContext, season_id: int, entry: str, seq: int) -> DecisionView:
    """Decision ``seq`` of ``entry`` in season ``season_id`` with its model calls; an unknown
    season, entry or number is refused in one line."""
    [(entry_id, name)] = entries_by_id(context, season_id, entry).items()
    queries = SeasonQueries(context.engine)
    row = queries.decision(entry_id, seq)
    if row is None:
        made = queries.decision_count(entry_id)
        numbers = f"0 to {made - 1}" if made else "none yet"
        raise NotFoundError(
            f"season {season_id}'s entry {name!r} has no decision {seq} (its decisions: {numbers})"
        )
    calls = queries.calls_at([(entry_id, row["tick"])]).get((entry_id, row["tick"]), [])
    return DecisionView(
        entry=name, seq=seq, tick=row["tick"], ts=row["ts"],
        outcome=str(row.get("outcome") or "valid"), reasoning=row["reasoning"],
        actions=row["actions"], latency_ms=row["latency_ms"], calls=calls,
    )  # fmt: skip


def open_positions(
    context: AppContext, season_id: int, entry: str | None = None, symbol: str | None = None
) -> list[PositionView]:
    """Every open position (of one entry, in one symbol) marked at the season's last tick."""
    store = SeasonStore(context.engine)
    season = store.get(season_id)
    names = entries_by_id(context, season_id, entry)
    data = _data(context, season)
    marks: dict[str, float | None] = {}
    found = []
    for entry_id, name in names.items():
        for _tick, position in store.positions(entry_id):
            if symbol is not None and position.symbol != symbol:
                continue
            if position.symbol not in marks:
                marks[position.symbol] = _mark(data, position.symbol, season)
            found.append(PositionView(name, position, marks[position.symbol]))
    return found


def completed_trades(
    context: AppContext, season_id: int, entry: str | None = None
) -> list[EntryTrade]:
    """The round trips that opened from flat and closed again, in the order they closed, as
    of the ticks committed when this read began (a runner may commit more meanwhile)."""
    store = SeasonStore(context.engine)
    season = store.get(season_id)
    names = entries_by_id(context, season_id, entry)
    horizon = season.ticks_done
    ts_end = season.ts_last_tick or season.ts_start
    trades = []
    for entry_id, name in names.items():
        fills = store.fills(entry_id, horizon)
        funding = store.funding(entry_id, horizon)
        # round_trips values what is still open at a mark; those are left out, so any will do.
        marks = dict.fromkeys({fill.symbol for fill in fills}, 0.0)
        for trade in round_trips(fills, funding, marks, ts_end):
            if trade.exit_reason != "open_at_end":
                trades.append(EntryTrade(name, trade))
    trades.sort(key=lambda item: (item.trade.ts_exit, item.entry, item.trade.symbol))
    return trades


def _data(context: AppContext, season: SeasonRecord) -> DataService:
    return DataService(context.market, str(season.config.get("exchange", "binance")))


def _mark(data: DataService, symbol: str, season: SeasonRecord) -> float | None:
    """The close of the last bar the season has seen."""
    if season.ts_last_tick is None:
        return None
    bars = data.closed_candles(symbol, season.timeframe, season.ts_last_tick, 1)
    return float(bars.close[-1]) if len(bars) else None
