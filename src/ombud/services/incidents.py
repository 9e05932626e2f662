"""Incidents: what happened, what was done, who was told, and the Art. 73 clock.

The clock is computed when an incident is read (never stored), from the awareness time
and the recorded notifications. Suspending an affected system goes through the systems service's
``transition_in``, so the lifecycle rules (who may suspend, from which status) are the same
as for any other suspension, and the suspensions commit with the incident change that
asked for them (reporting with ``suspend``, or an update with ``suspend_reason``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

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
    check_incident_open,
    check_incident_times,
    check_notification_time,
    parse_incident_severity,
)
from ombud.services.authorization import load_target
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.incident_queries import (
    count_incidents,
    get_incident,
    incident_of,
    list_incidents,
)
from ombud.services.incident_queries import incident_case as _case
from ombud.services.incident_records import (
    Incident,
    IncidentEntry,
    IncidentNotification,
)
from ombud.services.incident_records import incident_snapshot as _snapshot
from ombud.services.systems import transition_in
from ombud.store.models import AISystemRow
from ombud.store.models_tracking import (
    FindingRow,
    IncidentEntryRow,
    IncidentFindingRow,
    IncidentNotificationRow,
    IncidentRow,
    IncidentSystemRow,
)

__all__ = [
    "Incident",
    "IncidentEntry",
    "IncidentNotification",
    "IncidentReport",
    "add_note",
    "close_incident",
    "count_incidents",
    "file_incident",
    "get_incident",
    "link_findings",
    "link_findings_in",
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
    suspend: bool = False,
) -> Incident:
    """Record an incident on one or more systems; its Art. 73 clock starts at ``aware_at``.

    ``suspend``: also suspend the named systems that are deployed, in the same transaction
    (the incident and the suspensions are recorded together or not at all).
    """
    report = IncidentReport(
        title=title,
        description=description,
        severity=severity,
        system_ids=tuple(system_ids),
        detected_at=detected_at,
        aware_at=aware_at,
        affected_people=affected_people,
        people_affected_count=people_affected_count,
        serious=serious,
        death=death,
        widespread_infringement=widespread_infringement,
        critical_infrastructure=critical_infrastructure,
        occurred_at=occurred_at,
        suspend=suspend,
    )
    _check_report(actor, report)  # refused before any transaction opens
    with context.write(actor) as tx:
        return file_incident(tx, report)


@dataclass(frozen=True)
class IncidentReport:
    """What a report says (see ``report_incident`` for the meaning of each field);
    ``finding_ids`` are linked in the same transaction (a monitor's breach finding)."""

    title: str
    description: str
    severity: str
    system_ids: tuple[str, ...]
    detected_at: dt.datetime
    aware_at: dt.datetime
    affected_people: str = ""
    people_affected_count: int | None = None
    serious: bool = False
    death: bool = False
    widespread_infringement: bool = False
    critical_infrastructure: bool = False
    occurred_at: dt.datetime | None = None
    suspend: bool = False
    finding_ids: tuple[int, ...] = ()


def _check_report(actor: Actor, report: IncidentReport) -> None:
    authorize(actor.username, actor.roles, Action.INCIDENT_REPORT, Target.unnamed())
    if not report.title.strip():
        raise InvalidInput("an incident needs a title; say in one line what happened")
    check_name(report.title.strip(), "the incident title")
    check_text(report.description, "the incident description")
    check_text(report.affected_people, "the description of the affected people")
    if not report.system_ids:
        raise InvalidInput("name at least one affected system (--system ID)")
    if report.people_affected_count is not None and report.people_affected_count < 0:
        raise InvalidInput("--people-affected must be 0 or more")
    parse_incident_severity(report.severity)
    check_incident_times(
        occurred_at=report.occurred_at,
        detected_at=report.detected_at,
        aware_at=report.aware_at,
        now=_now(),
    )


def file_incident(tx: Tx, report: IncidentReport) -> Incident:
    """``report_incident`` inside the caller's transaction (every check made again here),
    for a decision that must commit with its incident (a monitoring check's breach)."""
    actor = tx.actor
    _check_report(actor, report)
    title, system_ids = report.title.strip(), report.system_ids
    level = parse_incident_severity(report.severity)
    now = _now()
    # SQLite keeps no zone: store every time as UTC so it reads back the same everywhere.
    detected_at = report.detected_at.astimezone(dt.UTC)
    aware_at = report.aware_at.astimezone(dt.UTC)
    occurred_at = report.occurred_at.astimezone(dt.UTC) if report.occurred_at else None
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
    death, infrastructure = report.death, report.critical_infrastructure
    row = IncidentRow(
        title=title,
        description=report.description,
        severity=level.value,
        affected_people=report.affected_people,
        people_affected_count=report.people_affected_count,
        serious=report.serious or death or infrastructure,
        involves_death=death,
        widespread_infringement=report.widespread_infringement,
        critical_infrastructure_disruption=infrastructure,
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
    _entry(tx, row.id, "reported", title)
    tx.session.flush()
    result = incident_of(tx.session, row, now)
    clock = result.art73_clock.to_dict() if result.art73_clock else None
    tx.record(
        "incident.report",
        "incident",
        f"incident-{row.id}",
        before=None,
        after=_snapshot(row),
        details={"systems": sorted(set(system_ids)), "art73": clock},
    )
    if report.finding_ids:
        _link_in(tx, row, sorted(set(report.finding_ids)))
        result = incident_of(tx.session, row, _now())
    if report.suspend:
        _may(tx, Action.INCIDENT_UPDATE, row.id)
        _suspend_in(tx, row, title)
        return incident_of(tx.session, row, _now())
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
) -> Incident:
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
    return incident_of(tx.session, row, _now())


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
    link_finding_ids: Iterable[int] = (),
    suspend_reason: str | None = None,
) -> Incident:
    """Add a timeline note and/or correct what is known, link findings, suspend the deployed
    systems named (with ``suspend_reason``): each change lands on the timeline, and all of
    them commit in one transaction or none does."""
    for text, what in (
        (note, "the note"),
        (description, "the incident description"),
        (affected_people, "the description of the affected people"),
    ):
        if text is not None:
            check_text(text, what)
    if suspend_reason is not None and not suspend_reason.strip():
        raise InvalidInput("suspending needs a reason (--reason)")
    links = sorted(set(link_finding_ids))
    fields: tuple[object, ...] = (severity, description, affected_people, people_affected_count)
    fields += (death, widespread_infringement, critical_infrastructure, serious)
    edits = any(v is not None for v in fields) or bool(note and note.strip())
    if not (edits or links or suspend_reason):
        raise InvalidInput("nothing to update; give --note or a field to change")
    with context.write(actor) as tx:
        row = _load(tx, incident_id, expected_version)
        _may(tx, Action.INCIDENT_UPDATE, incident_id)
        check_incident_open(incident_id, IncidentStatus(row.status), "update it")
        result = None
        if edits:
            result = _update_in(
                tx,
                row,
                note=note,
                severity=severity,
                values={
                    "description": description,
                    "affected_people": affected_people,
                    "people_affected_count": people_affected_count,
                    "involves_death": death,
                    "widespread_infringement": widespread_infringement,
                    "critical_infrastructure_disruption": critical_infrastructure,
                    "serious": serious,
                },
            )
        if links:
            result = _link_in(tx, row, links)
        if suspend_reason is not None:
            _suspend_in(tx, row, suspend_reason.strip())
            result = incident_of(tx.session, row, _now())
        assert result is not None  # one of the three ran: checked above
        return result


