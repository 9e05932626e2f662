"""The typed records of the review board's services: a review (as listed, and in full
with its seats, votes and quorum), a vote, a seat, a risk acceptance, a deploy clearance.

Adapters read attributes; ``to_dict()`` is the JSON the API, the ``--json`` CLI outputs
and the audit log have always carried (same keys, same order, times as ISO text). The
frozen evidence pack (``snapshot``) and a vote's conditions stay mappings: they are
recorded documents, read back as they were written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ombud.governance.review import QuorumStatus
from ombud.services.finding_records import Finding
from ombud.store.models_reviews import ReviewRow, ReviewVoteRow

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
]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, kw_only=True)
class ReviewSummary:
    """The review's own row: what the audit log records before and after each step."""

    id: int
    system_id: str
    status: str
    quorum: int
    required_capacities: tuple[str, ...]
    vote_count: int
    decision: str | None
    rationale: str | None
    #: None until decided (the row stores none), then the conditions of the decision.
    conditions: tuple[Mapping[str, Any], ...] | None
    decided_by: str | None

    @staticmethod
    def fields_of(row: ReviewRow) -> dict[str, Any]:
        """The summary's fields read from a row, for this class and its extensions."""
        return {
            "id": row.id,
            "system_id": row.system_id,
            "status": row.status,
            "quorum": row.quorum,
            "required_capacities": tuple(row.required_capacities),
            "vote_count": row.vote_count,
            "decision": row.decision,
            "rationale": row.rationale,
            "conditions": None if row.conditions is None else tuple(row.conditions),
            "decided_by": row.decided_by,
        }

    @classmethod
    def from_row(cls, row: ReviewRow) -> ReviewSummary:
        return cls(**cls.fields_of(row))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "system_id": self.system_id,
            "status": self.status,
            "quorum": self.quorum,
            "required_capacities": list(self.required_capacities),
            "vote_count": self.vote_count,
            "decision": self.decision,
            "rationale": self.rationale,
            "conditions": None if self.conditions is None else [dict(c) for c in self.conditions],
            "decided_by": self.decided_by,
        }


@dataclass(frozen=True, kw_only=True)
class ListedReview(ReviewSummary):
    """A row of the review list: the summary with its version label, the gate outcome of
    its evidence pack and when it was opened."""

    version: str | None
    gate: str | None
    opened_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "version": self.version,
            "gate": self.gate,
            "opened_at": self.opened_at.isoformat(),
        }


@dataclass(frozen=True)
class ReviewSeat:
    """A reviewer seated on the board, in a capacity, with any declared conflict."""

    reviewer: str
    capacity: str
    conflict: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"reviewer": self.reviewer, "capacity": self.capacity, "conflict": self.conflict}


@dataclass(frozen=True)
class ConflictNote:
    """A reviewer's declared conflict of interest (their vote stops counting)."""

    reviewer: str
    conflict: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"reviewer": self.reviewer, "conflict": self.conflict}


@dataclass(frozen=True)
class ReviewVote:
    """One cast vote; ``conditions`` are the conditions it attaches, as recorded."""

    reviewer: str
    capacity: str
    vote: str
    rationale: str
    conditions: tuple[Mapping[str, Any], ...]
    cast_at: dt.datetime

    @classmethod
    def from_row(cls, row: ReviewVoteRow) -> ReviewVote:
        return cls(
            reviewer=row.reviewer,
            capacity=row.capacity,
            vote=row.vote,
            rationale=row.rationale,
            conditions=tuple(row.conditions or ()),
            cast_at=row.cast_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "reviewer": self.reviewer,
            "capacity": self.capacity,
            "vote": self.vote,
            "rationale": self.rationale,
            "conditions": [dict(c) for c in self.conditions],
            "cast_at": self.cast_at.isoformat(),
        }


@dataclass(frozen=True, kw_only=True)
class Review(ReviewSummary):
    """One review in full: the board, the votes, the quorum they reach, the outcome of the
    version's latest gate run and the evidence pack frozen when the review opened."""

    version: str | None
    opened_by: str
    opened_at: dt.datetime
    decided_at: dt.datetime | None
    row_version: int
    gate_evaluation_id: int | None
    latest_gate: str | None
    assignments: tuple[ReviewSeat, ...]
    votes: tuple[ReviewVote, ...]
    quorum_status: QuorumStatus
    snapshot: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "version": self.version,
            "opened_by": self.opened_by,
            "opened_at": self.opened_at.isoformat(),
            "decided_at": _iso(self.decided_at),
            "row_version": self.row_version,
            "gate_evaluation_id": self.gate_evaluation_id,
            "latest_gate": self.latest_gate,
            "assignments": [a.to_dict() for a in self.assignments],
            "votes": [v.to_dict() for v in self.votes],
            "quorum_status": self.quorum_status.to_dict(),
            "snapshot": self.snapshot,
        }


@dataclass(frozen=True, kw_only=True)
class DecidedReview(Review):
    """A review just decided, with the findings its conditions opened."""

    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class RiskAcceptance:
    """A rai_lead's signature that a version may deploy without a pass until ``expires``."""

    id: int
    system_id: str
    version: str
    justification: str
    signed_by: str
    expires: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "system_id": self.system_id,
            "version": self.version,
            "justification": self.justification,
            "signed_by": self.signed_by,
            "expires": self.expires.isoformat(),
        }


@dataclass(frozen=True)
class Clearance:
    """Why a version may deploy: the basis the rule named and the records behind it."""

    version: str
    basis: str
    review: int | None
    gate_evaluation: int | None
    risk_acceptance: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "basis": self.basis,
            "review": self.review,
            "gate_evaluation": self.gate_evaluation,
            "risk_acceptance": self.risk_acceptance,
        }
