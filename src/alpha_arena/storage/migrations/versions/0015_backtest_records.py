"""backtest records: a backtest's decisions, position path and risk events; risk event levels

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 09:10:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _run_columns(table: str) -> list[Any]:
    """The key every backtest child table starts with: its run and a sequence number."""
    return [
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["backtest_runs.id"],
            name=op.f(f"fk_{table}_run_id_backtest_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "seq", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "backtest_decisions",
        *_run_columns("backtest_decisions"),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("signal", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Double(), nullable=True),
        sa.Column("quantity", sa.Double(), nullable=True),
        sa.Column("notional", sa.Double(), nullable=True),
        sa.Column("leverage", sa.Double(), nullable=False),
        sa.Column("stop_loss", sa.Double(), nullable=True),
        sa.Column("take_profit", sa.Double(), nullable=True),
        sa.Column("stop_loss_fraction", sa.Double(), nullable=True),
        sa.Column("take_profit_fraction", sa.Double(), nullable=True),
        sa.Column("reason", mysql.long_text(), nullable=False),
        **mysql.TABLE,
    )
    op.create_table(
        "backtest_positions",
        *_run_columns("backtest_positions"),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("entry_price", sa.Double(), nullable=True),
        sa.Column("margin", sa.Double(), nullable=False),
        sa.Column("leverage", sa.Double(), nullable=True),
        sa.Column("stop_loss", sa.Double(), nullable=True),
        sa.Column("take_profit", sa.Double(), nullable=True),
        sa.Column("ts_opened", sa.BigInteger(), nullable=True),
        sa.Column("tag", sa.String(length=32), nullable=False),
        **mysql.TABLE,
    )
    op.create_table(
        "backtest_risk_events",
        *_run_columns("backtest_risk_events"),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("signal", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("reason", mysql.long_text(), nullable=False),
        sa.Column("adjustments", mysql.long_text(), nullable=False),
        **mysql.TABLE,
    )
    with op.batch_alter_table("season_risk_events") as batch:
        batch.add_column(
            sa.Column("level", sa.String(length=8), nullable=False, server_default="deny")
        )
    # Only denials and adjusted approvals were ever recorded: an approved one was adjusted.
    op.execute(
        "UPDATE season_risk_events SET level = CASE WHEN approved THEN 'warn' ELSE 'deny' END"
    )


def downgrade() -> None:
    with op.batch_alter_table("season_risk_events") as batch:
        batch.drop_column("level")
    op.drop_table("backtest_risk_events")
    op.drop_table("backtest_positions")
    op.drop_table("backtest_decisions")
