"""The composition root: turn settings into connected, migrated stores, and say where the work
runs: in this process, or (``workers``, attached by the API and the CLI when a broker is
configured: ``worker.client.attach_workers``) in worker processes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from alpha_arena.core.clock import Clock, WallClock
from alpha_arena.core.settings import Settings
from alpha_arena.storage.database import check_connection, engine_for
from alpha_arena.storage.ingestion_runs import IngestionRunStore
from alpha_arena.storage.integrity_store import IntegrityStore
from alpha_arena.storage.schema import ensure_schema

if TYPE_CHECKING:
    from alpha_arena.services.workers import Workers
    from alpha_arena.storage.derivatives_store import DerivativesStore
    from alpha_arena.storage.market_store import MarketStore


@dataclass
class AppContext:
    """Everything a use case needs, built once per process (or per test)."""

    settings: Settings
    engine: Engine
    runs: IngestionRunStore
    integrity: IntegrityStore
    clock: Clock = field(default_factory=WallClock)
    workers: Workers | None = None  # None: seasons and backtests run in this process
    _market: MarketStore | None = field(default=None, init=False, repr=False)
    _market_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def market(self) -> MarketStore:
        """The market data store, built on first use: its module pulls numpy and pandas,
        which commands that never read market data (``arena season list``) need not load."""
        with self._market_lock:
            if self._market is None:
                from alpha_arena.storage.market_store import MarketStore

                self._market = MarketStore(self.engine)
            return self._market

    @property
    def derivatives(self) -> DerivativesStore:
        """Open interest history, long/short ratios and next funding times (cheap to build)."""
        from alpha_arena.storage.derivatives_store import DerivativesStore

        return DerivativesStore(self.market)

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()
        if self._market is not None:
            self._market.close()
        self.engine.dispose()


def open_context(settings: Settings | None = None, clock: Clock | None = None) -> AppContext:
    """Connect to the configured database, migrating it to the newest schema on first use."""
    settings = settings or Settings()
    engine = engine_for(settings)
    check_connection(engine)
    ensure_schema(engine)
    return AppContext(
        settings=settings,
        engine=engine,
        runs=IngestionRunStore(engine),
        integrity=IntegrityStore(engine),
        clock=clock or WallClock(),
    )
