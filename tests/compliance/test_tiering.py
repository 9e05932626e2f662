"""Internal risk tiers from the organisation's policy (highest-risk match wins)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud.compliance import ClassificationInputError, assign_tier, classify, load_tiering_rules

BASE: dict[str, Any] = {
    "system_kind": "decision_model",
    "operator_role": "provider",
    "deployment_regions": ["EU"],
    "automation": "human_in_the_loop",
    "data_categories": ["personal_data"],
}
SPAM = {**BASE, "domain": "internal_productivity"}
CREDIT = {
    **BASE,
    "domain": "lending",
    "annex_iii_area": ["essential_services"],
    "annex_iii_essential_services": ["creditworthiness"],
}
CHATBOT = {**BASE, "domain": "customer_service", "interacts_with_people": True}


def tier_of(answers: dict[str, Any]) -> int:
    return assign_tier(classify(answers), answers, load_tiering_rules()).tier


def test_spam_filter_and_credit_model_get_different_tiers() -> None:
    spam = assign_tier(classify(SPAM), SPAM, load_tiering_rules())
    credit = assign_tier(classify(CREDIT), CREDIT, load_tiering_rules())
    assert (spam.tier, spam.label) == (4, "low")
    assert (credit.tier, credit.label) == (2, "high")
    assert credit.reasons == ("high-risk: High-risk under EU AI Act Art. 6.",)
    assert "sensitive-domain" in credit.matched_rules


def test_default_policy_tiers() -> None:
    assert tier_of({**CREDIT, "automation": "fully_automated"}) == 1
    assert tier_of({**SPAM, "social_scoring": True}) == 1
    assert tier_of(CHATBOT) == 3
    assert (
        tier_of(
            {**BASE, "domain": "lending", "deployment_regions": ["US"], "output_used_in_eu": False}
        )
        == 2
    )


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(len(load_tiering_rules())))))
def test_highest_risk_wins_whatever_the_rule_order(order: list[int]) -> None:
    """Oracle: the documented semantics; the result must not depend on rule order."""
    rules = load_tiering_rules()
    shuffled = [rules[i] for i in order]
    for answers in (SPAM, CREDIT, CHATBOT):
        expected = assign_tier(classify(answers), answers, rules)
        got = assign_tier(classify(answers), answers, shuffled)
        assert (got.tier, set(got.reasons)) == (expected.tier, set(expected.reasons))


def test_plain_mappings_are_accepted_and_checked() -> None:
    rules = [
        {"id": "hr", "tier": 1, "when": {"eu_category": ["high_risk"]}, "reason": "High risk."},
        {"id": "rest", "tier": 4, "when": {}, "reason": "Everything else."},
    ]
    assert assign_tier(classify(CREDIT), CREDIT, rules).tier == 1
    with pytest.raises(ClassificationInputError, match="no rule matched"):
        assign_tier(classify(SPAM), SPAM, rules[:1])
    with pytest.raises(ClassificationInputError, match=r"rules\[0\]\.when\.domain: 'banking'"):
        assign_tier(classify(SPAM), SPAM, [{**rules[0], "when": {"domain": ["banking"]}}])


@pytest.mark.parametrize(
    ("rule_text", "line", "fragment"),
    [
        ("  - id: x\n    tier: 7\n    when: {}\n    reason: r\n", 4, "tier must be one of"),
        (
            "  - id: x\n    tier: 1\n    when:\n      colour: [red]\n    reason: r\n",
            6,
            "unknown condition 'colour'",
        ),
        (
            "  - id: x\n    tier: 1\n    when:\n      regimes: [us.ecoa]\n    reason: r\n",
            6,
            "'us.ecoa' is not a valid regimes",
        ),
        ("  - id: x\n    tier: 1\n    when: {}\n    reasons: r\n", 3, "unknown key(s)"),
    ],
)
def test_policy_file_errors_have_line_numbers(
    tmp_path: Path, rule_text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "tiering.yaml"
    path.write_text(
        "tiers: {1: critical, 2: high, 3: medium, 4: low}\nrules:\n" + rule_text, encoding="utf-8"
    )
    with pytest.raises(ClassificationInputError) as caught:
        load_tiering_rules(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert fragment in str(caught.value)


def test_duplicate_rule_ids_and_custom_labels(tmp_path: Path) -> None:
    path = tmp_path / "tiering.yaml"
    path.write_text(
        "tiers: {1: red, 2: amber, 3: green}\nrules:\n"
        "  - {id: a, tier: 3, when: {}, reason: r}\n"
        "  - {id: a, tier: 1, when: {}, reason: r}\n",
        encoding="utf-8",
    )
    with pytest.raises(ClassificationInputError, match=r"tiering\.yaml:4: rule id 'a' repeats"):
        load_tiering_rules(path)
    path.write_text(
        "tiers: {1: red, 2: amber, 3: green}\nrules:\n  - {id: a, tier: 3, when: {}, reason: r}\n",
        encoding="utf-8",
    )
    assert assign_tier(classify(SPAM), SPAM, load_tiering_rules(path)).label == "green"
