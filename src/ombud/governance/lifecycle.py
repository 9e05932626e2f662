"""The lifecycle of an AI system: which status changes exist and who may make them.

These are rules of the domain, not of an interface: the CLI, the web app and the
services all ask ``check_transition``, so nobody can skip a step through a side door.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ombud.governance.errors import DomainError, InvalidInput, PermissionDenied
from ombud.governance.inventory import LifecycleStatus as S
from ombud.governance.roles import Role

__all__ = ["TRANSITIONS", "Transition", "allowed_targets", "check_transition"]

OWNER = "system_owner"  # a pseudo-role: the user named as the system's owner


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    roles: frozenset[str]
    meaning: str
    owner_may_not: bool = False  # separation of duties: the owner cannot make this move


def _t(source: S, target: S, roles: set[str], meaning: str, *, sod: bool = False) -> Transition:
    return Transition(source, target, frozenset(roles), meaning, sod)


_LEAD = {Role.ADMIN.value, Role.RAI_LEAD.value}
_RESPONSIBLE = _LEAD | {OWNER}

TRANSITIONS: tuple[Transition, ...] = (
    _t(S.PROPOSED, S.IN_REVIEW, _RESPONSIBLE, "submit for review"),
    _t(S.PROPOSED, S.RETIRED, _RESPONSIBLE, "abandon before review"),
    _t(S.IN_REVIEW, S.PROPOSED, _RESPONSIBLE, "withdraw from review"),
    _t(S.IN_REVIEW, S.APPROVED, _LEAD, "approve for deployment", sod=True),
    _t(S.IN_REVIEW, S.REJECTED, _LEAD, "reject"),
    _t(S.REJECTED, S.PROPOSED, _RESPONSIBLE, "rework and resubmit"),
    _t(S.REJECTED, S.RETIRED, _RESPONSIBLE, "abandon after rejection"),
    _t(S.APPROVED, S.DEPLOYED, _RESPONSIBLE, "deploy"),
    _t(S.APPROVED, S.RETIRED, _RESPONSIBLE, "retire before deployment"),
    _t(S.DEPLOYED, S.SUSPENDED, _RESPONSIBLE, "suspend (stop using it now)"),
    _t(S.DEPLOYED, S.RETIRED, _RESPONSIBLE, "retire"),
    _t(S.SUSPENDED, S.DEPLOYED, _LEAD, "reinstate after suspension", sod=True),
    _t(S.SUSPENDED, S.IN_REVIEW, _RESPONSIBLE, "send back to review"),
    _t(S.SUSPENDED, S.RETIRED, _RESPONSIBLE, "retire while suspended"),
)

_BY_EDGE = {(t.source, t.target): t for t in TRANSITIONS}


def allowed_targets(source: S) -> tuple[S, ...]:
    return tuple(t.target for t in TRANSITIONS if t.source == source)


def check_transition(
    *,
    system_id: str,
    source: S,
    target: S,
    actor: str,
    actor_roles: Iterable[str],
    owner: str,
    reason: str,
) -> Transition:
    """Return the transition if ``actor`` may move the system, else raise with the rule."""
    if not reason.strip():
        raise InvalidInput(
            f"moving '{system_id}' to {target.value} needs a reason; pass --reason \"...\""
        )
    transition = _BY_EDGE.get((source, target))
    if transition is None:
        options = ", ".join(t.value for t in allowed_targets(source)) or "none (final status)"
        raise DomainError(
            f"'{system_id}' cannot go from {source.value} to {target.value}; "
            f"from {source.value} it may go to: {options}"
        )
    held = set(actor_roles)
    is_owner = actor == owner
    if is_owner:
        held.add(OWNER)
    if transition.owner_may_not and is_owner:
        raise PermissionDenied(
            f"'{actor}' owns '{system_id}' and may not {transition.meaning} it "
            "(separation of duties); ask a rai_lead who does not own it"
        )
    if not held & transition.roles:
        needed = ", ".join(sorted(r.replace(OWNER, "the system's owner") for r in transition.roles))
        raise PermissionDenied(
            f"'{actor}' may not {transition.meaning} '{system_id}'; that needs one of: {needed}"
        )
    return transition
