"""Seasons, their entries and their ledgers. A runner commits each tick in one transaction,
guarded by the season's tick counter, so that a tick is never stored twice or half."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update

from alpha_arena.core.errors import ConflictError, NotFoundError
from alpha_arena.domain.decisions import Decision
from alpha_arena.domain.fills import Fill, Liquidity
from alpha_arena.domain.llm import LlmCall
from alpha_arena.domain.orders import Order, OrderEvent, Side
from alpha_arena.domain.positions import ExitPlan, Position
from alpha_arena.domain.seasons import (
    EntryStatus,
    SeasonConflictError,
    SeasonEvent,
    SeasonStatus,
    next_status,
)
from alpha_arena.engine.ledger import RiskEvent
from alpha_arena.storage.database import inserted_id
from alpha_arena.storage.llm_store import call_from_row, insert_call, with_versions
from alpha_arena.storage.tables import (
    LlmCallRow,
    SeasonDecisionRow,
    SeasonEntryRow,
    SeasonEquityRow,
    SeasonFillRow,
    SeasonFundingRow,
    SeasonLlmCallRow,
    SeasonOrderEventRow,
    SeasonOrderRow,
    SeasonPositionRow,
    SeasonRiskEventRow,
    SeasonRow,
)


class TickConflictError(ConflictError):
    """The tick is stored already, or one before it is missing."""


class SeasonStoppedError(ConflictError):
    """The season was paused or ended: its runner stops without committing."""


class LeaseLostError(ConflictError):
    """The runner no longer holds the season's lease: another runner took it over."""


@dataclass(frozen=True, slots=True)
class SeasonRecord:
    id: int
    name: str
    mode: str
    status: SeasonStatus
    timeframe: str
    ts_start: int
    ts_end: int
    config: dict[str, Any]
    ticks_done: int
    ts_last_tick: int | None
    message: str
    ts_created: int
    ts_updated: int


@dataclass(frozen=True, slots=True)
class NewEntry:
    name: str
    kind: str
    config: dict[str, Any]  # {"agent": the agent's configuration, "pinned": what was resolved}
    fingerprint: str
    baseline: bool = False
    agent_id: int | None = None


@dataclass(frozen=True, slots=True)
class EntryRecord:
    id: int
    season_id: int
    agent_id: int | None
    name: str
    kind: str
    config: dict[str, Any]
    fingerprint: str
    baseline: bool
    status: EntryStatus
    equity: float
    cash: float
    ts_eliminated: int | None


@dataclass
class EntryTick:
    """What one entry did in one tick, and how many of each kind it had stored before."""

    entry_id: int
    equity: float
    cash: float
    exposure: float
    decisions: Sequence[tuple[Decision, float]] = ()  # with the decision latency in ms
    orders: Sequence[Order] = ()
    events: Sequence[OrderEvent] = ()
    fills: Sequence[Fill] = ()
    funding: Sequence[tuple[int, str, float]] = ()
    risk_events: Sequence[RiskEvent] = ()
    calls: Sequence[LlmCall] = ()
    eliminated_at: int | None = None
    positions: Sequence[Position] | None = None  # the open positions, when they changed
    seq: dict[str, int] = field(default_factory=dict)  # rows stored before, per table


@dataclass(frozen=True, slots=True)
class TickRows:
    """One tick of a season to store: its number, its close and what each entry did."""

    tick: int
    ts: int
    entries: Sequence[EntryTick]


class SeasonStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- seasons -----------------------------------------------------------------------------

    def create(
        self,
        config: dict[str, Any],
        entries: Sequence[NewEntry],
        capital: float,
        now: int,
        message: str = "",
    ) -> SeasonRecord:
        """Store a draft season and its entries; ``message``: what its creator should know."""
        values = {
            "name": config["name"], "mode": config["mode"], "status": SeasonStatus.DRAFT.value,
            "timeframe": config["timeframe"], "ts_start": config["start"],
            "ts_end": config["end"], "config": json.dumps(config, sort_keys=True),
            "ticks_done": 0, "ts_last_tick": None, "message": message, "ts_created": now,
            "ts_updated": now,
        }  # fmt: skip
        with self._engine.begin() as connection:
            season_id = inserted_id(connection.execute(insert(SeasonRow).values(**values)))
            connection.execute(
                insert(SeasonEntryRow),
                [_new_entry_row(season_id, entry, capital) for entry in entries],
            )
        return self.get(season_id)

    def get(self, season_id: int) -> SeasonRecord:
        with self._engine.connect() as connection:
            row = connection.execute(select(SeasonRow).where(SeasonRow.id == season_id)).first()
        if row is None:
            raise NotFoundError(f"no season {season_id} (see `arena season list`)")
        return _season(row)

    def all(self, limit: int = 100) -> list[SeasonRecord]:
        query = select(SeasonRow).order_by(SeasonRow.id.desc()).limit(limit)
        with self._engine.connect() as connection:
            return [_season(row) for row in connection.execute(query)]

    def with_status(self, status: SeasonStatus) -> list[int]:
        query = select(SeasonRow.id).where(SeasonRow.status == status.value).order_by(SeasonRow.id)
        with self._engine.connect() as connection:
            return [int(value) for value in connection.execute(query).scalars()]

    def transition(
        self, season_id: int, event: SeasonEvent, now: int, message: str = ""
    ) -> SeasonRecord:
        """Apply ``event`` by the transition table. The update is conditional on the status
        read, so two concurrent moves cannot both succeed. The record returned is the row as
        the move left it: once a season is no longer running no tick commits (see
        ``commit_tick``), so its ``ticks_done`` is where the ledger stopped."""
        current = self.get(season_id)
        target = next_status(current.status, event)
        with self._engine.begin() as connection:
            changed = connection.execute(
                update(SeasonRow)
                .where(SeasonRow.id == season_id, SeasonRow.status == current.status.value)
                .values(status=target.value, message=message, ts_updated=now)
            ).rowcount
            # Read back in the same transaction, which holds the row's lock since the UPDATE
            # (MySQL and MariaDB have no UPDATE ... RETURNING).
            moved = (
                connection.execute(select(SeasonRow).where(SeasonRow.id == season_id)).first()
                if changed == 1
                else None
            )
        if moved is None:
            raise SeasonConflictError(
                f"season {season_id} changed status meanwhile; now {self.get(season_id).status}"
            )
        return _season(moved)

    def complete(self, season_id: int, owner: str, now: int, message: str) -> bool:
        """Finish a running season that reached its end, if ``owner`` still holds its lease."""
        target = next_status(SeasonStatus.RUNNING, SeasonEvent.COMPLETE)
        with self._engine.begin() as connection:
            moved = connection.execute(
                update(SeasonRow)
                .where(
                    SeasonRow.id == season_id,
                    SeasonRow.status == SeasonStatus.RUNNING.value,
                    SeasonRow.lease_owner == owner,
                )
                .values(status=target.value, message=message, ts_updated=now)
            ).rowcount
        return moved == 1

    def status(self, season_id: int) -> SeasonStatus:
        with self._engine.connect() as connection:
            value = connection.execute(
                select(SeasonRow.status).where(SeasonRow.id == season_id)
            ).scalar_one()
        return SeasonStatus(value)

    def set_message(self, season_id: int, message: str, now: int) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(SeasonRow)
                .where(SeasonRow.id == season_id)
                .values(message=message, ts_updated=now)
            )

    # -- entries -----------------------------------------------------------------------------

    def entry_counts(self, season_ids: Sequence[int] | None = None) -> dict[int, int]:
        """How many entries each season has (of ``season_ids``, or of every season)."""
        query = select(SeasonEntryRow.season_id, func.count()).group_by(SeasonEntryRow.season_id)
        if season_ids is not None:
            query = query.where(SeasonEntryRow.season_id.in_(list(season_ids)))
        with self._engine.connect() as connection:
            return {int(season): int(count) for season, count in connection.execute(query)}

    def entries(self, season_id: int) -> list[EntryRecord]:
        query = (
            select(SeasonEntryRow)
            .where(SeasonEntryRow.season_id == season_id)
            .order_by(SeasonEntryRow.id)
        )
        with self._engine.connect() as connection:
            return [_entry(row) for row in connection.execute(query)]

    # -- the runner's commit -----------------------------------------------------------------

    def commit_tick(
        self,
        season_id: int,
        tick: int,
        ts: int,
        entries: Sequence[EntryTick],
        now: int,
        owner: str,
        lease_ttl_ms: int,
    ) -> None:
        """Store tick ``tick`` of every entry atomically, and renew ``owner``'s lease (see
        ``commit_ticks``)."""
        self.commit_ticks(season_id, [TickRows(tick, ts, entries)], now, owner, lease_ttl_ms)

    def commit_ticks(
        self,
        season_id: int,
        ticks: Sequence[TickRows],
        now: int,
        owner: str,
        lease_ttl_ms: int,
    ) -> None:
        """Store consecutive ticks of every entry in one transaction, and renew ``owner``'s
        lease: a replay that commits a batch at a time saves the database's round trips per
        tick, and a crash still loses only what was not committed (and is re-executed).

        Refused, with nothing stored, unless in that same transaction the season is still
        running, ``owner`` still holds its lease and its counter is at the first tick: a pause
        or an end stops the ledger at once, and a runner that lost its lease cannot write."""
        if not ticks:
            return
        first, last = ticks[0], ticks[-1]
        if [t.tick for t in ticks] != list(range(first.tick, last.tick + 1)):
            raise ValueError("ticks are committed in order, none missing")
        with self._engine.begin() as connection:
            advanced = connection.execute(
                update(SeasonRow)
                .where(
                    SeasonRow.id == season_id,
                    SeasonRow.ticks_done == first.tick,
                    SeasonRow.status == SeasonStatus.RUNNING.value,
                    SeasonRow.lease_owner == owner,
                )
                .values(
                    ticks_done=last.tick + 1,
                    ts_last_tick=last.ts,
                    ts_updated=now,
                    lease_expires=now + lease_ttl_ms,
                )
            ).rowcount
            if advanced != 1:
                raise _refusal(connection, season_id, first.tick, owner)
            _insert_rows(connection, ticks)

    # -- reads -------------------------------------------------------------------------------

    # ``before``: only what ticks before it stored. A reader that bounds every read by the
    # ``ticks_done`` it read first sees one consistent season while a runner commits on.

    def equity(self, entry_id: int, before: int | None = None) -> list[dict[str, Any]]:
        return self._rows(SeasonEquityRow, entry_id, SeasonEquityRow.tick, before)

    def equity_at(self, entry_id: int, tick: int) -> float | None:
        query = select(SeasonEquityRow.equity).where(
            SeasonEquityRow.entry_id == entry_id, SeasonEquityRow.tick == tick
        )
        with self._engine.connect() as connection:
            value = connection.execute(query).scalar()
        return None if value is None else float(value)

    def decisions(self, entry_id: int, before: int | None = None) -> list[dict[str, Any]]:
        rows = self._rows(SeasonDecisionRow, entry_id, SeasonDecisionRow.seq, before)
        return [{**row, "actions": json.loads(row["actions"])} for row in rows]

    def orders(self, entry_id: int) -> list[dict[str, Any]]:
        return self._rows(SeasonOrderRow, entry_id, SeasonOrderRow.tick)

    def order_events(self, entry_id: int) -> list[dict[str, Any]]:
        return self._rows(SeasonOrderEventRow, entry_id, SeasonOrderEventRow.seq)

    def fills(self, entry_id: int, before: int | None = None) -> list[Fill]:
        rows = self._rows(SeasonFillRow, entry_id, SeasonFillRow.seq, before)
        return [_fill(row) for row in rows]

    def funding(self, entry_id: int, before: int | None = None) -> list[tuple[int, str, float]]:
        rows = self._rows(SeasonFundingRow, entry_id, SeasonFundingRow.seq, before)
        return [(row["ts"], row["symbol"], row["amount"]) for row in rows]

    def risk_events(self, entry_id: int) -> list[dict[str, Any]]:
        rows = self._rows(SeasonRiskEventRow, entry_id, SeasonRiskEventRow.seq)
        return [{**row, "adjustments": json.loads(row["adjustments"])} for row in rows]

    def llm_calls(self, entry_id: int, before: int | None = None) -> list[tuple[int, LlmCall]]:
        """The entry's model calls with the tick of each, in the order they were made."""
        query = (
            with_versions(
                select(SeasonLlmCallRow.tick, LlmCallRow).join(
                    LlmCallRow, LlmCallRow.id == SeasonLlmCallRow.call_id
                )
            )
            .where(SeasonLlmCallRow.entry_id == entry_id)
            .order_by(LlmCallRow.id)
        )
        if before is not None:
            query = query.where(SeasonLlmCallRow.tick < before)
        with self._engine.connect() as connection:
            return [(row.tick, call_from_row(row)) for row in connection.execute(query)]

    def positions(self, entry_id: int) -> list[tuple[int, Position]]:
        """The entry's open positions as of its last committed change, with that tick."""
        query = (
            select(SeasonPositionRow)
            .where(SeasonPositionRow.entry_id == entry_id)
            .order_by(SeasonPositionRow.symbol, SeasonPositionRow.side)
        )
        with self._engine.connect() as connection:
            return [(row.tick, _position(row)) for row in connection.execute(query)]

    def counts(self, entry_id: int) -> dict[str, int]:
        """Rows stored per ledger table: where a resumed runner's cursors start."""
        with self._engine.connect() as connection:
            return {
                name: int(
                    connection.execute(
                        select(func.count()).select_from(table).where(table.entry_id == entry_id)
                    ).scalar_one()
                )
                for name, table in _LEDGER_TABLES.items()
            }

    def ledger_hash(self, season_id: int) -> str:
        """SHA-256 over every entry's fills and equity snapshots, in order: two runs with the
        same hash produced the same ledger."""
        digest = hashlib.sha256()
        for entry in sorted(self.entries(season_id), key=lambda e: e.name):
            digest.update(f"entry {entry.name}\n".encode())
            for fill in self.fills(entry.id):
                line = (
                    f"{fill.ts} {fill.client_order_id} {fill.symbol} {fill.side} "
                    f"{fill.quantity!r} {fill.price!r} {fill.fee!r} {fill.realized_pnl!r}\n"
                )
                digest.update(line.encode())
            for row in self.equity(entry.id):
                digest.update(f"{row['tick']} {row['ts']} {row['equity']!r}\n".encode())
        return digest.hexdigest()

    def _rows(
        self, table: Any, entry_id: int, order: Any, before: int | None = None
    ) -> list[dict[str, Any]]:
        query = select(table).where(table.entry_id == entry_id).order_by(order)
        if before is not None:
            query = query.where(table.tick < before)
        with self._engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]


