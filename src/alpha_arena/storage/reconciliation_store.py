"""What live seasons' exchange accounts reported: balance and position snapshots, and the
reconciliation events (differences between ledger and exchange)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, insert, select

from alpha_arena.execution.exchange.reconcile import Difference, Reconciliation
from alpha_arena.storage.tables import (
    BalanceSnapshotRow,
    PositionSnapshotRow,
    ReconciliationEventRow,
    SeasonEntryRow,
)


@dataclass(frozen=True, slots=True)
class ReconciliationEvent:
    entry_id: int
    ts: int
    kind: str
    symbol: str
    detail: str


@dataclass(frozen=True, slots=True)
class BalanceSnapshot:
    entry_id: int
    ts: int
    total: float
    free: float
    ledger_equity: float


class ReconciliationStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, entry_id: int, report: Reconciliation, new: Sequence[Difference]) -> None:
        """Store the snapshot of ``report`` (replacing one taken at the same time, by a runner
        before a restart) and the differences first seen in it (``new``)."""
        with self._engine.begin() as connection:
            for table in (BalanceSnapshotRow, PositionSnapshotRow):
                connection.execute(
                    delete(table).where(table.entry_id == entry_id, table.ts == report.ts)
                )
            connection.execute(
                insert(BalanceSnapshotRow).values(
                    entry_id=entry_id,
                    ts=report.ts,
                    total=report.balance_total,
                    free=report.balance_free,
                    ledger_equity=report.ledger_equity,
                )
            )
            if report.positions:
                connection.execute(
                    insert(PositionSnapshotRow),
                    [
                        {"entry_id": entry_id, "ts": report.ts, "symbol": p.symbol,
                         "quantity": p.quantity, "entry_price": p.entry_price,
                         "leverage": p.leverage}
                        for p in report.positions
                    ],
                )  # fmt: skip
            if new:
                connection.execute(
                    insert(ReconciliationEventRow),
                    [
                        {"entry_id": entry_id, "ts": report.ts, "kind": d.kind,
                         "symbol": d.symbol, "detail": d.detail}
                        for d in new
                    ],
                )  # fmt: skip

    def record_events(
        self, entry_id: int, ts: int, kind: str, items: Sequence[tuple[str, str]]
    ) -> None:
        """Record events of one ``kind``: (symbol, detail) each."""
        if not items:
            return
        with self._engine.begin() as connection:
            connection.execute(
                insert(ReconciliationEventRow),
                [
                    {"entry_id": entry_id, "ts": ts, "kind": kind, "symbol": symbol,
                     "detail": detail}
                    for symbol, detail in items
                ],
            )  # fmt: skip

    def events(self, season_id: int) -> list[ReconciliationEvent]:
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(ReconciliationEventRow)
                .join(SeasonEntryRow, SeasonEntryRow.id == ReconciliationEventRow.entry_id)
                .where(SeasonEntryRow.season_id == season_id)
                .order_by(ReconciliationEventRow.id)
            )
            return [
                ReconciliationEvent(row.entry_id, row.ts, row.kind, row.symbol, row.detail)
                for row in rows
            ]

    def latest_balances(self, season_id: int) -> list[BalanceSnapshot]:
        """Each entry's newest balance snapshot."""
        with self._engine.connect() as connection:
            newest = (
                select(BalanceSnapshotRow.entry_id, func.max(BalanceSnapshotRow.ts).label("ts"))
                .join(SeasonEntryRow, SeasonEntryRow.id == BalanceSnapshotRow.entry_id)
                .where(SeasonEntryRow.season_id == season_id)
                .group_by(BalanceSnapshotRow.entry_id)
                .subquery()
            )
            rows = connection.execute(
                select(BalanceSnapshotRow)
                .join(newest, (newest.c.entry_id == BalanceSnapshotRow.entry_id)
                      & (newest.c.ts == BalanceSnapshotRow.ts))
                .order_by(BalanceSnapshotRow.entry_id)
            )  # fmt: skip
            return [
                BalanceSnapshot(row.entry_id, row.ts, row.total, row.free, row.ledger_equity)
                for row in rows
            ]

    def snapshot_count(self, season_id: int) -> int:
        with self._engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count())
                    .select_from(BalanceSnapshotRow)
                    .join(SeasonEntryRow, SeasonEntryRow.id == BalanceSnapshotRow.entry_id)
                    .where(SeasonEntryRow.season_id == season_id)
                ).scalar_one()
            )
