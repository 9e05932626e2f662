"""Review-board rules: who may sit, vote and decide, when a decision may be taken, and
when a system version is cleared to deploy.

They live in the domain layer so that every interface (CLI, web, library) meets the same
rules, above all separation of duties: the owner of a system never votes on it, never
decides it and never signs a risk acceptance for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ombud.governance.authorization import Action, Target, authorize
from ombud.governance.errors import ConflictError, DomainError, InvalidInput, PermissionDenied
from ombud.governance.findings import check_risk_expiry
from ombud.governance.policy import CAPACITIES, Approvals
from ombud.governance.roles import Role
from ombud.governance.text import check_text

__all__ = [
    "Condition",
    "Decision",
    "QuorumStatus",
    "ReviewStatus",
    "Seat",
    "Vote",
    "check_assignment",
    "check_decision",
    "check_deploy_clearance",
    "check_risk_acceptance",
    "check_vote",
    "parse_condition",
    "parse_decision",
    "parse_vote",
    "quorum_status",
    "review_target",
]


class ReviewStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class Vote(StrEnum):
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REJECT = "reject"
    ABSTAIN = "abstain"


class Decision(StrEnum):
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REJECT = "reject"
    DEFER = "defer"


APPROVING = frozenset({Decision.APPROVE, Decision.APPROVE_WITH_CONDITIONS})
_SEATED = frozenset({Role.REVIEWER, Role.RAI_LEAD})


def _parse(kind: type[Vote] | type[Decision], value: str, what: str) -> Any:
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(v.value for v in kind)
        raise InvalidInput(f"{what} '{value}' is unknown; use one of: {allowed}") from None


def parse_vote(value: str) -> Vote:
    result: Vote = _parse(Vote, value, "vote")
    return result


def parse_decision(value: str) -> Decision:
    result: Decision = _parse(Decision, value, "decision")
    return result


@dataclass(frozen=True)
class Condition:
    """A condition of approval: it becomes a finding owned by ``owner``, due on ``due``."""

    text: str
    owner: str
    due: dt.date
    severity: str = "medium"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "owner": self.owner,
            "due": self.due.isoformat(),
            "severity": self.severity,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Condition:
        return cls(
            str(data["text"]),
            str(data["owner"]),
            dt.date.fromisoformat(str(data["due"])),
            str(data.get("severity", "medium")),
        )


def parse_condition(spec: str) -> Condition:
    """``OWNER:YYYY-MM-DD:what must be done`` (the form the CLI takes)."""
    parts = spec.split(":", 2)
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise InvalidInput(
            f"condition '{spec}' must read OWNER:YYYY-MM-DD:TEXT, "
            "e.g. olivia:2027-03-31:add drift monitoring on the approval rate"
        )
    owner, due, text = (p.strip() for p in parts)
    try:
        day = dt.date.fromisoformat(due)
    except ValueError:
        raise InvalidInput(f"condition '{spec}': '{due}' is not a date YYYY-MM-DD") from None
    return Condition(text, owner, day)


def _check_conditions(conditions: Sequence[Condition], today: dt.date, where: str) -> None:
    for condition in conditions:
        if condition.due < today:
            raise InvalidInput(
                f"{where}: condition '{condition.text}' is due {condition.due.isoformat()}, "
                f"in the past (today is {today.isoformat()}); give today or a later date"
            )


def review_target(review_id: int, owner: str, seats: Mapping[str, Seat]) -> Target:
    """A review as the authorization policy sees it: its system's owner and its board."""
    return Target(
        "review", f"#{review_id}", system_owners=frozenset({owner}), seated=frozenset(seats)
    )


