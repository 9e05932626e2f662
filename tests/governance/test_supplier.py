"""Supplier questionnaire: parsing with line numbers, and scores computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from ombud.governance import InvalidInput
from ombud.governance.supplier import (
    assess_supplier,
    parse_expiry,
    parse_metric_option,
    parse_questionnaire,
    parse_supplier_answers,
    parse_verdict_option,
)
from ombud.records import Verdict
from ombud.services.supplier import default_questionnaire
from ombud.yamlsource import YamlSourceError, parse_yaml

SMALL = """\
questionnaire: small
version: "1"
pass_score: 0.6
items:
  - id: provenance
    question: Documented data sources?
    answer: yes_no
    weight: 3
    required: true
  - id: group_eval
    question: Evaluated per group?
    answer: choice
    choices: {all: 1.0, some: 0.5, "no": 0.0}
    weight: 2
    required: true
    minimum: 0.5
  - id: retention
    question: Retention?
    answer: choice
    choices: {none: 1.0, forever: 0.0}
    weight: 1
  - id: contact
    question: Incident contact?
    answer: text
    required: true
"""


def _answers(body: str) -> str:
    return "supplier: Acme\nproduct: Box\nanswers:\n" + body


def test_score_and_verdicts_match_a_hand_computation() -> None:
    """Oracle: (3*1 + 2*0.5 + 1*0) / (3+2+1) = 4/6 = 0.667 >= 0.6; all required pass."""
    q = parse_questionnaire(parse_yaml(SMALL, "q.yaml"))
    a = parse_supplier_answers(
        parse_yaml(
            _answers(
                "  provenance: yes\n  group_eval: some\n  retention: forever\n"
                "  contact: {answer: security@acme.example, comment: 24/7}\n"
            ),
            "a.yaml",
        ),
        q,
    )
    result = assess_supplier(q, a)
    assert result.score == pytest.approx(4 / 6)
    assert result.passed
    assert result.verdicts == {
        "supplier.provenance": Verdict.PASS,
        "supplier.group_eval": Verdict.PASS,
        "supplier.contact": Verdict.PASS,
        "supplier.score": Verdict.PASS,
    }
    assert result.metrics["supplier.item.retention"] == 0.0
    assert a.comments == {"contact": "24/7"}


def test_unknown_is_insufficient_never_a_pass() -> None:
    """Oracle: (3*0 + 2*1 + 1*1) / 6 = 0.5 < 0.6; provenance unknown -> insufficient."""
    q = parse_questionnaire(parse_yaml(SMALL, "q.yaml"))
    a = parse_supplier_answers(
        parse_yaml(_answers("  provenance: unknown\n  group_eval: all\n  retention: none\n"), "a"),
        q,
    )
    result = assess_supplier(q, a)
    assert result.score == pytest.approx(0.5)
    assert not result.passed
    assert result.verdicts["supplier.provenance"] == Verdict.INSUFFICIENT
    assert result.verdicts["supplier.contact"] == Verdict.INSUFFICIENT
    assert result.verdicts["supplier.score"] == Verdict.FAIL
    assert result.metrics["supplier.unknown_items"] == 2.0
    assert result.metrics["supplier.required_not_passed"] == 2.0


def test_required_item_below_minimum_fails_even_with_a_high_score() -> None:
    q = parse_questionnaire(parse_yaml(SMALL, "q.yaml"))
    a = parse_supplier_answers(
        parse_yaml(
            _answers("  provenance: yes\n  group_eval: 'no'\n  retention: none\n  contact: x\n"),
            "a",
        ),
        q,
    )
    result = assess_supplier(q, a)
    assert result.score == pytest.approx(4 / 6)
    assert result.verdicts["supplier.group_eval"] == Verdict.FAIL
    assert not result.passed


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("  provenance: yes\n  colour: blue\n", 5, "'colour' is not a question"),
        ("  provenance: yes\n  group_eval: most\n", 5, "answer 'most' to 'group_eval'"),
        ("  provenance: maybe\n", 4, "not one of: yes, no, unknown"),
        ("  provenance:\n", 4, "has no answer"),
    ],
)
def test_answer_errors_name_the_line(body: str, line: int, message: str) -> None:
    q = parse_questionnaire(parse_yaml(SMALL, "q.yaml"))
    with pytest.raises(YamlSourceError, match=f"^answers.yaml:{line}: .*{message}"):
        parse_supplier_answers(parse_yaml(_answers(body), "answers.yaml"), q)


def test_questionnaire_errors_name_the_line() -> None:
    broken = SMALL.replace("weight: 2\n", "weight: heavy\n")
    with pytest.raises(YamlSourceError, match=r"^q.yaml:14: 'weight' must be a number"):
        parse_questionnaire(parse_yaml(broken, "q.yaml"))
    dup = SMALL.replace("id: retention", "id: provenance")
    with pytest.raises(YamlSourceError, match=r"^q.yaml:17: duplicate item id 'provenance'"):
        parse_questionnaire(parse_yaml(dup, "q.yaml"))


def test_shipped_questionnaire_covers_the_issue_topics() -> None:
    q = default_questionnaire()
    ids = {i.id for i in q.items}
    for topic in (
        "training_data_provenance",
        "training_data_rights",
        "evaluation_by_group",
        "redteam_done",
        "incident_notification",
        "value_chain_cooperation",
        "data_retention",
    ):
        assert topic in ids
    assert any("Art. 25" in i.question for i in q.items)


def test_attach_options() -> None:
    assert parse_metric_option("audit.findings.count=3") == ("audit.findings.count", 3.0)
    assert parse_verdict_option("third_party.fairness=Concern") == (
        "third_party.fairness",
        Verdict.CONCERN,
    )
    today = dt.date(2026, 11, 26)
    assert parse_expiry("2027-11-26", today) == 365
    for bad in ("Bad.Name=1", "audit.count=nan", "audit.count"):
        with pytest.raises(InvalidInput, match="--metric"):
            parse_metric_option(bad)
    with pytest.raises(InvalidInput, match="rule=pass"):
        parse_verdict_option("x=ok")
    with pytest.raises(InvalidInput, match="not after today"):
        parse_expiry("2026-11-26", today)
