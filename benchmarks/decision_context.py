"""Time to build a six-coin decision context and render its prompt, as of many moments.

Run: .venv/bin/python benchmarks/decision_context.py [--samples 200]
Uses the database of ARENA_DATABASE_URL (run `make demo` first to load the bundled sample)."""

from __future__ import annotations

import argparse
import statistics
import time

from alpha_arena.agents.context import account_context, build_context
from alpha_arena.agents.llm.prompts import default_template, render
from alpha_arena.core.time import HOUR_MS, parse_ts
from alpha_arena.marketdata.service import DataService
from alpha_arena.services.context import open_context

SYMBOLS = [f"{base}/USDT:USDT" for base in ("BTC", "ETH", "SOL", "BNB", "DOGE", "XRP")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    context = open_context()
    data = DataService(context.market, "binance")
    account = account_context(10_000.0, 10_000.0, 10_000.0, {}, {}, 0.0005)
    template = default_template()
    start = parse_ts("2025-01-01")
    render(template, build_context(data, SYMBOLS, start, account))  # warm caches
    timings = []
    for sample in range(args.samples):
        started = time.perf_counter()
        prompt = render(template, build_context(data, SYMBOLS, start + sample * HOUR_MS, account))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(
        f"six-coin decision context + prompt ({len(prompt.user):,} chars), {args.samples} "
        f"moments: median {statistics.median(timings):.1f} ms, p99 {p99:.1f} ms (target < 20 ms)"
    )
    context.close()


if __name__ == "__main__":
    main()
