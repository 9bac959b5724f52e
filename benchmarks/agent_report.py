"""What `arena agent report` costs on a long season: thousands of stored decisions judged.

Run: .venv/bin/python benchmarks/agent_report.py [--start 2024-03-01] [--repeats 3]

Loads the bundled BTC and ETH perpetuals' 1h bars and funding into a temporary SQLite file,
runs a replay season of a fast EMA cross (3/8, a call nearly every day per coin) from
``--start`` to the data's end, then times ``services.outcomes.agent_report`` (one query for
the decisions, one candle read per coin, the regime of every decision bar, the tallies) and
prints the best of ``--repeats`` with the decisions and calls it judged. Loading the data and
running the season are not timed."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from alpha_arena.core.clock import SimClock
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.marketdata.sources.sample import sample_dir
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.outcomes import agent_report
from alpha_arena.services.sample import load_sample
from alpha_arena.services.seasons import create_season, run_season

FILES = [f"binance_usdm_{coin}USDT_{kind}.csv.gz" for coin in ("BTC", "ETH")
         for kind in ("1h", "funding_8h")]  # fmt: skip
DATA_END = "2026-05-17T08:00"  # the close of the last bundled BTC and ETH hour
AGENT = {"kind": "strategy", "strategy": "ema_trend", "params": {"fast": "3", "slow": "8"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2024-03-01")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'arena.db'}"
        context = open_context(Settings(_env_file=None, database_url=url),
                               clock=SimClock(parse_ts("2026-06-01")))  # fmt: skip
        try:
            sample = Path(folder) / "sample"
            sample.mkdir()
            for name in [*FILES, "instruments.json"]:
                shutil.copy(sample_dir() / name, sample / name)
            load_sample(context, sample)
            add_agent(context, "ema-3-8", AGENT)
            season = create_season(context, {
                "name": "report bench", "symbols": ["BTC/USDT:USDT", "ETH/USDT:USDT"],
                "start": parse_ts(args.start), "end": parse_ts(DATA_END),
                "participants": ["ema-3-8"], "baselines": False,
            })  # fmt: skip
            run_season(context, season.id)
            times = []
            for _ in range(max(args.repeats, 1)):
                began = time.perf_counter()
                report = agent_report(context, "ema-3-8")
                times.append(time.perf_counter() - began)
        finally:
            context.close()
    best = min(times)
    per_call = best / report.calls * 1e6
    print(f"agent report: {report.decisions:,} decisions, {report.calls:,} calls, "
          f"best of {len(times)}: {best:.2f} s ({per_call:.0f} us a call)")  # fmt: skip


if __name__ == "__main__":
    main()
