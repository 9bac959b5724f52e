"""audit log: every write through the HTTP API (who by token fingerprint, what, when, result)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=160), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_audit_log")),
        **mysql.TABLE,
    )
    op.create_index(op.f("ix_api_audit_log_ts"), "api_audit_log", ["ts"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_api_audit_log_ts"), table_name="api_audit_log")
    op.drop_table("api_audit_log")
