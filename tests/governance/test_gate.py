"""The gate as a pure function: outcomes, staleness, waivers, and what to do to pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ombud.governance.gate import EvidenceFacts, GateOutcome, SystemFacts, evaluate_gate
from ombud.governance.policy import PolicyPack, parse_policy
from ombud.yamlsource import parse_yaml

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

PACK_TEXT = """\
name: test-pack
version: "3"
tiers:
  1:
    evidence: [{kind: fairness_audit, max_age_days: 90}]
    documents: [{kind: model_card}]
    rules:
      - id: fpr-parity
        description: fpr ratio
        metric: "fairness.*.fpr.ratio_min"
        op: ">="
        value: 0.8
      - id: four-fifths
        description: selection four-fifths
        verdict: "fairness.*.four_fifths"
        not_in: [fail]
      - id: conclusive
        description: no insufficient verdicts
        verdict: "*"
        not_in: [insufficient]
        if_missing: pass
        justification: the required audit above brings the verdicts
  2: {}
  3: {}
  4: {}
waivers:
  - {rule: fpr-parity, system: waived-sys, reason: small group, approved_by: lena,
     expires: 2026-12-31}
  - {rule: fpr-parity, system: lapsed-sys, reason: old, approved_by: lena, expires: 2026-11-25}
"""
PACK: PolicyPack = parse_policy(parse_yaml(PACK_TEXT, "pack.yaml", scalar_keys=True))
FACTS = SystemFacts("risk-score", "1.0", tier=1, domain="criminal_justice")


def _audit(
    id_: int = 1,
    days_old: int = 10,
    fpr: float | None = 0.9,
    four_fifths: str = "pass",
    expires_in: int | None = 300,
) -> EvidenceFacts:
    created = NOW - timedelta(days=days_old)
    return EvidenceFacts(
        id=id_,
        kind="fairness_audit",
        created_at=created,
        expires_at=None if expires_in is None else NOW + timedelta(days=expires_in),
        metrics={"fairness.race.fpr.ratio_min": fpr, "fairness.sex.fpr.ratio_min": 0.95},
        verdicts={"fairness.race.four_fifths": four_fifths},
    )


CARD = EvidenceFacts(id=9, kind="model_card", created_at=NOW - timedelta(days=400))


def _by_id(result: object) -> dict[str, tuple[str, tuple[int, ...]]]:
    return {c.id: (c.outcome, c.evidence_ids) for c in result.checks}  # type: ignore[attr-defined]


def test_all_requirements_met_is_a_pass() -> None:
    result = evaluate_gate(PACK, FACTS, [_audit(), CARD], NOW)
    assert result.outcome is GateOutcome.PASS
    assert _by_id(result) == {
        "evidence:fairness_audit": ("pass", (1,)),
        "document:model_card": ("pass", (9,)),
        "rule:fpr-parity": ("pass", (1,)),
        "rule:four-fifths": ("pass", (1,)),
        "rule:conclusive": ("pass", (1,)),
    }
    assert result.to_pass == []
    assert result.to_dict()["policy"] == {"name": "test-pack", "version": "3", "sha256": ""}


def test_a_broken_metric_fails_and_names_the_value_and_the_fix() -> None:
    result = evaluate_gate(PACK, FACTS, [_audit(fpr=0.61), CARD], NOW)
    assert result.outcome is GateOutcome.FAIL
    check = next(c for c in result.checks if c.id == "rule:fpr-parity")
    assert check.outcome == "fail"
    assert "fairness.race.fpr.ratio_min = 0.61" in check.message
    assert "fairness.sex" not in check.message  # only the breaking names are listed
    assert result.to_pass == [check.remedy]


def test_forbidden_and_insufficient_verdicts() -> None:
    failed = evaluate_gate(PACK, FACTS, [_audit(four_fifths="fail"), CARD], NOW)
    assert _by_id(failed)["rule:four-fifths"][0] == "fail"
    unsure = evaluate_gate(PACK, FACTS, [_audit(four_fifths="insufficient"), CARD], NOW)
    outcomes = _by_id(unsure)
    # "insufficient" is never a pass: undetermined for four-fifths, forbidden by "conclusive"
    assert outcomes["rule:four-fifths"][0] == "insufficient"
    assert outcomes["rule:conclusive"][0] == "fail"
    assert unsure.outcome is GateOutcome.FAIL


def test_undefined_metric_is_insufficient_not_pass() -> None:
    result = evaluate_gate(PACK, FACTS, [_audit(fpr=None), CARD], NOW)
    assert _by_id(result)["rule:fpr-parity"][0] == "insufficient"
    assert result.outcome is GateOutcome.INSUFFICIENT


def test_stale_or_expired_evidence_counts_as_missing() -> None:
    for stale in (_audit(days_old=91), _audit(expires_in=0)):
        result = evaluate_gate(PACK, FACTS, [stale, CARD], NOW)
        assert result.outcome is GateOutcome.INSUFFICIENT
        outcome, ids = _by_id(result)["evidence:fairness_audit"]
        assert (outcome, ids) == ("insufficient", (1,))
        assert "1 stale record(s) ignored" in result.checks[0].message
        # rules cannot read stale evidence either
        assert _by_id(result)["rule:fpr-parity"] == ("insufficient", ())


def test_the_newest_fresh_record_wins_per_metric() -> None:
    old_bad = _audit(id_=1, days_old=50, fpr=0.5)
    new_good = _audit(id_=2, days_old=5, fpr=0.85)
    result = evaluate_gate(PACK, FACTS, [old_bad, new_good, CARD], NOW)
    assert result.outcome is GateOutcome.PASS
    assert _by_id(result)["rule:fpr-parity"] == ("pass", (2,))
    assert _by_id(result)["evidence:fairness_audit"] == ("pass", (2, 1))


def test_waivers_apply_until_they_expire() -> None:
    bad = [_audit(fpr=0.5), CARD]
    waived = evaluate_gate(PACK, SystemFacts("waived-sys", "1", 1), bad, NOW)
    assert waived.outcome is GateOutcome.PASS
    check = next(c for c in waived.checks if c.id == "rule:fpr-parity")
    assert check.outcome == "waived"
    assert "lena" in check.message
    assert "small group" in check.message
    lapsed = evaluate_gate(PACK, SystemFacts("lapsed-sys", "1", 1), bad, NOW)
    assert lapsed.outcome is GateOutcome.FAIL
    assert (
        "expired 2026-11-25" in next(c for c in lapsed.checks if c.id == "rule:fpr-parity").message
    )
    # a waiver is for one system only
    assert evaluate_gate(PACK, FACTS, bad, NOW).outcome is GateOutcome.FAIL


def test_unclassified_system_is_insufficient_with_a_remedy() -> None:
    result = evaluate_gate(PACK, SystemFacts("new", "0.1", None), [], NOW)
    assert result.outcome is GateOutcome.INSUFFICIENT
    assert result.to_pass == ["classify it: `ombud classify new`"]


def test_nothing_recorded_lists_everything_to_do() -> None:
    result = evaluate_gate(PACK, FACTS, [], NOW)
    assert result.outcome is GateOutcome.INSUFFICIENT
    assert len(result.to_pass) == 4  # audit, card, and the two rules that need data
    assert _by_id(result)["rule:conclusive"][0] == "waived"  # if_missing: pass


def test_a_rule_that_matched_nothing_is_waived_by_the_policy_never_passed() -> None:
    """`if_missing: pass` used to report a plain pass ("no * to constrain"): a rule that
    read nothing looked exactly like one that checked something and held."""
    no_verdicts = EvidenceFacts(
        1, "fairness_audit", NOW - timedelta(days=1), metrics={"fairness.race.fpr.ratio_min": 0.9}
    )
    result = evaluate_gate(PACK, FACTS, [no_verdicts, CARD], NOW)
    check = next(c for c in result.checks if c.id == "rule:conclusive")
    assert check.outcome == "waived"
    assert "matched nothing in 2 fresh record(s)" in check.message
    assert "waived by the policy: the required audit above brings the verdicts" in check.message
    assert result.waived == ["rule:conclusive"]
    assert result.to_dict()["waived"] == ["rule:conclusive"]
    assert "rule:conclusive" not in [c.id for c in result.checks if c.outcome == "pass"]
    # a waived check does not block, but it is no pass either: the four-fifths rule,
    # which has no if_missing, is insufficient for the same missing verdicts
    assert _by_id(result)["rule:four-fifths"][0] == "insufficient"
    assert "verdict fairness.*.four_fifths matched nothing" in next(
        c.message for c in result.checks if c.id == "rule:four-fifths"
    )


@given(
    st.lists(
        st.tuples(
            st.integers(0, 200),
            st.one_of(st.none(), st.floats(0, 1)),
            st.sampled_from(["pass", "concern", "fail", "insufficient"]),
        ),
        max_size=4,
    )
)
def test_outcome_is_the_worst_check(audits: list[tuple[int, float | None, str]]) -> None:
    """Law: fail iff a check fails; insufficient iff none fails and one is insufficient."""
    evidence = [_audit(i + 1, age, fpr, v) for i, (age, fpr, v) in enumerate(audits)]
    result = evaluate_gate(PACK, FACTS, [*evidence, CARD], NOW)
    outcomes = {c.outcome for c in result.checks}
    expected = (
        "fail" if "fail" in outcomes else "insufficient" if "insufficient" in outcomes else "pass"
    )
    assert result.outcome.value == expected
    assert len(result.to_pass) == sum(c.outcome in ("fail", "insufficient") for c in result.checks)
