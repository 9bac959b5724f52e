"""``arena season flatten|reconciliation``: a live season's kill switch, and what its exchange
accounts reported."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.markup import escape
from rich.table import Table

from alpha_arena.cli.common import app_context, console, one_line_errors, print_json
from alpha_arena.core.time import to_iso

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")
IdArgument = typer.Argument(..., help="Season id (see `arena season list`).")


@one_line_errors
def flatten_command(
    season_id: int = IdArgument,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    as_json: bool = JsonOption,
) -> None:
    """End a live season and, on every entry's exchange account, cancel its orders and close
    its positions (market orders). Positions in other symbols are left alone."""
    from alpha_arena.services.live_trading import flatten_season

    if not yes:
        typer.confirm(
            f"End season {season_id} and close everything it holds on the exchange?", abort=True
        )
    with app_context() as context:
        flattened = flatten_season(context, season_id)
    if as_json:
        print_json([asdict(item) for item in flattened])
        return
    for item in flattened:
        console.print(
            f"{escape(item.entry)} on {escape(item.account)}: {item.canceled} orders canceled, "
            f"closed {escape(', '.join(item.closed)) or 'nothing'}; left: "
            f"{item.remaining_positions} positions, {item.remaining_orders} orders"
            + (f" (left alone: {escape(', '.join(item.left_alone))})" if item.left_alone else "")
        )


@one_line_errors
def reconciliation_command(season_id: int = IdArgument, as_json: bool = JsonOption) -> None:
    """What a live season's exchange accounts reported: each entry's newest balance beside its
    ledger, and every difference found between ledger and exchange."""
    from alpha_arena.services.live_trading import season_reconciliation
    from alpha_arena.storage.season_store import SeasonStore

    with app_context() as context:
        found = season_reconciliation(context, season_id)
        names = {e.id: e.name for e in SeasonStore(context.engine).entries(season_id)}
    if as_json:
        print_json({
            "snapshots": found.snapshots,
            "balances": [asdict(b) | {"entry": names[b.entry_id]} for b in found.balances],
            "events": [asdict(e) | {"entry": names[e.entry_id]} for e in found.events],
        })  # fmt: skip
        return
    balances = Table("entry", "at", "exchange total", "exchange free", "ledger equity",
                     title=f"{found.snapshots} exchange snapshots")  # fmt: skip
    for b in found.balances:
        balances.add_row(escape(names[b.entry_id]), to_iso(b.ts), f"{b.total:,.2f}",
                         f"{b.free:,.2f}", f"{b.ledger_equity:,.2f}")  # fmt: skip
    console.print(balances)
    if not found.events:
        console.print("no differences between the ledger and the exchange")
        return
    events = Table("entry", "at", "kind", "symbol", "detail")
    for e in found.events:
        events.add_row(escape(names[e.entry_id]), to_iso(e.ts), e.kind, e.symbol,
                       escape(e.detail))  # fmt: skip
    console.print(events)
