"""sweep overfitting: the probability of backtest overfitting of a stored sweep

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # JSON: the CSCV result for the whole sweep (None for sweeps stored before it existed).
    op.add_column("sweeps", sa.Column("overfitting", mysql.long_text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sweeps") as batch:
        batch.drop_column("overfitting")
