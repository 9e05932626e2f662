"""Incidents: what happened, what was done, who was told, and the Art. 73 clock.

The clock is computed when an incident is read (never stored), from the awareness time
and the recorded notifications. Suspending an affected system goes through
``transition_system``, so the lifecycle rules (who may suspend, from which status) are
the same as for any other suspension.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ombud.governance import (
    Action,
    ConflictError,
    DomainError,
    InvalidInput,
    NotFoundError,
    Target,
    authorize,
    check_name,
    check_text,
)
from ombud.governance.incidents import (
    IncidentStatus,
    art73_case,
    check_incident_open,
    check_incident_times,
    check_notification_time,
    parse_incident_severity,
    reporting_clock,
    reporting_duty,
)
from ombud.services.authorization import load_target, target_of
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.systems import transition_system
from ombud.store.models import AISystemRow, ClassificationRow
from ombud.store.models_tracking import (
    FindingRow,
    IncidentEntryRow,
    IncidentFindingRow,
    IncidentNotificationRow,
    IncidentRow,
    IncidentSystemRow,
)

__all__ = [
    "add_note",
    "close_incident",
    "count_incidents",
    "get_incident",
    "link_findings",
    "list_incidents",
    "notify_authority",
    "report_incident",
    "suspend_affected_systems",
    "update_incident",
]


#: A post-incident review may be a document of its own (read with --review-file).
MAX_REVIEW_CHARS = 100_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _may(tx: Tx, action: Action, incident_id: int) -> None:
    """Leads, reviewers, its reporter, the owners of its systems (the authorization table)."""
    target = load_target(tx.session, "incident", incident_id)
    authorize(tx.actor.username, tx.actor.roles, action, target)


def _snapshot(row: IncidentRow) -> dict[str, Any]:
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
        "occurred_at": row.occurred_at.isoformat() if row.occurred_at else None,
        "detected_at": row.detected_at.isoformat(),
        "aware_at": row.aware_at.isoformat(),
        "status": row.status,
        "post_incident_review": row.post_incident_review,
        "closed_by": row.closed_by,
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "reported_by": row.reported_by,
    }


def _case(row: IncidentRow) -> Any:
    return art73_case(
        serious=row.serious,
        death=row.involves_death,
        widespread_infringement=row.widespread_infringement,
        critical_infrastructure=row.critical_infrastructure_disruption,
    )


def _related(session: Session, ids: list[int]) -> dict[int, dict[str, list[Any]]]:
    """Systems, findings, notifications and timeline of the incidents ``ids``: four
    queries for any number of incidents (a list page), not four per incident."""
    related: dict[int, dict[str, list[Any]]] = {
        i: {"systems": [], "findings": [], "notifications": [], "timeline": []} for i in ids
    }
    if not ids:
        return related
    for incident_id, system_id in session.execute(
        select(IncidentSystemRow.incident_id, IncidentSystemRow.system_id).where(
            IncidentSystemRow.incident_id.in_(ids)
        )
    ):
        related[incident_id]["systems"].append(system_id)
    for incident_id, finding_id in session.execute(
        select(IncidentFindingRow.incident_id, IncidentFindingRow.finding_id).where(
            IncidentFindingRow.incident_id.in_(ids)
        )
    ):
        related[incident_id]["findings"].append(finding_id)
    for n in session.execute(
        select(IncidentNotificationRow)
        .where(IncidentNotificationRow.incident_id.in_(ids))
        .order_by(IncidentNotificationRow.notified_at, IncidentNotificationRow.id)
    ).scalars():
        related[n.incident_id]["notifications"].append(
            {
                "authority": n.authority,
                "reference": n.reference,
                "notified_at": n.notified_at.isoformat(),
                "notified_by": n.notified_by,
            }
        )
    for e in session.execute(
        select(IncidentEntryRow)
        .where(IncidentEntryRow.incident_id.in_(ids))
        .order_by(IncidentEntryRow.at, IncidentEntryRow.id)
    ).scalars():
        related[e.incident_id]["timeline"].append(
            {"at": e.at.isoformat(), "kind": e.kind, "text": e.text, "actor": e.actor}
        )
    return related


def _incident_dict(
    session: Session,
    row: IncidentRow,
    now: dt.datetime,
    related: dict[str, list[Any]] | None = None,
) -> dict[str, Any]:
    data = _snapshot(row)
    data["row_version"] = row.row_version
    parts = related if related is not None else _related(session, [row.id])[row.id]
    data["systems"] = sorted(parts["systems"])
    data["findings"] = sorted(parts["findings"])
    data["notifications"] = parts["notifications"]
    data["timeline"] = parts["timeline"]
    case = _case(row)
    first = data["notifications"][0]["notified_at"] if data["notifications"] else None
    data["reporting_duties"] = _duties(session, data["systems"], row.aware_at.date())
    data["art73_clock"] = (
        reporting_clock(
            case,
            row.aware_at,
            now,
            dt.datetime.fromisoformat(first) if first else None,
        ).to_dict()
        if case is not None
        else None
    )
    return data


def _duties(session: Session, system_ids: list[str], aware_on: dt.date) -> list[dict[str, Any]]:
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
            ).to_dict()
        )
    return duties


def _entry(tx: Tx, incident_id: int, kind: str, text: str) -> None:
    tx.session.add(
        IncidentEntryRow(
            incident_id=incident_id, kind=kind, text=text, at=_now(), actor=tx.actor.username
        )
    )


def report_incident(
    context: AppContext,
    actor: Actor,
    *,
    title: str,
    description: str,
    severity: str,
    system_ids: Sequence[str],
    detected_at: dt.datetime,
    aware_at: dt.datetime,
    affected_people: str = "",
    people_affected_count: int | None = None,
    serious: bool = False,
    death: bool = False,
    widespread_infringement: bool = False,
    critical_infrastructure: bool = False,
    occurred_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Record an incident on one or more systems; its Art. 73 clock starts at ``aware_at``."""
    authorize(actor.username, actor.roles, Action.INCIDENT_REPORT, Target.unnamed())
    if not title.strip():
        raise InvalidInput("an incident needs a title; say in one line what happened")
    check_name(title.strip(), "the incident title")
    check_text(description, "the incident description")
    check_text(affected_people, "the description of the affected people")
    if not system_ids:
        raise InvalidInput("name at least one affected system (--system ID)")
    if people_affected_count is not None and people_affected_count < 0:
        raise InvalidInput("--people-affected must be 0 or more")
    level = parse_incident_severity(severity)
    now = _now()
    check_incident_times(
        occurred_at=occurred_at, detected_at=detected_at, aware_at=aware_at, now=now
    )
    # SQLite keeps no zone: store every time as UTC so it reads back the same everywhere.
    detected_at, aware_at = detected_at.astimezone(dt.UTC), aware_at.astimezone(dt.UTC)
    occurred_at = occurred_at.astimezone(dt.UTC) if occurred_at else None
    with context.write(actor) as tx:
        owners = set()
        for system_id in dict.fromkeys(system_ids):
            system = tx.session.get(AISystemRow, system_id)
            if system is None:
                raise InvalidInput(f"no AI system '{system_id}'; see `ombud system list`")
            owners.add(system.owner)
        # An owner reports on systems they own (all of those named); leads and reviewers
        # on any system.
        named = list(dict.fromkeys(system_ids))
        kind = "system" if len(named) == 1 else "systems"
        on = Target(kind, ", ".join(named), system_owners=frozenset(owners))
        authorize(actor.username, actor.roles, Action.INCIDENT_REPORT, on)
        row = IncidentRow(
            title=title.strip(),
            description=description,
            severity=level.value,
            affected_people=affected_people,
            people_affected_count=people_affected_count,
            serious=serious or death or critical_infrastructure,
            involves_death=death,
            widespread_infringement=widespread_infringement,
            critical_infrastructure_disruption=critical_infrastructure,
            occurred_at=occurred_at,
            detected_at=detected_at,
            aware_at=aware_at,
            status=IncidentStatus.OPEN.value,
            post_incident_review="",
            reported_by=actor.username,
            created_at=now,
            updated_at=now,
        )
        tx.session.add(row)
        tx.session.flush()
        for system_id in dict.fromkeys(system_ids):
            tx.session.add(IncidentSystemRow(incident_id=row.id, system_id=system_id))
        _entry(tx, row.id, "reported", title.strip())
        tx.session.flush()
        result = _incident_dict(tx.session, row, now)
        tx.record(
            "incident.report",
            "incident",
            f"incident-{row.id}",
            before=None,
            after=_snapshot(row),
            details={"systems": sorted(set(system_ids)), "art73": result["art73_clock"]},
        )
        return result


