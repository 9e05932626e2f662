"""A small condition language shared by the questionnaire, the catalog and regimes.

Legal triggers change with amendments, so they live in data files, not in code; the
files need a way to say "Annex III point 4(a) applies when the employment use includes
recruitment". Rather than evaluating Python expressions from YAML (unsafe, untyped), a
condition is a tiny tree of mappings, parsed once at load time so a typo is reported
with its line, long before any system is classified:

    {q: domain, is: hiring}              one answer equals a value
    {q: domain, in: [hiring, lending]}   one answer is one of several values
    {q: affected_people, has: children}  a many-of answer contains a value
    {q: affected_people, has_any: [...]} a many-of answer contains any of several
    {q: gpai_training_flop, gt: 1.0e25}  numeric comparisons: gt, gte, lt, lte
    {q: domain, answered: true}          the question has (or has not) been answered
    {region: EU}                         a deployment region is in the EU / starts with
    {triggered: annex_iii.5.b}           a catalog item fired (obligations, regimes)
    {tag: high_risk}                     the classification carries a category or flag
    {all: [...]}, {any: [...]}, {not: {...}}

An unanswered question makes every answer test false (so ``not`` of it is true).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ombud.compliance._errors import ClassificationInputError
from ombud.yamlsource import KeyPath

__all__ = [
    "EU_MEMBER_STATES",
    "AllOf",
    "AnswerTest",
    "AnyOf",
    "Condition",
    "Facts",
    "Not",
    "RegionTest",
    "TagTest",
    "TriggeredTest",
    "answer_tests",
    "evaluate",
    "in_eu",
    "parse_condition",
    "region_matches",
]

#: ISO 3166-1 alpha-2 codes of the 27 member states; Greece also as ``EL`` (EU usage).
_MEMBER_CODES = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR EL HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
)
EU_MEMBER_STATES = frozenset(_MEMBER_CODES.split(" "))

ANSWER_OPERATORS = ("is", "in", "has", "has_any", "gt", "gte", "lt", "lte", "answered")
Locator = Callable[[KeyPath], str]


@dataclass(frozen=True)
class AnswerTest:
    question: str
    operator: str
    value: Any


@dataclass(frozen=True)
class RegionTest:
    prefix: str


@dataclass(frozen=True)
class TriggeredTest:
    item_id: str


@dataclass(frozen=True)
class TagTest:
    tag: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = AnswerTest | RegionTest | TriggeredTest | TagTest | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Facts:
    """What a condition is evaluated against."""

    answers: Mapping[str, Any]
    triggered: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()


def in_eu(code: str) -> bool:
    country = code.upper().split("-", 1)[0]
    return country == "EU" or country in EU_MEMBER_STATES


def region_matches(code: str, prefix: str) -> bool:
    """``EU`` matches the EU and its member states; otherwise a code or its subdivisions."""
    code, prefix = code.upper(), prefix.upper()
    if prefix == "EU":
        return in_eu(code)
    return code == prefix or code.startswith(prefix + "-")


def _fail(where: Locator, path: KeyPath, what: str) -> ClassificationInputError:
    return ClassificationInputError(f"{where(path)}: {what}")


def parse_condition(
    raw: Any, path: KeyPath, where: Locator, *, allow_outcomes: bool = False
) -> Condition:
    """Parse a condition mapping; ``allow_outcomes`` admits ``triggered`` and ``tag``."""
    if not isinstance(raw, Mapping) or not raw:
        raise _fail(where, path, "a condition must be a non-empty mapping such as {q: id, is: v}")
    keys = set(raw)
    if keys in ({"all"}, {"any"}):
        (key,) = keys
        parts = raw[key]
        if not isinstance(parts, list) or not parts:
            raise _fail(where, (*path, key), f"'{key}' needs a non-empty list of conditions")
        parsed = tuple(
            parse_condition(part, (*path, key, i), where, allow_outcomes=allow_outcomes)
            for i, part in enumerate(parts)
        )
        return AllOf(parsed) if key == "all" else AnyOf(parsed)
    if keys == {"not"}:
        return Not(
            parse_condition(raw["not"], (*path, "not"), where, allow_outcomes=allow_outcomes)
        )
    if keys == {"region"} and isinstance(raw["region"], str):
        return RegionTest(raw["region"].upper())
    if allow_outcomes and keys == {"triggered"} and isinstance(raw["triggered"], str):
        return TriggeredTest(raw["triggered"])
    if allow_outcomes and keys == {"tag"} and isinstance(raw["tag"], str):
        return TagTest(raw["tag"])
    if "q" in keys and len(keys) == 2:
        (operator,) = keys - {"q"}
        if operator not in ANSWER_OPERATORS:
            raise _fail(
                where,
                path,
                f"unknown operator '{operator}'; use one of {', '.join(ANSWER_OPERATORS)}",
            )
        value = raw[operator]
        if operator in ("in", "has_any") and not (isinstance(value, list) and value):
            raise _fail(where, (*path, operator), f"'{operator}' needs a non-empty list")
        numeric = operator in ("gt", "gte", "lt", "lte")
        if numeric and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise _fail(where, (*path, operator), f"'{operator}' needs a number")
        if operator == "answered" and not isinstance(value, bool):
            raise _fail(where, (*path, operator), "'answered' needs true or false")
        frozen = tuple(value) if isinstance(value, list) else value
        return AnswerTest(str(raw["q"]), operator, frozen)
    extra = "q/region/all/any/not" + ("/triggered/tag" if allow_outcomes else "")
    raise _fail(where, path, f"cannot read condition with keys {sorted(keys)}; use {extra}")


def answer_tests(condition: Condition) -> Iterator[AnswerTest]:
    """Every answer test inside ``condition`` (to cross-check ids against a questionnaire)."""
    if isinstance(condition, AnswerTest):
        yield condition
    elif isinstance(condition, (AllOf, AnyOf)):
        for part in condition.parts:
            yield from answer_tests(part)
    elif isinstance(condition, Not):
        yield from answer_tests(condition.part)


def _answer_holds(test: AnswerTest, answers: Mapping[str, Any]) -> bool:
    value = answers.get(test.question)
    if test.operator == "answered":
        return (value is not None) is test.value
    if value is None:
        return False
    if test.operator == "is":
        return bool(value == test.value)
    if test.operator == "in":
        return value in test.value
    if test.operator == "has":
        return isinstance(value, (list, tuple)) and test.value in value
    if test.operator == "has_any":
        return isinstance(value, (list, tuple)) and any(v in value for v in test.value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    threshold = float(test.value)
    comparisons = {
        "gt": value > threshold,
        "gte": value >= threshold,
        "lt": value < threshold,
        "lte": value <= threshold,
    }
    return comparisons[test.operator]


def evaluate(condition: Condition, facts: Facts) -> bool:
    if isinstance(condition, AnswerTest):
        return _answer_holds(condition, facts.answers)
    if isinstance(condition, RegionTest):
        regions = facts.answers.get("deployment_regions") or ()
        if not isinstance(regions, (list, tuple)):  # an answer of the wrong shape matches nothing
            return False
        return any(
            isinstance(code, str) and region_matches(code, condition.prefix) for code in regions
        )
    if isinstance(condition, TriggeredTest):
        return condition.item_id in facts.triggered
    if isinstance(condition, TagTest):
        return condition.tag in facts.tags
    if isinstance(condition, AllOf):
        return all(evaluate(part, facts) for part in condition.parts)
    if isinstance(condition, AnyOf):
        return any(evaluate(part, facts) for part in condition.parts)
    return not evaluate(condition.part, facts)
