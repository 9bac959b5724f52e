"""derivatives data: open interest history, long/short account ratios, next funding time

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open_interest_history",
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Double(), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint(
            "instrument_id", "period", "ts", name=op.f("pk_open_interest_history")
        ),
        sqlite_with_rowid=False,
        **mysql.TABLE,
    )
    op.create_table(
        "long_short_ratios",
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("ratio", sa.Double(), nullable=False),
        sa.Column("long_share", sa.Double(), nullable=True),
        sa.Column("short_share", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("instrument_id", "period", "ts", name=op.f("pk_long_short_ratios")),
        sqlite_with_rowid=False,
        **mysql.TABLE,
    )
    # A plain ADD COLUMN on every database (SQLite too): the table keeps its WITHOUT ROWID.
    op.add_column("funding_rates", sa.Column("ts_next", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # SQLite has dropped columns in place since 3.35; a batch copy would lose WITHOUT ROWID.
    op.drop_column("funding_rates", "ts_next")
    op.drop_table("long_short_ratios")
    op.drop_table("open_interest_history")
