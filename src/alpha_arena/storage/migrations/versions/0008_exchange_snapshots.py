"""live seasons: exchange balance and position snapshots, reconciliation events

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _entry_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["entry_id"], ["season_entries.id"],
        name=op.f(f"fk_{table}_entry_id_season_entries"), ondelete="CASCADE",
    )  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "balance_snapshots",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.Double(), nullable=False),
        sa.Column("free", sa.Double(), nullable=False),
        sa.Column("ledger_equity", sa.Double(), nullable=False),
        _entry_fk("balance_snapshots"),
        sa.PrimaryKeyConstraint("entry_id", "ts", name=op.f("pk_balance_snapshots")),
        **mysql.TABLE,
    )
    op.create_table(
        "position_snapshots",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Double(), nullable=False),
        sa.Column("entry_price", sa.Double(), nullable=False),
        sa.Column("leverage", sa.Double(), nullable=False),
        _entry_fk("position_snapshots"),
        sa.PrimaryKeyConstraint("entry_id", "ts", "symbol", name=op.f("pk_position_snapshots")),
        **mysql.TABLE,
    )
    op.create_table(
        "reconciliation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("detail", mysql.long_text(), nullable=False),
        _entry_fk("reconciliation_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_events")),
        **mysql.TABLE,
    )
    op.create_index(
        op.f("ix_reconciliation_events_entry_id"), "reconciliation_events", ["entry_id"]
    )


def downgrade() -> None:
    if not mysql.on_mysql():
        # MySQL refuses to drop an index its foreign key uses; dropping the table drops it.
        op.drop_index(op.f("ix_reconciliation_events_entry_id"), table_name="reconciliation_events")
    op.drop_table("reconciliation_events")
    op.drop_table("position_snapshots")
    op.drop_table("balance_snapshots")
