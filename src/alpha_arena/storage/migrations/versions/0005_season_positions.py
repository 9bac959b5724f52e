"""season positions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "season_positions",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("tick", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("entry_price", sa.Double(), nullable=False),
        sa.Column("margin", sa.Double(), nullable=False),
        sa.Column("leverage", sa.Double(), nullable=False),
        sa.Column("maintenance_margin_rate", sa.Double(), nullable=False),
        sa.Column("ts_opened", sa.BigInteger(), nullable=False),
        sa.Column("take_profit", sa.Double(), nullable=True),
        sa.Column("stop_loss", sa.Double(), nullable=True),
        sa.Column("invalidation", mysql.long_text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["season_entries.id"],
            name=op.f("fk_season_positions_entry_id_season_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "symbol", name=op.f("pk_season_positions")),
        **mysql.TABLE,
    )


def downgrade() -> None:
    op.drop_table("season_positions")
