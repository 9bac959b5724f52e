"""Season use cases: create, list, show, move through the lifecycle, run, rank, export."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alpha_arena.core.errors import ArenaError, InvalidInputError, TemporaryError
from alpha_arena.core.redact import redact
from alpha_arena.core.time import floor_ts, to_iso
from alpha_arena.domain.seasons import SeasonEvent, SeasonMode, SeasonStatus
from alpha_arena.marketdata.service import DataService
from alpha_arena.seasons.compare import Comparison, build_comparison
from alpha_arena.seasons.config import SeasonConfig, parse_season_config, public_config
from alpha_arena.seasons.leaderboard import Leaderboard, build_leaderboard
from alpha_arena.seasons.lineup import baseline_entries, entry_warning, pin_agent
from alpha_arena.seasons.runner import Progress, RunReport, SeasonRunner
from alpha_arena.services.backtests import describe_denials
from alpha_arena.services.context import AppContext
from alpha_arena.services.csv_tables import write_csv
from alpha_arena.services.profiles import pin_season_profile
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.season_queries import SeasonQueries
from alpha_arena.storage.season_store import SeasonRecord, SeasonStore

logger = logging.getLogger(__name__)


def create_season(context: AppContext, values: dict[str, Any]) -> SeasonRecord:
    """Validate a season, pin its participants' configurations and store it as a draft."""
    config = pin_season_profile(context.settings, values)  # ARENA_CONFIG_FILE's values too
    if config.anonymize and config.tape_seed is None:  # the tape's secret, drawn once
        config = config.model_copy(update={"tape_seed": secrets.token_hex(16)})
    if config.mode is SeasonMode.LIVE:
        from alpha_arena.services.live_trading import check_live_accounts

        check_live_accounts(context, config)
    agents = AgentStore(context.engine)
    entries = [pin_agent(context, agents.get(name), config) for name in config.participants]
    if config.baselines:
        baselines = baseline_entries(config)
        taken = {entry.name for entry in entries} & {entry.name for entry in baselines}
        if taken:
            raise InvalidInputError(f"agent name {', '.join(taken)} is reserved for a baseline")
        entries += baselines
    if not entries:
        raise InvalidInputError("a season needs at least one participant (or its baselines)")
    # Every symbol the runner will load: the season's and any an entry trades (the BTC
    # baseline's), so that a season never starts only to fail on its first tick.
    traded = [s for e in entries for s in e.config["agent"].get("symbols") or ()]
    symbols = list(dict.fromkeys([*config.symbols, *traded]))
    known = {item.symbol for item in context.market.instruments(config.exchange)}
    unknown = [symbol for symbol in symbols if symbol not in known]
    if unknown:
        raise InvalidInputError(
            f"unknown symbol {', '.join(unknown)} on {config.exchange}; known: "
            + (", ".join(sorted(known)) or "none (load data first: `arena data load-sample`)")
        )
    if config.mode is SeasonMode.REPLAY:
        data = DataService(context.market, config.exchange)
        for symbol in symbols:
            _require_data_covers(data, symbol, config)
    warnings = [warning for entry in entries if (warning := entry_warning(entry))]
    return SeasonStore(context.engine).create(
        config.model_dump(mode="json"), entries, config.capital, context.clock.now_ms(),
        message="; ".join(f"warning: {warning}" for warning in warnings),
    )  # fmt: skip


