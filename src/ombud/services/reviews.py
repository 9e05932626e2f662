"""Pre-deployment reviews: open with the evidence pack, seat a board, vote, decide.

Every step is one transaction with its audit event. A review row carries an optimistic
version that every vote and decision bumps, so a vote that races the decision, or two
rai_leads deciding at once, end with one winner and one ``ConflictError``, never a
lost update. The rules themselves (separation of duties, quorum, capacities) are the
governance layer's; this module gathers facts and writes rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ombud.governance import (
    Action,
    ConflictError,
    InvalidInput,
    LifecycleStatus,
    NotFoundError,
    Target,
    authorize,
    check_text,
    check_transition,
)
from ombud.governance.review import (
    Condition,
    Decision,
    ReviewStatus,
    Vote,
    check_assignment,
    check_decision,
    check_vote,
)
from ombud.services.authorization import load_target
from ombud.services.clearance import accept_risk, deploy_clearance, system_row
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.evidence import evidence_dict
from ombud.services.findings import FindingDraft, create_finding
from ombud.services.gates import (
    GateEvaluation,
    find_version,
    latest_evaluation,
    record_gate,
    resolve_policy,
)
from ombud.services.review_queries import (
    count_reviews,
    get_review,
    list_reviews,
)
from ombud.services.review_queries import (
    quorum as _quorum,
)
from ombud.services.review_queries import (
    review_fields as _review_fields,
)
from ombud.services.review_queries import (
    review_of as _review_of,
)
from ombud.services.review_queries import (
    review_row as _review,
)
from ombud.services.review_queries import (
    review_summary as _summary,
)
from ombud.services.review_queries import (
    seats as _seats,
)
from ombud.services.review_queries import (
    vote_of as _vote_of,
)
from ombud.services.review_queries import (
    votes as _votes,
)
from ombud.services.review_records import (
    Clearance,
    ConflictNote,
    DecidedReview,
    ListedReview,
    Review,
    ReviewSeat,
    ReviewSummary,
    ReviewVote,
    RiskAcceptance,
)
from ombud.store.models import (
    AISystemRow,
    ClassificationRow,
    EvidenceRow,
    SystemVersionRow,
    TransitionRow,
    UserRow,
)
from ombud.store.models_reviews import (
    ReviewAssignmentRow,
    ReviewRow,
    ReviewVoteRow,
)

__all__ = [
    "Clearance",
    "ConflictNote",
    "DecidedReview",
    "ListedReview",
    "Review",
    "ReviewSeat",
    "ReviewSummary",
    "ReviewVote",
    "RiskAcceptance",
    "accept_risk",
    "assign_reviewer",
    "cast_vote",
    "count_reviews",
    "decide_review",
    "declare_conflict",
    "deploy_clearance",
    "get_review",
    "list_reviews",
    "open_review",
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _move(tx: Tx, system: AISystemRow, target: LifecycleStatus, reason: str) -> None:
    """A lifecycle move made by a review step, under the same lifecycle rules."""
    source = LifecycleStatus(system.status)
    if source is target:
        return
    check_transition(
        system_id=system.id,
        source=source,
        target=target,
        actor=tx.actor.username,
        actor_roles=[r.value for r in tx.actor.roles],
        owner=system.owner,
        reason=reason,
    )
    before = {"id": system.id, "status": system.status}
    system.status = target.value
    system.updated_at = _now()
    tx.session.add(
        TransitionRow(
            system_id=system.id,
            source=source.value,
            target=target.value,
            reason=reason,
            actor=tx.actor.username,
            at=system.updated_at,
        )
    )
    tx.record(
        "system.transition",
        "ai_system",
        system.id,
        before=before,
        after={"id": system.id, "status": system.status},
        details={"from": source.value, "to": target.value, "reason": reason},
    )


def _evidence_pack(
    session: Session, system: AISystemRow, version: SystemVersionRow, gate: GateEvaluation
) -> dict[str, Any]:
    classification = session.execute(
        select(ClassificationRow)
        .where(ClassificationRow.system_id == system.id)
        .order_by(ClassificationRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    rows = session.execute(
        select(EvidenceRow).where(EvidenceRow.version_id == version.id).order_by(EvidenceRow.id)
    ).scalars()
    items = [evidence_dict(row, version.label) for row in rows]
    document_kinds = gate.document_kinds
    return {
        "system": {
            "id": system.id,
            "name": system.name,
            "purpose": system.purpose,
            "owner": system.owner,
            "domain": system.domain,
            "kind": system.kind,
            "status": system.status,
        },
        "version": version.label,
        "gate": gate.to_dict(),
        "classification": (
            {
                "tier": classification.tier,
                "tier_label": classification.tier_label,
                "eu_category": classification.eu_category,
                "catalog_version": classification.catalog_version,
                "obligations": classification.result.get("obligations", []),
                "other_regimes": classification.result.get("other_regimes", []),
            }
            if classification
            else None
        ),
        "evidence": [e for e in items if e["kind"] not in document_kinds],
        "documents": [e for e in items if e["kind"] in document_kinds],
    }


def open_review(
    context: AppContext,
    actor: Actor,
    system_id: str,
    version_label: str | None = None,
    policy_path: str | Path | None = None,
) -> Review:
    """Open a review of a version (the latest if None): runs the gate, freezes the evidence
    pack, and moves the system to in_review. The owner, a rai_lead or an admin may open it."""
    policy = resolve_policy(context, policy_path)
    now = _now()
    with context.write(actor) as tx:
        system = system_row(tx.session, system_id)
        target = Target.system(system_id, system.owner)
        authorize(tx.actor.username, tx.actor.roles, Action.REVIEW_OPEN, target)
        version = find_version(tx.session, system_id, version_label)
        already = tx.session.execute(
            select(ReviewRow.id).where(
                ReviewRow.version_id == version.id, ReviewRow.status == ReviewStatus.OPEN.value
            )
        ).scalar_one_or_none()
        if already is not None:
            raise ConflictError(
                f"review #{already} of {system_id}@{version.label} is still open; "
                f"see `ombud review show {already}`"
            )
        gate = record_gate(tx, policy, system_id, version.label, now)
        quorum, capacities = gate.approvals
        review = ReviewRow(
            system_id=system_id,
            version_id=version.id,
            status=ReviewStatus.OPEN.value,
            opened_by=actor.username,
            opened_at=now,
            gate_evaluation_id=gate.evaluation_id,
            quorum=quorum,
            required_capacities=list(capacities),
            snapshot=_evidence_pack(tx.session, system, version, gate),
            vote_count=0,
        )
        tx.session.add(review)
        tx.session.flush()
        _move(tx, system, LifecycleStatus.IN_REVIEW, f"review #{review.id} opened")
        data = _review_of(tx.session, review)
        tx.record(
            "review.open",
            "review",
            str(review.id),
            before=None,
            after=_summary(review).to_dict(),
            details={"system": system_id, "version": version.label, "gate": gate.outcome},
        )
        return data


def assign_reviewer(
    context: AppContext,
    actor: Actor,
    review_id: int,
    reviewer: str,
    capacity: str,
    *,
    conflict: str | None = None,
) -> ReviewSeat:
    """Seat ``reviewer`` on the board in ``capacity``; a rai_lead or admin assigns."""
    with context.write(actor) as tx:
        target = load_target(tx.session, "review", review_id)
        authorize(tx.actor.username, tx.actor.roles, Action.REVIEW_ASSIGN, target)
        review = _review(tx.session, review_id)
        if review.status != ReviewStatus.OPEN.value:
            raise ConflictError(f"review #{review_id} is closed; no more reviewers")
        user = tx.session.get(UserRow, reviewer)
        if user is None or not user.active:
            raise NotFoundError(f"no active workspace user '{reviewer}'; see `ombud user list`")
        owner = system_row(tx.session, review.system_id).owner
        check_assignment(
            review_id=review_id,
            owner=owner,
            reviewer=reviewer,
            reviewer_roles=user.roles,
            capacity=capacity,
        )
        if reviewer in _seats(tx.session, review_id):
            raise ConflictError(f"'{reviewer}' is already assigned to review #{review_id}")
        row = ReviewAssignmentRow(
            review_id=review_id,
            reviewer=reviewer,
            capacity=capacity,
            conflict_of_interest=conflict.strip() if conflict and conflict.strip() else None,
            assigned_by=actor.username,
            assigned_at=_now(),
        )
        tx.session.add(row)
        seat = ReviewSeat(reviewer, capacity, row.conflict_of_interest)
        tx.record("review.assign", "review", str(review_id), before=None, after=seat.to_dict())
        return seat


def declare_conflict(context: AppContext, actor: Actor, review_id: int, note: str) -> ConflictNote:
    """The reviewer declares a conflict of interest; their vote (if any) stops counting."""
    if not note.strip():
        raise InvalidInput("say what the conflict of interest is (--note)")
    check_text(note, "the note")
    with context.write(actor) as tx:
        review = _review(tx.session, review_id)
        # Only a reviewer seated on this board speaks for a seat on it.
        target = load_target(tx.session, "review", review_id)
        authorize(tx.actor.username, tx.actor.roles, Action.REVIEW_VOTE, target)
        if review.status != ReviewStatus.OPEN.value:
            raise ConflictError(f"review #{review_id} is closed")
        seat = tx.session.execute(
            select(ReviewAssignmentRow).where(
                ReviewAssignmentRow.review_id == review_id,
                ReviewAssignmentRow.reviewer == actor.username,
            )
        ).scalar_one()
        before = {"reviewer": actor.username, "conflict": seat.conflict_of_interest}
        seat.conflict_of_interest = note.strip()
        flag_modified(review, "vote_count")  # the quorum changed: bump the review's version
        after = ConflictNote(actor.username, seat.conflict_of_interest)
        tx.record("review.conflict", "review", str(review_id), before=before, after=after.to_dict())
        return after


def cast_vote(
    context: AppContext,
    actor: Actor,
    review_id: int,
    vote: Vote,
    rationale: str,
    conditions: tuple[Condition, ...] = (),
) -> ReviewVote:
    """Record one vote of an assigned, unconflicted reviewer who does not own the system."""
    with context.write(actor) as tx:
        review = _review(tx.session, review_id)
        owner = system_row(tx.session, review.system_id).owner
        seat = check_vote(
            review_id=review_id,
            status=review.status,
            owner=owner,
            voter=tx.actor.username,
            voter_roles=[r.value for r in tx.actor.roles],
            seats=_seats(tx.session, review_id),
            voted=[v.reviewer for v in _votes(tx.session, review_id)],
            vote=vote,
            rationale=rationale,
            conditions=conditions,
            today=_now().date(),
        )
        _check_users(tx.session, [c.owner for c in conditions])
        row = ReviewVoteRow(
            review_id=review_id,
            reviewer=actor.username,
            capacity=seat.capacity,
            vote=vote.value,
            rationale=rationale.strip(),
            conditions=[c.to_dict() for c in conditions],
            cast_at=_now(),
        )
        tx.session.add(row)
        review.vote_count += 1  # bumps row_version: a vote racing the decision conflicts
        after = _vote_of(row)
        tx.record("review.vote", "review", str(review_id), before=None, after=after.to_dict())
        return after


def _check_users(session: Session, usernames: list[str]) -> None:
    for name in usernames:
        if session.get(UserRow, name) is None:
            raise InvalidInput(f"condition owner '{name}' is not a workspace user")


def decide_review(
    context: AppContext,
    actor: Actor,
    review_id: int,
    decision: Decision,
    rationale: str,
    conditions: tuple[Condition, ...] | None = None,
    *,
    override_failed_gate: bool = False,
) -> DecidedReview:
    """Decide the review (a rai_lead who does not own the system).

    Approving a version whose latest gate run did not pass needs ``override_failed_gate``;
    the audit event records the gate outcome and the override.

    approve / approve_with_conditions move the system to ``approved``; reject moves it to
    ``rejected``; defer leaves it in review. Conditions (given, or else those of the
    conditional votes) become findings owned and dated as stated, in this transaction.
    """
    now = _now()
    with context.write(actor) as tx:
        review = _review(tx.session, review_id)
        system = system_row(tx.session, review.system_id)
        votes = _votes(tx.session, review_id)
        if conditions is None:
            conditions = (
                tuple(Condition.from_dict(c) for v in votes for c in v.conditions)
                if decision is Decision.APPROVE_WITH_CONDITIONS
                else ()
            )
        quorum = _quorum(tx.session, review)
        gate = latest_evaluation(tx.session, review.version_id)
        gate_outcome = gate.outcome if gate is not None else None
        check_decision(
            review_id=review_id,
            status=review.status,
            owner=system.owner,
            decider=tx.actor.username,
            decider_roles=[r.value for r in tx.actor.roles],
            decision=decision,
            rationale=rationale,
            conditions=conditions,
            quorum=quorum,
            today=now.date(),
            gate_outcome=gate_outcome,
            override_failed_gate=override_failed_gate,
        )
        _check_users(tx.session, [c.owner for c in conditions])
        before = _summary(review).to_dict()
        review.status = ReviewStatus.DECIDED.value
        review.decision = decision.value
        review.rationale = rationale.strip()
        review.conditions = [c.to_dict() for c in conditions]
        review.decided_by = actor.username
        review.decided_at = now
        version = tx.session.get(SystemVersionRow, review.version_id)
        assert version is not None  # foreign key
        reason = f"review #{review_id}: {decision.value}: {rationale.strip()}"
        if decision in (Decision.APPROVE, Decision.APPROVE_WITH_CONDITIONS):
            _move(tx, system, LifecycleStatus.APPROVED, reason)
        elif decision is Decision.REJECT:
            _move(tx, system, LifecycleStatus.REJECTED, reason)
        findings = [
            create_finding(
                tx,
                FindingDraft(
                    system_id=system.id,
                    version_label=version.label,
                    title=c.text,
                    severity=c.severity,
                    source_kind="review",
                    source_ref=f"review:{review_id}",
                    owner=c.owner,
                    due_date=c.due,
                    description=f"Condition of approval set by review #{review_id}.",
                ),
            )
            for c in conditions
        ]
        tx.session.flush()
        after = _summary(review).to_dict()
        tx.record(
            "review.decide",
            "review",
            str(review_id),
            before=before,
            after=after,
            details={
                "decision": decision.value,
                "quorum": quorum.to_dict(),
                "findings": [f.id for f in findings],
                "gate": gate_outcome,
                "gate_override": bool(
                    override_failed_gate
                    and gate_outcome not in (None, "pass")
                    and decision in (Decision.APPROVE, Decision.APPROVE_WITH_CONDITIONS)
                ),
            },
        )
        return DecidedReview(**_review_fields(tx.session, review), findings=tuple(findings))
