"""FairnessPolicy and Rule: defaults, construction from plain data, and refusals.

Oracle: the text of 29 CFR 1607.4(D) (four-fifths = 0.8 on selection rates) and the
documented fields; malformed input must raise PolicyError naming the problem.
"""

from __future__ import annotations

import re

import pytest

from ombud.fairness import DEFAULT_RULES, FairnessPolicy, PolicyError, Rule


def test_defaults_include_the_four_fifths_rule() -> None:
    rule = {r.name: r for r in FairnessPolicy().rules}["four_fifths"]
    assert (rule.metrics, rule.statistic, rule.bound) == (("selection_rate",), "ratio", 0.8)
    assert "1607.4(D)" in rule.description


def test_from_mapping_round_trips_plain_data() -> None:
    policy = FairnessPolicy.from_mapping(
        {
            "min_group_size": 50,
            "rules": [
                {"name": "eo", "metrics": ["tpr", "fpr"], "statistic": "difference", "bound": 0.05},
                {"name": "ff", "metrics": "selection_rate", "statistic": "ratio", "bound": 0.8},
            ],
        }
    )
    assert policy.min_group_size == 50
    assert policy.rules == (
        Rule("eo", ("tpr", "fpr"), "difference", 0.05),
        Rule("ff", ("selection_rate",), "ratio", 0.8),
    )
    assert FairnessPolicy.from_mapping({}).rules == DEFAULT_RULES


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"colour": 1}, "unknown fairness policy key"),
        ({"rules": "x"}, "must be a list"),
        ({"rules": [{"name": "r"}]}, "lacks"),
        (
            {"rules": [{"name": "r", "metrics": "nope", "statistic": "ratio", "bound": 0.8}]},
            "unknown",
        ),
        (
            {"rules": [{"name": "r", "metrics": "tpr", "statistic": "ratio", "bound": 1.5}]},
            "(0, 1]",
        ),
        (
            {"rules": [{"name": "r", "metrics": "tpr", "statistic": "max", "bound": 0.5}]},
            "statistic",
        ),
        ({"min_group_size": 0}, "at least 1"),
    ],
)
def test_malformed_policies_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError, match=re.escape(message)):
        FairnessPolicy.from_mapping(data)


def test_rule_breach_direction() -> None:
    ratio = Rule("r", ("fpr",), "ratio", 0.8)
    gap = Rule("d", ("fpr",), "difference", 0.1)
    assert ratio.breaches(0.79)
    assert not ratio.breaches(0.8)
    assert gap.breaches(0.11)
    assert not gap.breaches(0.1)