def check_assignment(
    *, review_id: int, owner: str, reviewer: str, reviewer_roles: Iterable[str], capacity: str
) -> None:
    """A reviewer sits in a known capacity, holds a reviewer or rai_lead role, and is
    not the system's owner."""
    if capacity not in CAPACITIES:
        raise InvalidInput(
            f"capacity '{capacity}' is unknown; capacities are: {', '.join(CAPACITIES)}"
        )
    if reviewer == owner:
        raise PermissionDenied(
            f"'{reviewer}' owns the system under review #{review_id} and may not sit on its "
            "board (separation of duties); assign someone else"
        )
    if not set(reviewer_roles) & {r.value for r in _SEATED}:
        raise PermissionDenied(
            f"'{reviewer}' may not review: board members need the reviewer or rai_lead role "
            f"(`ombud user add {reviewer} --role reviewer`)"
        )


@dataclass(frozen=True)
class Seat:
    capacity: str
    conflict: str | None


def check_vote(
    *,
    review_id: int,
    status: str,
    owner: str,
    voter: str,
    seats: Mapping[str, Seat],
    voter_roles: Iterable[str] = (),
    voted: Iterable[str],
    vote: Vote,
    rationale: str,
    conditions: Sequence[Condition],
    today: dt.date,
) -> Seat:
    """Return the voter's seat if they may cast this vote, else raise naming the rule."""
    if status != ReviewStatus.OPEN:
        raise ConflictError(f"review #{review_id} is closed; votes are no longer taken")
    authorize(voter, voter_roles, Action.REVIEW_VOTE, review_target(review_id, owner, seats))
    seat = seats[voter]
    if seat.conflict:
        raise PermissionDenied(
            f"'{voter}' declared a conflict of interest on review #{review_id} "
            f"({seat.conflict}) and may not vote"
        )
    if voter in set(voted):
        raise ConflictError(f"'{voter}' has already voted on review #{review_id}; one vote each")
    if not rationale.strip():
        raise InvalidInput("a vote needs a rationale; say why in a sentence (--rationale)")
    check_text(rationale, "the rationale")
    for condition in conditions:
        check_text(condition.text, "a condition")
    if vote is Vote.APPROVE_WITH_CONDITIONS and not conditions:
        raise InvalidInput(
            "approve_with_conditions needs at least one condition (--condition OWNER:DATE:TEXT)"
        )
    if conditions and vote is not Vote.APPROVE_WITH_CONDITIONS:
        raise InvalidInput(f"conditions go with approve_with_conditions, not with {vote.value}")
    _check_conditions(conditions, today, f"vote on review #{review_id}")
    return seat


@dataclass(frozen=True)
class QuorumStatus:
    """Votes that count: cast by assigned reviewers without a conflict, abstentions aside."""

    counted: int
    quorum: int
    approving: int
    rejecting: int
    abstaining: int
    missing_capacities: tuple[str, ...]

    @property
    def met(self) -> bool:
        return self.counted >= self.quorum and not self.missing_capacities

    def to_dict(self) -> dict[str, Any]:
        return {
            "counted": self.counted,
            "quorum": self.quorum,
            "approving": self.approving,
            "rejecting": self.rejecting,
            "abstaining": self.abstaining,
            "missing_capacities": list(self.missing_capacities),
            "met": self.met,
        }


def quorum_status(
    votes: Iterable[tuple[str, Vote]], seats: Mapping[str, Seat], approvals: Approvals
) -> QuorumStatus:
    """``votes`` are (reviewer, vote); conflicted or unassigned voters do not count."""
    valid = [(r, v) for r, v in votes if r in seats and not seats[r].conflict]
    counted = [(r, v) for r, v in valid if v is not Vote.ABSTAIN]
    present = {seats[r].capacity for r, _ in counted}
    return QuorumStatus(
        counted=len(counted),
        quorum=approvals.quorum,
        approving=sum(v in (Vote.APPROVE, Vote.APPROVE_WITH_CONDITIONS) for _, v in counted),
        rejecting=sum(v is Vote.REJECT for _, v in counted),
        abstaining=len(valid) - len(counted),
        missing_capacities=tuple(c for c in approvals.capacities if c not in present),
    )


