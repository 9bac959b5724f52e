"""margin modes (placeholder: filled in by the work on issue 16)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 09:10:00
"""

from __future__ import annotations

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
