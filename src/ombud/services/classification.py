"""Classifying a registered system: answers in, a recorded classification and tier out.

Answers come from three places, later ones winning: what the inventory record already
says, the answers of the previous classification, and what the caller gives now. So a
re-classification under a new catalog version asks nothing twice, and shows what
changed.
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
from ombud.governance import Action, SystemProfile, answers_from_profile, require
from ombud.services.context import Actor, AppContext
from ombud.services.systems import get_system
from ombud.store.models import AISystemRow, ClassificationRow

__all__ = [
    "ClassifyOutcome",
    "choose_catalog",
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
    profile = SystemProfile.from_mapping({k: system[k] for k in SystemProfile.field_names()})
    answers = answers_from_profile(profile)
    if system["classification"]:
        with context.read() as session:
            previous = _latest(session, system_id)
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
    catalog = choose_catalog(catalog_version)
    result = classify(validated, catalog)
    tier = assign_tier(result, validated, load_tiering_rules(tiering_policy))
    questions = load_questionnaire().for_catalog(catalog.version)
    unanswered = tuple(q.id for q in pending_questions(validated, questions))
    with context.write(actor) as tx:
        system = tx.session.get(AISystemRow, system_id)
        assert system is not None  # get_system above proved it exists
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
            created_by=actor.username,
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
