"""Migration 0017 on every database: the season positions stored before it get their side from
the sign of their quantity and keep it in the primary key, so a hedged entry can store a long
and a short of one coin; a downgrade keeps one row per coin (the long where both are held)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from alpha_arena.storage.database import create_database_engine
from alpha_arena.storage.schema import downgrade, upgrade

BEFORE = "0016"
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
INSERT = (
    "INSERT INTO season_positions (entry_id, symbol, {side}tick, quantity, entry_price, margin, "
    "leverage, maintenance_margin_rate, ts_opened, take_profit, stop_loss, invalidation) "
    "VALUES (:entry, :symbol, {value}1, :quantity, 100.0, 10.0, 1.0, 0.004, 0, NULL, NULL, '')"
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def an_entry(engine: Engine) -> int:
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
        return int(connection.execute(text("SELECT MAX(id) FROM season_entries")).scalar_one())


def add(engine: Engine, entry: int, symbol: str, quantity: float, side: str | None = None) -> None:
    sql = INSERT.format(side="" if side is None else "side, ",
                        value="" if side is None else ":side, ")  # fmt: skip
    with engine.begin() as connection:
        connection.execute(
            text(sql), {"entry": entry, "symbol": symbol, "quantity": quantity, "side": side}
        )


def rows(engine: Engine) -> list[tuple[str, str, float]]:
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT symbol, side, quantity FROM season_positions ORDER BY symbol, side")
        )
        return [(str(symbol), str(side), float(quantity)) for symbol, side, quantity in found]


def test_stored_positions_get_their_side_and_a_coin_can_then_hold_both(engine: Engine) -> None:
    upgrade(engine, BEFORE)
    entry = an_entry(engine)
    add(engine, entry, BTC, 0.5)
    add(engine, entry, ETH, -2.0)
    upgrade(engine, "0017")
    assert rows(engine) == [(BTC, "long", 0.5), (ETH, "short", -2.0)]
    add(engine, entry, BTC, -0.25, "short")  # hedge mode: the short beside the long
    assert rows(engine) == [(BTC, "long", 0.5), (BTC, "short", -0.25), (ETH, "short", -2.0)]
    with pytest.raises(IntegrityError):  # still one row per side
        add(engine, entry, BTC, 0.1, "long")


def test_downgrading_keeps_one_row_per_coin_and_upgrading_again_works(engine: Engine) -> None:
    upgrade(engine, BEFORE)
    entry = an_entry(engine)
    upgrade(engine, "0017")
    add(engine, entry, BTC, 0.5, "long")
    add(engine, entry, BTC, -0.25, "short")
    add(engine, entry, ETH, -2.0, "short")
    downgrade(engine, BEFORE)
    with engine.connect() as connection:
        result = connection.execute(
            text("SELECT symbol, quantity FROM season_positions ORDER BY symbol")
        )
        columns, kept = list(result.keys()), [(str(s), float(q)) for s, q in result]
    assert "side" not in columns
    assert kept == [(BTC, 0.5), (ETH, -2.0)]
    upgrade(engine, "0017")
    assert rows(engine) == [(BTC, "long", 0.5), (ETH, "short", -2.0)]
