"""The composition root: turn settings into connected, migrated stores."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from alpha_arena.core.clock import Clock, WallClock
from alpha_arena.core.settings import Settings
from alpha_arena.storage.database import check_connection, create_database_engine
from alpha_arena.storage.ingestion_runs import IngestionRunStore
from alpha_arena.storage.integrity_store import IntegrityStore
from alpha_arena.storage.market_store import MarketStore
from alpha_arena.storage.schema import ensure_schema


@dataclass
class AppContext:
    """Everything a use case needs, built once per process (or per test)."""

    settings: Settings
    engine: Engine
    market: MarketStore
    runs: IngestionRunStore
    integrity: IntegrityStore
    clock: Clock = field(default_factory=WallClock)

    def close(self) -> None:
        self.market.close()
        self.engine.dispose()


def open_context(settings: Settings | None = None, clock: Clock | None = None) -> AppContext:
    """Connect to the configured database, migrating it to the newest schema on first use."""
    settings = settings or Settings()
    engine = create_database_engine(settings.database_url)
    check_connection(engine)
    ensure_schema(engine)
    return AppContext(
        settings=settings,
        engine=engine,
        market=MarketStore(engine),
        runs=IngestionRunStore(engine),
        integrity=IntegrityStore(engine),
        clock=clock or WallClock(),
    )
