"""Reading findings: one as the services hand it out, lists, counts, the overdue ones.

Split from ``findings`` (the writes): the reads are what the web pages and the dashboard
call on every request, and they need none of the remediation rules. ``findings``
re-exports them, so callers keep one name for the findings service.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, func, or_, select

from ombud.governance import InvalidInput, NotFoundError
from ombud.governance.findings import FindingStatus, parse_finding_status
from ombud.services.context import AppContext
from ombud.services.finding_records import Finding, FindingCounts
from ombud.store.models_tracking import FindingRow

__all__ = [
    "count_findings",
    "finding_counts",
    "finding_of",
    "get_finding",
    "list_findings",
    "overdue_clause",
    "urgent_findings",
]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def finding_of(row: FindingRow, today: dt.date | None = None) -> Finding:
    """The row as the services hand it out, ``overdue`` as of ``today`` (default: now)."""
    return Finding.from_row(row, today or _today())


def get_finding(context: AppContext, finding_id: int) -> Finding:
    with context.read() as session:
        row = session.get(FindingRow, finding_id)
        if row is None:
            raise NotFoundError(f"no finding {finding_id}; see `ombud finding list`")
        return finding_of(row)


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
) -> list[Finding]:
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
        items = [finding_of(row, day) for row in session.execute(query).scalars()]
    if expiring_within is not None:
        horizon = day + dt.timedelta(days=expiring_within)
        items = [f for f in items if _ends_by(f, horizon)]
        items = items[offset:] if limit is None else items[offset : offset + limit]
    return items


def finding_counts(context: AppContext, *, today: dt.date | None = None) -> FindingCounts:
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
    return FindingCounts(
        by_status=by_status,
        open_by_severity=open_by_severity,
        open=sum(open_by_severity.values()),
        overdue=int(overdue),
    )


def urgent_findings(
    context: AppContext, *, limit: int, today: dt.date | None = None
) -> list[Finding]:
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
        return [finding_of(row, day) for row in session.execute(query).scalars()]


def _ends_by(finding: Finding, horizon: dt.date) -> bool:
    if finding.working:
        return finding.due_date <= horizon
    if finding.status == FindingStatus.RISK_ACCEPTED.value:
        return finding.risk_expires_on is not None and finding.risk_expires_on <= horizon
    return False
