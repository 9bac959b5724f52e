"""model versions: the registry of concrete model versions every answered LLM call links to

The calls made before it are linked to one version per (provider, model) they were answered
by, labelled with the model's name (their responses' own labels were not kept), first seen at
the earliest such call, at an unknown price.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alpha_arena.storage.migrations import mysql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_llm_calls_model_version_id_model_versions"
INDEX = "ix_llm_calls_model_version_id"


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=128), nullable=False),
        sa.Column("ts_first_seen", sa.BigInteger(), nullable=False),
        sa.Column("input_usd_per_mtok", sa.Double(), nullable=True),
        sa.Column("output_usd_per_mtok", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint(
            "provider", "model", "version", name=op.f("uq_model_versions_provider_model_version")
        ),
        **mysql.TABLE,
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a foreign key only inline; rebuilding llm_calls instead would cascade
        # the delete of its old copy into season_llm_calls.
        op.execute(
            "ALTER TABLE llm_calls ADD COLUMN model_version_id INTEGER "
            f"CONSTRAINT {FOREIGN_KEY} REFERENCES model_versions (id)"
        )
    else:
        op.add_column("llm_calls", sa.Column("model_version_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            FOREIGN_KEY, "llm_calls", "model_versions", ["model_version_id"], ["id"]
        )
    op.create_index(INDEX, "llm_calls", ["model_version_id"], unique=False)
    op.execute(
        "INSERT INTO model_versions (provider, model, version, ts_first_seen) "
        "SELECT provider, model, model, MIN(ts) FROM llm_calls "
        "WHERE raw_response IS NOT NULL GROUP BY provider, model"
    )
    op.execute(
        "UPDATE llm_calls SET model_version_id = (SELECT v.id FROM model_versions v "
        "WHERE v.provider = llm_calls.provider AND v.model = llm_calls.model "
        "AND v.version = llm_calls.model) WHERE raw_response IS NOT NULL"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _drop_link_on_sqlite()
    else:
        # MySQL refuses to drop an index its foreign key uses: the key goes first.
        op.drop_constraint(FOREIGN_KEY, "llm_calls", type_="foreignkey")
        op.drop_index(INDEX, table_name="llm_calls")
        op.drop_column("llm_calls", "model_version_id")
    op.drop_table("model_versions")


def _drop_link_on_sqlite() -> None:
    """SQLite drops a column with a foreign key only by rebuilding the table, and dropping the
    old copy (foreign keys on) deletes its season_llm_calls rows in cascade: they are kept
    aside and put back."""
    op.execute("CREATE TEMPORARY TABLE kept_season_llm_calls AS SELECT * FROM season_llm_calls")
    op.drop_index(INDEX, table_name="llm_calls")
    with op.batch_alter_table("llm_calls", recreate="always") as batch:
        batch.drop_column("model_version_id")
    op.execute(
        "INSERT INTO season_llm_calls (call_id, entry_id, tick) "
        "SELECT call_id, entry_id, tick FROM kept_season_llm_calls "
        "WHERE call_id NOT IN (SELECT call_id FROM season_llm_calls)"
    )
    op.execute("DROP TABLE kept_season_llm_calls")
