"""Findings and their remediation: opened, worked on, resolved with evidence, verified.

``create_finding`` takes a ``Tx`` so that whoever produces findings as part of a larger
decision (a review board turning conditions into findings, an incident) opens them in
its own transaction: the decision and its findings commit or vanish together.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from ombud.governance import (
    Action,
    ConflictError,
    InvalidInput,
    NotFoundError,
    authorize,
    check_name,
    check_text,
)
from ombud.governance.authorization import may_at_all
from ombud.governance.findings import (
    FindingSpec,
    FindingStatus,
    ImportDefaults,
    check_due_date,
    check_finding_move,
    check_risk_expiry,
    is_overdue,
    parse_finding_severity,
    parse_finding_source,
    parse_finding_status,
    parse_import_record,
)
from ombud.services.authorization import load_target
from ombud.services.context import Actor, AppContext, Tx
from ombud.store.models import AISystemRow, EvidenceRow, SystemVersionRow, UserRow
from ombud.store.models_tracking import FindingRow

__all__ = [
    "accept_risk",
    "count_findings",
    "create_finding",
    "finding_counts",
    "finding_dict",
    "get_finding",
    "import_findings",
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


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def finding_dict(row: FindingRow, today: dt.date | None = None) -> dict[str, Any]:
    status = FindingStatus(row.status)
    return {
        "id": row.id,
        "system_id": row.system_id,
        "version": row.version_label,
        "title": row.title,
        "description": row.description,
        "severity": row.severity,
        "source_kind": row.source_kind,
        "source_ref": row.source_ref,
        "owner": row.owner,
        "due_date": row.due_date.isoformat(),
        "status": row.status,
        "overdue": is_overdue(status, row.due_date, row.risk_expires_on, today or _today()),
        "fix_evidence": list(row.fix_evidence),
        "resolution_note": row.resolution_note,
        "resolved_by": row.resolved_by,
        "resolved_at": _iso(row.resolved_at),
        "verified_by": row.verified_by,
        "verified_at": _iso(row.verified_at),
        "risk_justification": row.risk_justification,
        "risk_accepted_by": row.risk_accepted_by,
        "risk_expires_on": _iso(row.risk_expires_on),
        "created_by": row.created_by,
        "created_at": _iso(row.created_at),
        "row_version": row.row_version,
    }


def _snapshot(row: FindingRow) -> dict[str, Any]:
    """What the audit digests cover: the record without derived or bookkeeping fields."""
    data = finding_dict(row)
    for derived in ("overdue", "row_version"):
        data.pop(derived)
    return data


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


def create_finding(
    tx: Tx,
    *,
    system_id: str,
    version_label: str | None,
    title: str,
    severity: str,
    source_kind: str,
    source_ref: str,
    owner: str,
    due_date: dt.date,
    description: str = "",
) -> dict[str, Any]:
    """Open a finding inside the caller's transaction; returns it as a dict (with its id)."""
    _check_system(tx, system_id, version_label)
    authorize(
        tx.actor.username,
        tx.actor.roles,
        Action.FINDING_CREATE,
        load_target(tx.session, "system", system_id),
        doing="open a finding",
    )
    if not title.strip():
        raise InvalidInput("a finding needs a title; say in one line what is wrong")
    check_name(title.strip(), "the finding title")
    check_text(description, "the finding description")
    level = parse_finding_severity(severity)
    source = parse_finding_source(source_kind)
    check_due_date(due_date, _today())
    _check_user(tx, owner)
    now = _now()
    row = FindingRow(
        system_id=system_id,
        version_label=version_label,
        title=title.strip(),
        description=description,
        severity=level.value,
        source_kind=source.value,
        source_ref=source_ref,
        owner=owner,
        due_date=due_date,
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
    result = finding_dict(row)
    tx.record(
        "finding.open",
        "finding",
        f"finding-{row.id}",
        before=None,
        after=_snapshot(row),
        details={"system_id": system_id, "severity": level.value, "source": source.value},
    )
    return result


def open_finding(
    context: AppContext,
    actor: Actor,
    *,
    system_id: str,
    version_label: str | None,
    title: str,
    severity: str,
    source_kind: str,
    source_ref: str,
    owner: str,
    due_date: dt.date,
    description: str = "",
) -> dict[str, Any]:
    """``create_finding`` in a transaction of its own."""
    with context.write(actor) as tx:
        return create_finding(
            tx,
            system_id=system_id,
            version_label=version_label,
            title=title,
            severity=severity,
            source_kind=source_kind,
            source_ref=source_ref,
            owner=owner,
            due_date=due_date,
            description=description,
        )


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
) -> dict[str, Any]:
    row.updated_at = _now()
    tx.session.flush()
    tx.record(
        action, "finding", f"finding-{row.id}", before=before, after=_snapshot(row), details=details
    )
    return finding_dict(row)


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
) -> dict[str, Any]:
    """Edit a finding; severity, owner and due date are a lead's call, status moves follow rules.

    ``status`` here covers the working moves (open ↔ in_remediation, reopening an accepted
    risk); resolving, verifying and accepting a risk have their own functions.
    """
    with context.write(actor) as tx:
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
                actor.username,
                actor.roles,
                Action.FINDING_TRIAGE,
                obj,
                doing=f"change {', '.join(lead_changes)} of",
            )
        if title is not None or description is not None:
            authorize(actor.username, actor.roles, Action.FINDING_EDIT, obj, doing="edit")
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
            return finding_dict(row)
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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
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


