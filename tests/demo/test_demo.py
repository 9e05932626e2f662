"""The main job end to end on SQLite: the story the README promises actually happens.

Oracles: the published disparities the audits must reproduce come from ProPublica
(COMPAS) and Bertrand & Mullainathan (2004); the rest are the domain rules themselves
(a rejected system stays out of production, a condition becomes a finding, Art. 73(2)
gives 15 days).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ombud.demo import DemoReport, run_demo
from ombud.services import audit_log, findings
from ombud.services.context import open_context
from ombud.store import open_workspace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoReport:
    return run_demo(tmp_path_factory.mktemp("demo") / "ws", fresh=True, os_user="tester")


def test_portfolio_is_classified_and_moved(demo: DemoReport) -> None:
    status = {s.id: s.status for s in demo.systems}
    assert status == {
        "benefit-eligibility": "suspended",
        "mortgage-underwriting": "proposed",
        "recidivism-risk": "rejected",
        "resume-screening": "proposed",
        "spam-filter": "deployed",
        "support-assistant": "proposed",
    }
    tiers = {s.id: s.classification.tier for s in demo.systems if s.classification}
    assert tiers["recidivism-risk"] == 1
    assert tiers["spam-filter"] == 4


def test_audits_reproduce_the_published_disparities(demo: DemoReport) -> None:
    compas = next(a for a in demo.audits if a["system_id"] == "recidivism-risk")
    assert compas["verdicts"]["fairness.race.fpr_ratio"] == "fail"
    resumes = next(a for a in demo.audits if a["system_id"] == "resume-screening")
    # 157/2435 vs 235/2435 callbacks: ratio 0.668 (Bertrand & Mullainathan 2004, Table 1).
    # A decisions-only bias audit: impact ratios, no verdicts and no accuracy claimed.
    assert resumes["metrics"]["bias_audit.race_ethnicity.impact_ratio_min"] == pytest.approx(
        157 / 235, abs=1e-12
    )
    assert resumes["verdicts"] == {}


def test_gate_blocks_the_recidivism_score_and_the_board_rejects_it(demo: DemoReport) -> None:
    gate = next(g for g in demo.gates if g.system_id == "recidivism-risk")
    assert gate.outcome == "fail"
    failed = {c.id for c in gate.checks if c.outcome == "fail"}
    assert "rule:fairness-fpr-parity" in failed
    review = next(r for r in demo.reviews if r.system_id == "recidivism-risk")
    assert review.decision == "reject"
    assert {v.vote for v in review.votes} == {"reject"}


def test_conditional_approval_becomes_a_finding(demo: DemoReport) -> None:
    review = next(r for r in demo.reviews if r.system_id == "spam-filter")
    assert review.decision == "approve_with_conditions"
    finding = next(f for f in demo.findings if f.source_ref == f"review:{review.id}")
    assert (finding.owner, finding.status) == ("hana", "open")


def test_incident_clock_is_fifteen_days_from_awareness(demo: DemoReport) -> None:
    incident = demo.incidents[0]
    clock = incident.art73_clock
    assert clock is not None
    assert clock.deadline - clock.aware_at == dt.timedelta(days=15)
    assert clock.state == "running"


def test_audit_log_verifies_and_a_rerun_changes_nothing(demo: DemoReport) -> None:
    workspace = open_workspace(demo.workspace)
    context = open_context(workspace)
    try:
        before = audit_log.verify_log(context)
        assert before.ok, before.problem
    finally:
        context.close()
    again = run_demo(Path(demo.workspace), fresh=False, os_user="tester")
    assert [s.status for s in again.systems] == [s.status for s in demo.systems]
    context = open_context(workspace)
    try:
        after = audit_log.verify_log(context)
    finally:
        context.close()
    assert (after.ok, after.events) == (True, before.events)


def test_red_team_finds_the_planted_secret_and_the_gate_reads_it(demo: DemoReport) -> None:
    """Oracle: the discount code planted in SmolLM2's system prompt (ombud.redteam.serve_local)."""
    from ombud.demo._redteam import model_available

    if not model_available():
        pytest.skip("the local model (requirements/model.txt) is not installed")
    run = demo.redteam[0]
    assert run["metrics"]["redteam.secret_leakage.attack_success_rate"] > 0
    gate = next(g for g in demo.gates if g.system_id == "support-assistant")
    failed = {c.id for c in gate.checks if c.outcome == "fail"}
    assert "rule:redteam-attack-success-relaxed" in failed


def test_documents_are_generated_and_recorded(demo: DemoReport) -> None:
    kinds = {(d["system_id"], d["document"]) for d in demo.documents}
    assert ("recidivism-risk", "model") in kinds
    assert ("recidivism-risk", "annex-iv") in kinds
    datasheets = {d["system_id"] for d in demo.documents if d["document"] == "datasheet"}
    assert datasheets == {
        "recidivism-risk",
        "mortgage-underwriting",
        "resume-screening",
        "benefit-eligibility",
    }
    for doc in demo.documents:
        assert Path(doc["path"]).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        assert 0 < doc["completeness"] <= 1


def test_explanations_are_recorded_with_their_quality_checks(demo: DemoReport) -> None:
    by_what = {(e["system_id"], e["what"]): e for e in demo.explanations}
    reasons = by_what[("mortgage-underwriting", "adverse-action reasons for declined applicants")]
    assert reasons["quality"] == "shap_additivity: passed"
    assert reasons["declined"] > 50
    # Marital status ('single') is passed as protected: it never appears as a reason, and the
    # applicants for whom it would have ranked are counted, not hidden.
    assert reasons["withheld_applicants"] > 0
    assert "single" not in reasons["reason_features"]
    assert {"chist", "lvrat"} <= set(reasons["reason_features"])  # real reasons were given
    eligibility = by_what[("benefit-eligibility", "sex gap in the model's margin")]
    assert eligibility["leading_feature"] == "married"
    assert eligibility["gap"] > 0
    # The assistant's refusal check (MiniLM + logistic head, in torch): integrated gradients
    # on two real refusals and two answers, each converged under its completeness check.
    guard = by_what[("support-assistant", "refusal check: integrated gradients on responses")]
    assert guard["quality"].endswith(": passed")
    assert len(guard["top_tokens"]) == 4
    assert all(token.strip() for token in guard["top_tokens"])
    assert all(e["evidence_id"] is not None for e in demo.explanations)


def test_monitoring_reports_the_real_stream_and_catches_the_planted_shifts(
    demo: DemoReport,
) -> None:
    real, simulated = demo.monitoring
    assert (real["system_id"], real["simulated"]) == ("recidivism-risk", False)
    assert real["windows"] > 400  # daily windows from July 2013 to December 2014
    assert real["evidence_id"] is not None
    assert simulated["simulated"] is True
    assert "SIMULATED" in simulated["description"]
    # Both planted changes are caught, each opens one finding owned by the system's owner.
    assert simulated["verdicts"]["monitoring.drift"] == "fail"
    assert simulated["verdicts"]["monitoring.fairness_gap"] == "fail"
    assert any("hours-per-week" in b for b in simulated["breaches"])
    opened = [fid for fid, action in simulated["findings"] if action == "opened"]
    assert len(opened) == 2
    context = open_context(open_workspace(demo.workspace))
    try:
        for fid in opened:
            finding = findings.get_finding(context, fid)
            assert (finding.system_id, finding.owner, finding.status) == (
                "benefit-eligibility",
                "omar",
                "open",
            )
    finally:
        context.close()
