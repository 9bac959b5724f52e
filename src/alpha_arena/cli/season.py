"""``arena season``: create, run and rank seasons of competing agents."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from alpha_arena.cli.common import (
    app_context,
    console,
    error_console,
    one_line_errors,
    print_json,
    progress_bar,
)
from alpha_arena.cli.compare import comparison_table
from alpha_arena.cli.leaderboard import leaderboard_table
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import parse_ts, to_iso
from alpha_arena.domain.seasons import SeasonEvent, SeasonStatus

# Services are imported inside the commands: `arena season list` must not load the engine.
if TYPE_CHECKING:
    from alpha_arena.storage.season_store import SeasonRecord

season_app = typer.Typer(
    help="Seasons: agents competing on isolated accounts.", no_args_is_help=True
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")
IdArgument = typer.Argument(..., help="Season id (see `arena season list`).")


@season_app.command("create")
@one_line_errors
def create_command(
    name: str = typer.Option(..., "--name"),
    symbols: str = typer.Option(
        ..., "--symbols", help="Comma-separated CCXT symbols, e.g. BTC/USDT:USDT,ETH/USDT:USDT."
    ),
    start: str = typer.Option(..., "--start", help="UTC date or time, e.g. 2025-01-01."),
    end: str = typer.Option(..., "--end", help="UTC date or time (exclusive)."),
    agents: str = typer.Option("", "--agents", help="Comma-separated registered agent names."),
    mode: str = typer.Option(
        "replay", "--mode", help="replay (history), paper (live data) or live (an exchange)."
    ),
    timeframe: str = typer.Option("1h", "--timeframe", help="Decision cadence: one tick a bar."),
    capital: float = typer.Option(10_000.0, "--capital", help="Starting capital per entry."),
    fee_rate: float | None = typer.Option(
        None, "--fee-rate", help="Fee per fill as a fraction (default: the instrument's)."
    ),
    slippage_bps: float = typer.Option(2.0, "--slippage-bps"),
    margin_mode: str = typer.Option(
        "isolated",
        "--margin-mode",
        help="isolated (each position on its own margin) or cross (the account's equity "
        "backs every position; liquidation takes the whole account).",
    ),
    position_mode: str = typer.Option(
        "net",
        "--position-mode",
        help="net (one position per coin) or long_short (hedge mode: a long and a short of "
        "a coin at once; a close closes both).",
    ),
    risk: list[str] = typer.Option(  # noqa: B008
        [], "--risk", help="Risk limit NAME=VALUE, e.g. max_leverage=5 (repeatable)."
    ),
    risk_preset: str | None = typer.Option(
        None, "--risk-preset", help="Named defaults: default or conservative (3x, 0.6, 20,000)."
    ),
    risk_config: Path | None = typer.Option(  # noqa: B008
        None, "--risk-config", help="TOML file of [risk], [regime], [portfolio] settings."
    ),
    timeout_s: float = typer.Option(60.0, "--decision-timeout", help="Per-tick deadline, s."),
    elimination: float = typer.Option(
        0.0, "--elimination", help="Eliminate at this fraction of the capital (0: all lost)."
    ),
    min_trades: int = typer.Option(10, "--min-trades", help="Fewer trades are flagged."),
    no_baselines: bool = typer.Option(False, "--no-baselines", help="Leave the baselines out."),
    anonymize: bool = typer.Option(
        False,
        "--anonymize",
        help="Memorization guard: LLM agents see coins renamed, dates moved and prices "
        "rescaled by the season's secret; the engine trades the real market.",
    ),
    exchange: str = typer.Option("binance", "--exchange"),
    accounts: list[str] = typer.Option(  # noqa: B008
        [],
        "--account",
        help="Live: AGENT=ACCOUNT, the exchange account an agent trades on (repeatable).",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Create a season (a draft) from registered agents; baselines are added unless disabled."""
    from alpha_arena.seasons.profile import read_file
    from alpha_arena.services import seasons
    from alpha_arena.storage.season_store import SeasonStore

    values: dict[str, Any] = {
        "name": name, "mode": mode, "exchange": exchange, "symbols": _split(symbols),
        "start": parse_ts(start), "end": parse_ts(end), "timeframe": timeframe,
        "capital": capital, "fee_rate": fee_rate, "slippage_bps": slippage_bps,
        "margin_mode": margin_mode, "position_mode": position_mode,
        "risk": _risk(risk), "decision_timeout_s": timeout_s,
        "elimination_threshold": elimination, "min_trades": min_trades,
        "baselines": not no_baselines, "participants": _split(agents),
        "accounts": _bindings(accounts), "anonymize": anonymize, "risk_preset": risk_preset,
        "risk_config": None if risk_config is None else read_file(risk_config),
    }  # fmt: skip
    with app_context() as context:
        season = seasons.create_season(context, values)
        entries = SeasonStore(context.engine).entries(season.id)
        how = (
            f"start it with `arena season start {season.id}` (a worker runs it)"
            if context.workers is not None
            else f"run it with `arena season run {season.id}`"
        )
    if as_json:
        print_json(_season_json(season) | {"entries": [e.name for e in entries]})
        return
    console.print(
        f"created season {season.id} ({season.mode}, {len(entries)} entries: "
        f"{', '.join(e.name for e in entries)}); {how}"
    )
    if season.message:  # what its creator should know: an entry that would never trade
        error_console.print(escape(season.message), style="yellow", soft_wrap=True,
                            highlight=False)  # fmt: skip


