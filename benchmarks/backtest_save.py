"""How long storing a long backtest takes: its equity curve, trades, orders, decisions,
positions and risk events, in the one transaction ``arena backtest run`` saves it in.

Run: .venv/bin/python benchmarks/backtest_save.py [--postgres URL]

Data: the bundled real Binance BTC/USDT and ETH/USDT 1h candles, 2018-01-01 to 2026-05-01 (about
73,000 steps), loaded into a fresh SQLite file (and the PostgreSQL database given). Strategy:
ema_trend 12/26, long and short, on both symbols, with a 5% stop-loss and a 10% take-profit
(so that every entry carries an exit plan). The run is simulated once; its save is timed
(``BacktestStore.save`` of ``to_record``), median of ``--repeat``."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.settings import Settings
from alpha_arena.core.time import parse_ts
from alpha_arena.marketdata.sources.sample import sample_dir
from alpha_arena.services import backtests
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.sample import load_sample
from alpha_arena.storage.backtest_store import BacktestStore

FILES = ("binance_spot_BTCUSDT_1h.csv.gz", "binance_spot_ETHUSDT_1h.csv.gz", "instruments.json")
CONFIG = BacktestConfig(
    "ema_trend", ("BTC/USDT", "ETH/USDT"), "1h", parse_ts("2018-01-01"), parse_ts("2026-05-01"),
    fee_rate=0.0005, stop_loss=0.05, take_profit=0.1,
)  # fmt: skip


def bench(context: AppContext, subset: Path, label: str, repeat: int) -> None:
    load_sample(context, subset)
    _, result = backtests.run(context, CONFIG)
    record = backtests.to_record(result)
    store = BacktestStore(context.engine)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run_id = store.save(record, 0)
        timings.append(time.perf_counter() - started)
        store.delete(run_id)
    rows = {
        "equity": len(record.equity_ts), "trades": len(record.trades),
        "orders": len(record.orders),
        "decision actions": sum(len(decision.actions) for decision in record.decisions),
        "positions": len(record.positions), "risk events": len(record.risk_events),
    }  # fmt: skip
    print(
        f"  {label}: save in {statistics.median(timings) * 1000:,.0f} ms (median of {repeat}: "
        f"{', '.join(f'{t * 1000:,.0f}' for t in timings)} ms); rows: "
        + ", ".join(f"{name} {count:,}" for name, count in rows.items())
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="A PostgreSQL URL to measure too (its data is kept).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        subset = Path(folder) / "sample"
        subset.mkdir()
        for name in FILES:
            (subset / name).write_bytes((sample_dir() / name).read_bytes())
        urls = [("SQLite", f"sqlite:///{folder}/bench.db")]
        if args.postgres:
            urls.append(("PostgreSQL", args.postgres))
        for label, url in urls:
            context = open_context(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
            try:
                bench(context, subset, label, args.repeat)
            finally:
                context.close()
