"""The typed records of the incidents service: an incident with its systems, findings,
notifications, timeline, reporting duties and Art. 73 clock.

Adapters read attributes; ``Incident.to_dict()`` is the JSON the API, the ``--json`` CLI
outputs and the audit log have always carried (same keys, same order, times as ISO text).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ombud.governance.incidents import ReportingClock, ReportingDuty
from ombud.store.models_tracking import IncidentEntryRow, IncidentNotificationRow, IncidentRow

__all__ = ["Incident", "IncidentEntry", "IncidentNotification", "incident_snapshot"]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class IncidentNotification:
    """A report of the incident to an authority, and when it was made."""

    authority: str
    reference: str
    notified_at: dt.datetime
    notified_by: str

    @classmethod
    def from_row(cls, row: IncidentNotificationRow) -> IncidentNotification:
        return cls(row.authority, row.reference, row.notified_at, row.notified_by)

    def to_dict(self) -> dict[str, Any]:
        return {
            "authority": self.authority,
            "reference": self.reference,
            "notified_at": self.notified_at.isoformat(),
            "notified_by": self.notified_by,
        }


@dataclass(frozen=True)
class IncidentEntry:
    """One line of the incident's timeline (reported, note, update, link, closed, ...)."""

    at: dt.datetime
    kind: str
    text: str
    actor: str

    @classmethod
    def from_row(cls, row: IncidentEntryRow) -> IncidentEntry:
        return cls(row.at, row.kind, row.text, row.actor)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "text": self.text,
            "actor": self.actor,
        }


def incident_snapshot(row: IncidentRow) -> dict[str, Any]:
    """What the audit digests cover: the incident's own row, without its related records."""
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "severity": row.severity,
        "affected_people": row.affected_people,
        "people_affected_count": row.people_affected_count,
        "serious": row.serious,
        "involves_death": row.involves_death,
        "widespread_infringement": row.widespread_infringement,
        "critical_infrastructure_disruption": row.critical_infrastructure_disruption,
        "occurred_at": _iso(row.occurred_at),
        "detected_at": row.detected_at.isoformat(),
        "aware_at": row.aware_at.isoformat(),
        "status": row.status,
        "post_incident_review": row.post_incident_review,
        "closed_by": row.closed_by,
        "closed_at": _iso(row.closed_at),
        "reported_by": row.reported_by,
    }


@dataclass(frozen=True, kw_only=True)
class Incident:
    """One incident as read at a moment: ``art73_clock`` (None when the incident is not
    reportable) and ``reporting_duties`` are computed for that moment, never stored."""

    id: int
    title: str
    description: str
    severity: str
    affected_people: str
    people_affected_count: int | None
    serious: bool
    involves_death: bool
    widespread_infringement: bool
    critical_infrastructure_disruption: bool
    occurred_at: dt.datetime | None
    detected_at: dt.datetime
    aware_at: dt.datetime
    status: str
    post_incident_review: str
    closed_by: str | None
    closed_at: dt.datetime | None
    reported_by: str
    row_version: int
    systems: tuple[str, ...]
    findings: tuple[int, ...]
    notifications: tuple[IncidentNotification, ...]
    timeline: tuple[IncidentEntry, ...]
    reporting_duties: tuple[ReportingDuty, ...]
    art73_clock: ReportingClock | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "severity": self.severity,
            "affected_people": self.affected_people,
            "people_affected_count": self.people_affected_count,
            "serious": self.serious,
            "involves_death": self.involves_death,
            "widespread_infringement": self.widespread_infringement,
            "critical_infrastructure_disruption": self.critical_infrastructure_disruption,
            "occurred_at": _iso(self.occurred_at),
            "detected_at": self.detected_at.isoformat(),
            "aware_at": self.aware_at.isoformat(),
            "status": self.status,
            "post_incident_review": self.post_incident_review,
            "closed_by": self.closed_by,
            "closed_at": _iso(self.closed_at),
            "reported_by": self.reported_by,
            "row_version": self.row_version,
            "systems": list(self.systems),
            "findings": list(self.findings),
            "notifications": [n.to_dict() for n in self.notifications],
            "timeline": [e.to_dict() for e in self.timeline],
            "reporting_duties": [d.to_dict() for d in self.reporting_duties],
            "art73_clock": self.art73_clock.to_dict() if self.art73_clock else None,
        }
