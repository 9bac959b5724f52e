"""agent secrets: a remote agent's HMAC signing secret, encrypted with the master key

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_secrets",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("secret", mysql.long_text(), nullable=False),  # a Fernet token
        sa.Column("ts_created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_secrets_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_agent_secrets")),
        **mysql.TABLE,
    )


def downgrade() -> None:
    op.drop_table("agent_secrets")
