"""The season runner: drives the one engine through a season, committing tick by tick.

Crash safety comes from determinism rather than from snapshots: the engine's state after tick
k is a function of the market data and the decisions up to k, so a runner that starts (after a
pause, a crash or a ``kill -9``) re-executes the stored ticks without writing, answering model
calls from the response cache only, checks that it arrived at the stored ledger, and carries on
from the first tick not committed. From then on a paper or live season follows the market: each
newly closed bar is handed to the same engine and stepped once. Ticks are committed in
transactions (one per tick in a live season, else batches of up to ``season_commit_batch``)
guarded by the season's tick counter, its status and the runner's lease, so no tick is lost or
stored twice, none is stored after a pause or an end, and only one runner at a time drives a
season (``seasons.lease``); a crash loses only the uncommitted batch, which is re-executed.

The same determinism makes database hiccups cheap: when the connection drops or the database
is locked for a moment, the runner waits (with back-off) and starts its advance over, which
rebuilds the season, re-executes what is stored and carries on."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from alpha_arena.core.clock import Clock, SimClock
from alpha_arena.core.errors import (
    ArenaError,
    DatabaseUnavailableError,
    DataIntegrityError,
    SourceUnavailableError,
    TemporaryError,
)
from alpha_arena.core.time import floor_ts, to_iso
from alpha_arena.domain.positions import Position
from alpha_arena.domain.seasons import SeasonConflictError, SeasonEvent, SeasonMode, SeasonStatus
from alpha_arena.engine.engine import Entrant, TradingEngine
from alpha_arena.marketdata.service import DataService
from alpha_arena.seasons.config import SeasonConfig, parse_season_config
from alpha_arena.seasons.lease import LeaseKeeper, this_process
from alpha_arena.seasons.lineup import Lineup, build_lineup, warmup_needed
from alpha_arena.seasons.market import SeasonMarket, load_season_market
from alpha_arena.seasons.reconciler import Reconciler
from alpha_arena.seasons.venues import LiveAccounts, season_venues
from alpha_arena.services.context import AppContext
from alpha_arena.storage.errors import database_error, failure_reason, is_transient
from alpha_arena.storage.exchange_accounts import ExchangeAccountStore
from alpha_arena.storage.reconciliation_store import ReconciliationStore
from alpha_arena.storage.season_leases import SeasonLeases
from alpha_arena.storage.season_store import (
    EntryRecord,
    EntryTick,
    LeaseLostError,
    SeasonStoppedError,
    SeasonStore,
    TickRows,
)

if TYPE_CHECKING:
    from alpha_arena.marketdata.sources.ccxt_source import CcxtSource

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (ticks committed, ticks known)
OnCommit = Callable[[int, int, Sequence[EntryTick]], None]  # (season id, tick, what it stored)

#: How long after a bar's close a paper season asks for it (exchanges publish with a lag).
PAPER_LAG_MS = 5_000
#: A replay or paper season commits up to ``season_commit_batch`` ticks per transaction (a
#: setting), at most this far apart; a crash loses only the uncommitted ones (re-executed).
BATCH_S = 0.2
#: Transient database failures are retried this many times, waiting 0.5, 1, 2, ... s (at most
#: ``RETRY_MAX_S``) in between; then the failure is reported.
DATABASE_RETRIES = 6
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 15.0


@dataclass(frozen=True, slots=True)
class RunReport:
    season_id: int
    status: SeasonStatus
    ticks_done: int
    ticks_stepped: int  # by this runner, not counting the ticks it re-executed
    message: str
    # Stored ticks this runner re-executed: once on start, again only after a failure (a
    # season following the market steps each new bar once).
    ticks_reexecuted: int = 0


@dataclass
class _Session:
    """A season's engine between advances: ``stepped`` ticks run, every one committed."""

    engine: TradingEngine
    lineup: Lineup
    entries: list[EntryRecord]
    stepped: int = 0
    cursors: list[dict[str, int]] = field(default_factory=list)  # ledger rows written
    held: list[dict[str, Position]] = field(default_factory=list)  # positions written

    def follow(self, market: SeasonMarket) -> None:
        """Go on with ``market``, the same one with newly closed bars at its end."""
        self.lineup.follow(market)
        self.engine.extend(market.feed, self.stepped)

    def close(self) -> None:
        for provider in self.lineup.providers:
            self.engine.loop.run_until_complete(provider.aclose())
        self.engine.close()


