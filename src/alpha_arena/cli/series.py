"""``arena season series``: one pinned lineup over K replay windows, and how stable its
ranking is across them."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from alpha_arena.cli.common import app_context, console, error_console, one_line_errors, print_json
from alpha_arena.cli.tables import Field, fitted_table
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import parse_ts, to_iso

if TYPE_CHECKING:
    from alpha_arena.seasons.series import EntryAggregate
    from alpha_arena.services.series import SeriesView
    from alpha_arena.services.series_runs import WindowRun

series_app = typer.Typer(
    help="Season series: one pinned lineup over K windows, with rank stability.",
    no_args_is_help=True,
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


@series_app.command("create")
@one_line_errors
def create_command(
    name: str = typer.Argument(..., help="The series' name (its seasons are 'NAME i/K')."),
    agents: list[str] = typer.Option(  # noqa: B008
        [], "--agent", help="A registered agent (repeatable; default: the built-in agents)."
    ),
    symbols: str = typer.Option(
        "", "--symbols", help="Comma-separated CCXT symbols (default: the demo's six perpetuals)."
    ),
    timeframe: str = typer.Option("1h", "--timeframe", help="Decision cadence: one tick a bar."),
    monthly: int | None = typer.Option(None, "--monthly", help="K consecutive calendar months."),
    first_month: str | None = typer.Option(
        None,
        "--from",
        help="--monthly: the first month, e.g. 2025-01-01 (default: the last "
        "K whole months of the data).",
    ),
    random_count: int | None = typer.Option(
        None, "--random", help="K random windows of --length, drawn with --seed."
    ),
    length: str | None = typer.Option(None, "--length", help="--random: e.g. 30d, 72h, 2w."),
    seed: int | None = typer.Option(None, "--seed", help="--random: the draw's seed."),
    repeat: int | None = typer.Option(None, "--repeat", help="The same window K times."),
    start: str | None = typer.Option(None, "--start", help="--repeat: the window's start."),
    end: str | None = typer.Option(None, "--end", help="--repeat: its end (exclusive)."),
    capital: float = typer.Option(10_000.0, "--capital", help="Starting capital per entry."),
    no_baselines: bool = typer.Option(False, "--no-baselines", help="Leave the baselines out."),
    exchange: str = typer.Option("binance", "--exchange"),
    parallel: int | None = typer.Option(
        None, "--parallel", help="Windows run at once in local processes (default: CPUs)."
    ),
    no_run: bool = typer.Option(False, "--no-run", help="Only create the windows' seasons."),
    as_json: bool = JsonOption,
) -> None:
    """Create a series: the same pinned lineup over K windows, then run them all (in parallel:
    through the workers when a broker is configured) and print the rank-stability table."""
    from alpha_arena.services import series_runs
    from alpha_arena.services.series import DEFAULT_SYMBOLS, SeriesRequest, create_series

    kind, count = _kind(monthly, random_count, repeat)
    _only_with(kind, "consecutive", {"--from": first_month})
    _only_with(kind, "random", {"--length": length, "--seed": seed})
    _only_with(kind, "repeat", {"--start": start, "--end": end})
    if parallel is not None:
        series_runs.local_parallelism(parallel, 1)  # refused before anything is created
    request = SeriesRequest(
        name=name, kind=kind, count=count, agents=tuple(agents),
        symbols=tuple(_split(symbols)) or DEFAULT_SYMBOLS, timeframe=timeframe,
        exchange=exchange, capital=capital, baselines=not no_baselines,
        start=_ts(first_month if kind == "consecutive" else start), end=_ts(end),
        length=length, seed=seed,
    )  # fmt: skip
    began = time.monotonic()
    with app_context() as context:
        created = create_series(context, request)
        series_id = created.series.id
        if not as_json:
            console.print(
                f"created series {series_id} ({kind}, {count} windows, "
                f"{len(created.entries)} entries: {', '.join(created.entries)})"
            )
            _notes(created.notes)
        if no_run:
            view = None
        else:
            where = "the workers" if context.workers is not None else "local processes"
            if not as_json:
                console.print(f"running {count} windows through {where}...")
            series_runs.run_series(context, series_id, parallel,
                                   None if as_json else _say_window)  # fmt: skip
            view = _view(context, series_id)
    seconds = time.monotonic() - began
    if as_json:
        payload = {"id": series_id, "entries": created.entries, "notes": created.notes,
                   "seconds": round(seconds, 1)}  # fmt: skip
        print_json(payload | ({} if view is None else series_json(view)))
        return
    if view is None:
        console.print(f"run them with `arena season series run {series_id}`")
        return
    _print_view(view)
    console.print(f"series {series_id}: {count} windows in {seconds:,.1f} s")


@series_app.command("run")
@one_line_errors
def run_command(
    series_id: int = typer.Argument(..., help="Series id (see `arena season series list`)."),
    parallel: int | None = typer.Option(
        None, "--parallel", help="Windows run at once in local processes (default: CPUs)."
    ),
) -> None:
    """Run a series' windows that have not finished (after --no-run, or an interruption)."""
    from alpha_arena.services import series_runs

    began = time.monotonic()
    with app_context() as context:
        series_runs.run_series(context, series_id, parallel, _say_window)
        view = _view(context, series_id)
    _print_view(view)
    console.print(f"series {series_id}: run in {time.monotonic() - began:,.1f} s")


