"""Reading reviews: one with its seats, votes and quorum, and the paged list.

Split from ``reviews`` (the writes: open, seat, vote, decide), which uses these shapes
for what it returns and re-exports the reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from ombud.governance import NotFoundError
from ombud.governance.policy import Approvals
from ombud.governance.review import QuorumStatus, Seat, Vote, quorum_status
from ombud.services.context import AppContext
from ombud.services.gates import latest_evaluation
from ombud.services.review_records import (
    ListedReview,
    Review,
    ReviewSeat,
    ReviewSummary,
    ReviewVote,
)
from ombud.store.models import SystemVersionRow
from ombud.store.models_reviews import (
    GateEvaluationRow,
    ReviewAssignmentRow,
    ReviewRow,
    ReviewVoteRow,
)

__all__ = [
    "count_reviews",
    "get_review",
    "list_reviews",
    "quorum",
    "review_fields",
    "review_of",
    "review_row",
    "review_summary",
    "seats",
    "vote_of",
    "votes",
]


def review_row(session: Session, review_id: int) -> ReviewRow:
    row = session.get(ReviewRow, review_id)
    if row is None:
        raise NotFoundError(f"no review #{review_id}; see `ombud review list`")
    return row


def review_summary(review: ReviewRow) -> ReviewSummary:
    return ReviewSummary.from_row(review)


def seats(session: Session, review_id: int) -> dict[str, Seat]:
    rows = session.execute(
        select(ReviewAssignmentRow).where(ReviewAssignmentRow.review_id == review_id)
    ).scalars()
    return {r.reviewer: Seat(r.capacity, r.conflict_of_interest) for r in rows}


def votes(session: Session, review_id: int) -> list[ReviewVoteRow]:
    return list(
        session.execute(
            select(ReviewVoteRow)
            .where(ReviewVoteRow.review_id == review_id)
            .order_by(ReviewVoteRow.id)
        ).scalars()
    )


def vote_of(row: ReviewVoteRow) -> ReviewVote:
    return ReviewVote.from_row(row)


def quorum(session: Session, review: ReviewRow) -> QuorumStatus:
    cast = [(v.reviewer, Vote(v.vote)) for v in votes(session, review.id)]
    approvals = Approvals(review.quorum, tuple(review.required_capacities))
    return quorum_status(cast, seats(session, review.id), approvals)


def review_fields(session: Session, review: ReviewRow) -> dict[str, Any]:
    """The fields of a full ``Review`` (for it and ``DecidedReview``)."""
    version = session.get(SystemVersionRow, review.version_id)
    return {
        **ReviewSummary.fields_of(review),
        "version": version.label if version else None,
        "opened_by": review.opened_by,
        "opened_at": review.opened_at,
        "decided_at": review.decided_at,
        "row_version": review.row_version,
        "gate_evaluation_id": review.gate_evaluation_id,
        "latest_gate": _latest_gate(session, review.version_id),
        "assignments": tuple(
            ReviewSeat(name, seat.capacity, seat.conflict)
            for name, seat in seats(session, review.id).items()
        ),
        "votes": tuple(vote_of(v) for v in votes(session, review.id)),
        "quorum_status": quorum(session, review),
        "snapshot": review.snapshot,
    }


def review_of(session: Session, review: ReviewRow) -> Review:
    return Review(**review_fields(session, review))


def _latest_gate(session: Session, version_id: int) -> str | None:
    """The outcome of the version's latest gate run (a decision form warns unless pass)."""
    gate = latest_evaluation(session, version_id)
    return gate.outcome if gate is not None else None


def get_review(context: AppContext, review_id: int) -> Review:
    with context.read() as session:
        return review_of(session, review_row(session, review_id))


def list_reviews(
    context: AppContext,
    *,
    system_id: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[ListedReview]:
    """Reviews by id with their version label, in one query; ``limit``/``offset`` page.

    The gate outcome is read from the review's recorded gate run (the one its frozen
    evidence pack holds), so the pack itself, large for a system with much evidence, is
    only loaded for a review without one."""
    with context.read() as session:
        query = (
            select(ReviewRow, SystemVersionRow.label, GateEvaluationRow.outcome)
            .options(defer(ReviewRow.snapshot))
            .outerjoin(SystemVersionRow, SystemVersionRow.id == ReviewRow.version_id)
            .outerjoin(GateEvaluationRow, GateEvaluationRow.id == ReviewRow.gate_evaluation_id)
            .order_by(ReviewRow.id)
        )
        if system_id:
            query = query.where(ReviewRow.system_id == system_id)
        if status:
            query = query.where(ReviewRow.status == status)
        return [
            ListedReview(
                **ReviewSummary.fields_of(review),
                version=label,
                gate=gate if gate is not None else review.snapshot.get("gate", {}).get("outcome"),
                opened_at=review.opened_at,
            )
            for review, label, gate in session.execute(query.limit(limit).offset(offset))
        ]


def count_reviews(context: AppContext, *, status: str | None = None) -> int:
    query = select(func.count(ReviewRow.id))
    if status:
        query = query.where(ReviewRow.status == status)
    with context.read() as session:
        return int(session.execute(query).scalar_one())
