"""A status change and who may make it: the one rule for systems and findings alike.

An AI system's lifecycle and a finding's life are both small state machines whose moves
are each decided by a rule of governance/authorization.py (including separation of
duties: the owner never approves, the resolver never verifies). The check is the same
for both: the move must exist, then the actor must hold the rule for it on the object.
Keeping it here means a third tracked object (a mitigation, a monitor alert) gets the
same check and the same messages by listing its moves, not by copying the code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from ombud.governance.authorization import Action, Target, authorize
from ombud.governance.errors import DomainError

__all__ = ["Move", "check_move", "targets_from"]

StatusT = TypeVar("StatusT", bound=StrEnum)


@dataclass(frozen=True)
class Move(Generic[StatusT]):
    """One edge of a state machine and the rule of the policy that decides it."""

    source: StatusT
    target: StatusT
    #: The rule of governance/authorization.py that decides who may make the move (and
    #: whether a relation to the object keeps someone out of it: separation of duties).
    action: Action
    #: The move in words, for the refusal message ("approve for deployment").
    meaning: str


def targets_from(moves: Iterable[Move[StatusT]], source: StatusT) -> tuple[StatusT, ...]:
    """The statuses ``source`` may move to, in the table's order."""
    return tuple(m.target for m in moves if m.source == source)


def check_move(
    moves: Sequence[Move[StatusT]],
    *,
    subject: str,
    source: StatusT,
    target: StatusT,
    actor: str,
    actor_roles: Iterable[str],
    obj: Target,
    final: str = "none (final status)",
) -> Move[StatusT]:
    """Return the move if it exists and ``actor`` may make it on ``obj``, else raise.

    ``subject`` names the object in the message ("'credit-scoring'", "finding 4"), and
    ``final`` words a status with no way out.
    DomainError when there is no such move (naming the moves there are),
    PermissionDenied when the policy refuses it (naming the rule).
    """
    move = next((m for m in moves if m.source == source and m.target == target), None)
    if move is None:
        options = ", ".join(t.value for t in targets_from(moves, source))
        raise DomainError(
            f"{subject} cannot go from {source.value} to {target.value}; "
            f"from {source.value} it may go to: {options or final}"
        )
    authorize(actor, actor_roles, move.action, obj, doing=move.meaning)
    return move