def _refusal(connection: Connection, season_id: int, tick: int, owner: str) -> ConflictError:
    """Why a tick commit was refused, read in the refused transaction."""
    row = connection.execute(
        select(SeasonRow.status, SeasonRow.ticks_done, SeasonRow.lease_owner).where(
            SeasonRow.id == season_id
        )
    ).first()
    if row is None:
        return SeasonStoppedError(f"season {season_id} was deleted")
    if row.status != SeasonStatus.RUNNING.value:
        return SeasonStoppedError(
            f"season {season_id} is {row.status}: its ledger stopped at tick {row.ticks_done}"
        )
    if row.lease_owner != owner:
        holder = row.lease_owner or "nobody"
        return LeaseLostError(
            f"season {season_id}: this runner lost its lease (now held by {holder}); it stops "
            f"before tick {tick}"
        )
    return TickConflictError(
        f"season {season_id}: tick {tick} cannot be committed, {row.ticks_done} ticks are stored"
    )


_LEDGER_TABLES: dict[str, Any] = {
    "decisions": SeasonDecisionRow,
    "orders": SeasonOrderRow,
    "events": SeasonOrderEventRow,
    "fills": SeasonFillRow,
    "funding": SeasonFundingRow,
    "risk_events": SeasonRiskEventRow,
    "calls": SeasonLlmCallRow,
}