def check_decision(
    *,
    review_id: int,
    status: str,
    owner: str,
    decider: str,
    decider_roles: Iterable[str],
    decision: Decision,
    rationale: str,
    conditions: Sequence[Condition],
    quorum: QuorumStatus,
    today: dt.date,
    gate_outcome: str | None = None,
    override_failed_gate: bool = False,
) -> None:
    """Raise unless ``decider`` may take ``decision`` on the review now.

    ``gate_outcome`` is the latest gate run of the version under review: approving a
    version whose gate did not pass needs ``override_failed_gate``, an explicit, recorded
    choice, never a click past a form.
    """
    if status != ReviewStatus.OPEN:
        raise ConflictError(f"review #{review_id} is already decided")
    authorize(decider, decider_roles, Action.REVIEW_DECIDE, review_target(review_id, owner, {}))
    if not rationale.strip():
        raise InvalidInput("a decision needs a rationale; say why (--rationale)")
    check_text(rationale, "the rationale")
    for condition in conditions:
        check_text(condition.text, "a condition")
    if decision in APPROVING:
        if not quorum.met:
            missing = ", ".join(quorum.missing_capacities) or "none"
            raise DomainError(
                f"review #{review_id} cannot be approved yet: {quorum.counted} counted vote(s) of "
                f"a quorum of {quorum.quorum}; capacities still missing: {missing}"
            )
        if quorum.rejecting >= quorum.approving:
            raise DomainError(
                f"review #{review_id} cannot be approved: {quorum.rejecting} reject vote(s) "
                f"against {quorum.approving} approving; reject or defer instead"
            )
        if gate_outcome not in (None, "pass") and not override_failed_gate:
            raise DomainError(
                f"review #{review_id}: the latest gate run of this version says "
                f"'{gate_outcome}'; approving it anyway needs an explicit override "
                "(--override-failed-gate, or the override box on the form), which is recorded"
            )
    if decision is Decision.APPROVE_WITH_CONDITIONS and not conditions:
        raise InvalidInput(
            "approve_with_conditions needs at least one condition (from the votes or "
            "--condition OWNER:DATE:TEXT)"
        )
    if decision is not Decision.APPROVE_WITH_CONDITIONS and conditions:
        raise InvalidInput(f"conditions go with approve_with_conditions, not {decision.value}")
    _check_conditions(conditions, today, f"decision on review #{review_id}")


def check_risk_acceptance(
    *,
    system_id: str,
    signer: str,
    signer_roles: Iterable[str],
    owner: str,
    justification: str,
    expires: dt.date,
    today: dt.date,
) -> None:
    """A risk acceptance is signed by a rai_lead who does not own the system, says why,
    and expires after today (within a year)."""
    authorize(signer, signer_roles, Action.RISK_ACCEPT, Target.system(system_id, owner))
    if not justification.strip():
        raise InvalidInput("a risk acceptance needs a justification (--justification)")
    check_text(justification, "the justification")
    check_risk_expiry(expires, today)


def check_deploy_clearance(
    *,
    system_id: str,
    version_label: str,
    review_decision: str | None,
    review_id: int | None,
    gate_outcome: str | None,
    acceptance_expires: dt.datetime | None,
    now: dt.datetime,
) -> str:
    """Return the basis on which the version may deploy, or raise naming the rule.

    Cleared by an approved review of that version plus a passing gate evaluation, or by
    an unexpired risk acceptance for that version signed by a rai_lead.
    """
    if acceptance_expires is not None and acceptance_expires > now:
        return f"risk acceptance valid until {acceptance_expires.date().isoformat()}"
    approved = review_decision in {d.value for d in APPROVING}
    if approved and gate_outcome == "pass":
        return f"review #{review_id} {review_decision}; gate pass"
    review_text = (
        f"review #{review_id} decided {review_decision}" if review_id else "no decided review"
    )
    raise DomainError(
        f"'{system_id}' version {version_label} may not be deployed: deployment needs an "
        f"approved review and a passing gate ({review_text}; latest gate: "
        f"{gate_outcome or 'never run'}), or an unexpired risk acceptance signed by a "
        f"rai_lead (`ombud review accept-risk {system_id} --version {version_label} ...`)"
    )
