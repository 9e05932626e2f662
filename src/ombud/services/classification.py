"""Classifying a registered system: answers in, a recorded classification and tier out.

Answers come from three places, later ones winning: what the inventory record already
says, the answers of the previous classification, and what the caller gives now. So a
re-classification under a new catalog version asks nothing twice, and shows what
changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ombud.compliance import (
    Classification,
    ClassificationDiff,
    Question,
    TierAssignment,
    assign_tier,
    classify,
    diff_classifications,
    load_catalog,
    load_tiering_rules,
    pending_questions,
    validate_answers,
)
from ombud.governance import (
    Action,
    NotFoundError,
    SystemManifest,
    SystemProfile,
    answers_from_profile,
    require,
)
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.systems import apply_manifest_in, get_system
from ombud.store.models import AISystemRow, ClassificationRow

__all__ = [
    "ClassifyOutcome",
    "ManifestOutcome",
    "apply_manifest",
    "classify_system",
    "known_answers",
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
        }


def _jsonable(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}


def known_answers(context: AppContext, system_id: str) -> dict[str, Any]:
    """Answers the record and the previous classification already give."""
    system = get_system(context, system_id)
    profile = SystemProfile.from_record({k: system[k] for k in SystemProfile.field_names()})
    answers = answers_from_profile(profile)
    if system["classification"]:
        with context.read() as session:
            previous = _latest(session, system_id)
            if previous is not None:
                answers.update(previous.answers)
    return answers


def unanswered_questions(answers: Mapping[str, Any]) -> tuple[Question, ...]:
    return pending_questions(validate_answers(answers))


def _latest(session: Any, system_id: str) -> ClassificationRow | None:
    row: ClassificationRow | None = session.execute(
        select(ClassificationRow)
        .where(ClassificationRow.system_id == system_id)
        .order_by(ClassificationRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return row


def classify_system(
    context: AppContext,
    actor: Actor,
    system_id: str,
    *,
    answers: Mapping[str, Any] | None = None,
    catalog_version: str | None = None,
    tiering_policy: Path | None = None,
) -> ClassifyOutcome:
    require(Action.SYSTEM_CLASSIFY, actor.username, actor.roles)
    merged = known_answers(context, system_id)
    merged.update(answers or {})
    validated = validate_answers(merged)
    evaluated = _evaluate(validated, catalog_version, tiering_policy)
    with context.write(actor) as tx:
        if tx.session.get(AISystemRow, system_id) is None:
            raise NotFoundError(
                f"no AI system '{system_id}' in this workspace; see `ombud system list`"
            )
        return _record(tx, system_id, validated, *evaluated)


def _evaluate(
    validated: Mapping[str, Any], catalog_version: str | None, tiering_policy: Path | None
) -> tuple[Classification, TierAssignment, tuple[str, ...]]:
    """The classification, the tier and the unanswered questions: all before any write."""
    catalog = load_catalog(catalog_version)
    result = classify(validated, catalog)
    tier = assign_tier(result, validated, load_tiering_rules(tiering_policy))
    unanswered = tuple(q.id for q in pending_questions(validated))
    return result, tier, unanswered


def _record(
    tx: Tx,
    system_id: str,
    validated: Mapping[str, Any],
    result: Classification,
    tier: TierAssignment,
    unanswered: tuple[str, ...],
) -> ClassifyOutcome:
    """Record an evaluated classification in the caller's transaction."""
    previous = _latest(tx.session, system_id)
    diff = (
        diff_classifications(Classification.from_dict(previous.result), result)
        if previous is not None
        else None
    )
    row = ClassificationRow(
        system_id=system_id,
        catalog_version=result.catalog_version,
        eu_category=result.eu_category.value,
        tier=tier.tier,
        tier_label=tier.label,
        answers=_jsonable(validated),
        result=result.to_dict(),
        tier_reasons=list(tier.reasons),
        created_by=tx.actor.username,
        created_at=datetime.now(UTC),
    )
    tx.session.add(row)
    tx.record(
        "system.classify",
        "ai_system",
        system_id,
        before=previous.result if previous else None,
        after=row.result,
        details={
            "catalog_version": result.catalog_version,
            "eu_category": result.eu_category.value,
            "tier": tier.tier,
            "unanswered": list(unanswered),
        },
    )
    return ClassifyOutcome(system_id, result, tier, validated, unanswered, diff)


@dataclass(frozen=True)
class ManifestOutcome:
    """What ``apply_manifest`` did: registered/updated/unchanged, versions, classification."""

    outcome: str
    system: dict[str, Any]
    versions_added: list[str]
    classification: ClassifyOutcome | None


def apply_manifest(context: AppContext, actor: Actor, manifest: SystemManifest) -> ManifestOutcome:
    """Register or update from a manifest and classify on its answers, as ONE unit.

    Everything that can be checked without writing is checked first (the permissions
    for both steps, the answers themselves); the record, its versions and its
    classification then commit in one transaction, so a refused classification leaves
    no system or (immutable) version behind.
    """
    require(Action.SYSTEM_REGISTER, actor.username, actor.roles)
    given = manifest.classification_answers
    evaluated = None
    if given is not None:
        require(Action.SYSTEM_CLASSIFY, actor.username, actor.roles)
        merged = answers_from_profile(manifest.profile)
        with context.read() as session:
            previous = _latest(session, manifest.system_id)
            if previous is not None:
                merged.update(previous.answers)
        merged.update(given)
        validated = validate_answers(merged)
        evaluated = (validated, *_evaluate(validated, None, None))
    with context.write(actor) as tx:
        outcome, system, added = apply_manifest_in(tx, manifest)
        classified = _record(tx, manifest.system_id, *evaluated) if evaluated else None
    return ManifestOutcome(outcome, system, added, classified)
