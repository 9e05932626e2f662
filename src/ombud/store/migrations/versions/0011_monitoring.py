"""Post-deployment monitoring: monitors (spec and reference) and their stored windows.

Revision ID: 0011_monitoring
Revises: 0010_authz
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_monitoring"
down_revision = "0010_authz"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _user(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), sa.ForeignKey("users.username"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "monitors",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "system_id", sa.String(length=64), sa.ForeignKey("ai_systems.id"), nullable=False
        ),
        sa.Column("version_label", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("spec_digest", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("reference_digest", sa.String(length=64), nullable=False),
        sa.Column("reference_name", sa.String(length=300), nullable=False),
        sa.Column("reference_sha256", sa.String(length=64), nullable=False),
        sa.Column("reference_rows", sa.Integer(), nullable=False),
        _user("created_by"),
        sa.Column("created_at", _TZ, nullable=False),
        sa.UniqueConstraint("system_id", "name", name="uq_monitor_system_name"),
    )
    op.create_index("ix_monitors_system_id", "monitors", ["system_id"])
    op.create_table(
        "monitor_windows",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("monitor_id", sa.Integer(), sa.ForeignKey("monitors.id"), nullable=False),
        sa.Column("period_start", _TZ, nullable=False),
        sa.Column("period_end", _TZ, nullable=False),
        sa.Column("window", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("rows_digest", sa.String(length=100), nullable=False),
        sa.Column("batch_digests", sa.JSON(), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("n_labelled", sa.Integer(), nullable=False),
        sa.Column("amended_from", sa.String(length=64), nullable=True),
        _user("created_by"),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("amended_at", _TZ, nullable=True),
        sa.UniqueConstraint("monitor_id", "period_start", name="uq_monitor_window_period"),
    )
    op.create_index("ix_monitor_windows_monitor_id", "monitor_windows", ["monitor_id"])


def downgrade() -> None:
    op.drop_index("ix_monitor_windows_monitor_id", table_name="monitor_windows")
    op.drop_table("monitor_windows")
    op.drop_index("ix_monitors_system_id", table_name="monitors")
    op.drop_table("monitors")