def _update_in(
    tx: Tx,
    row: IncidentRow,
    *,
    note: str | None,
    severity: str | None,
    values: dict[str, Any],
) -> Incident:
    before = _snapshot(row)
    if severity is not None:
        row.severity = parse_incident_severity(severity).value
    for name, value in values.items():
        if value is not None:
            setattr(row, name, value)
    row.serious = row.serious or row.involves_death or row.critical_infrastructure_disruption
    after = _snapshot(row)
    changed = sorted(k for k in after if after[k] != before[k])
    if changed:
        _entry(tx, row.id, "update", "changed: " + ", ".join(changed))
    if note is not None and note.strip():
        _entry(tx, row.id, "note", note.strip())
    if not changed and not (note and note.strip()):
        raise InvalidInput("nothing to update; give --note or a field to change")
    return _touch(tx, row, "incident.update", before, {"changed": changed, "note": bool(note)})


def add_note(context: AppContext, actor: Actor, incident_id: int, note: str) -> Incident:
    return update_incident(context, actor, incident_id, note=note)


def notify_authority(
    context: AppContext,
    actor: Actor,
    incident_id: int,
    *,
    authority: str,
    reference: str,
    notified_at: dt.datetime | None = None,
) -> Incident:
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
) -> Incident:
    with context.write(actor) as tx:
        row = _load(tx, incident_id)
        _may(tx, Action.INCIDENT_UPDATE, incident_id)
        check_incident_open(incident_id, IncidentStatus(row.status), "link findings")
        return _link_in(tx, row, sorted(set(finding_ids)))


