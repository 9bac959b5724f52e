"""margin modes: a season position has a side, so a coin can hold a long and a short at once
(hedge mode, ``position_mode = long_short``). Cross margin needs no schema: it is a season
option, kept in the season's stored configuration.

``season_positions`` gains ``side`` (``long`` or ``short``, from the sign of the quantity) in
its primary key: (entry_id, symbol, side). Downgrading keeps one row per coin (the long where a
hedged coin holds both): the table is a snapshot the runner rewrites at its next change.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_PK = "pk_season_positions"


def upgrade() -> None:
    with op.batch_alter_table("season_positions") as batch:
        batch.add_column(
            sa.Column("side", sa.String(length=8), nullable=False, server_default="long")
        )
    op.execute("UPDATE season_positions SET side = 'short' WHERE quantity < 0")
    _primary_key(["entry_id", "symbol", "side"])


def downgrade() -> None:
    op.execute(
        "DELETE FROM season_positions WHERE side = 'short' AND EXISTS (SELECT 1 FROM "
        "(SELECT entry_id, symbol FROM season_positions WHERE side = 'long') AS longs "
        "WHERE longs.entry_id = season_positions.entry_id "
        "AND longs.symbol = season_positions.symbol)"
    )
    _primary_key(["entry_id", "symbol"])
    with op.batch_alter_table("season_positions") as batch:
        batch.drop_column("side")


def _primary_key(columns: list[str]) -> None:
    """Make ``columns`` the primary key. MySQL swaps it in one statement: the key is also the
    index its foreign key on entry_id needs, so it cannot be dropped first on its own."""
    if mysql.on_mysql():
        op.execute(
            f"ALTER TABLE season_positions DROP PRIMARY KEY, ADD PRIMARY KEY ({', '.join(columns)})"
        )
        return
    with op.batch_alter_table("season_positions", recreate="auto") as batch:
        batch.drop_constraint(_PK, type_="primary")
        batch.create_primary_key(_PK, columns)
