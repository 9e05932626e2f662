"""Tables that track what is wrong and what happened: findings and incidents.

They live apart from the inventory tables so the migration that adds them (0004)
depends only on the initial schema. Findings and incidents carry a ``row_version``:
two people closing the same finding at once cannot both win.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ombud.store.models import Base

__all__ = [
    "FindingRow",
    "IncidentEntryRow",
    "IncidentFindingRow",
    "IncidentNotificationRow",
    "IncidentRow",
    "IncidentSystemRow",
]


class FindingRow(Base):
    __tablename__ = "findings"
    # Migration 0007: list order and the overdue filter (see its docstring).
    __table_args__ = (
        Index("ix_findings_due_date_id", "due_date", "id"),
        Index("ix_findings_status_due_date", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), index=True)
    version_label: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(20))
    source_kind: Mapped[str] = mapped_column(String(40))
    source_ref: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(ForeignKey("users.username"))
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)
    fix_evidence: Mapped[list[Any]] = mapped_column()
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("users.username"))
    resolved_at: Mapped[dt.datetime | None]
    verified_by: Mapped[str | None] = mapped_column(ForeignKey("users.username"))
    verified_at: Mapped[dt.datetime | None]
    risk_justification: Mapped[str] = mapped_column(Text, default="")
    risk_accepted_by: Mapped[str | None] = mapped_column(ForeignKey("users.username"))
    risk_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 (SQLAlchemy API)


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(20))
    affected_people: Mapped[str] = mapped_column(Text)
    people_affected_count: Mapped[int | None]
    serious: Mapped[bool]
    involves_death: Mapped[bool]
    widespread_infringement: Mapped[bool]
    critical_infrastructure_disruption: Mapped[bool]
    occurred_at: Mapped[dt.datetime | None]
    detected_at: Mapped[dt.datetime]
    aware_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(20), index=True)
    post_incident_review: Mapped[str] = mapped_column(Text, default="")
    closed_by: Mapped[str | None] = mapped_column(ForeignKey("users.username"))
    closed_at: Mapped[dt.datetime | None]
    reported_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 (SQLAlchemy API)


class IncidentSystemRow(Base):
    __tablename__ = "incident_systems"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), primary_key=True)


class IncidentFindingRow(Base):
    __tablename__ = "incident_findings"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), primary_key=True)


class IncidentEntryRow(Base):
    """One line of an incident's timeline: what was learned or done, by whom, when."""

    __tablename__ = "incident_entries"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(ForeignKey("users.username"))


class IncidentNotificationRow(Base):
    """A report made to a market surveillance authority (or another body)."""

    __tablename__ = "incident_notifications"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    authority: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(200))
    notified_at: Mapped[dt.datetime]
    notified_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    recorded_at: Mapped[dt.datetime]
