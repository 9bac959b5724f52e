"""A replay season end to end: ten rule-based entries on six perpetuals over a year of 1h bars.

Run: .venv/bin/python benchmarks/season.py [--postgres URL]

Loads the bundled Binance perpetuals (1h candles and funding of BTC, ETH, SOL, BNB, DOGE, XRP)
into a fresh temporary SQLite database (and, with --postgres, into a fresh schema of that
database, dropped afterwards), registers eight strategy agents covering the library, creates a
replay season of 2024 with them and its two automatic baselines, and times
``services.seasons.run_season`` as a whole: market loading, warm-up, every engine step, and the
database transactions (a replay commits up to 64 ticks per transaction). Loading the sample is
not timed.

The runner's own time is the wall time less the decision time the engine measured for every
entry (read back from ``season_decisions``; strategy agents that hold return no decision and
have no recorded latency, so their few microseconds count as the runner's). For the breakdown,
the script wraps ``TradingEngine.step`` and ``SeasonStore.commit_ticks`` at class level for the
run (a timer call around each; the project's code is unchanged)."""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, func, select, text

from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.engine.engine import TradingEngine
from alpha_arena.marketdata.sources.sample import sample_dir
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.season_store import SeasonStore
from alpha_arena.storage.tables import SeasonEquityRow
from alpha_arena.strategies import registry

BASES = ("BTC", "ETH", "SOL", "BNB", "DOGE", "XRP")
SYMBOLS = [f"{base}/USDT:USDT" for base in BASES]
START, END = parse_ts("2024-01-01"), parse_ts("2025-01-01")
TARGET_S = 30.0

#: Eight strategy agents: every library strategy but the baselines, two of them twice with
#: other parameters, leverage and protective orders.
AGENTS: dict[str, dict[str, Any]] = {
    "ema-12-26": {"strategy": "ema_trend"},
    "ema-50-200-x2": {"strategy": "ema_trend", "params": {"fast": "50", "slow": "200"},
                      "leverage": 2.0},
    "bollinger": {"strategy": "bollinger_range"},
    "funding-arb": {"strategy": "funding_rate_arbitrage"},
    "breakout-20": {"strategy": "breakout"},
    "breakout-55-x2-sl": {"strategy": "breakout", "params": {"period": "55"}, "leverage": 2.0,
                          "stop_loss": 0.05, "take_profit": 0.10},
    "momentum": {"strategy": "momentum"},
    "rsi": {"strategy": "rsi_mean_reversion"},
}  # fmt: skip


