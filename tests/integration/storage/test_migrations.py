from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from alpha_arena.storage.database import create_database_engine, table_names
from alpha_arena.storage.schema import (
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    upgrade,
)
from alpha_arena.storage.tables import Base

TABLES = {
    "instruments",
    "candles",
    "funding_rates",
    "price_snapshots",
    "open_interest",
    "open_interest_history",
    "long_short_ratios",
    "ingestion_runs",
    "integrity_events",
    "repair_jobs",
    "backtest_runs",
    "backtest_equity",
    "backtest_trades",
    "backtest_orders",
    "backtest_decisions",
    "backtest_positions",
    "backtest_risk_events",
    "agents",
    "prompt_versions",
    "llm_calls",
    "llm_cache",
    "model_versions",
    "seasons",
    "season_entries",
    "season_equity",
    "season_decisions",
    "season_orders",
    "season_order_events",
    "season_fills",
    "season_funding",
    "season_risk_events",
    "season_llm_calls",
    "season_positions",
    "exchange_accounts",
    "balance_snapshots",
    "position_snapshots",
    "reconciliation_events",
    "sweeps",
    "sweep_points",
    "season_series",
    "season_series_windows",
    "agent_secrets",
    "api_audit_log",
}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_the_table_definitions_name_every_expected_table() -> None:
    assert set(Base.metadata.tables) == TABLES


def test_upgraded_schema_matches_the_table_definitions_exactly(engine: Engine) -> None:
    upgrade(engine)
    assert table_names(engine) == TABLES | {"alembic_version"}
    assert schema_differences(engine) == []


def test_an_empty_database_differs_from_the_table_definitions(engine: Engine) -> None:
    # The comparison above is only worth something if it notices a missing schema.
    differences = schema_differences(engine)
    assert {diff[1].name for diff in differences if diff[0] == "add_table"} == TABLES  # type: ignore[index]


def test_downgrade_to_base_removes_the_tables_and_upgrade_recreates_them(engine: Engine) -> None:
    upgrade(engine)
    downgrade(engine, "base")
    assert table_names(engine) & TABLES == set()
    assert current_revision(engine) is None
    upgrade(engine)
    assert table_names(engine) >= TABLES
    assert current_revision(engine) == head_revision(engine)
    assert schema_differences(engine) == []


def test_ensure_schema_migrates_a_new_database_once_and_is_a_no_op_after(engine: Engine) -> None:
    assert current_revision(engine) is None
    assert ensure_schema(engine) is True
    assert current_revision(engine) == head_revision(engine) is not None
    assert ensure_schema(engine) is False
    assert current_revision(engine) == head_revision(engine)
    assert table_names(engine) == TABLES | {"alembic_version"}
