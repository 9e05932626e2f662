"""The one policy: may actor A do action X to object O.

Every write of every interface (CLI, web pages, API, library) asks ``authorize``, and
every page that shows or hides a button asks ``permits``: two faces (raise, or answer
yes/no) of one decision, which is made from two things only: the roles the actor holds
and the actor's relationship to the object (owner of the system, assignee of the
finding, reporter of the incident, reviewer seated on the review, the user themself).
A role alone is never enough where an object has an owner: the attacker walk that found
this (issue #19) was a user with the ``owner`` role reclassifying a high-risk system she
does not own.

The table is data (``GRANTS``, ``SEPARATED``) so that docs/authorization.md, the web
route matrix and the services read the same thing. Separation of duties is one rule
here too: a relationship listed in ``SEPARATED`` for an action refuses it even when a
role would grant it (the owner of a system never approves it, the resolver of a fix
never verifies it).

The inventory has an ``owner_team`` field, but it is a team name with no membership:
no user record says who belongs to which team, so teams grant nothing (yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ombud.governance.errors import PermissionDenied
from ombud.governance.roles import Role

__all__ = [
    "GRANTS",
    "SEPARATED",
    "Action",
    "Grant",
    "Relation",
    "Target",
    "authorize",
    "check_token_scopes",
    "permits",
    "relations",
]


class Action(StrEnum):
    """Everything a person may do to the record, one value per rule of the table."""

    READ = "read"
    USER_MANAGE = "user.manage"
    USER_CREDENTIALS = "user.credentials"  # set a password, issue or revoke a token, sessions
    SYSTEM_REGISTER = "system.register"
    SYSTEM_UPDATE = "system.update"
    SYSTEM_VERSION_ADD = "system.version.add"
    SYSTEM_CLASSIFY = "system.classify"
    CLASSIFICATION_CONFIRM = "classification.confirm"  # a pending downgrade: confirm/reject
    SYSTEM_TRANSITION = "system.transition"  # the owner's moves (submit, deploy, retire...)
    SYSTEM_APPROVE = "system.approve"  # the lead's moves (approve, reinstate)
    SYSTEM_REJECT = "system.reject"  # the lead's move that the owner may face
    EVIDENCE_RECORD = "evidence.record"
    MONITOR_CONFIGURE = "monitor.configure"  # set up a monitor (its spec, from a reference)
    MONITOR_INGEST = "monitor.ingest"  # store windows of a prediction log, amend one
    GATE_RUN = "gate.run"
    REVIEW_OPEN = "review.open"
    REVIEW_ASSIGN = "review.assign"
    REVIEW_VOTE = "review.vote"
    REVIEW_DECIDE = "review.decide"
    RISK_ACCEPT = "risk.accept"
    FINDING_CREATE = "finding.create"
    FINDING_EDIT = "finding.edit"  # title, description
    FINDING_TRIAGE = "finding.triage"  # severity, assignee, due date
    FINDING_WORK = "finding.work"  # start, resolve, reopen
    FINDING_VERIFY = "finding.verify"
    FINDING_ACCEPT_RISK = "finding.accept_risk"
    FINDING_REOPEN_RISK = "finding.reopen_risk"
    INCIDENT_REPORT = "incident.report"
    INCIDENT_UPDATE = "incident.update"  # notes, corrections, notifications, links, suspend
    INCIDENT_CLOSE = "incident.close"


class Relation(StrEnum):
    """How an actor stands to an object, as far as the policy cares."""

    SYSTEM_OWNER = "system owner"
    FINDING_ASSIGNEE = "assignee"
    RESOLVER = "resolver"
    REPORTER = "reporter"
    SEATED_REVIEWER = "assigned reviewer"
    REQUESTER = "requester"
    SELF = "user themself"


@dataclass(frozen=True)
class Target:
    """The object of an action and the people related to it.

    ``system_owners`` holds one owner for a system, a finding or a review, and the
    owners of every affected system for an incident (each of them is an owner of it).
    ``named`` is False for an object not yet named (``Target.unnamed()``).
    """

    kind: str
    ident: str
    system_owners: frozenset[str] = frozenset()
    assignee: str | None = None
    resolver: str | None = None
    reporter: str | None = None
    seated: frozenset[str] = frozenset()
    requester: str | None = None
    user: str | None = None
    named: bool = True

    @property
    def label(self) -> str:
        return f"{self.kind} '{self.ident}'"

    @classmethod
    def unnamed(cls) -> Target:
        """Some object not yet named, for a form that creates one (a new incident).

        The actor may stand in any relation to it and none refuses them yet, so the
        answer is the role gate before the fields are read; the full check runs again
        once the object is known.
        """
        return cls("", "", named=False)

    @classmethod
    def system(cls, system_id: str, owner: str) -> Target:
        return cls("system", system_id, system_owners=frozenset({owner}))

    @classmethod
    def account(cls, username: str) -> Target:
        """A user's account: their password, tokens and sessions."""
        return cls("user", username, user=username)


