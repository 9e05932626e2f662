"""Cross-checks of a legal catalog against the questionnaire it is evaluated with.

A catalog condition that names a misspelt question or option would silently never fire,
which for a legal trigger means a missed obligation; so every reference is resolved
when the catalog is loaded, and all broken ones are reported together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ombud.compliance._conditions import (
    AllOf,
    AnyOf,
    Condition,
    Not,
    TriggeredTest,
    answer_tests,
)
from ombud.compliance._errors import ClassificationInputError
from ombud.compliance.questionnaire import Questionnaire, QuestionType

if TYPE_CHECKING:
    from ombud.compliance.law_catalog import LegalCatalog

__all__ = ["cross_check"]


def _triggered_tests(condition: Condition) -> list[str]:
    if isinstance(condition, TriggeredTest):
        return [condition.item_id]
    if isinstance(condition, (AllOf, AnyOf)):
        return [t for part in condition.parts for t in _triggered_tests(part)]
    if isinstance(condition, Not):
        return _triggered_tests(condition.part)
    return []


def cross_check(catalog: LegalCatalog, questionnaire: Questionnaire, source: str) -> None:
    """Every condition must name real questions, options and items."""
    item_ids = {item.id for item in catalog.items}
    problems: list[str] = []
    entries: list[tuple[str, Condition | None]] = []
    for item in catalog.items:
        entries += [(item.id, item.when), (item.id, item.unless)]
    entries += [(o.id, o.when) for o in catalog.obligations]
    entries += [(r.id, r.when) for r in catalog.regimes]
    for owner, cond in entries:
        if cond is None:
            continue
        for test in answer_tests(cond):
            question = questionnaire.get(test.question)
            if question is None:
                problems.append(f"{source}: '{owner}' tests unknown question '{test.question}'")
                continue
            if question.type in (QuestionType.ONE_OF, QuestionType.MANY_OF) and question.options:
                values = test.value if isinstance(test.value, tuple) else (test.value,)
                if test.operator in ("is", "in", "has", "has_any"):
                    for value in values:
                        if value not in question.option_ids:
                            problems.append(
                                f"{source}: '{owner}' tests '{test.question}' for '{value}', "
                                f"not one of its options: {', '.join(question.option_ids)}"
                            )
        for target in _triggered_tests(cond):
            if target not in item_ids:
                problems.append(f"{source}: '{owner}' refers to unknown item '{target}'")
    if problems:
        raise ClassificationInputError(problems)