@season_app.command("list")
@one_line_errors
def list_command(as_json: bool = JsonOption) -> None:
    """List seasons, newest first."""
    from alpha_arena.storage.season_store import SeasonStore

    with app_context() as context:
        found = SeasonStore(context.engine).all()
    if as_json:
        print_json([_season_json(season) for season in found])
        return
    table = Table("id", "name", "mode", "status", "start", "end", "ticks", "message")
    for season in found:
        table.add_row(
            str(season.id), season.name, season.mode, season.status.value,
            to_iso(season.ts_start), to_iso(season.ts_end), f"{season.ticks_done:,}",
            season.message,
        )  # fmt: skip
    console.print(table)


@season_app.command("show")
@one_line_errors
def show_command(season_id: int = IdArgument, as_json: bool = JsonOption) -> None:
    """Show a season: configuration, progress, entries and the hash of its ledger."""
    from alpha_arena.seasons.config import public_config
    from alpha_arena.services import seasons
    from alpha_arena.storage.season_store import SeasonStore

    with app_context() as context:
        store = SeasonStore(context.engine)
        season = store.get(season_id)
        entries = store.entries(season_id)
        digest = store.ledger_hash(season_id)
        warnings = seasons.no_trade_warnings(context, season_id) if season.ticks_done else []
    payload = _season_json(season) | {"config": public_config(season.config),
                                      "ledger_sha256": digest,
                                      "warnings": warnings}  # fmt: skip
    payload["entries"] = [
        {"name": e.name, "kind": e.kind, "fingerprint": e.fingerprint, "baseline": e.baseline,
         "status": e.status.value, "equity": e.equity, "config": e.config}
        for e in entries
    ]  # fmt: skip
    if as_json:
        print_json(payload)
        return
    console.print(
        f"season {season.id} {season.name!r}: {season.mode}, {season.status}, "
        f"{to_iso(season.ts_start)} to {to_iso(season.ts_end)}, {season.ticks_done:,} ticks "
        f"committed{f' ({season.message})' if season.message else ''}"
    )
    if season.config.get("anonymize"):
        console.print("anonymized tape: on (LLM and remote agents see renamed coins, moved "
                      "dates, rescaled prices)")  # fmt: skip
    if season.config.get("risk_preset") or season.config.get("risk_config"):
        console.print(f"tuned: {_tuning(season.config)}", highlight=False, soft_wrap=True)
    table = Table("entry", "kind", "fingerprint", "status", "equity")
    for entry in entries:
        table.add_row(
            entry.name + (" (baseline)" if entry.baseline else ""), entry.kind,
            entry.fingerprint, entry.status.value, f"{entry.equity:,.2f}",
        )  # fmt: skip
    console.print(table)
    console.print(f"ledger sha256: {digest}")
    _warn(warnings)


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        error_console.print(f"warning: {escape(warning)}", style="yellow", soft_wrap=True,
                            highlight=False)  # fmt: skip


def _transition_command(event: SeasonEvent) -> Any:
    @one_line_errors
    def command(season_id: int = IdArgument) -> None:
        from alpha_arena.services import seasons

        with app_context() as context:
            season = seasons.transition(context, season_id, event)
        console.print(_moved(season))

    command.__doc__ = {
        SeasonEvent.START: "Start a draft season (then drive it with `arena season run`).",
        SeasonEvent.PAUSE: "Pause a running season: its ledger stops at once.",
        SeasonEvent.RESUME: "Resume a paused season (then drive it with `arena season run`).",
        SeasonEvent.END: "End a season now: a draft is canceled, a started one finishes.",
    }[event]
    return command


for _event in (SeasonEvent.START, SeasonEvent.PAUSE, SeasonEvent.RESUME, SeasonEvent.END):
    season_app.command(_event.value)(_transition_command(_event))


def _moved(season: SeasonRecord) -> str:
    """Where a season stands after a move; a stopped ledger says at which tick it stopped."""
    if season.status in (SeasonStatus.PAUSED, SeasonStatus.FINISHED):
        return (
            f"season {season.id} is {season.status} at tick {season.ticks_done:,} "
            "(its ledger stops there)"
        )
    return f"season {season.id} is {season.status}"


