"""Findings and their remediation: opened, worked on, resolved with evidence, verified.

``create_finding`` takes a ``Tx`` and a ``FindingDraft`` so that whoever produces
findings as part of a larger decision (a review board turning conditions into findings,
an incident) opens them in its own transaction: the decision and its findings commit or
vanish together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from ombud.governance import (
    Action,
    ConflictError,
    InvalidInput,
    NotFoundError,
    authorize,
    check_name,
    check_text,
)
from ombud.governance.findings import (
    FindingStatus,
    check_due_date,
    check_finding_move,
    check_risk_expiry,
    parse_finding_severity,
    parse_finding_source,
    parse_finding_status,
)
from ombud.services.authorization import load_target
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.finding_queries import (
    count_findings,
    finding_counts,
    finding_of,
    get_finding,
    list_findings,
    overdue_clause,
    urgent_findings,
)
from ombud.services.finding_records import Finding, FindingCounts, FindingDraft
from ombud.store.models import AISystemRow, EvidenceRow, SystemVersionRow, UserRow
from ombud.store.models_tracking import FindingRow

__all__ = [
    "Finding",
    "FindingCounts",
    "FindingDraft",
    "accept_risk",
    "change_finding",
    "count_findings",
    "create_finding",
    "finding_counts",
    "finding_of",
    "get_finding",
    "list_findings",
    "open_finding",
    "overdue_clause",
    "resolve_finding",
    "update_finding",
    "urgent_findings",
    "verify_finding",
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _today() -> dt.date:
    return _now().date()


def _snapshot(row: FindingRow) -> dict[str, Any]:
    """What the audit digests cover: the record without derived or bookkeeping fields."""
    return finding_of(row).snapshot()


def _check_user(tx: Tx, username: str, where: str = "") -> None:
    user = tx.session.get(UserRow, username)
    if user is None or not user.active:
        prefix = f"{where}: " if where else ""
        raise InvalidInput(
            f"{prefix}owner '{username}' is not an active workspace user; add them with "
            f"`ombud user add {username} --role owner` or name another owner"
        )


def _check_system(tx: Tx, system_id: str, version_label: str | None, where: str = "") -> None:
    prefix = f"{where}: " if where else ""
    if tx.session.get(AISystemRow, system_id) is None:
        raise InvalidInput(f"{prefix}no AI system '{system_id}'; see `ombud system list`")
    if version_label is None:
        return
    found = tx.session.execute(
        select(SystemVersionRow.id).where(
            SystemVersionRow.system_id == system_id, SystemVersionRow.label == version_label
        )
    ).first()
    if found is None:
        raise InvalidInput(
            f"{prefix}'{system_id}' has no version '{version_label}'; see `ombud system show "
            f"{system_id}`"
        )


def create_finding(tx: Tx, draft: FindingDraft) -> Finding:
    """Open a finding inside the caller's transaction; returns it with its id.

    The one way a finding comes to be: ``open_finding``, the review board, incidents,
    amendments and the report import all come through here, so each new finding is
    checked and recorded the same way.
    """
    where = draft.where
    _check_system(tx, draft.system_id, draft.version_label, where)
    authorize(
        tx.actor.username,
        tx.actor.roles,
        Action.FINDING_CREATE,
        load_target(tx.session, "system", draft.system_id),
        doing="open a finding",
    )
    title = draft.title.strip()
    if not title:
        raise InvalidInput("a finding needs a title; say in one line what is wrong")
    check_name(title, "the finding title")
    check_text(draft.description, "the finding description")
    level = parse_finding_severity(draft.severity)
    source = parse_finding_source(draft.source_kind)
    check_due_date(draft.due_date, _today())
    _check_user(tx, draft.owner, where)
    now = _now()
    row = FindingRow(
        system_id=draft.system_id,
        version_label=draft.version_label,
        title=title,
        description=draft.description,
        severity=level.value,
        source_kind=source.value,
        source_ref=draft.source_ref,
        owner=draft.owner,
        due_date=draft.due_date,
        status=FindingStatus.OPEN.value,
        fix_evidence=[],
        resolution_note="",
        risk_justification="",
        created_by=tx.actor.username,
        created_at=now,
        updated_at=now,
    )
    tx.session.add(row)
    tx.session.flush()
    result = finding_of(row)
    tx.record(
        "finding.open",
        "finding",
        f"finding-{row.id}",
        before=None,
        after=result.snapshot(),
        details={"system_id": draft.system_id, "severity": level.value, "source": source.value},
    )
    return result


def open_finding(context: AppContext, actor: Actor, draft: FindingDraft) -> Finding:
    """``create_finding`` in a transaction of its own."""
    with context.write(actor) as tx:
        return create_finding(tx, draft)


def _load(tx: Tx, finding_id: int, expected_version: int | None) -> FindingRow:
    row = tx.session.get(FindingRow, finding_id)
    if row is None:
        raise NotFoundError(f"no finding {finding_id}; see `ombud finding list`")
    if expected_version is not None and row.row_version != expected_version:
        raise ConflictError(
            f"finding {finding_id} is at revision {row.row_version}, you edited revision "
            f"{expected_version}; reload and try again"
        )
    return row


def _system_owner(tx: Tx, row: FindingRow) -> str:
    return tx.session.execute(
        select(AISystemRow.owner).where(AISystemRow.id == row.system_id)
    ).scalar_one()


def _move(tx: Tx, row: FindingRow, target: FindingStatus) -> None:
    check_finding_move(
        finding_id=row.id,
        source=FindingStatus(row.status),
        target=target,
        actor=tx.actor.username,
        actor_roles=[r.value for r in tx.actor.roles],
        owner=row.owner,
        resolver=row.resolved_by,
        system_owner=_system_owner(tx, row),
    )
    row.status = target.value


def _commit_change(
    tx: Tx, row: FindingRow, action: str, before: dict[str, Any], details: dict[str, Any]
) -> Finding:
    row.updated_at = _now()
    tx.session.flush()
    tx.record(
        action, "finding", f"finding-{row.id}", before=before, after=_snapshot(row), details=details
    )
    return finding_of(row)


_LEAD_ONLY_FIELDS = ("severity", "owner", "due_date")


def update_finding(
    context: AppContext,
    actor: Actor,
    finding_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    severity: str | None = None,
    owner: str | None = None,
    due_date: dt.date | None = None,
    status: str | None = None,
    expected_version: int | None = None,
) -> Finding:
    """Edit a finding; severity, owner and due date are a lead's call, status moves follow rules.

    ``status`` here covers the working moves (open ↔ in_remediation, reopening an accepted
    risk); resolving, verifying and accepting a risk have their own functions.
    """
    with context.write(actor) as tx:
        return change_finding(
            tx,
            finding_id,
            title=title,
            description=description,
            severity=severity,
            owner=owner,
            due_date=due_date,
            status=status,
            expected_version=expected_version,
        )


def change_finding(
    tx: Tx,
    finding_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    severity: str | None = None,
    owner: str | None = None,
    due_date: dt.date | None = None,
    status: str | None = None,
    expected_version: int | None = None,
) -> Finding:
    """``update_finding`` inside the caller's transaction (same checks, same event)."""
    row = _load(tx, finding_id, expected_version)
    if row.status == FindingStatus.VERIFIED.value:
        raise ConflictError(f"finding {finding_id} is verified and final; open a new one")
    before = _snapshot(row)
    obj = load_target(tx.session, "finding", finding_id)
    lead_changes = [
        name
        for name, value in zip(_LEAD_ONLY_FIELDS, (severity, owner, due_date), strict=True)
        if value is not None
    ]
    if lead_changes:
        authorize(
            tx.actor.username,
            tx.actor.roles,
            Action.FINDING_TRIAGE,
            obj,
            doing=f"change {', '.join(lead_changes)} of",
        )
    if title is not None or description is not None:
        authorize(tx.actor.username, tx.actor.roles, Action.FINDING_EDIT, obj, doing="edit")
    if title is not None:
        if not title.strip():
            raise InvalidInput("a finding needs a title; say in one line what is wrong")
        row.title = check_name(title.strip(), "the finding title")
    if description is not None:
        row.description = check_text(description, "the finding description")
    if severity is not None:
        row.severity = parse_finding_severity(severity).value
    if owner is not None:
        _check_user(tx, owner)
        row.owner = owner
    if due_date is not None:
        check_due_date(due_date, _today())
        row.due_date = due_date
    if status is not None:
        target = parse_finding_status(status)
        if target in (FindingStatus.RESOLVED, FindingStatus.RISK_ACCEPTED):
            command = "resolve" if target == FindingStatus.RESOLVED else "accept-risk"
            raise InvalidInput(
                f"use `ombud finding {command}` to move finding {finding_id} to {target.value}"
            )
        if target == FindingStatus.VERIFIED:
            raise InvalidInput(f"use `ombud finding verify {finding_id}` to verify a fix")
        _move(tx, row, target)
        if target == FindingStatus.OPEN:
            row.risk_accepted_by = None
            row.risk_expires_on = None
    after = _snapshot(row)
    if after == before:
        return finding_of(row)
    changed = sorted(k for k in after if after[k] != before[k])
    return _commit_change(tx, row, "finding.update", before, {"changed": changed})