def sample_subset(folder: Path) -> Path:
    """Copy the perpetuals' 1h candles and funding and the instrument specs into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    source = sample_dir()
    shutil.copy(source / "instruments.json", folder / "instruments.json")
    for base in BASES:
        for tail in ("1h", "funding_8h"):
            name = f"binance_usdm_{base}USDT_{tail}.csv.gz"
            shutil.copy(source / name, folder / name)
    return folder


def prepare(url: str, sample: Path) -> tuple[AppContext, int]:
    """A context on ``url`` with the sample loaded, the agents registered and a draft season."""
    settings = Settings(_env_file=None, database_url=url)
    context = open_context(settings)
    load_sample(context, sample)
    covered = set(registry.names()) - {"flat", "buy_and_hold"}
    assert covered == {values["strategy"] for values in AGENTS.values()}, covered
    for name, values in AGENTS.items():
        add_agent(context, name, {"kind": "strategy", **values})
    season = seasons.create_season(
        context,
        {"name": "bench-2024", "symbols": SYMBOLS, "start": START, "end": END,
         "participants": list(AGENTS)},
    )  # fmt: skip
    return context, season.id


@contextmanager
def timed_methods(durations: dict[str, dict[int, float]]) -> Iterator[None]:
    """Time every ``TradingEngine.step`` (by tick) and ``SeasonStore.commit_ticks`` (by the
    first tick of each batch), in seconds."""
    step, commit = TradingEngine.step, SeasonStore.commit_ticks

    def timed_step(engine: TradingEngine, index: int) -> None:
        started = time.perf_counter()
        step(engine, index)
        durations["step"][index] = time.perf_counter() - started

    def timed_commit(store: SeasonStore, season_id: int, ticks: Any, *args: Any) -> None:
        started = time.perf_counter()
        commit(store, season_id, ticks, *args)
        durations["commit"][ticks[0].tick] = time.perf_counter() - started
        durations["batch"][ticks[0].tick] = len(ticks)

    TradingEngine.step = timed_step  # type: ignore[method-assign,assignment]
    SeasonStore.commit_ticks = timed_commit  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        TradingEngine.step = step  # type: ignore[method-assign]
        SeasonStore.commit_ticks = commit  # type: ignore[method-assign]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds >= 0.001 else f"{seconds * 1e6:.0f} us"


def row_counts(context: AppContext, season_id: int) -> dict[str, int]:
    store = SeasonStore(context.engine)
    entries = store.entries(season_id)
    totals: dict[str, int] = defaultdict(int)
    for entry in entries:
        for name, count in store.counts(entry.id).items():
            totals[name] += count
    ids = [entry.id for entry in entries]
    query = select(func.count()).select_from(SeasonEquityRow)
    with context.engine.connect() as connection:
        totals["equity"] = int(
            connection.execute(query.where(SeasonEquityRow.entry_id.in_(ids))).scalar_one()
        )
    return totals


def think_per_tick(context: AppContext, season_id: int) -> dict[int, float]:
    """Seconds all entries spent deciding, by tick (decisions that were not a hold)."""
    store = SeasonStore(context.engine)
    think: dict[int, float] = defaultdict(float)
    for entry in store.entries(season_id):
        for row in store.decisions(entry.id):
            think[row["tick"]] += row["latency_ms"] / 1000
    return think


def bench(context: AppContext, season_id: int, label: str) -> None:
    marks: list[float] = []
    durations: dict[str, dict[int, float]] = {"step": {}, "commit": {}, "batch": {}}

    def progress(done: int, total: int) -> None:
        marks.append(time.perf_counter())

    with timed_methods(durations):
        started = time.perf_counter()
        report = seasons.run_season(context, season_id, progress)
        seconds = time.perf_counter() - started
    ticks = report.ticks_done
    assert report.ticks_stepped == ticks == len(marks), (report, len(marks))
    assert sum(durations["batch"].values()) == ticks
    entries = len(SeasonStore(context.engine).entries(season_id))
    counts = row_counts(context, season_id)
    think = think_per_tick(context, season_id)

    # The setup (market loading, warm-up, lineup) is what the first batch's wall time holds
    # beyond its steps and its commit.
    first = durations["batch"][0]
    setup = marks[0] - started - sum(durations["step"][k] for k in range(first))
    setup -= durations["commit"][0]
    finish = started + seconds - marks[-1]
    thought = sum(think.values())
    written = sum(counts.values())
    engine = sum(durations["step"].values()) - thought
    commits = list(durations["commit"].values())
    rest = seconds - setup - finish - thought - engine - sum(commits)
    runner = engine + sum(commits) + rest

    print(f"season replay: {entries} entries x {len(SYMBOLS)} symbols x {ticks:,} ticks "
          f"(1h, 2024) on {label}; status {report.status}")  # fmt: skip
    print(f"  total {seconds:.2f} s (target < {TARGET_S:.0f} s)   {ticks / seconds:,.0f} ticks/s  "
          f"setup {setup:.2f} s, completion {finish * 1000:.0f} ms")  # fmt: skip
    print(f"  rows written {written:,}: {counts['equity']:,} equity, {counts['decisions']:,} "
          f"decisions, {counts['orders']:,} orders, {counts['events']:,} order events, "
          f"{counts['fills']:,} fills, {counts['funding']:,} funding, "
          f"{counts['risk_events']:,} risk events")  # fmt: skip
    print(f"  agent think time (recorded decisions): {thought:.2f} s in all, "
          f"{ms(thought / ticks)} per tick on average")  # fmt: skip
    print(f"  runner per tick, agent think time excluded: {ms(runner / ticks)} on average")
    print(f"    engine step               {engine:6.2f} s in all, {ms(engine / ticks)} per tick")
    print(f"    commits                   {sum(commits):6.2f} s in all, {len(commits):,} "
          f"transactions of {ticks / len(commits):.0f} ticks on average, median "
          f"{ms(statistics.median(commits))}, p99 {ms(percentile(commits, 0.99))}")  # fmt: skip
    print(f"    collecting rows and rest  {rest:6.2f} s in all")


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """Yield a URL to a fresh schema of ``url``'s database; drop the schema at the end."""
    admin = create_engine(url)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    separator = "&" if "?" in url else "?"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_on(url: str, label: str, sample: Path) -> None:
    started = time.perf_counter()
    context, season_id = prepare(url, sample)
    print(f"({label}: sample loaded and season created in {time.perf_counter() - started:.1f} s)")
    try:
        bench(context, season_id, label)
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on PostgreSQL, in a fresh schema of URL"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sample = sample_subset(Path(folder) / "sample")
        run_on(f"sqlite:///{folder}/bench.db", "sqlite", sample)
        if args.postgres:
            with postgres_schema(args.postgres) as url:
                run_on(url, "postgresql", sample)


if __name__ == "__main__":
    main()