class SeasonRunner:
    def __init__(
        self,
        context: AppContext,
        season_id: int,
        progress: Progress | None = None,
        poll_s: float = 0.25,
        stop_after: int | None = None,
        on_commit: OnCommit | None = None,
        stop: threading.Event | None = None,
        role: str = "arena season run",
    ) -> None:
        """``poll_s``: how often the season's status is re-read (a pause or an end from
        elsewhere stops the runner within it). ``stop_after``: commit at most this many ticks,
        then return (a season can then be run on by another runner). ``on_commit``: told of
        every committed tick (metrics). ``stop``: set it to make the runner return, leaving
        the season running for the next runner (a server shutting down). ``role``: how the
        lease names this runner to whoever finds the season taken."""
        self._context = context
        self._store = SeasonStore(context.engine)
        self._season_id = season_id
        self._progress = progress
        self._poll_s = poll_s
        self._budget = stop_after
        self._on_commit = on_commit
        self._stop = stop or threading.Event()
        self._committed = 0  # ticks this runner committed (not those it re-executed)
        self._reexecuted = 0
        self._session: _Session | None = None
        self._reconciler = Reconciler(ReconciliationStore(context.engine), season_id)
        self._keeper = LeaseKeeper(
            SeasonLeases(context.engine), season_id, this_process(role), context.clock,
            context.settings.season_lease_s,
        )  # fmt: skip

    def run(self, start_draft: bool = False) -> RunReport:
        """Drive the season until it finishes, is paused or ended, or ``stop`` is set; with
        ``start_draft``, a draft is started first, under the lease (so that no other runner,
        such as a server's, picks it up in between). Raises SeasonLeasedError when another
        runner drives it."""
        draft = self._store.get(self._season_id).status is SeasonStatus.DRAFT
        if not (start_draft and draft):
            self._require_running()
        with self._keeper:
            if start_draft and self._store.get(self._season_id).status is SeasonStatus.DRAFT:
                self._store.transition(
                    self._season_id, SeasonEvent.START, self._context.clock.now_ms(), "started"
                )
            self._require_running()  # it may have been paused while we waited for the lease
            config = parse_season_config(self._store.get(self._season_id).config)
            try:
                return self._run_mode(config)
            finally:
                self._end_session()

    def _run_mode(self, config: SeasonConfig) -> RunReport:
        if config.mode is SeasonMode.REPLAY:
            return self._retrying(lambda: self._advance(config, config.end, None))
        if config.mode is not SeasonMode.LIVE:
            return self._run_live_data(config, self._context.clock, None)
        context = self._context
        live = LiveAccounts(
            context.settings, ExchangeAccountStore(context.engine), self._season_id, config,
            self._store.entries(self._season_id), context.clock,
        )  # fmt: skip
        try:
            return self._run_live_data(config, live.clock, live)
        finally:
            self._end_session()  # its venues use the accounts
            live.close()

    def _require_running(self) -> None:
        season = self._store.get(self._season_id)
        if season.status is not SeasonStatus.RUNNING:
            hint = {
                SeasonStatus.DRAFT: f"start it first: `arena season start {season.id}`",
                SeasonStatus.PAUSED: f"resume it first: `arena season resume {season.id}`",
            }.get(season.status, "there is nothing left to run")
            raise SeasonConflictError(f"season {season.id} is {season.status}; {hint}")

    def _retrying(self, advance: Callable[[], RunReport]) -> RunReport:
        """Run ``advance``, starting it over after a transient database failure (a dropped
        connection, a lock held too long) with back-off; other failures, and a transient one
        that outlasts the retries, are raised as one of our errors. The retries count from
        the last committed tick: a long season may meet many hiccups, hours apart."""
        url = self._context.settings.database_url
        attempt, progress = 0, self._committed
        while True:
            try:
                return advance()
            except Exception as error:
                translated = error if isinstance(error, ArenaError) else database_error(error, url)
                if translated is None:
                    raise
                if self._committed > progress:
                    attempt, progress = 0, self._committed
                # A database or an exchange that fails for a moment: re-executing is harmless.
                database = isinstance(error, DatabaseUnavailableError) or is_transient(error)
                transient = database or isinstance(error, TemporaryError)
                if not transient or attempt >= DATABASE_RETRIES or self._stop.is_set():
                    if translated is error:
                        raise
                    raise translated from error
                delay = min(RETRY_FIRST_S * 2**attempt, RETRY_MAX_S)
                attempt += 1
                logger.warning(
                    "season %d: %s failure (%s); retrying in %.1f s", self._season_id,
                    "database" if database else "exchange", failure_reason(error), delay,
                )  # fmt: skip
                if self._stop.wait(delay):
                    return self._report()

    # -- paper and live: live data, one advance per closed bar --------------------------------

    def _run_live_data(
        self, config: SeasonConfig, clock: Clock, live: LiveAccounts | None
    ) -> RunReport:
        """Step each bar once it has closed by ``clock`` (the exchange's, for a live season:
        ``live`` holds its accounts)."""
        from alpha_arena.services.ingestion import open_source  # CCXT: not for replays

        # Perpetuals stored as Binance come from its USDT-M API (the spot API has none).
        perpetuals = all(":" in symbol for symbol in config.symbols)
        exchange = "binanceusdm" if config.exchange == "binance" and perpetuals else config.exchange
        # One client for the season's life: its markets are loaded once, its connections kept.
        with open_source(self._context.settings, exchange) as source:
            while True:
                now = clock.now_ms()
                until = min(floor_ts(now - PAPER_LAG_MS, config.step_ms), config.end)
                self._ingest(config, exchange, source)
                if until > config.start:  # else the season's first bar has not closed yet
                    report = self._retrying(
                        lambda: self._advance(config, until, live)  # noqa: B023
                    )
                    if report.status is not SeasonStatus.RUNNING or self._budget_spent():
                        return report
                else:  # wait for the close of the first bar (the one opening at or after start)
                    until = floor_ts(config.start + config.step_ms - 1, config.step_ms)
                next_close = until + config.step_ms + PAPER_LAG_MS
                while clock.now_ms() < next_close:
                    if self._should_stop():
                        return self._report()
                    time.sleep(self._poll_s)

    def _ingest(self, config: SeasonConfig, exchange: str, source: CcxtSource) -> None:
        from alpha_arena.services.ingestion import ingest

        try:
            ingest(self._context, exchange, config.symbols, [config.timeframe],
                   since=config.start - 500 * config.step_ms, source=source)  # fmt: skip
        except (SourceUnavailableError, TemporaryError) as error:
            message = (
                f"paper season {self._season_id} needs live data from {config.exchange}: {error}"
            )
            self._store.set_message(self._season_id, message, self._context.clock.now_ms())
            raise SourceUnavailableError(message) from None

    # -- one advance: follow the market (or rebuild and re-execute), step and commit the rest --

    def _advance(self, config: SeasonConfig, until: int, live: LiveAccounts | None) -> RunReport:
        """Step and commit the ticks closed by ``until``. The engine of the previous advance
        goes on where it stopped when it ran every tick stored; else (on start, after a
        failure) the season is rebuilt and its stored ticks re-executed; ``live``: a live
        season's exchange accounts."""
        done = self._store.get(self._season_id).ticks_done
        entries = self._store.entries(self._season_id)
        market = self._market(config, entries, until)
        session = self._session
        if session is not None and session.stepped == done:
            try:
                session.follow(market)
            except DataIntegrityError as error:  # history changed: only a rebuild is faithful
                logger.warning("season %d: %s; re-executing it", self._season_id, error)
                session = None
        if session is None or session.stepped != done:
            self._end_session()
            session = self._open(config, entries, market, live, done)
        self._session = session
        try:
            # A live tick is committed (and reconciled) before the next one is sent.
            batch = 1 if live is not None else self._context.settings.season_commit_batch
            return self._drive(session, len(market.feed), until >= config.end, batch)
        except BaseException:
            self._end_session()  # it may have run a tick it did not commit
            raise

    def _market(
        self, config: SeasonConfig, entries: Sequence[EntryRecord], until: int
    ) -> SeasonMarket:
        data = DataService(self._context.market, config.exchange)
        stored = self._context.market.instruments(config.exchange)
        return load_season_market(
            data, {item.symbol: item for item in stored}, _market_symbols(config, entries),
            config.timeframe, config.start, until, warmup_needed(entries, config.timeframe),
        )  # fmt: skip

    def _open(
        self,
        config: SeasonConfig,
        entries: list[EntryRecord],
        market: SeasonMarket,
        live: LiveAccounts | None,
        done: int,
    ) -> _Session:
        """Build the season's engine on ``market`` and re-execute its ``done`` stored ticks,
        checking that they reproduce the stored ledger (and, live, the exchange accounts)."""
        engine_clock = SimClock(config.start)
        data = DataService(self._context.market, config.exchange)
        lineup = build_lineup(self._context, entries, config, market, data, engine_clock)
        venues = season_venues(config, entries, market.instruments, live)
        stored = self._context.market.instruments(config.exchange)
        instruments = {item.symbol: item for item in stored}
        engine = TradingEngine(
            market.feed, list(zip(lineup.participants, venues, strict=True)), instruments,
            config.limits(), engine_clock, fast_forward=False,
            decision_timeout_s=config.decision_timeout_s,
            elimination_equity=config.elimination_threshold * config.capital,
        )  # fmt: skip
        session = _Session(engine, lineup, entries)
        try:
            if done > len(market.feed):
                raise DataIntegrityError(
                    f"season {self._season_id} has {done} ticks stored but its market data now "
                    f"has only {len(market.feed)}: was market data deleted?"
                )
            for step in range(done):
                engine.step(step)
            self._reexecuted += done
            session.cursors = self._verify(engine.entrants, entries, done)
            if done:  # on start: the exchange accounts against the ledger re-executed
                self._reconciler.check(
                    engine.entrants, entries, engine.timeline[done - 1] + engine.step_ms
                )
        except BaseException:
            session.close()
            raise
        session.stepped = done
        session.held = [dict(entrant.venue.positions()) for entrant in engine.entrants]
        for provider in lineup.providers:
            provider.opened = True  # from here on, models are asked
        return session

    def _end_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _drive(self, session: _Session, total: int, final: bool, batch: int) -> RunReport:
        """Step the ticks from the session's ``stepped`` to ``total`` and commit them, up to
        ``batch`` in one transaction (at most BATCH_S apart, so that readers see progress)."""
        engine, entries = session.engine, session.entries
        timeline = engine.timeline
        checked = opened = time.monotonic()
        pending: list[TickRows] = []
        for step in range(session.stepped, total):
            if self._stop.is_set() or time.monotonic() - checked >= self._poll_s:
                if self._should_stop():
                    self._commit(session, pending, total)  # refused once paused or ended
                    return self._report()
                checked = time.monotonic()
            engine.step(step)
            ticks = [
                _collect(entrant, entry.id, cursor, positions)
                for entrant, entry, cursor, positions in zip(
                    engine.entrants, entries, session.cursors, session.held, strict=True
                )
            ]
            pending.append(TickRows(step, timeline[step] + engine.step_ms, ticks))
            budget = self._budget is not None and self._committed + len(pending) >= self._budget
            due = len(pending) >= batch or time.monotonic() - opened >= BATCH_S
            if due or budget or step == total - 1:
                if not self._commit(session, pending, total):
                    return self._report()
                opened = time.monotonic()
                if self._budget_spent():
                    return self._report()
        if final:
            last = to_iso(timeline[-1] + engine.step_ms) if timeline else "its start"
            self._store.complete(
                self._season_id, self._keeper.lease.owner, self._context.clock.now_ms(),
                f"reached its end after {total} ticks (last bar closed {last})",
            )  # fmt: skip
        return self._report()

    def _commit(self, session: _Session, pending: list[TickRows], total: int) -> bool:
        """Commit the ``pending`` ticks the session stepped; False when the season was paused
        or ended meanwhile (nothing is stored, and the session, ahead of the ledger, ends)."""
        if not pending:
            return True
        try:
            self._store.commit_ticks(
                self._season_id, pending, self._context.clock.now_ms(),
                self._keeper.lease.owner, self._keeper.ttl_ms,
            )  # fmt: skip
        except SeasonStoppedError:
            self._end_session()
            return False
        session.stepped = pending[-1].tick + 1
        self._reconciler.check(session.engine.entrants, session.entries, pending[-1].ts)
        for rows in pending:
            self._committed += 1
            if self._on_commit is not None:
                self._on_commit(self._season_id, rows.tick, rows.entries)
            if self._progress is not None:
                self._progress(rows.tick + 1, total)
        pending.clear()
        return True

    def _verify(
        self, entrants: Sequence[Entrant], entries: Sequence[EntryRecord], done: int
    ) -> list[dict[str, int]]:
        """Check that re-executing the stored ticks arrived at the stored ledger; return each
        entry's row counts, where its writing resumes."""
        cursors = []
        for entrant, entry in zip(entrants, entries, strict=True):
            stored = self._store.counts(entry.id)
            ledger = entrant.ledger
            have = _counts(entrant)
            differs = [
                name for name in ("decisions", "orders", "events", "fills", "funding")
                if have[name] != stored[name]
            ]  # fmt: skip
            if done and not differs:
                last = self._store.equity_at(entry.id, done - 1)
                if last != ledger.equity[-1]:
                    differs.append(f"equity {ledger.equity[-1]!r} vs stored {last!r}")
            if differs:
                raise DataIntegrityError(
                    f"season {self._season_id}, entry {entry.name}: re-executing the {done} "
                    f"stored ticks did not reproduce the stored ledger ({', '.join(differs)}); "
                    "the market data or the response cache changed since they ran"
                )
            calls = len(getattr(entrant.participant, "calls", ()))
            cursors.append(have | {"calls": calls, "frozen": int(not entrant.active)})
        return cursors

    def _should_stop(self) -> bool:
        if self._keeper.lost.is_set():
            raise LeaseLostError(
                f"season {self._season_id}: this runner lost its lease to another runner"
            )
        return (
            self._stop.is_set() or self._store.status(self._season_id) is not SeasonStatus.RUNNING
        )

    def _report(self) -> RunReport:
        season = self._store.get(self._season_id)
        return RunReport(
            season.id, season.status, season.ticks_done, self._committed, season.message,
            self._reexecuted,
        )  # fmt: skip

    def _budget_spent(self) -> bool:
        return self._budget is not None and self._committed >= self._budget