_UPDATE_ACCOUNT = (
    update(SeasonEntryRow)
    .where(SeasonEntryRow.id == bindparam("entry"))
    .values(equity=bindparam("equity"), cash=bindparam("cash"))
)


def _insert_rows(connection: Connection, ticks: Sequence[TickRows]) -> None:
    """Every row of ``ticks``, one statement per table (a batch costs what one tick does);
    an entry's account and positions are written as its last tick left them."""
    rows: dict[Any, list[dict[str, Any]]] = {table: [] for table in _LEDGER_TABLES.values()}
    equity = []
    accounts: dict[int, dict[str, Any]] = {}
    positions: dict[int, tuple[int, Sequence[Position]]] = {}
    for tick, ts, entries in ((t.tick, t.ts, t.entries) for t in ticks):
        for entry in entries:
            eid = entry.entry_id
            equity.append({"entry_id": eid, "tick": tick, "ts": ts, "equity": entry.equity,
                           "cash": entry.cash, "exposure": entry.exposure})  # fmt: skip
            seq = entry.seq
            for n, (decision, latency) in enumerate(entry.decisions, seq.get("decisions", 0)):
                rows[SeasonDecisionRow].append(_decision_row(eid, n, tick, decision, latency))
            for order in entry.orders:
                rows[SeasonOrderRow].append(_order_row(eid, tick, order))
            for n, event in enumerate(entry.events, seq.get("events", 0)):
                rows[SeasonOrderEventRow].append(_event_row(eid, n, tick, event))
            for n, fill in enumerate(entry.fills, seq.get("fills", 0)):
                rows[SeasonFillRow].append(_fill_row(eid, n, tick, fill))
            for n, (paid_at, symbol, amount) in enumerate(entry.funding, seq.get("funding", 0)):
                rows[SeasonFundingRow].append({"entry_id": eid, "seq": n, "tick": tick,
                                               "ts": paid_at, "symbol": symbol,
                                               "amount": amount})  # fmt: skip
            for n, risk in enumerate(entry.risk_events, seq.get("risk_events", 0)):
                rows[SeasonRiskEventRow].append(_risk_row(eid, n, tick, risk))
            for call in entry.calls:
                call_id = insert_call(connection, call)
                rows[SeasonLlmCallRow].append({"call_id": call_id, "entry_id": eid, "tick": tick})
            accounts[eid] = {"entry": eid, "equity": entry.equity, "cash": entry.cash}
            if entry.positions is not None:
                positions[eid] = (tick, entry.positions)
            if entry.eliminated_at is not None:
                connection.execute(
                    update(SeasonEntryRow)
                    .where(SeasonEntryRow.id == eid)
                    .values(status=EntryStatus.ELIMINATED.value, ts_eliminated=entry.eliminated_at)
                )
    for eid, (tick, held) in positions.items():
        _replace_positions(connection, eid, tick, held)
    if accounts:  # one statement for every entry's account (executemany)
        connection.execute(_UPDATE_ACCOUNT, list(accounts.values()))
    if equity:
        connection.execute(insert(SeasonEquityRow), equity)
    for table, table_rows in rows.items():
        if table_rows:
            connection.execute(insert(table), table_rows)


