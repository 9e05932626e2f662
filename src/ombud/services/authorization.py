"""The objects the authorization policy decides about, read from the database.

The policy (``governance.authorize`` / ``permits``: one decision, two faces) decides
from roles and relationships; this module only reads the relationships (who owns the
system, who is assigned the finding, who sits on the review). Services load the target
inside their write transaction (``load_target``), so the facts checked are the facts
written; the web loads it in a read of its own (``target_of``) before it reads a form,
so a refused user learns nothing from field validation.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ombud.governance import NotFoundError, Target
from ombud.governance.findings import finding_target
from ombud.services.context import AppContext
from ombud.store.models import AISystemRow, ClassificationRequestRow
from ombud.store.models_reviews import ReviewAssignmentRow, ReviewRow
from ombud.store.models_tracking import FindingRow, IncidentRow, IncidentSystemRow

__all__ = ["KINDS", "load_target", "target_of"]


def _system_owner(session: Session, system_id: str) -> str:
    owner = session.execute(
        select(AISystemRow.owner).where(AISystemRow.id == system_id)
    ).scalar_one_or_none()
    if owner is None:
        raise NotFoundError(
            f"no AI system '{system_id}' in this workspace; see `ombud system list`"
        )
    return str(owner)


def _system(session: Session, ident: str) -> Target:
    return Target.system(ident, _system_owner(session, ident))


def _finding(session: Session, ident: str) -> Target:
    row = session.get(FindingRow, int(ident))
    if row is None:
        raise NotFoundError(f"no finding {ident}; see `ombud finding list`")
    return finding_target(
        row.id,
        assignee=row.owner,
        system_owner=_system_owner(session, row.system_id),
        resolver=row.resolved_by,
    )


def _incident(session: Session, ident: str) -> Target:
    row = session.get(IncidentRow, int(ident))
    if row is None:
        raise NotFoundError(f"no incident {ident}; see `ombud incident list`")
    owners = session.execute(
        select(AISystemRow.owner)
        .join(IncidentSystemRow, IncidentSystemRow.system_id == AISystemRow.id)
        .where(IncidentSystemRow.incident_id == row.id)
    ).scalars()
    return Target(
        "incident", str(row.id), system_owners=frozenset(owners), reporter=row.reported_by
    )


def _review(session: Session, ident: str) -> Target:
    row = session.get(ReviewRow, int(ident))
    if row is None:
        raise NotFoundError(f"no review #{ident}; see `ombud review list`")
    seated = session.execute(
        select(ReviewAssignmentRow.reviewer).where(ReviewAssignmentRow.review_id == row.id)
    ).scalars()
    return Target(
        "review",
        f"#{row.id}",
        system_owners=frozenset({_system_owner(session, row.system_id)}),
        seated=frozenset(seated),
    )


def _classification(session: Session, ident: str) -> Target:
    row = session.get(ClassificationRequestRow, int(ident))
    if row is None:
        raise NotFoundError(
            f"no classification request {ident}; see `ombud classification pending`"
        )
    return Target(
        "classification request",
        str(row.id),
        system_owners=frozenset({_system_owner(session, row.system_id)}),
        requester=row.requested_by,
    )


_LOADERS = {
    "system": _system,
    "finding": _finding,
    "incident": _incident,
    "review": _review,
    "classification": _classification,
}
KINDS = tuple(_LOADERS)


def load_target(session: Session, kind: str, ident: str | int) -> Target:
    """The object ``kind``/``ident`` with the people related to it; NotFoundError if none."""
    return _LOADERS[kind](session, str(ident))


def target_of(context: AppContext, kind: str, ident: str | int) -> Target:
    """``load_target`` in a read transaction of its own (for adapters, before a form)."""
    with context.read() as session:
        return load_target(session, kind, ident)
