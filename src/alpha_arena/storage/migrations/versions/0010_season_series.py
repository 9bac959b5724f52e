"""season series: one pinned lineup over K windows (walk-forward, random or repeated)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "season_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("config", mysql.long_text(), nullable=False),
        sa.Column("ts_created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_season_series")),
        **mysql.TABLE,
    )
    op.create_table(
        "season_series_windows",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["season_series.id"],
            name=op.f("fk_season_series_windows_series_id_season_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["season_id"],
            ["seasons.id"],
            name=op.f("fk_season_series_windows_season_id_seasons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "window", name=op.f("pk_season_series_windows")),
        sa.UniqueConstraint("season_id", name=op.f("uq_season_series_windows_season_id")),
        **mysql.TABLE,
    )


def downgrade() -> None:
    op.drop_table("season_series_windows")
    op.drop_table("season_series")
