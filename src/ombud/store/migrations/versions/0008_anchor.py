"""Audit events carry the digests of the rows they changed (``ombud audit-log verify --state``).

A nullable JSON column: events written before it stay as they were and hash as they did;
new events record ``{"table:pk": sha256-of-the-stored-row | null}`` for every tracked row
their transaction changed (see ``store/audit_state.py``). Adding a column is not an
UPDATE, so the append-only triggers are untouched.

Revision ID: 0008_anchor
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_anchor"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("state", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("state")
