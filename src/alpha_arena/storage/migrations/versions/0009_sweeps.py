"""parameter sweeps: the sweep, how it ran, and its ranked points

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("symbols", mysql.long_text(), nullable=False),
        sa.Column("timeframe", sa.String(length=8), nullable=False),
        sa.Column("exchange", sa.String(length=32), nullable=False),
        sa.Column("ts_start", sa.BigInteger(), nullable=False),
        sa.Column("ts_end", sa.BigInteger(), nullable=False),
        sa.Column("config", mysql.long_text(), nullable=False),
        sa.Column("grid", mysql.long_text(), nullable=False),
        sa.Column("rank_by", sa.String(length=32), nullable=False),
        sa.Column("combinations", sa.Integer(), nullable=False),
        sa.Column("skipped", mysql.long_text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.Column("best_backtest_id", sa.Integer(), nullable=True),
        sa.Column("ts_created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["best_backtest_id"],
            ["backtest_runs.id"],
            name=op.f("fk_sweeps_best_backtest_id_backtest_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweeps")),
        **mysql.TABLE,
    )
    op.create_table(
        "sweep_points",
        sa.Column("sweep_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("params", mysql.long_text(), nullable=False),
        sa.Column("metrics", mysql.long_text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sweep_id"],
            ["sweeps.id"],
            name=op.f("fk_sweep_points_sweep_id_sweeps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sweep_id", "rank", name=op.f("pk_sweep_points")),
        **mysql.TABLE,
    )


def downgrade() -> None:
    op.drop_table("sweep_points")
    op.drop_table("sweeps")