@series_app.command("list")
@one_line_errors
def list_command(as_json: bool = JsonOption) -> None:
    """List series, newest first, with their windows' progress."""
    from alpha_arena.services.series import all_series

    with app_context() as context:
        found = all_series(context)
    if as_json:
        print_json([
            {"id": record.id, "name": record.name, "kind": record.kind,
             "windows": len(record.season_ids), "statuses": counts,
             "created": to_iso(record.ts_created)}
            for record, counts in found
        ])  # fmt: skip
        return
    table = Table("id", "name", "kind", "windows", "finished", "created")
    for record, counts in found:
        table.add_row(
            str(record.id), record.name, record.kind, str(len(record.season_ids)),
            str(counts.get("finished", 0)), to_iso(record.ts_created),
        )  # fmt: skip
    console.print(table)


@series_app.command("show")
@one_line_errors
def show_command(
    series_id: int = typer.Argument(..., help="Series id (see `arena season series list`)."),
    as_json: bool = JsonOption,
) -> None:
    """Show a series: its windows and the rank stability of those that have finished."""
    with app_context() as context:
        view = _view(context, series_id)
    if as_json:
        print_json(series_json(view))
        return
    _print_view(view)


def series_json(view: SeriesView) -> dict[str, Any]:
    record = view.series
    return {
        "id": record.id, "name": record.name, "kind": record.kind, "config": record.config,
        "created": to_iso(record.ts_created), "note": view.note(),
        "windows": [
            {"window": w.window, "season_id": w.season_id, "name": w.name,
             "start": to_iso(w.start), "end": to_iso(w.end), "status": w.status,
             "ticks_done": w.ticks_done, "ticks_total": w.ticks_total, "winner": w.winner}
            for w in view.windows
        ],
        "aggregate": view.aggregate.as_dict(),
    }  # fmt: skip


def stability_table(view: SeriesView) -> Table:
    """Per entry: mean and median rank, P(first) and the windows at each place."""
    summary = view.aggregate
    fields = [
        Field("entry", text=True), Field("mean rank"), Field("median rank"), Field("P(first)"),
        Field("windows at place 1, 2, ...", text=True),
    ]  # fmt: skip
    rows = [
        [
            _entry_name(entry), f"{entry.mean_rank:.2f}", f"{entry.median_rank:g}",
            f"{entry.p_first:.0%}", " ".join(_count(count) for count in entry.rank_counts),
        ]
        for entry in summary.entries
    ]  # fmt: skip
    w = "-" if summary.kendalls_w is None else f"{summary.kendalls_w:.3f}"
    caption = (
        f"Kendall's W {w} over {summary.windows} finished of {len(view.windows)} windows "
        "(1: every window ranks the entries alike; 0: no agreement)"
    )
    title = f"Series {view.series.id} {view.series.name!r}: rank stability"
    return fitted_table(fields, rows, title=title, caption=caption, compact=True)


