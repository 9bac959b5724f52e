"""``arena data ingest``: download market data from an exchange into the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from alpha_arena.cli.common import app_context, console, error_console, one_line_errors, print_json
from alpha_arena.core.time import parse_ts, to_iso

# CCXT and the ingestion stack load only when a download runs.
if TYPE_CHECKING:
    from rich.progress import TaskID

    from alpha_arena.marketdata.ingestion import (
        IngestionProgress,
        IngestionReport,
        ProgressCallback,
    )

#: ``services.ingestion.SUPPORTED_SOURCES`` (the CCXT exchanges and CoinGecko), for the help
#: text (a test keeps the two in step).
SUPPORTED_EXCHANGES = (
    "okx", "binance", "binanceusdm", "bitget", "bybit", "hyperliquid", "coinbase", "coingecko",
)  # fmt: skip
_DATASETS = (
    "candles", "funding", "prices", "open_interest", "open_interest_history", "long_short_ratio",
)  # fmt: skip
_LABELS = {
    "candles": "candles",
    "funding": "funding",
    "prices": "prices",
    "open_interest": "open interest",
    "open_interest_history": "open interest history",
    "long_short_ratio": "long/short ratio",
}


@one_line_errors
def ingest_command(
    exchange: str = typer.Option(
        ...,
        "--exchange",
        help=f"Exchange to download from: {', '.join(SUPPORTED_EXCHANGES)} (CoinGecko: daily "
        "candles and prices of spot pairs such as BTC/USD, where exchanges are out of reach).",
    ),
    symbols: str = typer.Option(
        ..., "--symbols", help="Comma-separated CCXT symbols, e.g. BTC/USDT:USDT,ETH/USDT:USDT."
    ),
    timeframes: str = typer.Option(
        "1h", "--timeframes", help="Comma-separated candle timeframes, e.g. 15m,1h,4h,1d."
    ),
    since: str | None = typer.Option(
        None,
        "--since",
        help="Start date (UTC), e.g. 2024-01-01; later runs continue from the newest stored "
        "candle. Default: 30 days ago.",
    ),
    backfill: bool = typer.Option(
        False, "--backfill", help="Fetch everything from --since again (stored bars are kept)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Download candles, funding history, prices, open interest, and open interest history
    and long/short account ratios where the exchange publishes them (incremental, resumable)."""
    from alpha_arena.services.ingestion import ingest

    ts_since = parse_ts(since) if since is not None else None
    with app_context() as context, _progress_bar(enabled=not as_json) as progress:
        report = ingest(
            context,
            exchange,
            _split(symbols),
            _split(timeframes),
            since=ts_since,
            backfill=backfill,
            progress=progress,
        )
    if as_json:
        print_json(_as_json(report))
    else:
        _print_summary(report)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[ProgressCallback | None]:
    """A bar per series on stderr, moved by the ingestor's progress events."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[rows]:>9,} new rows"),
        TimeElapsedColumn(),
        console=error_console,
    )
    tasks: dict[tuple[str, str, str | None], TaskID] = {}

    def update(event: IngestionProgress) -> None:
        if not tasks:
            bar.start()  # only once there is progress: an early error stays a single line
        key = (event.symbol, event.dataset, event.timeframe)
        if key not in tasks:
            label = f"{event.symbol} {event.timeframe or event.dataset}"
            if event.dataset not in ("candles", "funding"):
                label = f"{event.symbol} {_LABELS[event.dataset]} {event.timeframe or ''}"
            total = max(event.ts_to - event.ts_from, 1)
            tasks[key] = bar.add_task(label, total=total, rows=0)
        done = min(max(event.ts_done - event.ts_from, 0), max(event.ts_to - event.ts_from, 1))
        bar.update(tasks[key], completed=done, rows=event.inserted)

    try:
        yield update
    finally:
        if tasks:
            bar.stop()


def _as_json(report: IngestionReport) -> dict[str, object]:
    return {
        "run_id": report.run_id,
        "exchange": report.source,
        "venue": report.venue,
        "inserted": {dataset: report.inserted(dataset) for dataset in _DATASETS},
        "series": [asdict(item) for item in report.series],
    }


def _print_summary(report: IngestionReport) -> None:
    table = Table(
        "symbol",
        "data",
        "from",
        "fetched",
        "new",
        title=f"Ingested from {report.source} (run {report.run_id})",
    )
    for item in report.series:
        table.add_row(
            item.symbol,
            _LABELS[item.dataset] + f" {item.timeframe}"
            if item.dataset not in ("candles", "funding") and item.timeframe
            else item.timeframe or _LABELS[item.dataset],
            "" if item.ts_from is None else to_iso(item.ts_from)[:16].replace("T", " "),
            f"{item.fetched:,}",
            f"{item.inserted:,}",
        )
    console.print(table)
    counts = ", ".join(f"{report.inserted(dataset):,} {_LABELS[dataset]}" for dataset in _DATASETS)
    console.print(f"stored under exchange {report.venue!r}: {counts}")
