"""``arena audit``: the API audit log, every write through the HTTP API (as GET /system/audit)."""

from __future__ import annotations

import typer
from rich.table import Table

from alpha_arena.cli.common import app_context, console, one_line_errors, print_json
from alpha_arena.core.time import to_iso


@one_line_errors
def audit_command(
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="The most to show."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many of the newest."),
    actor: str | None = typer.Option(
        None, "--actor", help="Only the writes of this token fingerprint (e.g. 3f9a1c2b)."
    ),
    failed: bool = typer.Option(False, "--failed", help="Only writes that failed or were refused."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List the writes made through the HTTP API, newest first: who (token fingerprint), what,
    when and how each ended."""
    from alpha_arena.storage.audit_log import AuditLogStore

    with app_context() as context:
        store = AuditLogStore(context.engine)
        entries = store.recent(limit, offset, actor=actor, failed_only=failed)
        total = store.count(actor=actor, failed_only=failed)
    if as_json:
        print_json({
            "total": total,
            "items": [{
                "id": e.id, "ts": e.ts, "time": to_iso(e.ts), "actor": e.actor,
                "client": e.client, "method": e.method, "path": e.path, "status": e.status,
                "outcome": e.outcome, "entity": e.entity, "duration_ms": e.duration_ms,
            } for e in entries],
        })  # fmt: skip
        return
    table = Table("time", "actor", "client", "method", "path", "status", "outcome", "entity",
                  title=f"API audit log ({len(entries)} of {total})")  # fmt: skip
    for e in entries:
        table.add_row(
            to_iso(e.ts), e.actor or "-", e.client or "-", e.method, e.path, str(e.status),
            e.outcome, e.entity or "-",
        )  # fmt: skip
    console.print(table)
