"""The scheduler's jobs, run by a worker against the loopback exchange: the configured series
are ingested and their prices refreshed on schedule, and the integrity scan runs as a task
whose state the result store shows."""

from __future__ import annotations

import time
from pathlib import Path

from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from tests.support.databases import empty_database, settings_for
from tests.support.fake_exchange import FakeExchange
from tests.support.sample import sample_subset
from tests.support.workers import worker_stack

BTC = "BTC/USDT:USDT"
FILES = ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"]


def test_the_scheduler_ingests_refreshes_prices_and_scans_through_a_worker(
    tmp_path: Path,
) -> None:
    with (
        FakeExchange(now_ms=int(time.time() * 1000)) as fake,
        empty_database("postgres", tmp_path) as url,
        worker_stack(
            url, tmp_path / "stack", exchange_base_url=fake.url, exchange_retry_base_s="0",
            worker_ingest_series=f"binanceusdm {BTC} 1h", worker_ingest_every_s="1",
            worker_price_refresh_s="1",
        ) as stack,
    ):  # fmt: skip
        seeded = open_context(settings_for(url))
        try:  # the bundled BTC bars and funding: what the integrity scan finds to scan
            load_sample(seeded, sample_subset(tmp_path / "sample", FILES))
        finally:
            seeded.close()
        stack.start_worker("jobs@test")
        stack.start_scheduler()
        stack.wait_for_workers({"jobs@test"})
        context = open_context(settings_for(url))
        try:
            deadline = time.monotonic() + 60
            while True:
                runs = [run for run in context.runs.recent() if run.source == "binanceusdm"]
                done = [run for run in runs if run.status != "running"]
                price = context.market.latest_price("binance", BTC, int(time.time() * 1000))
                if len(done) >= 2 and price is not None:
                    break
                assert time.monotonic() < deadline, f"no scheduled ingestion: {stack.logs()}"
                time.sleep(0.2)
            assert all(run.status == "succeeded" and run.symbols == [BTC] for run in done), done
            assert fake.requests["/fapi/v1/klines"] >= 2 and fake.unknown_paths == []
            assert price.last is not None and price.last > 0

            client = stack.client()
            try:
                scan = client.send("arena.integrity_scan")
                # BTC's 1h bars and funding, and the open interest and long/short ratio
                # history that the scheduled ingestion of a USD-M perpetual also stores.
                assert scan.get(timeout=60) == {"series": 4, "issues": 0}
                assert scan.state == "SUCCESS"
            finally:
                client.close()
        finally:
            context.close()