def _load(tx: Tx, incident_id: int, expected_version: int | None = None) -> IncidentRow:
    row = tx.session.get(IncidentRow, incident_id)
    if row is None:
        raise NotFoundError(f"no incident {incident_id}; see `ombud incident list`")
    if expected_version is not None and row.row_version != expected_version:
        raise ConflictError(
            f"incident {incident_id} is at revision {row.row_version}, you edited revision "
            f"{expected_version}; reload and try again"
        )
    return row


def _touch(
    tx: Tx, row: IncidentRow, action: str, before: dict[str, Any], details: dict[str, Any]
) -> dict[str, Any]:
    row.updated_at = _now()  # bumps row_version even when only child rows changed
    tx.session.flush()
    tx.record(
        action,
        "incident",
        f"incident-{row.id}",
        before=before,
        after=_snapshot(row),
        details=details,
    )
    return _incident_dict(tx.session, row, _now())


def update_incident(
    context: AppContext,
    actor: Actor,
    incident_id: int,
    *,
    note: str | None = None,
    severity: str | None = None,
    description: str | None = None,
    affected_people: str | None = None,
    people_affected_count: int | None = None,
    death: bool | None = None,
    widespread_infringement: bool | None = None,
    critical_infrastructure: bool | None = None,
    serious: bool | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Add a timeline note and/or correct what is known; each change lands on the timeline."""
    for text, what in (
        (note, "the note"),
        (description, "the incident description"),
        (affected_people, "the description of the affected people"),
    ):
        if text is not None:
            check_text(text, what)
    with context.write(actor) as tx:
        row = _load(tx, incident_id, expected_version)
        _may(tx, Action.INCIDENT_UPDATE, incident_id)
        check_incident_open(incident_id, IncidentStatus(row.status), "update it")
        before = _snapshot(row)
        if severity is not None:
            row.severity = parse_incident_severity(severity).value
        for name, value in (
            ("description", description),
            ("affected_people", affected_people),
            ("people_affected_count", people_affected_count),
            ("involves_death", death),
            ("widespread_infringement", widespread_infringement),
            ("critical_infrastructure_disruption", critical_infrastructure),
            ("serious", serious),
        ):
            if value is not None:
                setattr(row, name, value)
        row.serious = row.serious or row.involves_death or row.critical_infrastructure_disruption
        after = _snapshot(row)
        changed = sorted(k for k in after if after[k] != before[k])
        if changed:
            _entry(tx, incident_id, "update", "changed: " + ", ".join(changed))
        if note is not None and note.strip():
            _entry(tx, incident_id, "note", note.strip())
        if not changed and not (note and note.strip()):
            raise InvalidInput("nothing to update; give --note or a field to change")
        return _touch(tx, row, "incident.update", before, {"changed": changed, "note": bool(note)})


def add_note(context: AppContext, actor: Actor, incident_id: int, note: str) -> dict[str, Any]:
    return update_incident(context, actor, incident_id, note=note)


def notify_authority(
    context: AppContext,
    actor: Actor,
    incident_id: int,
    *,
    authority: str,
    reference: str,
    notified_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Record that (and when) the incident was reported to an authority."""
    when = notified_at or _now()
    if when.tzinfo is None:
        raise InvalidInput("the notification time needs a time zone, e.g. 2026-11-20T10:00+01:00")
    if not authority.strip():
        raise InvalidInput("name the authority notified (--authority)")
    check_name(authority.strip(), "the authority")
    check_name(reference, "the reference")
    with context.write(actor) as tx:
        row = _load(tx, incident_id)
        _may(tx, Action.INCIDENT_UPDATE, incident_id)
        check_incident_open(incident_id, IncidentStatus(row.status), "record a notification")
        when = check_notification_time(when, aware_at=row.aware_at, now=_now())
        before = _snapshot(row)
        tx.session.add(
            IncidentNotificationRow(
                incident_id=incident_id,
                authority=authority.strip(),
                reference=reference,
                notified_at=when,
                notified_by=actor.username,
                recorded_at=_now(),
            )
        )
        _entry(tx, incident_id, "notification", f"notified {authority.strip()} ({reference})")
        return _touch(
            tx, row, "incident.notify", before, {"authority": authority, "reference": reference}
        )


def link_findings(
    context: AppContext, actor: Actor, incident_id: int, finding_ids: Iterable[int]
) -> dict[str, Any]:
    ids = sorted(set(finding_ids))
    with context.write(actor) as tx:
        row = _load(tx, incident_id)
        _may(tx, Action.INCIDENT_UPDATE, incident_id)
        check_incident_open(incident_id, IncidentStatus(row.status), "link findings")
        before = _snapshot(row)
        for finding_id in ids:
            if tx.session.get(FindingRow, finding_id) is None:
                raise InvalidInput(f"no finding {finding_id}; see `ombud finding list`")
            if tx.session.get(IncidentFindingRow, (incident_id, finding_id)) is None:
                tx.session.add(IncidentFindingRow(incident_id=incident_id, finding_id=finding_id))
        _entry(tx, incident_id, "link", "findings " + ", ".join(str(i) for i in ids))
        return _touch(tx, row, "incident.link", before, {"findings": ids})


def suspend_affected_systems(
    context: AppContext, actor: Actor, incident_id: int, reason: str
) -> list[str]:
    """Suspend every deployed system the incident names; returns the ids suspended.

    Each suspension is its own lifecycle transition (and audit event); systems that are
    not deployed are left alone and named in the timeline.
    """
    target = target_of(context, "incident", incident_id)
    authorize(actor.username, actor.roles, Action.INCIDENT_UPDATE, target)
    if not reason.strip():
        raise InvalidInput("suspending needs a reason (--reason)")
    with context.read() as session:
        row = session.get(IncidentRow, incident_id)
        if row is None:
            raise NotFoundError(f"no incident {incident_id}; see `ombud incident list`")
        check_incident_open(incident_id, IncidentStatus(row.status), "suspend systems")
        statuses = dict(
            session.execute(
                select(AISystemRow.id, AISystemRow.status)
                .join(IncidentSystemRow, IncidentSystemRow.system_id == AISystemRow.id)
                .where(IncidentSystemRow.incident_id == incident_id)
            ).all()
        )
    deployed = sorted(s for s, status in statuses.items() if status == "deployed")
    if not deployed:
        raise DomainError(
            f"none of the systems of incident {incident_id} is deployed "
            f"({', '.join(f'{s}: {v}' for s, v in sorted(statuses.items()))}); nothing to suspend"
        )
    suspended = []
    for system_id in deployed:
        transition_system(
            context, actor, system_id, "suspended", f"incident {incident_id}: {reason.strip()}"
        )
        suspended.append(system_id)
    with context.write(actor) as tx:
        incident = _load(tx, incident_id)
        before = _snapshot(incident)
        skipped = sorted(set(statuses) - set(deployed))
        text = "suspended " + ", ".join(suspended)
        if skipped:
            text += "; not deployed, left as is: " + ", ".join(skipped)
        _entry(tx, incident_id, "suspension", text)
        _touch(tx, incident, "incident.suspend", before, {"suspended": suspended})
    return suspended


def close_incident(
    context: AppContext,
    actor: Actor,
    incident_id: int,
    *,
    review: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Close with a post-incident review; a reportable incident must have been notified."""
    if not review.strip():
        raise InvalidInput(
            "closing needs a post-incident review (--review): cause, impact, what changes"
        )
    check_text(review, "the post-incident review", max_chars=MAX_REVIEW_CHARS)
    with context.write(actor) as tx:
        row = _load(tx, incident_id, expected_version)
        _may(tx, Action.INCIDENT_CLOSE, incident_id)
        check_incident_open(incident_id, IncidentStatus(row.status), "close it again")
        notified = tx.session.execute(
            select(IncidentNotificationRow.id).where(
                IncidentNotificationRow.incident_id == incident_id
            )
        ).first()
        case = _case(row)
        if case is not None and notified is None:
            raise DomainError(
                f"incident {incident_id} is reportable ({case.citation}) and no notification "
                f"is recorded; record it with `ombud incident notify {incident_id}` first"
            )
        before = _snapshot(row)
        row.status = IncidentStatus.CLOSED.value
        row.post_incident_review = review.strip()
        row.closed_by = actor.username
        row.closed_at = _now()
        _entry(tx, incident_id, "closed", "post-incident review recorded")
        return _touch(tx, row, "incident.close", before, {})


def get_incident(
    context: AppContext, incident_id: int, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    with context.read() as session:
        row = session.get(IncidentRow, incident_id)
        if row is None:
            raise NotFoundError(f"no incident {incident_id}; see `ombud incident list`")
        return _incident_dict(session, row, now or _now())


def list_incidents(
    context: AppContext,
    *,
    status: str | None = None,
    system_id: str | None = None,
    now: dt.datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
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
        related = _related(session, [row.id for row in rows])
        return [_incident_dict(session, row, moment, related[row.id]) for row in rows]


def count_incidents(context: AppContext, *, status: str | None = None) -> int:
    query = select(func.count(IncidentRow.id))
    if status:
        query = query.where(IncidentRow.status == status)
    with context.read() as session:
        return int(session.execute(query).scalar_one())