def _market_symbols(config: SeasonConfig, entries: Sequence[EntryRecord]) -> list[str]:
    """The season's symbols and any other an entry trades (the BTC baseline's, say)."""
    extra = [
        symbol
        for entry in entries
        for symbol in entry.config["agent"].get("symbols") or ()
        if symbol not in config.symbols
    ]
    return list(dict.fromkeys([*config.symbols, *extra]))


def _counts(entrant: Entrant) -> dict[str, int]:
    ledger = entrant.ledger
    return {
        "decisions": len(ledger.decisions), "orders": len(ledger.orders),
        "events": len(ledger.order_events), "fills": len(ledger.fills),
        "funding": len(ledger.funding), "risk_events": len(ledger.risk_events),
    }  # fmt: skip


def _collect(
    entrant: Entrant, entry_id: int, cursor: dict[str, int], held: dict[str, Position]
) -> EntryTick:
    """What ``entrant`` added to its ledger since ``cursor``, and its positions if they differ
    from ``held``; advances the cursor and ``held``."""
    ledger = entrant.ledger
    positions = entrant.venue.positions()
    changed = positions != held
    if changed:
        held.clear()
        held.update(positions)
    calls = getattr(entrant.participant, "calls", [])
    n = cursor
    tick = EntryTick(
        entry_id,
        ledger.equity[-1],
        ledger.cash[-1],
        ledger.exposure[-1],
        decisions=list(zip(ledger.decisions[n["decisions"]:],
                           ledger.decision_latency_ms[n["decisions"]:], strict=True)),
        orders=(
            list(itertools.islice(ledger.orders.values(), n["orders"], None))
            if len(ledger.orders) > n["orders"]
            else []
        ),
        events=ledger.order_events[n["events"]:],
        fills=ledger.fills[n["fills"]:],
        funding=ledger.funding[n["funding"]:],
        risk_events=ledger.risk_events[n["risk_events"]:],
        calls=calls[n["calls"]:],
        eliminated_at=ledger.eliminated_at if not entrant.active and not n.get("frozen") else None,
        positions=list(positions.values()) if changed else None,
        seq=dict(cursor),
    )  # fmt: skip
    cursor.update(_counts(entrant), calls=len(calls), frozen=int(not entrant.active))
    return tick