def _replace_positions(
    connection: Connection, entry_id: int, tick: int, positions: Sequence[Position]
) -> None:
    connection.execute(delete(SeasonPositionRow).where(SeasonPositionRow.entry_id == entry_id))
    if positions:
        connection.execute(
            insert(SeasonPositionRow),
            [
                {"entry_id": entry_id, "symbol": p.symbol,
                 "side": "long" if p.quantity > 0 else "short", "tick": tick,
                 "quantity": p.quantity,
                 "entry_price": p.entry_price, "margin": p.margin, "leverage": p.leverage,
                 "maintenance_margin_rate": p.maintenance_margin_rate, "ts_opened": p.ts_opened,
                 "take_profit": p.exit_plan.take_profit, "stop_loss": p.exit_plan.stop_loss,
                 "invalidation": p.exit_plan.invalidation}
                for p in positions
            ],
        )  # fmt: skip


def _position(row: Any) -> Position:
    return Position(
        row.symbol, row.quantity, row.entry_price, row.margin, row.leverage,
        row.maintenance_margin_rate, row.ts_opened,
        ExitPlan(row.take_profit, row.stop_loss, row.invalidation),
    )  # fmt: skip


def _decision_row(
    entry_id: int, seq: int, tick: int, decision: Decision, latency_ms: float
) -> dict[str, Any]:
    actions = [
        {"symbol": a.symbol, "signal": a.signal.value, "quantity": a.quantity,
         "notional": a.notional, "leverage": a.leverage, "take_profit": a.take_profit,
         "stop_loss": a.stop_loss, "invalidation": a.invalidation, "confidence": a.confidence,
         "justification": a.justification, "take_profit_fraction": a.take_profit_fraction,
         "stop_loss_fraction": a.stop_loss_fraction}
        | ({} if a.limit_price is None else  # a ladder rung only: other rows stay as they were
           {"limit_price": a.limit_price, "counter_price": a.counter_price})
        for a in decision.actions
    ]  # fmt: skip
    return {"entry_id": entry_id, "seq": seq, "tick": tick, "ts": decision.ts,
            "actions": json.dumps(actions), "reasoning": decision.reasoning,
            "latency_ms": latency_ms, "outcome": decision.outcome.value}  # fmt: skip