def get_finding(context: AppContext, finding_id: int) -> dict[str, Any]:
    with context.read() as session:
        row = session.get(FindingRow, finding_id)
        if row is None:
            raise NotFoundError(f"no finding {finding_id}; see `ombud finding list`")
        return finding_dict(row)


_WORKING = (FindingStatus.OPEN.value, FindingStatus.IN_REMEDIATION.value)
_URGENT_SEVERITIES = ("critical", "high")


def overdue_clause(today: dt.date) -> ColumnElement[bool]:
    """``governance.findings.is_overdue`` as SQL, so that filters and counts run in the
    database: still worked on and due before today, or an accepted risk whose acceptance
    ended on or before today. tests/services/test_finding_queries.py checks that the two
    agree row by row on both backends."""
    return or_(
        and_(FindingRow.status.in_(_WORKING), FindingRow.due_date < today),
        and_(
            FindingRow.status == FindingStatus.RISK_ACCEPTED.value,
            FindingRow.risk_expires_on.is_not(None),
            FindingRow.risk_expires_on <= today,
        ),
    )


def _filters(
    system_id: str | None, status: str | None, owner: str | None, overdue: bool, day: dt.date
) -> list[ColumnElement[bool]]:
    where = []
    if system_id:
        where.append(FindingRow.system_id == system_id)
    if status:
        where.append(FindingRow.status == parse_finding_status(status).value)
    if owner:
        where.append(FindingRow.owner == owner)
    if overdue:
        where.append(overdue_clause(day))
    return where


def count_findings(
    context: AppContext,
    *,
    system_id: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
) -> int:
    """How many findings ``list_findings`` would return with these filters and no limit."""
    query = select(func.count(FindingRow.id)).where(
        *_filters(system_id, status, owner, overdue, today or _today())
    )
    with context.read() as session:
        return int(session.execute(query).scalar_one())


