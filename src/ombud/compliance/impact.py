"""What an amendment changes for each system: classify the same answers under two catalogs.

When the law moves (catalog 2024.1 to 2026.1), a Responsible AI Lead must see, per
registered system, whether its category changed, which duties it gains or loses, and
which dates moved, before anything is recorded. The answers already recorded are reused;
questions the new catalog adds are not guessed: a system whose answers miss them is
reported as incomplete, with the questions to ask, because an unanswered question is
read as "no" and could hide a new prohibition. Pure: records in, a report out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ombud.compliance.classification_result import Classification, EUCategory
from ombud.compliance.classification_rules import classify
from ombud.compliance.diff import ClassificationDiff, diff_classifications
from ombud.compliance.law_catalog import LegalCatalog
from ombud.compliance.questionnaire import (
    applicable_questions,
    load_questionnaire,
    validate_answers,
)

__all__ = ["DateMove", "ImpactReport", "SystemImpact", "amendment_impact"]


@dataclass(frozen=True)
class DateMove:
    obligation: str
    old: dt.date | None
    new: dt.date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "obligation": self.obligation,
            "old": self.old.isoformat() if self.old else None,
            "new": self.new.isoformat() if self.new else None,
        }


@dataclass(frozen=True)
class SystemImpact:
    system_id: str
    old: Classification
    new: Classification
    diff: ClassificationDiff
    dates_moved: tuple[DateMove, ...]
    #: Questions the new catalog asks that these answers do not answer.
    missing_questions: tuple[str, ...]
    #: Obligations gained that already apply on the report's day.
    gained_in_force: tuple[str, ...]

    @property
    def incomplete(self) -> bool:
        return bool(self.missing_questions)

    @property
    def becomes_prohibited(self) -> bool:
        return self.new.eu_category is EUCategory.PROHIBITED and self.diff.category_changed

    @property
    def needs_finding(self) -> bool:
        """Prohibited now, or a new duty that already binds: someone must act."""
        return self.becomes_prohibited or bool(self.gained_in_force)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id,
            "old_category": self.old.eu_category.value,
            "new_category": self.new.eu_category.value,
            "category_changed": self.diff.category_changed,
            "obligations_added": list(self.diff.added_obligations),
            "obligations_removed": list(self.diff.removed_obligations),
            "dates_moved": [move.to_dict() for move in self.dates_moved],
            "gained_in_force": list(self.gained_in_force),
            "incomplete": self.incomplete,
            "missing_questions": list(self.missing_questions),
            "regimes_added": list(self.diff.added_regimes),
            "regimes_removed": list(self.diff.removed_regimes),
            "needs_finding": self.needs_finding,
        }


@dataclass(frozen=True)
class ImpactReport:
    from_version: str
    to_version: str
    on: dt.date
    systems: tuple[SystemImpact, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_version,
            "to": self.to_version,
            "as_of": self.on.isoformat(),
            "systems": [system.to_dict() for system in self.systems],
            "summary": {
                "systems": len(self.systems),
                "category_changed": sum(s.diff.category_changed for s in self.systems),
                "incomplete": sum(s.incomplete for s in self.systems),
                "needs_finding": sum(s.needs_finding for s in self.systems),
            },
        }


def _moves(old: Classification, new: Classification) -> tuple[DateMove, ...]:
    before = {o.id: o.applies_from for o in old.obligations}
    return tuple(
        DateMove(o.id, before[o.id], o.applies_from)
        for o in new.obligations
        if o.id in before and before[o.id] != o.applies_from
    )


def _missing(answers: Mapping[str, Any], old: LegalCatalog, new: LegalCatalog) -> tuple[str, ...]:
    """Questions new to ``new`` that apply to these answers and were not answered."""
    asked_before = set(load_questionnaire().for_catalog(old.version).ids)
    asked_now = load_questionnaire().for_catalog(new.version)
    return tuple(
        q.id
        for q in applicable_questions(answers, asked_now)
        if q.id not in asked_before and q.id not in answers
    )


def system_impact(
    system_id: str,
    answers: Mapping[str, Any],
    old: LegalCatalog,
    new: LegalCatalog,
    on: dt.date,
) -> SystemImpact:
    """One system's impact (answers are validated; a bad record raises the usual error)."""
    valid = validate_answers(answers)
    before, after = classify(valid, old), classify(valid, new)
    diff = diff_classifications(before, after)
    gained = {o.id: o for o in after.obligations if o.id in diff.added_obligations}
    return SystemImpact(
        system_id=system_id,
        old=before,
        new=after,
        diff=diff,
        dates_moved=_moves(before, after),
        missing_questions=_missing(valid, old, new),
        gained_in_force=tuple(i for i, o in gained.items() if o.in_force(on)),
    )


def amendment_impact(
    records: Iterable[tuple[str, Mapping[str, Any]]],
    old: LegalCatalog,
    new: LegalCatalog,
    on: dt.date,
) -> ImpactReport:
    """Every system's recorded answers classified under ``old`` and ``new``, read on ``on``."""
    systems = tuple(system_impact(sid, answers, old, new, on) for sid, answers in records)
    return ImpactReport(old.version, new.version, on, systems)
