"""Findings, incidents and their timelines.

Revision ID: 0004
Revises: 0003

Depends only on tables of 0001 (users, ai_systems), so it applies whatever 0002 and
0003 hold.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _user(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), sa.ForeignKey("users.username"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "system_id", sa.String(length=64), sa.ForeignKey("ai_systems.id"), nullable=False
        ),
        sa.Column("version_label", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("source_kind", sa.String(length=40), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        _user("owner"),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fix_evidence", sa.JSON(), nullable=False),
        sa.Column("resolution_note", sa.Text(), nullable=False),
        _user("resolved_by", nullable=True),
        sa.Column("resolved_at", _TZ, nullable=True),
        _user("verified_by", nullable=True),
        sa.Column("verified_at", _TZ, nullable=True),
        sa.Column("risk_justification", sa.Text(), nullable=False),
        _user("risk_accepted_by", nullable=True),
        sa.Column("risk_expires_on", sa.Date(), nullable=True),
        _user("created_by"),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_findings_system_id", "findings", ["system_id"])
    op.create_index("ix_findings_status", "findings", ["status"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("affected_people", sa.Text(), nullable=False),
        sa.Column("people_affected_count", sa.Integer(), nullable=True),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("involves_death", sa.Boolean(), nullable=False),
        sa.Column("widespread_infringement", sa.Boolean(), nullable=False),
        sa.Column("critical_infrastructure_disruption", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", _TZ, nullable=True),
        sa.Column("detected_at", _TZ, nullable=False),
        sa.Column("aware_at", _TZ, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("post_incident_review", sa.Text(), nullable=False),
        _user("closed_by", nullable=True),
        sa.Column("closed_at", _TZ, nullable=True),
        _user("reported_by"),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_table(
        "incident_systems",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column(
            "system_id", sa.String(length=64), sa.ForeignKey("ai_systems.id"), primary_key=True
        ),
    )
    op.create_table(
        "incident_findings",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("finding_id", sa.Integer(), sa.ForeignKey("findings.id"), primary_key=True),
    )
    op.create_table(
        "incident_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        _user("actor"),
    )
    op.create_index("ix_incident_entries_incident_id", "incident_entries", ["incident_id"])
    op.create_table(
        "incident_notifications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("notified_at", _TZ, nullable=False),
        _user("notified_by"),
        sa.Column("recorded_at", _TZ, nullable=False),
    )
    op.create_index(
        "ix_incident_notifications_incident_id", "incident_notifications", ["incident_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_incident_notifications_incident_id", table_name="incident_notifications")
    op.drop_table("incident_notifications")
    op.drop_index("ix_incident_entries_incident_id", table_name="incident_entries")
    op.drop_table("incident_entries")
    op.drop_table("incident_findings")
    op.drop_table("incident_systems")
    op.drop_index("ix_incidents_status", table_name="incidents")
    op.drop_table("incidents")
    op.drop_index("ix_findings_status", table_name="findings")
    op.drop_index("ix_findings_system_id", table_name="findings")
    op.drop_table("findings")
