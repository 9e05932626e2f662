"""Gate evaluations (policy-as-code launch gates).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gate_evaluations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("policy_name", sa.String(length=100), nullable=False),
        sa.Column("policy_version", sa.String(length=60), nullable=False),
        sa.Column("policy_sha256", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("evaluated_by", sa.String(length=64), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["evaluated_by"], ["users.username"]),
        sa.ForeignKeyConstraint(["system_id"], ["ai_systems.id"]),
        sa.ForeignKeyConstraint(["version_id"], ["system_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gate_evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gate_evaluations_system_id"), ["system_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_gate_evaluations_version_id"), ["version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("gate_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gate_evaluations_version_id"))
        batch_op.drop_index(batch_op.f("ix_gate_evaluations_system_id"))
    op.drop_table("gate_evaluations")