def resolve_finding(
    context: AppContext,
    actor: Actor,
    finding_id: int,
    *,
    evidence_ids: Iterable[int],
    note: str,
    expected_version: int | None = None,
) -> Finding:
    """Mark the fix done, citing evidence recorded on the finding's system."""
    ids = sorted(set(evidence_ids))
    with context.write(actor) as tx:
        row = _load(tx, finding_id, expected_version)
        if not ids:
            raise InvalidInput(
                f"resolving finding {finding_id} needs at least one evidence id on "
                f"'{row.system_id}' that proves the fix; record or attach it first "
                "(`ombud evidence attach`) and pass --evidence ID"
            )
        if not note.strip():
            raise InvalidInput(f"resolving finding {finding_id} needs --note saying what was done")
        check_text(note, "the note")
        found = dict(
            tx.session.execute(
                select(EvidenceRow.id, EvidenceRow.system_id).where(EvidenceRow.id.in_(ids))
            ).all()
        )
        for ev_id in ids:
            if ev_id not in found:
                raise InvalidInput(f"evidence {ev_id} does not exist; see `ombud evidence list`")
            if found[ev_id] != row.system_id:
                raise InvalidInput(
                    f"evidence {ev_id} belongs to '{found[ev_id]}', not to '{row.system_id}' "
                    f"of finding {finding_id}; cite evidence on the same system"
                )
        before = _snapshot(row)
        _move(tx, row, FindingStatus.RESOLVED)
        row.fix_evidence = ids
        row.resolution_note = note.strip()
        row.resolved_by = actor.username
        row.resolved_at = _now()
        return _commit_change(tx, row, "finding.resolve", before, {"evidence": ids})


