"""Pending classifications: a downgrade an owner asked for, waiting for a rai_lead.

Revision ID: 0010_authz
Revises: 0009_websec
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_authz"
down_revision = "0009_websec"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "classification_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "system_id", sa.String(length=64), sa.ForeignKey("ai_systems.id"), nullable=False
        ),
        sa.Column("catalog_version", sa.String(length=60), nullable=False),
        sa.Column("eu_category", sa.String(length=40), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("tier_label", sa.String(length=60), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("tier_reasons", sa.JSON(), nullable=False),
        sa.Column("previous_eu_category", sa.String(length=40), nullable=False),
        sa.Column("previous_tier", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "requested_by", sa.String(length=64), sa.ForeignKey("users.username"), nullable=False
        ),
        sa.Column("requested_at", _TZ, nullable=False),
        sa.Column(
            "decided_by", sa.String(length=64), sa.ForeignKey("users.username"), nullable=True
        ),
        sa.Column("decided_at", _TZ, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "classification_id",
            sa.Integer(),
            sa.ForeignKey("classifications.id"),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_classification_requests_system_id", "classification_requests", ["system_id"]
    )
    op.create_index("ix_classification_requests_status", "classification_requests", ["status"])


def downgrade() -> None:
    op.drop_index("ix_classification_requests_status", table_name="classification_requests")
    op.drop_index("ix_classification_requests_system_id", table_name="classification_requests")
    op.drop_table("classification_requests")