@dataclass(frozen=True)
class Grant:
    """Holding ``role`` (any role if None) AND standing in ``relation`` (any if None)."""

    role: Role | None
    relation: Relation | None

    def describe(self) -> str:
        if self.relation is None:
            return self.role.value if self.role else "anyone"
        if self.role is None:
            return f"the {self.relation.value}"
        return f"{self.role.value} who is the {self.relation.value}"


_A, _L, _O = Role.ADMIN, Role.RAI_LEAD, Role.OWNER
_R, _AU = Role.REVIEWER, Role.AUDITOR
R = Relation


def _g(*grants: tuple[Role | None, Relation | None]) -> tuple[Grant, ...]:
    return tuple(Grant(role, relation) for role, relation in grants)


_LEADS = ((_A, None), (_L, None))
_OWN_SYSTEM = (_O, R.SYSTEM_OWNER)

#: Who may do what: any one grant suffices.
GRANTS: dict[Action, tuple[Grant, ...]] = {
    Action.READ: _g(*((role, None) for role in Role)),
    Action.USER_MANAGE: _g((_A, None)),
    Action.USER_CREDENTIALS: _g((_A, None), (None, R.SELF)),
    Action.SYSTEM_REGISTER: _g(*_LEADS, _OWN_SYSTEM),
    Action.SYSTEM_UPDATE: _g(*_LEADS, _OWN_SYSTEM),
    Action.SYSTEM_VERSION_ADD: _g(*_LEADS, _OWN_SYSTEM),
    Action.SYSTEM_CLASSIFY: _g(*_LEADS, _OWN_SYSTEM),
    Action.CLASSIFICATION_CONFIRM: _g(*_LEADS),
    # Whoever a system names as its owner answers for it, whatever their role.
    Action.SYSTEM_TRANSITION: _g(*_LEADS, (None, R.SYSTEM_OWNER)),
    Action.SYSTEM_APPROVE: _g(*_LEADS),
    Action.SYSTEM_REJECT: _g(*_LEADS),
    Action.EVIDENCE_RECORD: _g(*_LEADS, _OWN_SYSTEM),
    Action.MONITOR_CONFIGURE: _g(*_LEADS, _OWN_SYSTEM),
    Action.MONITOR_INGEST: _g(*_LEADS, _OWN_SYSTEM),
    Action.GATE_RUN: _g(*_LEADS, (_R, None), _OWN_SYSTEM),
    Action.REVIEW_OPEN: _g(*_LEADS, (None, R.SYSTEM_OWNER)),
    Action.REVIEW_ASSIGN: _g(*_LEADS),
    Action.REVIEW_VOTE: _g((None, R.SEATED_REVIEWER)),
    Action.REVIEW_DECIDE: _g((_L, None)),
    Action.RISK_ACCEPT: _g((_L, None)),
    Action.FINDING_CREATE: _g(*_LEADS, (_R, None), _OWN_SYSTEM),
    Action.FINDING_EDIT: _g(*_LEADS, (None, R.FINDING_ASSIGNEE), _OWN_SYSTEM),
    Action.FINDING_TRIAGE: _g(*_LEADS),
    Action.FINDING_WORK: _g(*_LEADS, (None, R.FINDING_ASSIGNEE), _OWN_SYSTEM),
    # An auditor's one write: confirming (or refusing) someone else's fix.
    Action.FINDING_VERIFY: _g((_L, None), (_AU, None)),
    Action.FINDING_ACCEPT_RISK: _g((_L, None)),
    Action.FINDING_REOPEN_RISK: _g(*_LEADS),
    Action.INCIDENT_REPORT: _g(*_LEADS, (_R, None), _OWN_SYSTEM),
    Action.INCIDENT_UPDATE: _g(*_LEADS, (_R, None), _OWN_SYSTEM, (_O, R.REPORTER)),
    Action.INCIDENT_CLOSE: _g(*_LEADS),
}

