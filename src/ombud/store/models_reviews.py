"""Tables of launch gates, review boards and risk acceptances.

Kept apart from ``models.py`` because they belong to one workflow (is this version fit
to ship, and who said so). A review carries ``row_version`` for optimistic locking:
every vote and decision bumps it, so a vote racing a decision, or two decisions, cannot
both commit. One vote per reviewer and one assignment per reviewer are also unique
constraints, so the database refuses a double vote even if a rule were bypassed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ombud.store.models import Base

__all__ = [
    "GateEvaluationRow",
    "ReviewAssignmentRow",
    "ReviewRow",
    "ReviewVoteRow",
    "RiskAcceptanceRow",
]


class GateEvaluationRow(Base):
    __tablename__ = "gate_evaluations"
    # Migration 0007: each system's latest run, from the index alone.
    __table_args__ = (Index("ix_gate_evaluations_system_id_id", "system_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("system_versions.id"), index=True)
    policy_name: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(60))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any]]
    evaluated_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    evaluated_at: Mapped[datetime]


class ReviewRow(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("system_versions.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # open | decided
    opened_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    opened_at: Mapped[datetime]
    gate_evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("gate_evaluations.id"))
    quorum: Mapped[int]
    required_capacities: Mapped[list[Any]]
    snapshot: Mapped[dict[str, Any]]
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    decision: Mapped[str | None] = mapped_column(String(30))
    rationale: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[list[Any] | None]
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.username"))
    decided_at: Mapped[datetime | None]
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 (SQLAlchemy API)


class ReviewAssignmentRow(Base):
    __tablename__ = "review_assignments"
    __table_args__ = (UniqueConstraint("review_id", "reviewer", name="uq_review_assignment"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    reviewer: Mapped[str] = mapped_column(ForeignKey("users.username"))
    capacity: Mapped[str] = mapped_column(String(40))
    conflict_of_interest: Mapped[str | None] = mapped_column(Text)
    assigned_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    assigned_at: Mapped[datetime]


class ReviewVoteRow(Base):
    __tablename__ = "review_votes"
    __table_args__ = (UniqueConstraint("review_id", "reviewer", name="uq_review_vote"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    reviewer: Mapped[str] = mapped_column(ForeignKey("users.username"))
    capacity: Mapped[str] = mapped_column(String(40))
    vote: Mapped[str] = mapped_column(String(30))
    rationale: Mapped[str] = mapped_column(Text)
    conditions: Mapped[list[Any]]
    cast_at: Mapped[datetime]


class RiskAcceptanceRow(Base):
    __tablename__ = "risk_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("system_versions.id"), index=True)
    justification: Mapped[str] = mapped_column(Text)
    signed_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    signed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
