"""A paper season following the market at 1m: how long after a bar's close its tick is
committed, early and late in the season, and what a rebuild (re-executing every stored tick, as
every bar cost before seasons followed the market) takes at the end.

Run: .venv/bin/python benchmarks/follow.py [--bars 720]

The market is the loopback exchange of the tests (tests/support/fake_exchange.py: the bundled
BTC and ETH hours split into minutes), served over HTTP on 127.0.0.1 and ingested through CCXT
as in production; its clock is the season's wall clock. Four strategy agents and the two
baselines trade BTC and ETH on a fresh SQLite file. The script moves the exchange's clock past
each bar's close once the tick before it is committed, and times each bar from that move to its
commit: ingesting the new bar (a few HTTP requests), loading the market, stepping, committing."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' loopback exchange

from tests.support.fake_exchange import FakeExchange
from tests.support.live_exchange import LAG_MS, ExchangeClock

from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.domain.seasons import SeasonEvent
from alpha_arena.seasons.runner import SeasonRunner
from alpha_arena.services import seasons
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.ingestion import ingest
from alpha_arena.storage.season_store import SeasonStore

SYMBOLS = ["BTC/USDT:USDT", "ETH/USDT:USDT"]
START = parse_ts("2024-02-01")
STEP = 60_000
AGENTS = {
    "ema-3-8": {"strategy": "ema_trend", "params": {"fast": "3", "slow": "8"}},
    "ema-12-26": {"strategy": "ema_trend"},
    "breakout": {"strategy": "breakout"},
    "rsi": {"strategy": "rsi_mean_reversion"},
}


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):6.1f} ms, p99 {p99:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bars", type=int, default=720, help="1m bars to follow")
    bars = parser.parse_args().bars
    with tempfile.TemporaryDirectory() as folder, FakeExchange(START) as fake:
        settings = Settings(
            database_url=f"sqlite:///{Path(folder) / 'follow.db'}", exchange_base_url=fake.url,
            exchange_max_retries=1, exchange_retry_base_s=0, exchange_rate_limit_ms=0,
        )  # fmt: skip
        context = open_context(settings, clock=ExchangeClock(fake))
        try:
            ingest(context, "binanceusdm", SYMBOLS, ["1m"], since=START - 300 * STEP)
            for name, config in AGENTS.items():
                add_agent(context, name, {"kind": "strategy", "timeframe": "1m", **config})
            values = {"name": "follow", "mode": "paper", "symbols": SYMBOLS, "timeframe": "1m",
                      "start": START, "end": START + (bars + 1) * STEP,
                      "participants": list(AGENTS)}  # fmt: skip
            season = seasons.create_season(context, values)
            seasons.transition(context, season.id, SeasonEvent.START)
            store = SeasonStore(context.engine)

            runner = SeasonRunner(context, season.id, poll_s=0.002, stop_after=bars)
            thread = threading.Thread(target=runner.run, daemon=True)
            thread.start()
            latencies = []
            for tick in range(bars):
                moved = time.perf_counter()
                fake.advance_to(START + (tick + 1) * STEP + LAG_MS)
                while store.get(season.id).ticks_done <= tick:
                    if not thread.is_alive():
                        raise SystemExit(f"the runner stopped at tick {tick}")
                    time.sleep(0.0005)
                latencies.append((time.perf_counter() - moved) * 1000)
            thread.join()

            fake.advance_to(START + (bars + 1) * STEP + LAG_MS)
            started = time.perf_counter()
            report = SeasonRunner(context, season.id, poll_s=0.002).run()  # a restart
            rebuild = time.perf_counter() - started
        finally:
            context.close()
    window = min(60, bars // 2)
    print(f"paper season, 1m bars, {len(AGENTS) + 2} entries on {len(SYMBOLS)} perpetuals, "
          f"{bars} bars followed")  # fmt: skip
    print(f"  bar close to committed tick, first {window} bars: {percentiles(latencies[:window])}")
    print(f"  bar close to committed tick, last {window} bars:  {percentiles(latencies[-window:])}")
    print(
        f"  a restart at bar {bars}: rebuilt, re-executed {report.ticks_reexecuted} ticks and "
        f"committed the next in {rebuild * 1000:.0f} ms (before, every bar cost this)"
    )


if __name__ == "__main__":
    main()
