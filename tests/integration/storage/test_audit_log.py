"""The API audit log's store on every backend: entries read back newest first, filtered by
actor or by failure, and values longer than their column are cut rather than lost."""

from __future__ import annotations

from alpha_arena.services.context import AppContext
from alpha_arena.storage.audit_log import AuditEntry, AuditLogStore

TS = 1_780_272_000_000


def _entry(
    n: int, status: int = 200, actor: str | None = "3f9a1c2b", **values: object
) -> AuditEntry:
    base = {
        "ts": TS + n, "actor": actor, "client": "127.0.0.1", "method": "POST",
        "path": f"/api/v1/agents/a{n}/disable", "status": status,
        "outcome": "ok" if status < 400 else "not_found", "entity": f"agents/a{n}",
        "duration_ms": n,
    }  # fmt: skip
    return AuditEntry(**{**base, **values})  # type: ignore[arg-type]


def test_entries_come_back_newest_first_with_every_field(context: AppContext) -> None:
    store = AuditLogStore(context.engine)
    for n in range(3):
        store.record(_entry(n))

    newest = store.recent(limit=2)
    assert [entry.path for entry in newest] == ["/api/v1/agents/a2/disable",
                                                "/api/v1/agents/a1/disable"]  # fmt: skip
    assert newest[0] == _entry(2, id=newest[0].id)
    assert [entry.ts for entry in store.recent(limit=5, offset=2)] == [TS]
    assert store.count() == 3


def test_filters_by_actor_and_by_failure(context: AppContext) -> None:
    store = AuditLogStore(context.engine)
    store.record(_entry(1))
    store.record(_entry(2, status=404))
    store.record(_entry(3, status=401, actor=None, outcome="unauthorized"))
    store.record(_entry(4, actor="0000aaaa"))

    assert [e.ts - TS for e in store.recent(actor="3f9a1c2b")] == [2, 1]
    assert [e.ts - TS for e in store.recent(failed_only=True)] == [3, 2]
    assert store.count(actor="3f9a1c2b", failed_only=True) == 1
    assert store.count(actor="0000aaaa") == 1


def test_values_longer_than_their_column_are_cut_not_refused(context: AppContext) -> None:
    store = AuditLogStore(context.engine)
    store.record(_entry(1, path="/api/v1/agents/" + "x" * 600, entity="agents/" + "x" * 300))

    (entry,) = store.recent()
    assert len(entry.path) == 512 and entry.path.startswith("/api/v1/agents/xxx")
    assert entry.entity is not None and len(entry.entity) == 160