def verify_finding(
    context: AppContext,
    actor: Actor,
    finding_id: int,
    *,
    accept: bool = True,
    note: str = "",
    expected_version: int | None = None,
) -> Finding:
    """Confirm a resolved fix (``accept``) or send it back to remediation with a note."""
    with context.write(actor) as tx:
        row = _load(tx, finding_id, expected_version)
        before = _snapshot(row)
        if accept:
            _move(tx, row, FindingStatus.VERIFIED)
            row.verified_by = actor.username
            row.verified_at = _now()
            return _commit_change(tx, row, "finding.verify", before, {"note": note})
        if not note.strip():
            raise InvalidInput(f"sending finding {finding_id} back needs --note saying why")
        _move(tx, row, FindingStatus.IN_REMEDIATION)
        return _commit_change(tx, row, "finding.verify.reject", before, {"note": note})


def accept_risk(
    context: AppContext,
    actor: Actor,
    finding_id: int,
    *,
    justification: str,
    expires_on: dt.date,
    expected_version: int | None = None,
) -> Finding:
    """A rai_lead signs that the organization lives with this risk until ``expires_on``."""
    with context.write(actor) as tx:
        row = _load(tx, finding_id, expected_version)
        if not justification.strip():
            raise InvalidInput(
                f"accepting the risk of finding {finding_id} needs --justification saying why"
            )
        check_text(justification, "the justification")
        check_risk_expiry(expires_on, _today())
        before = _snapshot(row)
        _move(tx, row, FindingStatus.RISK_ACCEPTED)
        row.risk_justification = justification.strip()
        row.risk_accepted_by = actor.username
        row.risk_expires_on = expires_on
        return _commit_change(
            tx, row, "finding.accept_risk", before, {"expires_on": expires_on.isoformat()}
        )