def _order_row(entry_id: int, tick: int, order: Order) -> dict[str, Any]:
    return {
        "entry_id": entry_id, "client_order_id": order.client_order_id, "tick": tick,
        "symbol": order.symbol, "side": order.side.value, "type": order.type.value,
        "quantity": order.quantity, "price": order.price, "trigger_price": order.trigger_price,
        "reduce_only": order.reduce_only, "leverage": order.leverage, "tag": order.tag,
        "ts_created": order.ts_created,
    }  # fmt: skip


def _event_row(entry_id: int, seq: int, tick: int, event: OrderEvent) -> dict[str, Any]:
    return {
        "entry_id": entry_id, "seq": seq, "tick": tick, "client_order_id": event.client_order_id,
        "ts": event.ts, "action": event.action.value, "status_from": event.status_from.value,
        "status_to": event.status_to.value, "quantity": event.quantity, "price": event.price,
        "reason": event.reason,
    }  # fmt: skip


def _fill_row(entry_id: int, seq: int, tick: int, fill: Fill) -> dict[str, Any]:
    return {
        "entry_id": entry_id, "seq": seq, "tick": tick, "client_order_id": fill.client_order_id,
        "symbol": fill.symbol, "side": fill.side.value, "quantity": fill.quantity,
        "price": fill.price, "fee": fill.fee, "liquidity": fill.liquidity.value, "ts": fill.ts,
        "realized_pnl": fill.realized_pnl, "tag": fill.tag,
    }  # fmt: skip


def _risk_row(entry_id: int, seq: int, tick: int, risk: RiskEvent) -> dict[str, Any]:
    return {
        "entry_id": entry_id, "seq": seq, "tick": tick, "ts": risk.ts, "symbol": risk.symbol,
        "signal": risk.action.signal.value, "approved": risk.approved, "reason": risk.reason,
        "adjustments": json.dumps(list(risk.adjustments)), "rule": risk.rule,
        "level": risk.level.value,
    }  # fmt: skip


def _new_entry_row(season_id: int, entry: NewEntry, capital: float) -> dict[str, Any]:
    return {
        "season_id": season_id, "agent_id": entry.agent_id, "name": entry.name,
        "kind": entry.kind, "config": json.dumps(entry.config, sort_keys=True),
        "fingerprint": entry.fingerprint, "baseline": entry.baseline,
        "status": EntryStatus.ACTIVE.value, "equity": capital, "cash": capital,
        "ts_eliminated": None,
    }  # fmt: skip


def _fill(row: dict[str, Any]) -> Fill:
    return Fill(
        row["client_order_id"], row["symbol"], Side(row["side"]), row["quantity"], row["price"],
        row["fee"], Liquidity(row["liquidity"]), row["ts"], row["realized_pnl"], row["tag"],
    )  # fmt: skip


def _season(row: Any) -> SeasonRecord:
    return SeasonRecord(
        row.id, row.name, row.mode, SeasonStatus(row.status), row.timeframe, row.ts_start,
        row.ts_end, json.loads(row.config), row.ticks_done, row.ts_last_tick, row.message,
        row.ts_created, row.ts_updated,
    )  # fmt: skip


def _entry(row: Any) -> EntryRecord:
    return EntryRecord(
        row.id, row.season_id, row.agent_id, row.name, row.kind, json.loads(row.config),
        row.fingerprint, row.baseline, EntryStatus(row.status), row.equity, row.cash,
        row.ts_eliminated,
    )  # fmt: skip
