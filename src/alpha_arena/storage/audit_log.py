"""The API audit log: one row per write through the HTTP API, refused ones included."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, func, insert, select

from alpha_arena.storage.tables import ApiAuditRow

#: Column widths (tables.py): longer values are cut, so that no write is lost to its length.
_WIDTHS = {"actor": 16, "client": 64, "method": 8, "path": 512, "outcome": 32, "entity": 160}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    ts: int
    actor: str | None  # the bearer token's fingerprint; None: the request carried none
    client: str | None
    method: str
    path: str
    status: int
    outcome: str  # "ok", or the code of the error body ("unauthorized", "not_found", ...)
    entity: str | None  # what the write acted on, e.g. "agents/alpha" or "seasons/3"
    duration_ms: int
    id: int | None = None


class AuditLogStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, entry: AuditEntry) -> None:
        values = {
            "ts": entry.ts, "actor": entry.actor, "client": entry.client,
            "method": entry.method, "path": entry.path, "status": entry.status,
            "outcome": entry.outcome, "entity": entry.entity, "duration_ms": entry.duration_ms,
        }  # fmt: skip
        for name, width in _WIDTHS.items():
            text = values[name]
            if isinstance(text, str) and len(text) > width:
                values[name] = text[:width]
        with self._engine.begin() as connection:
            connection.execute(insert(ApiAuditRow).values(**values))

    def recent(
        self, limit: int = 100, offset: int = 0, actor: str | None = None,
        failed_only: bool = False,
    ) -> list[AuditEntry]:  # fmt: skip
        """The newest first, skipping the ``offset`` newest; ``failed_only``: status >= 400."""
        query = select(ApiAuditRow).order_by(ApiAuditRow.id.desc()).limit(limit).offset(offset)
        for condition in _conditions(actor, failed_only):
            query = query.where(condition)
        with self._engine.connect() as connection:
            return [_entry_of(row) for row in connection.execute(query)]

    def count(self, actor: str | None = None, failed_only: bool = False) -> int:
        query = select(func.count()).select_from(ApiAuditRow)
        for condition in _conditions(actor, failed_only):
            query = query.where(condition)
        with self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())


def _conditions(actor: str | None, failed_only: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if actor is not None:
        conditions.append(ApiAuditRow.actor == actor)
    if failed_only:
        conditions.append(ApiAuditRow.status >= 400)
    return conditions


def _entry_of(row: object) -> AuditEntry:
    mapping = row._mapping  # type: ignore[attr-defined]
    return AuditEntry(
        id=mapping["id"], ts=mapping["ts"], actor=mapping["actor"], client=mapping["client"],
        method=mapping["method"], path=mapping["path"], status=mapping["status"],
        outcome=mapping["outcome"], entity=mapping["entity"], duration_ms=mapping["duration_ms"],
    )  # fmt: skip
