"""The condition language used by the questionnaire, catalog and regimes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ombud.compliance import ClassificationInputError
from ombud.compliance._conditions import (
    EU_MEMBER_STATES,
    Facts,
    Not,
    evaluate,
    parse_condition,
    region_matches,
)


def where(path: tuple[Any, ...]) -> str:
    return "test:" + "/".join(str(p) for p in path)


def holds(raw: dict[str, Any], answers: dict[str, Any], **outcomes: Any) -> bool:
    condition = parse_condition(raw, (), where, allow_outcomes=True)
    return evaluate(condition, Facts(answers, **outcomes))


def test_member_states() -> None:
    """Oracle: the EU has 27 member states (Greece listed twice, as GR and EL)."""
    assert len(EU_MEMBER_STATES - {"EL"}) == 27
    assert region_matches("DE-BY", "EU")
    assert region_matches("eu", "EU")
    assert not region_matches("GB", "EU")
    assert not region_matches("CH", "EU")
    assert region_matches("US-CO", "US")
    assert not region_matches("USA", "US")
    assert not region_matches("US", "US-CO")


@pytest.mark.parametrize(
    ("raw", "answers", "expected"),
    [
        ({"q": "a", "is": True}, {"a": True}, True),
        ({"q": "a", "is": True}, {}, False),
        ({"not": {"q": "a", "is": True}}, {}, True),
        ({"q": "a", "in": ["x", "y"]}, {"a": "y"}, True),
        ({"q": "a", "has": "x"}, {"a": ("x", "z")}, True),
        ({"q": "a", "has_any": ["p", "q"]}, {"a": ("x",)}, False),
        ({"q": "n", "gt": 1e25}, {"n": 1e25}, False),
        ({"q": "n", "gte": 1e25}, {"n": 1e25}, True),
        ({"q": "n", "lt": 5}, {"n": True}, False),
        ({"q": "a", "answered": False}, {}, True),
        ({"region": "EU"}, {"deployment_regions": ("FR",)}, True),
        (
            {"all": [{"q": "a", "is": 1}, {"any": [{"q": "b", "is": 2}, {"q": "c", "is": 3}]}]},
            {"a": 1, "c": 3},
            True,
        ),
    ],
)
def test_evaluation(raw: dict[str, Any], answers: dict[str, Any], expected: bool) -> None:
    assert holds(raw, answers) is expected


def test_outcome_tests() -> None:
    assert holds({"triggered": "x"}, {}, triggered=frozenset({"x"}))
    assert holds({"tag": "high_risk"}, {}, tags=frozenset({"high_risk"}))
    with pytest.raises(ClassificationInputError, match=r"use q/region/all/any/not$"):
        parse_condition({"tag": "high_risk"}, (), where)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({}, "non-empty mapping"),
        ({"q": "a", "equals": 1}, "unknown operator 'equals'"),
        ({"q": "a", "in": []}, "'in' needs a non-empty list"),
        ({"q": "a", "gt": "big"}, "'gt' needs a number"),
        ({"all": {"q": "a", "is": 1}}, "'all' needs a non-empty list"),
        ({"any": [{"q": "a", "is": 1}, {"q": "b"}]}, "test:any/1: cannot read condition"),
    ],
)
def test_parse_errors_say_where(raw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ClassificationInputError, match=r"^test:") as caught:
        parse_condition(raw, (), where)
    assert fragment in str(caught.value)


@given(st.booleans(), st.booleans())
def test_double_negation(a: bool, b: bool) -> None:
    condition = parse_condition(
        {"any": [{"q": "a", "is": True}, {"q": "b", "is": True}]}, (), where
    )
    facts = Facts({"a": a, "b": b})
    assert evaluate(Not(Not(condition)), facts) is evaluate(condition, facts) is (a or b)
