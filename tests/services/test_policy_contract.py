"""Policy names and engine names cannot drift apart.

A gate rule whose glob matches nothing would silently be `insufficient` forever (or,
with `if_missing: pass`, be waived). Two contracts: the default pack's patterns match
names a real audit produces, and every name a real engine run records is accepted by
the registry policies are validated against (so validation never refuses a real name).
Oracle: real fairness audits on COMPAS and a real supplier assessment.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from ombud.datasets import load
from ombud.fairness import audit, bias_audit
from ombud.fairness import evidence_names as fairness_evidence_names
from ombud.governance.policy import default_registry, load_default_policy
from ombud.governance.policy._names import _can_match
from ombud.governance.supplier import SupplierAnswers, assess_supplier
from ombud.records import EvidenceDraft
from ombud.services.supplier import default_questionnaire


@pytest.fixture(scope="module")
def fairness_names() -> set[str]:
    frame = load("compas", filtered=True).frame
    frame = frame.assign(high_risk=(frame["decile_score"] >= 5).astype(int))
    result = audit(
        frame, label="two_year_recid", prediction="high_risk", sensitive=["race", "sex"], n_boot=0
    )
    draft = result.to_evidence()
    return set(draft.metrics) | set(draft.verdicts)


def test_every_fairness_pattern_in_the_default_pack_matches(fairness_names: set[str]) -> None:
    pack = load_default_policy()
    requirements = [*pack.tiers.values(), *(o.requirements for o in pack.overlays)]
    patterns = {
        rule.pattern
        for req in requirements
        for rule in req.rules
        if rule.pattern.startswith("fairness.")
    }
    assert patterns, "the default pack has fairness rules"
    unmatched = sorted(
        p for p in patterns if not any(fnmatchcase(name, p) for name in fairness_names)
    )
    assert unmatched == []


@pytest.fixture(scope="module")
def audit_drafts() -> list[EvidenceDraft]:
    """Decisions by two attributes (intersections too) within age strata, and scores."""
    frame = load("compas", filtered=True).frame
    frame = frame.assign(
        high_risk=(frame["decile_score"] >= 5).astype(int), score=frame["decile_score"] / 10
    )
    by_decision = audit(
        frame, label="two_year_recid", prediction="high_risk", sensitive=["race", "sex"],
        control="age_cat", n_boot=0,
    )  # fmt: skip
    by_score = audit(
        frame, label="two_year_recid", score="score", threshold=0.5, sensitive="race", n_boot=0
    )
    # report=False: the HTML report of an audit with control features fails today (see
    # fairness/_report.py reference_sentences); the names do not depend on it
    return [by_decision.to_evidence(report=False), by_score.to_evidence(report=False)]


def _refused(draft: EvidenceDraft) -> list[str]:
    registry = default_registry()
    return sorted(
        [n for n in draft.metrics if not registry.can_match(n, "metric", draft.kind)]
        + [n for n in draft.verdicts if not registry.can_match(n, "verdict", draft.kind)]
    )


def test_every_name_a_real_fairness_audit_records_is_accepted(
    audit_drafts: list[EvidenceDraft],
) -> None:
    assert any(".roc_auc." in n for n in audit_drafts[1].metrics)  # the score metrics ran
    assert any("+" in n for n in audit_drafts[0].metrics)  # and an intersection
    for draft in audit_drafts:
        assert draft.metrics
        assert draft.verdicts
        assert _refused(draft) == []


def test_every_fairness_name_the_registry_accepts_is_one_a_real_audit_records(
    audit_drafts: list[EvidenceDraft],
) -> None:
    """The other direction: the declaration is no looser than the engine, so a rule
    naming something the audit never records is refused, not waited on forever."""
    declared = fairness_evidence_names()
    metrics = {n for d in audit_drafts for n in d.metrics}
    verdicts = {n for d in audit_drafts for n in d.verdicts}
    assert [t for t in declared.metrics if not any(_can_match(n, t) for n in metrics)] == []
    assert [t for t in declared.verdicts if not any(_can_match(n, t) for n in verdicts)] == []


def test_every_name_a_supplier_assessment_records_is_accepted() -> None:
    questionnaire = default_questionnaire()
    answers = {
        item.id: (item.options()[0] if item.options() else "we log everything")
        for item in questionnaire.items
    }
    answers[questionnaire.items[0].id] = "unknown"
    assessment = assess_supplier(
        questionnaire, SupplierAnswers("acme", "model", "sam", answers, {})
    )
    draft = EvidenceDraft(
        "supplier_questionnaire", "s", "ombud.supplier", "", assessment.metrics,
        assessment.verdicts,
    )  # fmt: skip
    assert any(n.startswith("supplier.item.") for n in draft.metrics)
    assert _refused(draft) == []


def test_every_name_a_real_bias_audit_records_is_accepted() -> None:
    frame = load("bertrand_mullainathan").frame
    for kwargs in ({"selected": "call"}, {"score": "call"}):
        draft = bias_audit(frame, sex="sex", race="race", **kwargs).to_evidence()
        assert any(".intersectional." in n for n in draft.metrics)
        assert _refused(draft) == []
