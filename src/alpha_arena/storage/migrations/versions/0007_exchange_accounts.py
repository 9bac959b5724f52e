"""exchange accounts with encrypted keys

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The keys are a Fernet token (ARENA_SECRET_KEY); only the key's fingerprint is readable.
    op.create_table(
        "exchange_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("exchange", sa.String(length=32), nullable=False),
        sa.Column("sandbox", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("ciphertext", mysql.long_text(), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=16), nullable=False),
        sa.Column("ts_created", sa.BigInteger(), nullable=False),
        sa.Column("ts_updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_exchange_accounts_name")),
        **mysql.TABLE,
    )


def downgrade() -> None:
    op.drop_table("exchange_accounts")
