"""The lifecycle of an AI system: which status changes exist and who may make them.

These are rules of the domain, not of an interface: the CLI, the web app and the
services all ask ``check_transition``, so nobody can skip a step through a side door.
"""

from __future__ import annotations

from collections.abc import Iterable

from ombud.governance.authorization import Action, Target
from ombud.governance.errors import InvalidInput
from ombud.governance.inventory import LifecycleStatus as S
from ombud.governance.moves import Move, check_move, targets_from

__all__ = ["TRANSITIONS", "Transition", "allowed_targets", "check_transition"]


#: A move of a system's lifecycle; who may make it (and whether the system's owner is
#: kept out of it: separation of duties) is the rule its ``action`` names.
Transition = Move[S]


_MOVE, _APPROVE, _REJECT = Action.SYSTEM_TRANSITION, Action.SYSTEM_APPROVE, Action.SYSTEM_REJECT

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.PROPOSED, S.IN_REVIEW, _MOVE, "submit for review"),
    Transition(S.PROPOSED, S.RETIRED, _MOVE, "abandon before review"),
    Transition(S.IN_REVIEW, S.PROPOSED, _MOVE, "withdraw from review"),
    Transition(S.IN_REVIEW, S.APPROVED, _APPROVE, "approve for deployment"),
    Transition(S.IN_REVIEW, S.REJECTED, _REJECT, "reject"),
    Transition(S.REJECTED, S.PROPOSED, _MOVE, "rework and resubmit"),
    Transition(S.REJECTED, S.RETIRED, _MOVE, "abandon after rejection"),
    Transition(S.APPROVED, S.DEPLOYED, _MOVE, "deploy"),
    Transition(S.APPROVED, S.RETIRED, _MOVE, "retire before deployment"),
    Transition(S.DEPLOYED, S.SUSPENDED, _MOVE, "suspend (stop using it now)"),
    Transition(S.DEPLOYED, S.RETIRED, _MOVE, "retire"),
    Transition(S.SUSPENDED, S.DEPLOYED, _APPROVE, "reinstate after suspension"),
    Transition(S.SUSPENDED, S.IN_REVIEW, _MOVE, "send back to review"),
    Transition(S.SUSPENDED, S.RETIRED, _MOVE, "retire while suspended"),
)


def allowed_targets(source: S) -> tuple[S, ...]:
    return targets_from(TRANSITIONS, source)


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
    return check_move(
        TRANSITIONS,
        subject=f"'{system_id}'",
        source=source,
        target=target,
        actor=actor,
        actor_roles=actor_roles,
        obj=Target.system(system_id, owner),
    )
