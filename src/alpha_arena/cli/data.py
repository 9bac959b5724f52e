"""``arena data``: load, ingest, inspect, scan and repair market data."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from alpha_arena.cli.common import app_context, console, fail, one_line_errors, print_json
from alpha_arena.core.time import to_iso

data_app = typer.Typer(help="Market data: load, ingest, stats, scan, repair.", no_args_is_help=True)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")
SymbolsOption = typer.Option(
    None, "--symbols", help="Comma-separated CCXT symbols, e.g. BTC/USDT:USDT,ETH/USDT:USDT."
)
TimeframesOption = typer.Option(
    None, "--timeframes", help="Comma-separated timeframes (1h,4h,...); 'funding' for funding."
)
ExchangeOption = typer.Option(None, "--exchange", help="Only this exchange's data.")


def split(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


@data_app.command("load-sample")
@one_line_errors
def load_sample_command(as_json: bool = JsonOption) -> None:
    """Load the bundled Binance sample (idempotent: a second run inserts nothing)."""
    from alpha_arena.services.sample import load_sample

    with app_context() as context:
        report = load_sample(context)
    if as_json:
        print_json(
            {
                "run_id": report.run_id,
                "rows": report.rows,
                "inserted": report.inserted,
                "files": [asdict(item) for item in report.files],
            }
        )
        return
    if report.inserted == 0:
        console.print(f"sample already loaded: {report.rows:,} rows checked, nothing inserted")
    else:
        console.print(
            f"sample loaded: {report.inserted:,} new rows of {report.rows:,} "
            f"from {len(report.files)} files (run {report.run_id})"
        )


@data_app.command("stats")
@one_line_errors
def stats_command(
    symbols: str | None = SymbolsOption,
    timeframes: str | None = TimeframesOption,
    exchange: str | None = ExchangeOption,
    as_json: bool = JsonOption,
) -> None:
    """Per series: first and last bar, rows, expected rows and gaps."""
    from alpha_arena.services import integrity

    with app_context() as context:
        stats = integrity.series_stats(context, exchange, split(symbols), split(timeframes))
    if as_json:
        print_json([item.as_dict() for item in stats])
        return
    if not stats:
        fail("no market data stored yet; run `arena data load-sample` or `arena data ingest`")
    table = Table(
        "exchange",
        "symbol",
        "timeframe",
        "first",
        "last",
        "rows",
        "expected",
        "gaps",
        "missing",
        title="Stored market data",
    )
    for item in stats:
        table.add_row(
            item.exchange,
            item.symbol,
            series_name(item.dataset, item.timeframe),
            item.first,
            item.last,
            f"{item.rows:,}",
            f"{item.expected_rows:,}",
            str(item.gaps),
            str(item.missing_rows),
        )
    console.print(table)


@data_app.command("scan")
@one_line_errors
def scan_command(
    symbols: str | None = SymbolsOption,
    timeframes: str | None = TimeframesOption,
    exchange: str | None = ExchangeOption,
    as_json: bool = JsonOption,
) -> None:
    """Look for gaps, duplicates, OHLC violations, NaN, negative volume and time-order problems;
    record them as integrity events."""
    from alpha_arena.services import integrity

    with app_context() as context:
        results = integrity.scan(context, exchange, split(symbols), split(timeframes))
    if as_json:
        print_json(
            [
                {
                    "exchange": item.exchange,
                    "symbol": item.symbol,
                    "dataset": item.dataset,
                    "timeframe": item.timeframe,
                    "rows": item.rows,
                    "issues": item.counts(),
                    "events_opened": item.outcome.opened,
                    "events_still_open": item.outcome.still_open,
                    "events_resolved": item.outcome.resolved,
                    "details": [
                        {
                            "kind": issue.kind.value,
                            "start": to_iso(issue.ts_start),
                            "end": to_iso(issue.ts_end),
                            "count": issue.count,
                            "detail": issue.detail,
                        }
                        for issue in item.issues
                    ],
                }
                for item in results
            ]
        )
        return
    table = Table(
        "exchange",
        "symbol",
        "timeframe",
        "rows",
        "issues",
        "new",
        "resolved",
        title="Integrity scan",
    )
    for item in results:
        found = ", ".join(f"{kind} {count}" for kind, count in item.counts().items()) or "clean"
        table.add_row(
            item.exchange,
            item.symbol,
            series_name(item.dataset, item.timeframe),
            f"{item.rows:,}",
            found,
            str(item.outcome.opened),
            str(item.outcome.resolved),
        )
    console.print(table)


@data_app.command("repair")
@one_line_errors
def repair_command(
    symbols: str | None = SymbolsOption,
    timeframes: str | None = TimeframesOption,
    exchange: str | None = ExchangeOption,
    as_json: bool = JsonOption,
) -> None:
    """Refetch the open gaps found by `arena data scan` from their exchange. Each attempt is a
    repair job; a gap the exchange has no data for is a real outage and is marked confirmed."""
    from alpha_arena.services.repair import repair_from_exchanges

    with app_context() as context:
        results = repair_from_exchanges(context, exchange, split(symbols), split(timeframes))
    if as_json:
        print_json(
            [
                {
                    "job_id": item.job_id,
                    "exchange": item.event.exchange,
                    "symbol": item.event.symbol,
                    "timeframe": item.event.timeframe,
                    "start": to_iso(item.event.ts_start),
                    "end": to_iso(item.event.ts_end),
                    "missing": item.event.count,
                    "status": item.status,
                    "rows_fetched": item.rows_fetched,
                    "rows_inserted": item.rows_inserted,
                    "error": item.error,
                }
                for item in results
            ]
        )
        return
    if not results:
        console.print("no open gaps to repair (run `arena data scan` to look for them)")
        return
    table = Table(
        "job", "symbol", "timeframe", "gap", "missing", "status", "inserted", title="Gap repairs"
    )
    for item in results:
        gap = f"{to_iso(item.event.ts_start)}..{to_iso(item.event.ts_end)}"
        table.add_row(
            str(item.job_id),
            item.event.symbol,
            item.event.timeframe,
            gap,
            str(item.event.count),
            item.status + (f" ({item.error})" if item.error else ""),
            str(item.rows_inserted),
        )
    console.print(table)


from alpha_arena.cli.ingest import ingest_command  # noqa: E402
from alpha_arena.cli.prices import price_command  # noqa: E402

data_app.command("ingest")(ingest_command)
data_app.command("price")(price_command)


#: What the tables call series other than candles and funding (their timeframe is a period).
_STATISTICS = {"open_interest": "open interest", "long_short_ratio": "long/short ratio"}


def series_name(dataset: str, timeframe: str) -> str:
    """A series as a table row names it: ``1h`` candles, ``funding``, ``open interest 1h``."""
    label = _STATISTICS.get(dataset)
    return timeframe if label is None else f"{label} {timeframe}"
