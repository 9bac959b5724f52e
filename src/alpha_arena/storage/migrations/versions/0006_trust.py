"""season leases, decision outcomes, risk rules, model reasoning, unknown costs, backtest denials

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One runner per season: who holds the lease, since when, until when (renewed while it runs).
    with op.batch_alter_table("seasons") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("lease_host", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("lease_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("lease_since", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("lease_expires", sa.BigInteger(), nullable=True))
    # valid, repaired (a second answer parsed), invalid (held: nothing valid came back),
    # deadline (held: cut off at the decision deadline).
    with op.batch_alter_table("season_decisions") as batch:
        batch.add_column(
            sa.Column("outcome", sa.String(length=16), nullable=False, server_default="valid")
        )
    op.execute(
        "UPDATE season_decisions SET outcome = 'invalid' "
        "WHERE reasoning LIKE 'invalid model output, holding:%'"
    )
    op.execute(
        "UPDATE season_decisions SET outcome = 'deadline' WHERE reasoning LIKE 'missed the %'"
    )
    with op.batch_alter_table("season_risk_events") as batch:
        batch.add_column(sa.Column("rule", sa.String(length=32), nullable=False, server_default=""))
    with op.batch_alter_table("llm_calls") as batch:
        batch.add_column(sa.Column("reasoning", mysql.long_text(), nullable=True))
        # NULL: the model's price is unknown (never another model's price).
        batch.alter_column(
            "cost_usd", existing_type=sa.Numeric(precision=38, scale=12, asdecimal=False),
            nullable=True,
        )  # fmt: skip
    with op.batch_alter_table("backtest_runs") as batch:
        batch.add_column(
            sa.Column(
                "denials", mysql.long_text(), nullable=False,
                server_default=mysql.text_default("{}"),
            )
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("backtest_runs") as batch:
        batch.drop_column("denials")
    op.execute("UPDATE llm_calls SET cost_usd = 0 WHERE cost_usd IS NULL")
    with op.batch_alter_table("llm_calls") as batch:
        batch.alter_column(
            "cost_usd", existing_type=sa.Numeric(precision=38, scale=12, asdecimal=False),
            nullable=False,
        )  # fmt: skip
        batch.drop_column("reasoning")
    with op.batch_alter_table("season_risk_events") as batch:
        batch.drop_column("rule")
    with op.batch_alter_table("season_decisions") as batch:
        batch.drop_column("outcome")
    with op.batch_alter_table("seasons") as batch:
        for column in ("lease_expires", "lease_since", "lease_pid", "lease_host", "lease_owner"):
            batch.drop_column(column)
