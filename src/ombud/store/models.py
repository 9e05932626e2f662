"""Tables of the workspace, as SQLAlchemy 2.0 mappings.

Lists and structured values (regions, answers, classification results) are JSON
columns: they are read whole and never queried by element, and JSON keeps the schema
identical on SQLite and PostgreSQL. ``row_version`` gives optimistic locking, so two
people editing one system cannot silently overwrite each other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AISystemRow",
    "ArtifactRow",
    "AuditEventRow",
    "AuditHeadRow",
    "Base",
    "ClassificationRow",
    "EvidenceRow",
    "SystemVersionRow",
    "TransitionRow",
    "UserRow",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on every backend.

    SQLite has no time zones and hands back naive values; comparing those with aware
    ones raises, and reading them as local time shifts deadlines. So every moment is
    stored as UTC and comes back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime; give it a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime(),
    }


class UserRow(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="")
    roles: Mapped[list[Any]] = mapped_column(JSON)
    os_username: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class AISystemRow(Base):
    __tablename__ = "ai_systems"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    out_of_scope_uses: Mapped[list[Any]] = mapped_column(JSON)
    owner: Mapped[str] = mapped_column(ForeignKey("users.username"))
    owner_team: Mapped[str] = mapped_column(String(200))
    business_unit: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    operator_role: Mapped[str] = mapped_column(String(20))
    vendor: Mapped[str] = mapped_column(String(200))
    deployment_regions: Mapped[list[Any]] = mapped_column(JSON)
    affected_people: Mapped[list[Any]] = mapped_column(JSON)
    data_categories: Mapped[list[Any]] = mapped_column(JSON)
    automation: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 (SQLAlchemy API)


class SystemVersionRow(Base):
    __tablename__ = "system_versions"
    __table_args__ = (UniqueConstraint("system_id", "label", name="uq_system_version_label"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    models: Mapped[list[Any]] = mapped_column(JSON)
    training_data: Mapped[list[Any]] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    created_at: Mapped[datetime]


class TransitionRow(Base):
    __tablename__ = "lifecycle_transitions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(ForeignKey("users.username"))
    at: Mapped[datetime]


class ClassificationRow(Base):
    __tablename__ = "classifications"
    # Migration 0007: each system's latest classification, from the index alone.
    __table_args__ = (Index("ix_classifications_system_id_id", "system_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), index=True)
    catalog_version: Mapped[str] = mapped_column(String(60))
    eu_category: Mapped[str] = mapped_column(String(40))
    tier: Mapped[int]
    tier_label: Mapped[str] = mapped_column(String(60))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    tier_reasons: Mapped[list[Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    created_at: Mapped[datetime]


class ClassificationRequestRow(Base):
    """A classification that lowers a system's tier or EU category, waiting for a lead.

    Migration 0010_authz. Not effective while pending: the gate, the obligations and
    every list keep reading ``classifications``; confirming copies it there.
    """

    __tablename__ = "classification_requests"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), index=True)
    catalog_version: Mapped[str] = mapped_column(String(60))
    eu_category: Mapped[str] = mapped_column(String(40))
    tier: Mapped[int]
    tier_label: Mapped[str] = mapped_column(String(60))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    tier_reasons: Mapped[list[Any]] = mapped_column(JSON)
    previous_eu_category: Mapped[str] = mapped_column(String(40))
    previous_tier: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending|confirmed|rejected
    requested_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    requested_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.username"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    classification_id: Mapped[int | None] = mapped_column(ForeignKey("classifications.id"))


class ArtifactRow(Base):
    __tablename__ = "artifacts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class EvidenceRow(Base):
    __tablename__ = "evidence"
    # Migration 0007: a system's evidence in id order, a page at a time.
    __table_args__ = (Index("ix_evidence_system_id_id", "system_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("ai_systems.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("system_versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    summary: Mapped[str] = mapped_column(Text)
    engine: Mapped[str] = mapped_column(String(100))
    engine_version: Mapped[str] = mapped_column(String(60))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    verdicts: Mapped[dict[str, Any]] = mapped_column(JSON)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs: Mapped[list[Any]] = mapped_column(JSON)
    artifacts: Mapped[list[Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]


class AuditEventRow(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(200), index=True)
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(36))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Migration 0008: digests of the tracked rows this event changed (store/audit_state.py).
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class AuditHeadRow(Base):
    """One row holding the chain's head; locking it serializes appends across connections."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
