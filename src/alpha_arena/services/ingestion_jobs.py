"""Ingestions run in the background of a server (``POST /data/ingest``): the same download as
``arena data ingest`` (``ingestion.ingest``), checked before it is accepted, then run on a
thread of this process, one at a time, in the order accepted.

A job is its ingestion run: recorded ``queued`` when accepted, ``running`` when its turn comes,
``succeeded`` or ``failed`` (with a one-line error) when done, its row counts saved as it goes;
so whoever reads the runs (any server process, the CLI) sees its status. A job still queued when
the server stops is marked failed; a run left ``running`` by a server that died stays so."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Engine

from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.time import timeframe_ms, to_iso
from alpha_arena.marketdata.ingestion import checked_request
from alpha_arena.services import ingestion
from alpha_arena.services.context import AppContext
from alpha_arena.services.ingestion import DEFAULT_LOOKBACK_MS, MarketClient, open_market_source
from alpha_arena.storage.ingestion_runs import IngestionRun, IngestionRunStore, RowCounts

logger = logging.getLogger(__name__)

#: The most bars (symbols x timeframes x bars from ``since`` to now) one job may ask for: a
#: year of 1m bars of one symbol is 525,600. Bigger downloads belong to `arena data ingest`.
MAX_JOB_BARS = 1_000_000
#: Jobs waiting for their turn at most; more are refused (429-like: try later).
MAX_QUEUED = 20


class IngestionJobs:
    """The background ingestions of one server process; ``close`` it when the server stops."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arena-ingest")
        self._waiting: dict[int, tuple[Future[None], MarketClient]] = {}
        self._lock = threading.Lock()

    def submit(
        self,
        exchange: str,
        symbols: Sequence[str],
        timeframes: Sequence[str],
        since: int | None = None,
        backfill: bool = False,
    ) -> IngestionRun:
        """Check the request (the exchange, that it lists every symbol, the timeframes and the
        range; InvalidInputError when anything is wrong, before anything is recorded), record
        its run as queued and start it when the jobs before it are done."""
        context = self._context
        now = context.clock.now_ms()
        ts_since = since if since is not None else now - DEFAULT_LOOKBACK_MS
        wanted, frames = checked_request(symbols, timeframes, ts_since, now)
        _check_size(wanted, frames, ts_since, now)
        with self._lock:
            if len(self._waiting) >= MAX_QUEUED:
                raise InvalidInputError(
                    f"{MAX_QUEUED} ingestions are waiting already; try again when they are done"
                )
        source = open_market_source(context.settings, exchange)
        try:
            source.load_instruments(wanted)  # the exchange lists them all (markets are kept)
        except NotFoundError as error:
            source.close()
            raise InvalidInputError(str(error)) from None
        except BaseException:
            source.close()
            raise
        run_id = context.runs.queue(source.name, wanted, frames, now, ts_since, backfill)
        with self._lock:
            # Under the lock: the job's first step (leaving the waiting list) waits for it.
            future = self._pool.submit(self._run, run_id, source, wanted, frames, ts_since,
                                       backfill)  # fmt: skip
            self._waiting[run_id] = (future, source)
        return _stored(context.runs, run_id)

    def _run(
        self,
        run_id: int,
        source: MarketClient,
        symbols: list[str],
        timeframes: list[str],
        ts_since: int,
        backfill: bool,
    ) -> None:
        with self._lock:
            self._waiting.pop(run_id, None)
        context = dataclasses.replace(self._context, runs=_ClaimedRun(self._context.engine, run_id))
        try:
            with source:
                ingestion.ingest(context, source.name, symbols, timeframes, ts_since, backfill,
                                 source=source)  # fmt: skip
        except Exception as error:  # recorded on the run (by the ingestor, or here if before)
            message = (str(error) or type(error).__name__).splitlines()[0]
            logger.warning("ingestion job %s failed: %s", run_id, message)
            run = context.runs.get(run_id)
            if run is not None and run.status in ("queued", "running"):
                context.runs.finish(run_id, RowCounts(), context.clock.now_ms(), error=message)

    def close(self) -> None:
        """Stop taking jobs; mark those still waiting failed (the running one finishes)."""
        with self._lock:
            waiting, self._waiting = self._waiting, {}
        for run_id, (future, source) in waiting.items():
            if future.cancel():
                source.close()
                self._context.runs.finish(
                    run_id, RowCounts(), self._context.clock.now_ms(),
                    error="the server stopped before this ingestion ran",
                )  # fmt: skip
        self._pool.shutdown(wait=False)


class _ClaimedRun(IngestionRunStore):
    """The runs as the ingestor sees them in a job: its ``start`` claims the run queued for
    the job instead of recording another."""

    def __init__(self, engine: Engine, run_id: int) -> None:
        super().__init__(engine)
        self._run_id = run_id

    def start(
        self,
        source: str,
        symbols: list[str],
        timeframes: list[str],
        ts_started: int,
        ts_since: int | None = None,
        backfill: bool = False,
    ) -> int:
        self.claim(self._run_id, ts_started)
        return self._run_id


def _check_size(symbols: list[str], timeframes: list[str], ts_since: int, now: int) -> None:
    bars = sum((now - ts_since) // timeframe_ms(timeframe) for timeframe in timeframes)
    total = bars * len(symbols)
    if total > MAX_JOB_BARS:
        raise InvalidInputError(
            f"from {to_iso(ts_since)} this is {total:,} bars ({len(symbols)} symbols x "
            f"{', '.join(timeframes)}); at most {MAX_JOB_BARS:,} a job: choose a later since, "
            "fewer symbols or longer timeframes, or run `arena data ingest`"
        )


def _stored(runs: IngestionRunStore, run_id: int) -> IngestionRun:
    run = runs.get(run_id)
    if run is None:  # recorded a moment ago: only a database wiped meanwhile loses it
        raise NotFoundError(f"ingestion job {run_id} is gone")
    return run


def ingestion_job(context: AppContext, job_id: int) -> IngestionRun:
    """The run of ``job_id`` (any ingestion run); NotFoundError naming the newest job."""
    run = context.runs.get(job_id)
    if run is None:
        newest = context.runs.recent(limit=1)
        known = f"the newest is {newest[0].id}" if newest else "there are none yet"
        raise NotFoundError(f"no ingestion job {job_id}; {known}")
    return run