#: Separation of duties: standing in one of these relations refuses the action, even to
#: a rai_lead. The person who built, owns or fixed a thing never signs it off.
SEPARATED: dict[Action, frozenset[Relation]] = {
    Action.SYSTEM_APPROVE: frozenset({R.SYSTEM_OWNER}),
    Action.REVIEW_VOTE: frozenset({R.SYSTEM_OWNER}),
    Action.REVIEW_DECIDE: frozenset({R.SYSTEM_OWNER}),
    Action.RISK_ACCEPT: frozenset({R.SYSTEM_OWNER}),
    Action.CLASSIFICATION_CONFIRM: frozenset({R.REQUESTER}),
    Action.FINDING_VERIFY: frozenset({R.FINDING_ASSIGNEE, R.RESOLVER}),
    Action.FINDING_ACCEPT_RISK: frozenset({R.FINDING_ASSIGNEE}),
}

#: Relations that must hold for EVERY owner of a multi-system object (an incident
#: reported on two systems needs an owner-role reporter to own both).
_ALL_OWNERS = frozenset({Action.INCIDENT_REPORT})


def relations(actor: str, target: Target, action: Action | None = None) -> frozenset[Relation]:
    """How ``actor`` stands to ``target``."""
    held: set[Relation] = set()
    owners = target.system_owners
    if actor in owners and (action not in _ALL_OWNERS or owners == {actor}):
        held.add(R.SYSTEM_OWNER)
    if actor == target.assignee:
        held.add(R.FINDING_ASSIGNEE)
    if actor == target.resolver:
        held.add(R.RESOLVER)
    if actor == target.reporter:
        held.add(R.REPORTER)
    if actor in target.seated:
        held.add(R.SEATED_REVIEWER)
    if actor == target.requester:
        held.add(R.REQUESTER)
    if actor == target.user:
        held.add(R.SELF)
    return frozenset(held)


def _roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    return frozenset(Role(r) for r in roles)


def _reason(
    actor: str, roles: frozenset[Role], action: Action, target: Target, doing: str | None
) -> str | None:
    """None if allowed, else the one-line reason: the one decision behind both faces."""
    if not target.named:
        what = action.value
        held, separated = frozenset(Relation), frozenset[Relation]()
    else:
        what = f"{action.value} {target.label}"
        if doing:
            what = f"{doing} {target.label} ({action.value})"
        held = relations(actor, target, action)
        separated = held & SEPARATED.get(action, frozenset())
    if separated:
        why = sorted(r.value for r in separated)[0]
        return (
            f"user '{actor}' may not {what}: they are its {why} (separation of duties); "
            "ask a rai_lead who is not"
        )
    for grant in GRANTS[action]:
        if (grant.role is None or grant.role in roles) and (
            grant.relation is None or grant.relation in held
        ):
            return None
    have = ", ".join(sorted(r.value for r in roles)) or "none"
    needed = ", ".join(g.describe() for g in GRANTS[action])
    return f"user '{actor}' (roles: {have}) may not {what}; that needs one of: {needed}"


def permits(actor: str, roles: Iterable[Role | str], action: Action, target: Target) -> bool:
    """May ``actor`` do ``action`` to ``target``? The answering face, to show or hide."""
    return _reason(actor, _roles(roles), action, target, None) is None


def authorize(
    actor: str,
    roles: Iterable[Role | str],
    action: Action,
    target: Target,
    *,
    doing: str | None = None,
) -> None:
    """Raise PermissionDenied naming actor, action and object unless the table allows it.

    The raising face of ``permits``, for writes. ``doing`` words the action for the
    message ("deploy", "verify the fix of").
    """
    reason = _reason(actor, _roles(roles), action, target, doing)
    if reason is not None:
        raise PermissionDenied(reason)


#: Roles that may write anything at all; a token for a user with none of them is read-only.
_WRITING_ROLES = frozenset({_A, _L, _O, _R})


def check_token_scopes(username: str, roles: Iterable[Role | str], scopes: Iterable[str]) -> None:
    """An API token with the write scope only for a user whose roles can write.

    An auditor's one write (verifying a finding) has no API route, so an auditor's token
    is read-only; issuing a write token would only arm a stolen token.
    """
    if "write" in set(scopes) and not _roles(roles) & _WRITING_ROLES:
        have = ", ".join(sorted(Role(r).value for r in roles)) or "none"
        raise PermissionDenied(
            f"user '{username}' (roles: {have}) may not hold a write-scope API token; "
            "issue a read token (--scope read)"
        )