def link_findings_in(tx: Tx, incident_id: int, finding_ids: Iterable[int]) -> Incident:
    """``link_findings`` inside the caller's transaction (same checks, same event)."""
    row = _load(tx, incident_id)
    _may(tx, Action.INCIDENT_UPDATE, incident_id)
    check_incident_open(incident_id, IncidentStatus(row.status), "link findings")
    return _link_in(tx, row, sorted(set(finding_ids)))


def _link_in(tx: Tx, row: IncidentRow, ids: list[int]) -> Incident:
    before = _snapshot(row)
    for finding_id in ids:
        if tx.session.get(FindingRow, finding_id) is None:
            raise InvalidInput(f"no finding {finding_id}; see `ombud finding list`")
        if tx.session.get(IncidentFindingRow, (row.id, finding_id)) is None:
            tx.session.add(IncidentFindingRow(incident_id=row.id, finding_id=finding_id))
    _entry(tx, row.id, "link", "findings " + ", ".join(str(i) for i in ids))
    return _touch(tx, row, "incident.link", before, {"findings": ids})


def suspend_affected_systems(
    context: AppContext, actor: Actor, incident_id: int, reason: str
) -> list[str]:
    """Suspend every deployed system the incident names; returns the ids suspended.

    Each suspension is its own lifecycle transition (and audit event), all in one
    transaction with the incident's timeline entry; systems that are not deployed are left
    alone and named in the timeline.
    """
    if not reason.strip():
        raise InvalidInput("suspending needs a reason (--reason)")
    with context.write(actor) as tx:
        row = _load(tx, incident_id)
        _may(tx, Action.INCIDENT_UPDATE, incident_id)
        check_incident_open(incident_id, IncidentStatus(row.status), "suspend systems")
        return _suspend_in(tx, row, reason.strip())


def _suspend_in(tx: Tx, row: IncidentRow, reason: str) -> list[str]:
    statuses = dict(
        tx.session.execute(
            select(AISystemRow.id, AISystemRow.status)
            .join(IncidentSystemRow, IncidentSystemRow.system_id == AISystemRow.id)
            .where(IncidentSystemRow.incident_id == row.id)
        ).all()
    )
    deployed = sorted(s for s, status in statuses.items() if status == "deployed")
    if not deployed:
        raise DomainError(
            f"none of the systems of incident {row.id} is deployed "
            f"({', '.join(f'{s}: {v}' for s, v in sorted(statuses.items()))}); nothing to suspend"
        )
    for system_id in deployed:
        transition_in(tx, system_id, "suspended", f"incident {row.id}: {reason}")
    before = _snapshot(row)
    skipped = sorted(set(statuses) - set(deployed))
    text = "suspended " + ", ".join(deployed)
    if skipped:
        text += "; not deployed, left as is: " + ", ".join(skipped)
    _entry(tx, row.id, "suspension", text)
    _touch(tx, row, "incident.suspend", before, {"suspended": deployed})
    return deployed


def close_incident(
    context: AppContext,
    actor: Actor,
    incident_id: int,
    *,
    review: str,
    expected_version: int | None = None,
) -> Incident:
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
