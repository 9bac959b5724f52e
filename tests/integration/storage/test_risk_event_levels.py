"""Risk event levels on every database: migration 0015 gives the season risk events stored
before it their level from ``approved`` (only denials and adjusted approvals were recorded),
and a downgrade keeps the events; the level a risk event carries follows its verdict."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, column, insert, table, text

from alpha_arena.domain.decisions import Signal, SymbolDecision
from alpha_arena.engine.ledger import RiskEvent
from alpha_arena.risk.checks import RiskLevel
from alpha_arena.storage.database import create_database_engine
from alpha_arena.storage.schema import downgrade, upgrade

BEFORE = "0014"
ACTION = SymbolDecision("BTC/USDT:USDT", Signal.BUY_TO_ENTER, notional=100.0)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def old_risk_events(engine: Engine) -> None:
    """A denial and an adjusted approval, as a database at ``BEFORE`` held them."""
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO seasons (name, mode, status, timeframe, ts_start, ts_end, config, "
                 "ticks_done, message, ts_created, ts_updated) "
                 "VALUES ('s', 'replay', 'finished', '1h', 0, 1, '{}', 2, '', 0, 0)")
        )  # fmt: skip
        season = connection.execute(text("SELECT MAX(id) FROM seasons")).scalar_one()
        connection.execute(
            text("INSERT INTO season_entries (season_id, name, kind, config, fingerprint, "
                 "baseline, status, equity, cash) "
                 "VALUES (:season, 'e', 'strategy', '{}', 'f', :no, 'active', 1.0, 1.0)"),
            {"season": season, "no": False},
        )  # fmt: skip
        entry = connection.execute(text("SELECT MAX(id) FROM season_entries")).scalar_one()
        # Through a quoting statement: SIGNAL is a reserved word on MySQL.
        events = table("season_risk_events", *map(column, (
            "entry_id", "seq", "tick", "ts", "symbol", "signal", "approved", "reason",
            "adjustments", "rule",
        )))  # fmt: skip
        for seq, (approved, rule) in enumerate([(False, "margin"), (True, "")]):
            connection.execute(
                insert(events).values(
                    entry_id=entry, seq=seq, tick=seq, ts=0, symbol="BTC/USDT:USDT",
                    signal="buy_to_enter", approved=approved, reason="r", adjustments="[]",
                    rule=rule,
                )
            )  # fmt: skip


def levels(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT rule, level FROM season_risk_events ORDER BY seq"))
        return [(str(rule), str(level)) for rule, level in rows]


def test_the_migration_gives_stored_risk_events_their_level(engine: Engine) -> None:
    upgrade(engine, BEFORE)
    old_risk_events(engine)
    upgrade(engine, "0015")
    assert levels(engine) == [("margin", "deny"), ("", "warn")]


def test_downgrading_keeps_the_risk_events_without_their_level(engine: Engine) -> None:
    upgrade(engine, BEFORE)
    old_risk_events(engine)
    upgrade(engine, "0015")
    downgrade(engine, BEFORE)
    with engine.connect() as connection:
        result = connection.execute(text("SELECT * FROM season_risk_events ORDER BY seq"))
        columns, rows = list(result.keys()), result.all()
    assert "level" not in columns and len(rows) == 2
    upgrade(engine, "0015")  # and up again
    assert levels(engine) == [("margin", "deny"), ("", "warn")]


@pytest.mark.parametrize(
    ("approved", "adjustments", "level"),
    [
        (False, (), RiskLevel.DENY),
        (False, ("leverage 20 clamped to 10",), RiskLevel.DENY),  # clamped, then refused
        (True, ("leverage 20 clamped to 10",), RiskLevel.WARN),
        (True, (), RiskLevel.INFO),
    ],
)
def test_a_risk_events_level_follows_its_verdict(
    approved: bool, adjustments: tuple[str, ...], level: RiskLevel
) -> None:
    event = RiskEvent(0, ACTION.symbol, ACTION, approved, "", adjustments)
    assert event.level is level
