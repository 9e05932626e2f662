"""Reading incidents: one with its related records, reporting duties and Art. 73 clock,
the filtered and paged list, the counts.

Split from ``incidents`` (the writes: report, update, notify, link, suspend, close),
which returns the same records and re-exports these names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ombud.governance import InvalidInput, NotFoundError
from ombud.governance.incidents import (
    Art73Case,
    IncidentStatus,
    ReportingDuty,
    art73_case,
    reporting_clock,
    reporting_duty,
)
from ombud.services.context import AppContext
from ombud.services.incident_records import (
    Incident,
    IncidentEntry,
    IncidentNotification,
)
from ombud.store.models import AISystemRow, ClassificationRow
from ombud.store.models_tracking import (
    IncidentEntryRow,
    IncidentFindingRow,
    IncidentNotificationRow,
    IncidentRow,
    IncidentSystemRow,
)

__all__ = [
    "Related",
    "count_incidents",
    "get_incident",
    "incident_case",
    "incident_of",
    "list_incidents",
    "related_records",
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def incident_case(row: IncidentRow) -> Art73Case | None:
    """The Art. 73 case the incident falls under (None when it is not reportable)."""
    return art73_case(
        serious=row.serious,
        death=row.involves_death,
        widespread_infringement=row.widespread_infringement,
        critical_infrastructure=row.critical_infrastructure_disruption,
    )


@dataclass
class Related:
    """An incident's related records, gathered for many incidents at once."""

    systems: list[str] = field(default_factory=list)
    findings: list[int] = field(default_factory=list)
    notifications: list[IncidentNotification] = field(default_factory=list)
    timeline: list[IncidentEntry] = field(default_factory=list)


def related_records(session: Session, ids: list[int]) -> dict[int, Related]:
    """Systems, findings, notifications and timeline of the incidents ``ids``: four
    queries for any number of incidents (a list page), not four per incident."""
    related = {i: Related() for i in ids}
    if not ids:
        return related
    for incident_id, system_id in session.execute(
        select(IncidentSystemRow.incident_id, IncidentSystemRow.system_id).where(
            IncidentSystemRow.incident_id.in_(ids)
        )
    ):
        related[incident_id].systems.append(system_id)
    for incident_id, finding_id in session.execute(
        select(IncidentFindingRow.incident_id, IncidentFindingRow.finding_id).where(
            IncidentFindingRow.incident_id.in_(ids)
        )
    ):
        related[incident_id].findings.append(finding_id)
    for n in session.execute(
        select(IncidentNotificationRow)
        .where(IncidentNotificationRow.incident_id.in_(ids))
        .order_by(IncidentNotificationRow.notified_at, IncidentNotificationRow.id)
    ).scalars():
        related[n.incident_id].notifications.append(IncidentNotification.from_row(n))
    for e in session.execute(
        select(IncidentEntryRow)
        .where(IncidentEntryRow.incident_id.in_(ids))
        .order_by(IncidentEntryRow.at, IncidentEntryRow.id)
    ).scalars():
        related[e.incident_id].timeline.append(IncidentEntry.from_row(e))
    return related


def incident_of(
    session: Session, row: IncidentRow, now: dt.datetime, related: Related | None = None
) -> Incident:
    """The incident as read at ``now`` (its clock runs against that moment)."""
    parts = related if related is not None else related_records(session, [row.id])[row.id]
    systems = tuple(sorted(parts.systems))
    notifications = tuple(parts.notifications)
    case = incident_case(row)
    first = notifications[0].notified_at if notifications else None
    return Incident(
        id=row.id,
        title=row.title,
        description=row.description,
        severity=row.severity,
        affected_people=row.affected_people,
        people_affected_count=row.people_affected_count,
        serious=row.serious,
        involves_death=row.involves_death,
        widespread_infringement=row.widespread_infringement,
        critical_infrastructure_disruption=row.critical_infrastructure_disruption,
        occurred_at=row.occurred_at,
        detected_at=row.detected_at,
        aware_at=row.aware_at,
        status=row.status,
        post_incident_review=row.post_incident_review,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        reported_by=row.reported_by,
        row_version=row.row_version,
        systems=systems,
        findings=tuple(sorted(parts.findings)),
        notifications=notifications,
        timeline=tuple(parts.timeline),
        reporting_duties=_duties(session, systems, row.aware_at.date()),
        art73_clock=reporting_clock(case, row.aware_at, now, first) if case is not None else None,
    )


def _duties(
    session: Session, system_ids: tuple[str, ...], aware_on: dt.date
) -> tuple[ReportingDuty, ...]:
    """Per system: the role-dependent reporting duty and whether it applies on that day."""
    duties = []
    for system_id in system_ids:
        system = session.get(AISystemRow, system_id)
        latest = session.execute(
            select(ClassificationRow)
            .where(ClassificationRow.system_id == system_id)
            .order_by(ClassificationRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        result = latest.result if latest is not None else {}
        role = result.get("operator_role") or (system.operator_role if system else None)
        wanted = "art_26" if role == "deployer" else "art_73"
        when = next(
            (o.get("applies_from") for o in result.get("obligations", []) if o["id"] == wanted),
            None,
        )
        duties.append(
            reporting_duty(
                system_id,
                role,
                aware_on,
                dt.date.fromisoformat(when) if when else None,
                latest is not None,
            )
        )
    return tuple(duties)


def get_incident(
    context: AppContext, incident_id: int, *, now: dt.datetime | None = None
) -> Incident:
    with context.read() as session:
        row = session.get(IncidentRow, incident_id)
        if row is None:
            raise NotFoundError(f"no incident {incident_id}; see `ombud incident list`")
        return incident_of(session, row, now or _now())


def list_incidents(
    context: AppContext,
    *,
    status: str | None = None,
    system_id: str | None = None,
    now: dt.datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Incident]:
    """Incidents, the most recently known first; ``limit``/``offset`` page through them."""
    query = select(IncidentRow).order_by(IncidentRow.aware_at.desc(), IncidentRow.id.desc())
    if status:
        try:
            query = query.where(IncidentRow.status == IncidentStatus(status).value)
        except ValueError:
            raise InvalidInput(
                f"incident status '{status}' is unknown; use open or closed"
            ) from None
    if system_id:
        query = query.join(
            IncidentSystemRow, IncidentSystemRow.incident_id == IncidentRow.id
        ).where(IncidentSystemRow.system_id == system_id)
    moment = now or _now()
    with context.read() as session:
        rows = list(session.execute(query.limit(limit).offset(offset)).scalars())
        related = related_records(session, [row.id for row in rows])
        return [incident_of(session, row, moment, related[row.id]) for row in rows]


def count_incidents(context: AppContext, *, status: str | None = None) -> int:
    query = select(func.count(IncidentRow.id))
    if status:
        query = query.where(IncidentRow.status == status)
    with context.read() as session:
        return int(session.execute(query).scalar_one())