def returns_table(view: SeriesView) -> Table:
    """Per entry: the spread of its returns over the windows, and its LLM cost in all."""
    fields = [
        Field("entry", text=True), Field("mean %"), Field("std %"), Field("min %"),
        Field("median %"), Field("max %"), Field("LLM cost $"),
    ]  # fmt: skip
    rows = [
        [
            _entry_name(entry), f"{entry.return_mean_pct:+.2f}",
            _maybe(entry.return_std_pct, "{:.2f}"), f"{entry.return_min_pct:+.2f}",
            f"{entry.return_median_pct:+.2f}", f"{entry.return_max_pct:+.2f}",
            _maybe(entry.llm_cost_usd, "{:.4f}"),
        ]
        for entry in view.aggregate.entries
    ]  # fmt: skip
    return fitted_table(fields, rows, title="Returns across the windows", compact=True)


def _entry_name(entry: EntryAggregate) -> str:
    return entry.name + (" (baseline)" if entry.baseline else "")


def windows_table(view: SeriesView) -> Table:
    fields = [Field("window"), Field("season"), Field("start"), Field("end"),
              Field("status", text=True), Field("ticks"), Field("first", text=True)]  # fmt: skip
    rows = [
        [str(w.window), str(w.season_id), to_iso(w.start)[:16], to_iso(w.end)[:16], w.status,
         f"{w.ticks_done:,}/{w.ticks_total:,}", w.winner or "-"]
        for w in view.windows
    ]  # fmt: skip
    return fitted_table(fields, rows, title="Windows", compact=True)


def _view(context: Any, series_id: int) -> SeriesView:
    from alpha_arena.services.series import series_view

    return series_view(context, series_id)


def _print_view(view: SeriesView) -> None:
    console.print(windows_table(view))
    if view.aggregate.windows:
        console.print(stability_table(view))
        console.print(returns_table(view))
    else:
        console.print("no window has finished yet")
    note = view.note()
    if note:
        _notes([note])


def _say_window(run: WindowRun, done: int, total: int) -> None:
    why = f": {run.message}" if run.message else ""
    console.print(
        f"window {run.window} (season {run.season_id}) {run.status}{escape(why)} "
        f"[{done}/{total}]", highlight=False, soft_wrap=True,
    )  # fmt: skip


def _notes(notes: list[str]) -> None:
    for note in notes:
        error_console.print(f"note: {escape(note)}", style="yellow", soft_wrap=True,
                            highlight=False)  # fmt: skip


def _kind(monthly: int | None, random_count: int | None, repeat: int | None) -> tuple[Any, int]:
    from alpha_arena.seasons.series import SeriesKind

    given = {
        SeriesKind.CONSECUTIVE: monthly, SeriesKind.RANDOM: random_count,
        SeriesKind.REPEAT: repeat,
    }  # fmt: skip
    chosen = [(kind, count) for kind, count in given.items() if count is not None]
    if len(chosen) != 1:
        raise InvalidInputError("give exactly one of --monthly K, --random K or --repeat K")
    return chosen[0]


def _only_with(kind: str, owner: str, options: dict[str, object]) -> None:
    flag = {"consecutive": "--monthly", "random": "--random", "repeat": "--repeat"}[owner]
    stray = [option for option, value in options.items() if value is not None]
    if stray and kind != owner:
        raise InvalidInputError(f"{', '.join(stray)} goes with {flag} only")


def _ts(text: str | None) -> int | None:
    return None if text is None else parse_ts(text)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _count(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _maybe(value: float | None, template: str) -> str:
    return "-" if value is None else template.format(value)