def _require_data_covers(data: DataService, symbol: str, config: SeasonConfig) -> None:
    """Refuse a replay window that runs past a coin's stored data: bars missing at either end
    would be replayed as an outage with a frozen price, not as the market."""
    step, timeframe = config.step_ms, config.timeframe
    newest = data.candles(symbol, timeframe, config.start, config.end - step, last=1)
    if not len(newest):
        raise InvalidInputError(
            f"no {timeframe} candles of {symbol} between {to_iso(config.start)} and "
            f"{to_iso(config.end)} to replay"
        )
    # The first bar, from a short read (the window may hold a million bars); only when that
    # finds none is the whole window read to name it.
    head = data.candles(symbol, timeframe, config.start, config.start + 1024 * step)
    if not len(head):
        head = data.candles(symbol, timeframe, config.start, config.end - step)
    first, last = int(head.ts[0]), int(newest.ts[-1])
    # Bars open on multiples of their length: the window's first and last bar open times.
    first_due = floor_ts(config.start + step - 1, step)
    last_due = floor_ts(config.end - step, step)
    if last < last_due:
        raise InvalidInputError(
            f"{symbol}'s {timeframe} data ends with the bar of {to_iso(last)}, before "
            f"the season's end {to_iso(config.end)}: end the season at {to_iso(last + step)} "
            "or earlier, or load more data (`arena data ingest`)"
        )
    if first > first_due:
        raise InvalidInputError(
            f"{symbol}'s {timeframe} data starts with the bar of {to_iso(first)}, after "
            f"the season's start {to_iso(config.start)}: start the season at {to_iso(first)} "
            "or later"
        )


def transition(context: AppContext, season_id: int, event: SeasonEvent) -> SeasonRecord:
    if event is SeasonEvent.COMPLETE:
        raise InvalidInputError("a season completes by itself when its runner reaches its end")
    if event in (SeasonEvent.START, SeasonEvent.RESUME):
        season = SeasonStore(context.engine).get(season_id)
        if parse_season_config(season.config).mode is SeasonMode.LIVE:
            from alpha_arena.seasons.venues import require_trading_enabled

            require_trading_enabled(context.settings, season_id)  # not started to fail at once
    messages = {
        SeasonEvent.START: "started",
        SeasonEvent.PAUSE: "paused by hand",
        SeasonEvent.RESUME: "resumed",
        SeasonEvent.END: "ended by hand",
    }
    season = SeasonStore(context.engine).transition(
        season_id, event, context.clock.now_ms(), messages.get(event, "")
    )
    if context.workers is not None and season.status is SeasonStatus.RUNNING:
        try:
            context.workers.start_season(season_id)  # a worker takes it now, not at the next poll
        except TemporaryError as error:  # the scheduler hands it over once the broker is back
            logger.warning("season %d is running but not queued: %s", season_id, error)
    return season


@dataclass(frozen=True, slots=True)
class BulkMove:
    """What pausing (resuming) every running (paused) season did: the seasons moved, as the
    move left them, and those that could not move with the one-line reason."""

    moved: tuple[SeasonRecord, ...]
    refused: tuple[tuple[int, str], ...]


def move_all(context: AppContext, event: SeasonEvent) -> BulkMove:
    """Pause every running season, or resume every paused one, each by ``transition`` (the
    per-season move): a paused season's ``ticks_done`` is where its ledger stopped. One that
    cannot move (it finished meanwhile; a live season while trading is disabled) is reported
    and the others still move."""
    sources = {SeasonEvent.PAUSE: SeasonStatus.RUNNING, SeasonEvent.RESUME: SeasonStatus.PAUSED}
    if event not in sources:
        raise InvalidInputError(f"{event.value}: only pause and resume apply to every season")
    moved = []
    refused = []
    for season_id in SeasonStore(context.engine).with_status(sources[event]):
        try:
            moved.append(transition(context, season_id, event))
        except ArenaError as error:
            refused.append((season_id, redact(str(error))))
    return BulkMove(tuple(moved), tuple(refused))


def run_season(
    context: AppContext,
    season_id: int,
    progress: Progress | None = None,
    stop_after: int | None = None,
) -> RunReport:
    """Drive a running season (a draft is started first) until it finishes or is paused."""
    runner = SeasonRunner(context, season_id, progress, stop_after=stop_after)
    return runner.run(start_draft=True)


