"""Reviews, assignments, votes, risk acceptances.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _user(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), sa.ForeignKey("users.username"), nullable=nullable)


def _index(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system_id", sa.String(64), sa.ForeignKey("ai_systems.id"), nullable=False),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("system_versions.id"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _user("opened_by"),
        sa.Column("opened_at", _TZ, nullable=False),
        sa.Column(
            "gate_evaluation_id", sa.Integer(), sa.ForeignKey("gate_evaluations.id"), nullable=True
        ),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("required_capacities", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("vote_count", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=True),
        _user("decided_by", nullable=True),
        sa.Column("decided_at", _TZ, nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("system_id", "version_id", "status"):
        _index("reviews", column)
    op.create_table(
        "review_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False),
        _user("reviewer"),
        sa.Column("capacity", sa.String(length=40), nullable=False),
        sa.Column("conflict_of_interest", sa.Text(), nullable=True),
        _user("assigned_by"),
        sa.Column("assigned_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "reviewer", name="uq_review_assignment"),
    )
    _index("review_assignments", "review_id")
    op.create_table(
        "review_votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False),
        _user("reviewer"),
        sa.Column("capacity", sa.String(length=40), nullable=False),
        sa.Column("vote", sa.String(length=30), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("cast_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "reviewer", name="uq_review_vote"),
    )
    _index("review_votes", "review_id")
    op.create_table(
        "risk_acceptances",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system_id", sa.String(64), sa.ForeignKey("ai_systems.id"), nullable=False),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("system_versions.id"), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        _user("signed_by"),
        sa.Column("signed_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("system_id", "version_id"):
        _index("risk_acceptances", column)


def downgrade() -> None:
    for table in ("risk_acceptances", "review_votes", "review_assignments", "reviews"):
        op.drop_table(table)
