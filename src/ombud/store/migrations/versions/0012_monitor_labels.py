"""Late labels: the per-monitor record index that joins labels arriving after the predictions.

Revision ID: 0012_monitor_labels
Revises: 0011_monitoring
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_monitor_labels"
down_revision = "0011_monitoring"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitor_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("monitor_id", sa.Integer(), sa.ForeignKey("monitors.id"), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("period_start", _TZ, nullable=False),
        sa.Column("cell", sa.JSON(), nullable=False),
        sa.Column("prediction", sa.Integer(), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("label", sa.Integer(), nullable=True),
        sa.Column("label_value", sa.JSON(), nullable=True),
        sa.Column("label_source", sa.String(length=64), nullable=True),
        sa.Column("labelled_at", _TZ, nullable=True),
        sa.UniqueConstraint("monitor_id", "record_id", name="uq_monitor_record_id"),
    )
    op.create_index("ix_monitor_records_window", "monitor_records", ["monitor_id", "period_start"])


def downgrade() -> None:
    op.drop_index("ix_monitor_records_window", table_name="monitor_records")
    op.drop_table("monitor_records")
