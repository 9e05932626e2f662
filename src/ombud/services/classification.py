"""Classifying a registered system: answers in, a recorded classification and tier out.

Answers come from three places, later ones winning: what the inventory record already
says, the answers of the previous classification, and what the caller gives now. So a
re-classification under a new catalog version asks nothing twice, and shows what
changed.

Only the system's owner, a rai_lead or an admin classifies (governance/authorization.py).
A re-classification that LOWERS the tier (a higher tier number) or moves the EU AI Act
category to a less strict one is, when an owner asks for it, stored as a pending
request: the gate, the obligations and the lists keep the current classification until
a rai_lead or admin who did not ask for it confirms it (``confirm_classification``) or
rejects it. Answering "no" to a few questions must not be enough to shed ten
obligations. A lead's own downgrade applies directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ombud.compliance import (
    Classification,
    ClassificationDiff,
    EUCategory,
    LegalCatalog,
    Question,
    TierAssignment,
    assign_tier,
    catalog_for_date,
    classify,
    diff_classifications,
    load_catalog,
    load_questionnaire,
    load_tiering_rules,
    pending_questions,
    validate_answers,
)
from ombud.governance import (
    Action,
    ConflictError,
    InvalidInput,
    NotFoundError,
    SystemManifest,
    Target,
    answers_from_profile,
    authorize,
    permits,
)
from ombud.services.authorization import load_target
from ombud.services.classification_records import ClassificationRequest
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.system_queries import latest_classification_row
from ombud.services.systems import SystemRecord, apply_manifest_in, get_system
from ombud.store.models import AISystemRow, ClassificationRequestRow, ClassificationRow

__all__ = [
    "ClassificationRequest",
    "ClassifyOutcome",
    "ManifestOutcome",
    "apply_manifest",
    "choose_catalog",
    "classify_system",
    "confirm_classification",
    "is_downgrade",
    "known_answers",
    "list_classification_requests",
    "reject_classification",
    "unanswered_questions",
]


@dataclass(frozen=True)
class ClassifyOutcome:
    system_id: str
    classification: Classification
    tier: TierAssignment
    answers: Mapping[str, Any]
    unanswered: tuple[str, ...]
    diff: ClassificationDiff | None
    #: The id of the pending request when the classification waits for a lead (a
    #: downgrade asked for by an owner); None when it took effect.
    pending_request: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id,
            "classification": self.classification.to_dict(),
            "tier": {
                "tier": self.tier.tier,
                "label": self.tier.label,
                "reasons": list(self.tier.reasons),
            },
            "answers": _jsonable(self.answers),
            "unanswered": list(self.unanswered),
            "diff": self.diff.to_dict() if self.diff else None,
            "effective": self.pending_request is None,
            "pending_request": self.pending_request,
        }


def _jsonable(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}


def known_answers(context: AppContext, system_id: str) -> dict[str, Any]:
    """Answers the record and the previous classification already give."""
    system = get_system(context, system_id)
    answers = answers_from_profile(system.profile())
    if system.classification:
        with context.read() as session:
            previous = latest_classification_row(session, system_id)
            if previous is not None:
                answers.update(previous.answers)
    return answers


def choose_catalog(catalog_version: str | None, on: date | None = None) -> LegalCatalog:
    """The catalog asked for, or the newest one in force on ``on`` (default: today).

    A new classification applies the law of its day: an amendment counts from its entry
    into force (catalog 2026.1 from 27 July 2026), so old records keep the text they cite.
    """
    if catalog_version is not None:
        return load_catalog(catalog_version)
    return catalog_for_date(on or datetime.now(UTC).date())


def unanswered_questions(
    answers: Mapping[str, Any], catalog_version: str | None = None
) -> tuple[Question, ...]:
    """Questions still open for the catalog that will classify (the one in force today)."""
    version = choose_catalog(catalog_version).version
    return pending_questions(validate_answers(answers), load_questionnaire().for_catalog(version))


_STRICTNESS = {category.value: rank for rank, category in enumerate(EUCategory)}


def is_downgrade(
    previous_tier: int, previous_category: str, new_tier: int, new_category: str
) -> bool:
    """A higher tier number (1 is the most critical) or a less strict EU category."""
    return new_tier > previous_tier or _STRICTNESS.get(new_category, 0) > _STRICTNESS.get(
        previous_category, 0
    )


def classify_system(
    context: AppContext,
    actor: Actor,
    system_id: str,
    *,
    answers: Mapping[str, Any] | None = None,
    catalog_version: str | None = None,
    tiering_policy: Path | None = None,
) -> ClassifyOutcome:
    merged = known_answers(context, system_id)
    merged.update(answers or {})
    validated = validate_answers(merged)
    evaluated = _evaluate(validated, catalog_version, tiering_policy)
    with context.write(actor) as tx:
        return _record(tx, system_id, validated, *evaluated)


def _evaluate(
    validated: Mapping[str, Any], catalog_version: str | None, tiering_policy: Path | None
) -> tuple[Classification, TierAssignment, tuple[str, ...]]:
    """The classification, the tier and the unanswered questions: all before any write."""
    catalog = choose_catalog(catalog_version)
    result = classify(validated, catalog)
    tier = assign_tier(result, validated, load_tiering_rules(tiering_policy))
    questions = load_questionnaire().for_catalog(catalog.version)
    unanswered = tuple(q.id for q in pending_questions(validated, questions))
    return result, tier, unanswered


def _record(
    tx: Tx,
    system_id: str,
    validated: Mapping[str, Any],
    result: Classification,
    tier: TierAssignment,
    unanswered: tuple[str, ...],
) -> ClassifyOutcome:
    """Record an evaluated classification in the caller's transaction.

    An owner's downgrade is stored as a pending request instead (see the module doc).
    """
    system = tx.session.get(AISystemRow, system_id)
    if system is None:
        raise NotFoundError(
            f"no AI system '{system_id}' in this workspace; see `ombud system list`"
        )
    target = Target.system(system_id, system.owner)
    authorize(tx.actor.username, tx.actor.roles, Action.SYSTEM_CLASSIFY, target)
    previous = latest_classification_row(tx.session, system_id)
    diff = (
        diff_classifications(Classification.from_dict(previous.result), result)
        if previous is not None
        else None
    )
    fields = {
        "system_id": system_id,
        "catalog_version": result.catalog_version,
        "eu_category": result.eu_category.value,
        "tier": tier.tier,
        "tier_label": tier.label,
        "answers": _jsonable(validated),
        "result": result.to_dict(),
        "tier_reasons": list(tier.reasons),
    }
    details = {
        "catalog_version": result.catalog_version,
        "eu_category": result.eu_category.value,
        "tier": tier.tier,
        "unanswered": list(unanswered),
    }
    if (
        previous is not None
        and is_downgrade(previous.tier, previous.eu_category, tier.tier, result.eu_category.value)
        and not permits(tx.actor.username, tx.actor.roles, Action.CLASSIFICATION_CONFIRM, target)
    ):
        request = _request(tx, previous, fields, details)
        return ClassifyOutcome(
            system_id, result, tier, validated, unanswered, diff, pending_request=request
        )
    row = ClassificationRow(**fields, created_by=tx.actor.username, created_at=datetime.now(UTC))
    tx.session.add(row)
    tx.record(
        "system.classify",
        "ai_system",
        system_id,
        before=previous.result if previous else None,
        after=row.result,
        details=details,
    )
    return ClassifyOutcome(system_id, result, tier, validated, unanswered, diff)


@dataclass(frozen=True)
class ManifestOutcome:
    """What ``apply_manifest`` did: registered/updated/unchanged, versions, classification."""

    outcome: str
    system: SystemRecord
    versions_added: tuple[str, ...]
    classification: ClassifyOutcome | None


def apply_manifest(context: AppContext, actor: Actor, manifest: SystemManifest) -> ManifestOutcome:
    """Register or update from a manifest and classify on its answers, as ONE unit.

    The answers are validated and the classification computed before anything is
    written; the permissions are asked per object inside the transaction (register or
    update, then classify), and the record, its versions and its classification commit
    together, so a refused step leaves no system or (immutable) version behind.
    """
    given = manifest.classification_answers
    evaluated = None
    if given is not None:
        merged = answers_from_profile(manifest.profile)
        with context.read() as session:
            previous = latest_classification_row(session, manifest.system_id)
            if previous is not None:
                merged.update(previous.answers)
        merged.update(given)
        validated = validate_answers(merged)
        evaluated = (validated, *_evaluate(validated, None, None))
    with context.write(actor) as tx:
        applied = apply_manifest_in(tx, manifest)
        classified = _record(tx, manifest.system_id, *evaluated) if evaluated else None
    return ManifestOutcome(applied.outcome, applied.system, applied.versions_added, classified)


def _request(
    tx: Tx, previous: ClassificationRow, fields: dict[str, Any], details: dict[str, Any]
) -> int:
    """Store a downgrade as pending; an earlier pending one of the system is superseded."""
    now = datetime.now(UTC)
    for older in tx.session.execute(
        select(ClassificationRequestRow).where(
            ClassificationRequestRow.system_id == fields["system_id"],
            ClassificationRequestRow.status == _PENDING,
        )
    ).scalars():
        older.status = "superseded"
        older.decided_at = now
        older.note = "superseded by a newer request"
    row = ClassificationRequestRow(
        **fields,
        previous_eu_category=previous.eu_category,
        previous_tier=previous.tier,
        status=_PENDING,
        requested_by=tx.actor.username,
        requested_at=now,
        note="",
    )
    tx.session.add(row)
    tx.session.flush()
    tx.record(
        "classification.request",
        "ai_system",
        row.system_id,
        before=previous.result,
        after=row.result,
        details={
            **details,
            "request": row.id,
            "from": {"eu_category": previous.eu_category, "tier": previous.tier},
            "pending": "a downgrade waits for a rai_lead's confirmation",
        },
    )
    return row.id


_PENDING = "pending"


def list_classification_requests(
    context: AppContext, *, system_id: str | None = None, status: str | None = _PENDING
) -> list[ClassificationRequest]:
    """Classification requests, oldest first (the pending ones unless ``status`` says)."""
    query = select(ClassificationRequestRow).order_by(ClassificationRequestRow.id)
    if system_id:
        query = query.where(ClassificationRequestRow.system_id == system_id)
    if status:
        query = query.where(ClassificationRequestRow.status == status)
    with context.read() as session:
        return [ClassificationRequest.from_row(row) for row in session.execute(query).scalars()]


def _decidable(tx: Tx, request_id: int, doing: str) -> ClassificationRequestRow:
    row = tx.session.get(ClassificationRequestRow, request_id)
    if row is None:
        raise NotFoundError(
            f"no classification request {request_id}; see `ombud classification pending`"
        )
    target = load_target(tx.session, "classification", request_id)
    authorize(tx.actor.username, tx.actor.roles, Action.CLASSIFICATION_CONFIRM, target, doing=doing)
    if row.status != _PENDING:
        raise ConflictError(
            f"classification request {request_id} is {row.status}, not pending; "
            "classify the system again to ask anew"
        )
    return row


def confirm_classification(
    context: AppContext, actor: Actor, request_id: int, note: str = ""
) -> ClassificationRequest:
    """A rai_lead or admin (not the requester) makes a pending downgrade effective."""
    with context.write(actor) as tx:
        request = _decidable(tx, request_id, "confirm")
        previous = latest_classification_row(tx.session, request.system_id)
        now = datetime.now(UTC)
        row = ClassificationRow(
            system_id=request.system_id,
            catalog_version=request.catalog_version,
            eu_category=request.eu_category,
            tier=request.tier,
            tier_label=request.tier_label,
            answers=request.answers,
            result=request.result,
            tier_reasons=request.tier_reasons,
            created_by=request.requested_by,
            created_at=now,
        )
        tx.session.add(row)
        tx.session.flush()
        request.status = "confirmed"
        request.decided_by = actor.username
        request.decided_at = now
        request.note = note.strip()
        request.classification_id = row.id
        tx.record(
            "classification.confirm",
            "ai_system",
            request.system_id,
            before=previous.result if previous else None,
            after=row.result,
            details={
                "request": request.id,
                "requested_by": request.requested_by,
                "confirmed_by": actor.username,
                "eu_category": request.eu_category,
                "tier": request.tier,
                "note": request.note,
            },
        )
        return ClassificationRequest.from_row(request)


def reject_classification(
    context: AppContext, actor: Actor, request_id: int, note: str
) -> ClassificationRequest:
    """A rai_lead or admin refuses a pending downgrade; the current classification stays."""
    if not note.strip():
        raise InvalidInput(f"rejecting classification request {request_id} needs --note saying why")
    with context.write(actor) as tx:
        request = _decidable(tx, request_id, "reject")
        request.status = "rejected"
        request.decided_by = actor.username
        request.decided_at = datetime.now(UTC)
        request.note = note.strip()
        tx.record(
            "classification.reject",
            "ai_system",
            request.system_id,
            before=None,
            after=None,
            details={
                "request": request.id,
                "requested_by": request.requested_by,
                "rejected_by": actor.username,
                "eu_category": request.eu_category,
                "tier": request.tier,
                "note": request.note,
            },
        )
        return ClassificationRequest.from_row(request)
