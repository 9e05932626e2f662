"""Gate checks through the service, on SQLite and PostgreSQL: recorded, audited, reproducible."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ombud.governance import InvalidInput, NotFoundError, PermissionDenied
from ombud.records import EvidenceDraft, Verdict
from ombud.services import audit_log, evidence, gates, workspaces
from ombud.services.context import AppContext
from ombud.store.models import AuditEventRow
from ombud.store.models_reviews import GateEvaluationRow
from ombud.yamlsource import YamlSourceError

from ._systems import HIRING_ANSWERS, register_classified, screening_profile

POLICY = """\
name: service-test
version: "7"
tiers:
  1: &strict
    evidence: [{kind: fairness_audit, max_age_days: 30}]
    rules:
      - id: four-fifths
        description: four-fifths
        verdict: "fairness.*.four_fifths"
        not_in: [fail]
    approvals: {quorum: 2, capacities: [board_member, domain_expert]}
  2: *strict
  3: *strict
  4: *strict
"""


def _events(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


def audit_draft(four_fifths: Verdict) -> EvidenceDraft:
    return EvidenceDraft(
        kind="fairness_audit",
        summary="selection rates by sex",
        engine="test",
        engine_version="1",
        metrics={"fairness.sex.selection_rate.ratio_min": 0.9},
        verdicts={"fairness.sex.four_fifths": four_fifths},
    )


def setup_hiring_system(context: AppContext) -> None:
    """Users, a classified hiring system 'screening' with version 1.0 (owner: olivia)."""
    admin = context.actor("ada")
    for name, roles in [
        ("olivia", ["owner"]),
        ("lena", ["rai_lead"]),
        ("lars", ["rai_lead"]),
        ("rita", ["reviewer"]),
        ("rob", ["reviewer"]),
        ("cora", ["reviewer"]),
        ("audrey", ["auditor"]),
    ]:
        workspaces.add_user(context, admin, username=name, roles=roles)
    register_classified(context, "olivia", "screening", screening_profile("olivia"), HIRING_ANSWERS)


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def test_gate_records_each_evaluation_with_policy_identity(
    context: AppContext, policy_file: Path
) -> None:
    setup_hiring_system(context)
    olivia = context.actor("olivia")
    first = gates.check_gate(context, olivia, "screening", policy_path=policy_file)
    assert first.outcome == "insufficient"
    assert first.version == "1.0"
    assert first.tier in (1, 2)
    evidence.record_evidence(context, olivia, "screening", "1.0", audit_draft(Verdict.FAIL))
    second = gates.check_gate(context, olivia, "screening", "1.0", policy_path=policy_file)
    assert second.outcome == "fail"
    evidence.record_evidence(context, olivia, "screening", "1.0", audit_draft(Verdict.PASS))
    with pytest.raises(PermissionDenied, match=r"audrey.*gate\.run system 'screening'"):
        gates.check_gate(context, context.actor("audrey"), "screening", policy_path=policy_file)
    third = gates.check_gate(context, context.actor("rita"), "screening", policy_path=policy_file)
    assert third.outcome == "pass"  # the newest audit supersedes the failed one
    assert third.policy.name == "service-test"
    assert third.policy.sha256 == hashlib.sha256(policy_file.read_bytes()).hexdigest()
    stored = gates.list_gate_evaluations(context, "screening")
    assert [e.outcome for e in stored] == ["insufficient", "fail", "pass"]
    assert stored[-1] == third
    events = list(audit_log.iter_events(context, action="gate.evaluate"))
    assert [e.details["outcome"] for e in events] == ["insufficient", "fail", "pass"]
    assert events[1].details["blocking"] == ["rule:four-fifths"]
    assert events[0].actor == "olivia"


def test_workspace_policy_file_wins_over_the_default(
    context: AppContext, policy_file: Path
) -> None:
    setup_hiring_system(context)
    olivia = context.actor("olivia")
    default = gates.check_gate(context, olivia, "screening")
    assert default.policy.name == "ombud-default"
    (context.workspace.root / "policy.yaml").write_text(POLICY, encoding="utf-8")
    own = gates.check_gate(context, olivia, "screening")
    assert own.policy.name == "service-test"


def test_bad_requests_change_nothing(context: AppContext, tmp_path: Path) -> None:
    setup_hiring_system(context)
    olivia = context.actor("olivia")
    before = _events(context)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nversion: 1\ntiers:\n  1: {rules: 3}\n", encoding="utf-8")
    with pytest.raises(YamlSourceError, match=r"bad.yaml:4: 'rules' must be a list"):
        gates.check_gate(context, olivia, "screening", policy_path=bad)
    with pytest.raises(InvalidInput, match=r"no version '9\.9'"):
        gates.check_gate(context, olivia, "screening", "9.9")
    with pytest.raises(NotFoundError, match="no AI system 'nope'"):
        gates.check_gate(context, olivia, "nope")
    assert _events(context) == before
    with context.read() as session:
        assert (
            session.execute(select(func.count()).select_from(GateEvaluationRow)).scalar_one() == 0
        )


TYPO = POLICY.replace(
    """        not_in: [fail]
""",
    """        not_in: [fail]
      - id: fpr-parity
        description: false positive rates within 0.8
        metric: "fairness.race.fpr.ratio_mn"
        op: ">="
        value: 0.8
        if_missing: pass
        justification: small groups
""",
)


def _evaluations(context: AppContext) -> int:
    with context.read() as session:
        return int(
            session.execute(select(func.count()).select_from(GateEvaluationRow)).scalar_one()
        )


def test_a_policy_typo_cannot_reach_a_gate_by_any_path(context: AppContext, tmp_path: Path) -> None:
    """The typo used to validate and then pass: the rule matched nothing, and
    `if_missing: pass` reported that as a pass. Now every way a gate reads a policy
    (--policy, the workspace's policy.yaml) refuses it before anything is recorded."""
    setup_hiring_system(context)
    olivia = context.actor("olivia")
    evidence.record_evidence(context, olivia, "screening", "1.0", audit_draft(Verdict.PASS))
    before = _events(context)
    typo = tmp_path / "typo.yaml"
    typo.write_text(TYPO, encoding="utf-8")
    expected = r"typo.yaml:\d+: rule 'fpr-parity': metric 'fairness.race.fpr.ratio_mn'.*did you"
    with pytest.raises(YamlSourceError, match=expected):
        gates.check_gate(context, olivia, "screening", policy_path=typo)
    (context.workspace.root / "policy.yaml").write_text(TYPO, encoding="utf-8")
    with pytest.raises(YamlSourceError, match=r"policy.yaml:\d+: rule 'fpr-parity'"):
        gates.check_gate(context, olivia, "screening")
    assert (_events(context), _evaluations(context)) == (before, 0)


def test_a_rule_that_matched_nothing_is_recorded_as_waived(
    context: AppContext, tmp_path: Path
) -> None:
    setup_hiring_system(context)
    olivia = context.actor("olivia")
    evidence.record_evidence(context, olivia, "screening", "1.0", audit_draft(Verdict.PASS))
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(TYPO.replace("ratio_mn", "ratio_min"), encoding="utf-8")
    result = gates.check_gate(context, olivia, "screening", policy_path=fixed)
    assert result.outcome == "pass"  # a waived check does not block...
    assert result.waived == ("rule:fpr-parity",)  # ...but it is listed, and not as a pass
    check = next(c for c in result.checks if c.id == "rule:fpr-parity")
    assert check.outcome == "waived"
    assert "waived by the policy: small groups" in check.message
    assert gates.list_gate_evaluations(context, "screening")[-1].waived == ("rule:fpr-parity",)