def no_trade_warnings(context: AppContext, season_id: int) -> list[str]:
    """A line for every entry that has not traded yet, saying why: the risk checks' denials by
    rule, or that its agent never entered. A run that trades nothing is no result."""
    store = SeasonStore(context.engine)
    denials = SeasonQueries(context.engine).denial_counts(season_id)
    warnings = []
    for entry in store.entries(season_id):
        if store.counts(entry.id)["fills"]:
            continue
        denied = denials.get(entry.name, {})
        total = sum(denied.values())
        why = (
            f"the risk checks denied {total:,} action{'' if total == 1 else 's'} "
            f"({describe_denials(denied)})"
            if total
            else "its agent never entered"
        )
        warnings.append(f"entry {entry.name} made no trade: {why}")
    return warnings


def leaderboard(context: AppContext, season_id: int, rank_by: str = "value") -> Leaderboard:
    """The season's leaderboard ranked by ``rank_by`` (see ``seasons.leaderboard.RANK_BY``)."""
    store = SeasonStore(context.engine)
    season = store.get(season_id)
    data = DataService(context.market, str(season.config.get("exchange", "binance")))
    board = build_leaderboard(store, data, season)
    return board if rank_by == board.rank_by else board.ranked_by(rank_by)


def compare(context: AppContext, season_id: int) -> Comparison:
    """P(A beats B) for every pair of the season's entries, in leaderboard order."""
    store = SeasonStore(context.engine)
    return build_comparison(store, store.get(season_id))


def export_season(context: AppContext, season_id: int, folder: Path) -> list[Path]:
    """Write the season, its leaderboard and every entry's ledger as CSV into ``folder``."""
    store = SeasonStore(context.engine)
    season = store.get(season_id)
    if folder.exists() and not folder.is_dir():
        raise InvalidInputError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    board = leaderboard(context, season_id)
    summary = {
        "season": {**public_config(season.config), "id": season.id, "status": season.status.value,
                   "ticks_done": season.ticks_done, "message": season.message},
        "ledger_sha256": store.ledger_hash(season_id),
        "leaderboard": board.as_dict(),
    }  # fmt: skip
    written = [folder / "season.json"]
    written[0].write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    tables: dict[str, list[dict[str, Any]]] = {
        "leaderboard": [
            {**row.as_dict(), "model_versions": " ".join(row.model_versions)} for row in board.rows
        ],
        **{name: [] for name in _LEDGER_READS},
    }
    for entry in store.entries(season_id):
        for name, read in _LEDGER_READS.items():
            tables[name] += [{"entry": entry.name, **row} for row in read(store, entry.id)]
    for name, rows in tables.items():
        path = folder / f"{name}.csv"
        write_csv(path, rows)
        written.append(path)
    return written


_LEDGER_READS: dict[str, Callable[[SeasonStore, int], list[dict[str, Any]]]] = {
    "equity": lambda store, entry: store.equity(entry),
    "decisions": lambda store, entry: [
        {**row, "actions": json.dumps(row["actions"])} for row in store.decisions(entry)
    ],
    "orders": lambda store, entry: store.orders(entry),
    "order_events": lambda store, entry: store.order_events(entry),
    "fills": lambda store, entry: [
        {
            "ts": f.ts,
            "client_order_id": f.client_order_id,
            "symbol": f.symbol,
            "side": f.side.value,
            "quantity": f.quantity,
            "price": f.price,
            "fee": f.fee,
            "liquidity": f.liquidity.value,
            "realized_pnl": f.realized_pnl,
            "tag": f.tag,
        }
        for f in store.fills(entry)
    ],
    "funding": lambda store, entry: [
        {"ts": ts, "symbol": symbol, "amount": amount}
        for ts, symbol, amount in store.funding(entry)
    ],
    "risk_events": lambda store, entry: store.risk_events(entry),
    "llm_calls": lambda store, entry: [
        {
            "tick": tick,
            "ts": call.ts,
            "provider": call.provider,
            "model": call.model,
            "request_hash": call.request_hash,
            "raw_response": call.raw_response,
            "parsed": json.dumps(call.parsed_decision),
            "error": None if call.error is None else redact(call.error),  # rows stored before
            "cost_usd": call.cost_usd,
            "latency_ms": call.latency_ms,
            "cached": call.cached,
            "reasoning": call.reasoning,
        }
        for tick, call in store.llm_calls(entry)
    ],
}