@season_app.command("run")
@one_line_errors
def run_command(
    season_id: int = IdArgument,
    as_json: bool = JsonOption,
) -> None:
    """Drive a season in the foreground until it finishes or is paused (a draft is started).

    After a crash or a pause, run it again: it resumes from the last committed tick."""
    from alpha_arena.services import seasons

    with app_context() as context, progress_bar("season", "ticks", as_json) as advance:
        report = seasons.run_season(context, season_id, advance)
        board = seasons.leaderboard(context, season_id)
        warnings = seasons.no_trade_warnings(context, season_id)
    if as_json:
        print_json({"season": season_id, "status": report.status.value,
                    "ticks_done": report.ticks_done, "ticks_stepped": report.ticks_stepped,
                    "message": report.message, "leaderboard": board.as_dict(),
                    "warnings": warnings})  # fmt: skip
        return
    console.print(leaderboard_table(board))
    why = f": {report.message}" if report.message else ""
    console.print(
        f"season {season_id} is {report.status} after {report.ticks_done:,} ticks "
        f"({report.ticks_stepped:,} stepped by this run){why}"
    )
    _warn(warnings)


@season_app.command("leaderboard")
@one_line_errors
def leaderboard_command(
    season_id: int = IdArgument,
    wide: bool = typer.Option(
        False, "--wide", help="One table with every column (for terminals wider than 200)."
    ),
    rank_by: str = typer.Option(
        "value", "--rank-by", help="Rank by account value, alpha (vs BTC) or sharpe."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Rank a season's entries, with bootstrap intervals, alpha and beta, and fingerprints."""
    from alpha_arena.services import seasons

    with app_context() as context:
        board = seasons.leaderboard(context, season_id, rank_by)
    if as_json:
        print_json(board.as_dict())
        return
    tables = leaderboard_table(board, wide=wide)
    if wide:  # as wide as the table: for wide terminals, `less -S` and files
        unbounded = console.options.update(max_width=100_000)
        needed = Measurement.get(console, unbounded, tables).maximum
        width = console.width
        console.width = max(width, needed)  # print() alone never goes past the console's width
        try:
            console.print(tables, crop=False)
        finally:
            console.width = width
        return
    console.print(tables)


@season_app.command("compare")
@one_line_errors
def compare_command(season_id: int = IdArgument, as_json: bool = JsonOption) -> None:
    """P(A beats B) for every pair of a season's entries, from the paired block bootstrap."""
    from alpha_arena.services import seasons

    with app_context() as context:
        comparison = seasons.compare(context, season_id)
    if as_json:
        print_json(comparison.as_dict())
        return
    console.print(comparison_table(comparison))


@season_app.command("export")
@one_line_errors
def export_command(
    season_id: int = IdArgument,
    out: Path = typer.Option(..., "--out", help="Folder for season.json and the CSV files."),  # noqa: B008
) -> None:
    """Write the season, its leaderboard and every ledger as files.

    season.json, and CSVs of the leaderboard, equity, decisions, orders, order events, fills,
    funding, risk events and LLM calls."""
    from alpha_arena.services import seasons

    with app_context() as context:
        written = seasons.export_season(context, season_id, out)
    console.print(f"wrote {len(written)} files to {out}")


def _season_json(season: SeasonRecord) -> dict[str, Any]:
    return {
        "id": season.id, "name": season.name, "mode": season.mode, "status": season.status.value,
        "start": to_iso(season.ts_start), "end": to_iso(season.ts_end),
        "ticks_done": season.ticks_done, "message": season.message,
    }  # fmt: skip


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _bindings(items: list[str]) -> dict[str, str]:
    bound: dict[str, str] = {}
    for item in items:
        agent, sep, account = (part.strip() for part in item.partition("="))
        if not sep or not agent or not account:
            raise InvalidInputError(f"--account {item!r}: expected AGENT=ACCOUNT")
        bound[agent] = account
    return bound


def _tuning(config: dict[str, Any]) -> str:
    """A season's preset and the settings its tables set (seasons/profile.py), on one line."""
    tables: dict[str, dict[str, Any]] = config.get("risk_config") or {}
    settings = sorted(f"{table}.{key}={value}" for table, keys in tables.items()
                      for key, value in keys.items())  # fmt: skip
    preset = config.get("risk_preset")
    parts = ([f"preset {preset}"] if preset else []) + ([", ".join(settings)] if settings else [])
    return "; ".join(parts)


def _risk(items: list[str]) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"--risk {item!r}: expected NAME=VALUE")
        text = value.strip().lower()
        limits[key.strip()] = text == "true" if text in ("true", "false") else _number(key, text)
    return limits


def _number(key: str, text: str) -> float | None:
    if text in ("none", "off"):
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInputError(f"--risk {key}: {text!r} is not a number") from None


from alpha_arena.cli.season_views import (  # noqa: E402
    decisions_command,
    positions_command,
    trades_command,
)

season_app.command("decisions")(decisions_command)
season_app.command("positions")(positions_command)
season_app.command("trades")(trades_command)

from alpha_arena.cli.season_live import flatten_command, reconciliation_command  # noqa: E402

season_app.command("flatten")(flatten_command)
season_app.command("reconciliation")(reconciliation_command)