def list_findings(
    context: AppContext,
    *,
    system_id: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    overdue: bool = False,
    expiring_within: int | None = None,
    today: dt.date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Findings by due date, filtered; ``limit``/``offset`` page through them.

    With ``expiring_within=N``: open or in-remediation findings due within N days, and
    accepted risks whose acceptance ends within N days (both including those already past).
    """
    day = today or _today()
    query = select(FindingRow).order_by(FindingRow.due_date, FindingRow.id)
    query = query.where(*_filters(system_id, status, owner, overdue, day))
    if expiring_within is not None and expiring_within < 0:
        raise InvalidInput("--expiring-within takes a number of days, 0 or more")
    if expiring_within is None:
        query = query.limit(limit).offset(offset)
    with context.read() as session:
        items = [finding_dict(row, day) for row in session.execute(query).scalars()]
    if expiring_within is not None:
        horizon = (day + dt.timedelta(days=expiring_within)).isoformat()
        items = [f for f in items if _ends_by(f, horizon)]
        items = items[offset:] if limit is None else items[offset : offset + limit]
    return items


def finding_counts(context: AppContext, *, today: dt.date | None = None) -> dict[str, Any]:
    """Counts over every finding, computed in the database: by status, open (open or in
    remediation) by severity, and overdue by the same rule as ``is_overdue``."""
    day = today or _today()
    with context.read() as session:
        by_status: dict[str, int] = {}
        open_by_severity: dict[str, int] = {}
        for status, severity, count in session.execute(
            select(FindingRow.status, FindingRow.severity, func.count()).group_by(
                FindingRow.status, FindingRow.severity
            )
        ):
            by_status[status] = by_status.get(status, 0) + count
            if status in _WORKING:
                open_by_severity[severity] = open_by_severity.get(severity, 0) + count
        overdue = session.execute(
            select(func.count(FindingRow.id)).where(overdue_clause(day))
        ).scalar_one()
    return {
        "by_status": by_status,
        "open_by_severity": open_by_severity,
        "open": sum(open_by_severity.values()),
        "overdue": int(overdue),
    }


def urgent_findings(
    context: AppContext, *, limit: int, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The ``limit`` critical or high findings still being worked on, due soonest first
    (overdue ones lead). Read along the (due_date, id) index: it stops after ``limit``
    matches instead of sorting every open finding."""
    day = today or _today()
    query = (
        select(FindingRow)
        .where(FindingRow.status.in_(_WORKING), FindingRow.severity.in_(_URGENT_SEVERITIES))
        .order_by(FindingRow.due_date, FindingRow.id)
        .limit(limit)
    )
    with context.read() as session:
        return [finding_dict(row, day) for row in session.execute(query).scalars()]


def _ends_by(finding: dict[str, Any], horizon: str) -> bool:
    if finding["status"] in (FindingStatus.OPEN.value, FindingStatus.IN_REMEDIATION.value):
        return bool(finding["due_date"] <= horizon)
    if finding["status"] == FindingStatus.RISK_ACCEPTED.value:
        return bool(finding["risk_expires_on"] and finding["risk_expires_on"] <= horizon)
    return False


# --- import ------------------------------------------------------------------------------


def _read_records(path: Path) -> list[tuple[str, dict[str, str]]]:
    """(where, record) pairs from a CSV (row = line number) or JSON (item index) report."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the report ({exc}); check the path") from None
    name = path.name
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"{name}:{exc.lineno}: not valid JSON ({exc.msg}); fix the JSON there"
            ) from None
        if isinstance(data, dict) and isinstance(data.get("findings"), list):
            data = data["findings"]
        if not isinstance(data, list):
            raise InvalidInput(f'{name}: expected a list of findings (or {{"findings": [...]}})')
        records = []
        for index, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                raise InvalidInput(f"{name} item {index}: expected an object with named fields")
            records.append(
                (
                    f"{name} item {index}",
                    {str(k): "" if v is None else str(v) for k, v in item.items()},
                )
            )
        return records
    if path.suffix.lower() != ".csv":
        raise InvalidInput(f"{name}: import reads .csv or .json reports; convert it to one")
    reader = csv.DictReader(io.StringIO(text))
    try:
        if not reader.fieldnames:
            raise InvalidInput(
                f"{name}: the CSV has no header row; the first row names the columns"
            )
        records = []
        for record in reader:
            if None in record:
                raise InvalidInput(
                    f"{name} row {reader.line_num}: more values than header columns; quote "
                    "values that contain commas"
                )
            records.append((f"{name} row {reader.line_num}", record))
    except csv.Error as exc:
        raise InvalidInput(f"{name} row {reader.line_num + 1}: {_csv_problem(exc)}") from None
    return records


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"a field is longer than {csv.field_size_limit()} characters; shorten it or "
            "attach the long text as evidence"
        )
    if "NUL" in text:
        return "the row holds a NUL byte (a binary file?); save the report as CSV text"
    return f"not valid CSV ({text}); fix the quoting there"


def import_findings(
    context: AppContext,
    actor: Actor,
    path: Path,
    *,
    system_id: str | None = None,
    owner: str | None = None,
    due_in_days: int | None = None,
    source_kind: str = "third_party_audit",
) -> list[dict[str, Any]]:
    """Open every finding of an auditor's report in one transaction, or none of them.

    Each finding is authorized on its own system (an owner imports only onto their own
    systems); the role gate here refuses an auditor before the file is read.
    """
    may_at_all(actor.username, actor.roles, Action.FINDING_CREATE)
    today = _today()
    defaults = ImportDefaults(
        system_id=system_id,
        owner=owner,
        due_date=today + dt.timedelta(days=due_in_days) if due_in_days is not None else None,
    )
    records = _read_records(path)
    if not records:
        raise InvalidInput(f"{path.name}: the report holds no findings; nothing imported")
    specs = [parse_import_record(where, record, defaults, today) for where, record in records]
    with context.write(actor) as tx:
        return [_create_from_spec(tx, spec, source_kind) for spec in specs]


def _create_from_spec(tx: Tx, spec: FindingSpec, source_kind: str) -> dict[str, Any]:
    _check_system(tx, spec.system_id, spec.version_label, spec.where)
    _check_user(tx, spec.owner, spec.where)
    return create_finding(
        tx,
        system_id=spec.system_id,
        version_label=spec.version_label,
        title=spec.title,
        severity=spec.severity.value,
        source_kind=source_kind,
        source_ref=spec.source_ref,
        owner=spec.owner,
        due_date=spec.due_date,
        description=spec.description,
    )
