"""Stand-in evidence: ``accepts`` on a requirement and ``otherwise`` on a rule.

A résumé screen has decisions but no ground truth, so it has a decisions-only bias audit
and never a classifier audit. The four-fifths duty is about selection rates, which the bias
audit measures; these tests pin that the gate reads it there, only there, and never lets a
stand-in loosen a section that did not accept it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ombud.governance.gate import EvidenceFacts, GateOutcome, SystemFacts, evaluate_gate
from ombud.governance.policy import PolicyPack, load_default_policy, parse_policy
from ombud.yamlsource import YamlSourceError, parse_yaml

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

PACK_TEXT = """\
name: stand-ins
version: "1"
tiers:
  1: {}
  2:
    evidence: [{kind: fairness_audit, max_age_days: 180}]
  3: {}
  4: {}
overlays:
  - id: hiring
    when: {domain: [hiring]}
    evidence:
      - {kind: fairness_audit, accepts: [bias_audit], max_age_days: 365}
    rules:
      - id: four-fifths
        description: four-fifths
        verdict: "fairness.*.four_fifths"
        not_in: [fail]
        evidence_kind: fairness_audit
        remedy: investigate the adverse impact
        otherwise:
          metric: "bias_audit.*.impact_ratio_min"
          op: ">="
          value: 0.8
          evidence_kind: bias_audit
"""
PACK: PolicyPack = parse_policy(parse_yaml(PACK_TEXT, "pack.yaml", scalar_keys=True))


def _bias(ratio: float, id_: int = 7, days_old: int = 5) -> EvidenceFacts:
    return EvidenceFacts(
        id=id_,
        kind="bias_audit",
        created_at=NOW - timedelta(days=days_old),
        metrics={"bias_audit.race.impact_ratio_min": ratio, "bias_audit.race.white.rate": 0.1},
    )


def _audit(verdict: str, id_: int = 3) -> EvidenceFacts:
    return EvidenceFacts(
        id=id_,
        kind="fairness_audit",
        created_at=NOW - timedelta(days=5),
        verdicts={"fairness.race.four_fifths": verdict},
    )


def _checks(tier: int, evidence: list[EvidenceFacts]) -> dict[str, tuple[str, str]]:
    facts = SystemFacts("screen", "1.0", tier=tier, domain="hiring")
    result = evaluate_gate(PACK, facts, evidence, NOW)
    return {c.id: (c.outcome, c.message) for c in result.checks}


def test_a_bias_audit_stands_in_and_its_impact_ratio_decides() -> None:
    failing = _checks(3, [_bias(0.66)])
    assert failing["evidence:fairness_audit"][0] == "pass"
    assert "newest #7 (bias_audit)" in failing["evidence:fairness_audit"][1]
    outcome, message = failing["rule:four-fifths"]
    assert outcome == "fail"
    assert "bias_audit.race.impact_ratio_min = 0.66" in message
    assert "read from bias_audit (no fairness_audit measured it)" in message
    assert _checks(3, [_bias(0.85)])["rule:four-fifths"][0] == "pass"


def test_a_classifier_audit_is_read_first_when_both_exist() -> None:
    checks = _checks(3, [_bias(0.5), _audit("pass")])
    assert checks["rule:four-fifths"][0] == "pass"
    assert "read from" not in checks["rule:four-fifths"][1]


def test_nothing_measured_stays_insufficient_with_the_rules_own_message() -> None:
    outcome, message = _checks(3, [])["rule:four-fifths"]
    assert outcome == "insufficient"
    assert "fairness.*.four_fifths" in message


def test_a_tier_that_accepts_no_stand_in_is_not_loosened_by_the_overlay() -> None:
    checks = _checks(2, [_bias(0.9)])
    # Tier 2 asks for a classifier audit in its own right: the bias audit does not satisfy it.
    assert checks["evidence:fairness_audit"][0] == "insufficient"
    assert checks["rule:four-fifths"][0] == "pass"
    facts = SystemFacts("screen", "1.0", tier=2, domain="hiring")
    assert evaluate_gate(PACK, facts, [_bias(0.9)], NOW).outcome is GateOutcome.INSUFFICIENT


def test_a_stale_stand_in_is_not_read() -> None:
    checks = _checks(3, [_bias(0.5, days_old=400)])
    assert checks["evidence:fairness_audit"][0] == "insufficient"
    assert checks["rule:four-fifths"][0] == "insufficient"


def test_the_default_pack_reads_a_bias_audit_for_hiring() -> None:
    pack = load_default_policy()
    facts = SystemFacts("screen", "1.0", tier=3, domain="hiring")
    result = evaluate_gate(pack, facts, [_bias(0.66)], NOW)
    checks = {c.id: c for c in result.checks}
    assert checks["rule:eeoc-four-fifths"].outcome == "fail"
    assert "29 CFR 1607.4(D)" in checks["rule:eeoc-four-fifths"].cites


@pytest.mark.parametrize(
    ("otherwise", "expected"),
    [
        (
            "{metric: 'bias_audit.*.impact_ratio_min', op: '>=', value: 0.8}",
            "give it an evidence_kind different from the rule's",
        ),
        (
            "{metric: 'bias_audit.*.impact_ratio_min', op: '>=', value: 0.8,"
            " evidence_kind: fairness_audit}",
            "give it an evidence_kind different from the rule's",
        ),
        ("{metric: 'bias_audit.*.impact_ratio_mn', op: '>=', value: 0.8,"
         " evidence_kind: bias_audit}", "impact_ratio_mn"),
        ("{verdict: 'x', op: '>=', evidence_kind: bias_audit}", "op and value belong"),
        ("{metric: 'bias_audit.*.impact_ratio_min', op: '>=', value: 0.8,"
         " evidence_kind: bias_audit, id: x}", "id"),
    ],
)  # fmt: skip
def test_a_bad_otherwise_is_refused_with_its_place(otherwise: str, expected: str) -> None:
    text = f"""\
name: p
version: "1"
tiers:
  1:
    rules:
      - id: r
        description: d
        verdict: "fairness.*.four_fifths"
        not_in: [fail]
        evidence_kind: fairness_audit
        otherwise: {otherwise}
  2: {{}}
  3: {{}}
  4: {{}}
"""
    with pytest.raises(YamlSourceError) as caught:
        parse_policy(parse_yaml(text, "p.yaml", scalar_keys=True))
    assert expected in str(caught.value)
    assert "p.yaml:" in str(caught.value)


def test_an_accepted_kind_must_exist_and_not_repeat() -> None:
    text = """\
name: p
version: "1"
tiers:
  1:
    evidence:
      - {kind: fairness_audit, accepts: [bias_audt]}
  2: {}
  3: {}
  4: {}
"""
    with pytest.raises(YamlSourceError, match=r"bias_audt.*did you mean 'bias_audit'"):
        parse_policy(parse_yaml(text, "p.yaml", scalar_keys=True))
    twice = text.replace("[bias_audt]", "[bias_audit, bias_audit]")
    with pytest.raises(YamlSourceError, match="listed twice"):
        parse_policy(parse_yaml(twice, "p.yaml", scalar_keys=True))


def test_the_stand_ins_survive_to_dict() -> None:
    overlay = PACK.overlays[0].requirements.to_dict()
    assert overlay["evidence"][0]["accepts"] == ["bias_audit"]
    rule = overlay["rules"][0]
    assert rule["otherwise"]["metric"] == "bias_audit.*.impact_ratio_min"
    assert rule["otherwise"]["evidence_kind"] == "bias_audit"
