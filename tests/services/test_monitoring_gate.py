"""The default pack's post-market monitoring overlay: a deployed high-risk system needs a
``monitoring_run`` at most 30 days old (EU AI Act Art. 72, Art. 26(5)); a launch does not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ombud.governance.gate import CheckResult, EvidenceFacts, evaluate_gate
from ombud.governance.policy import load_default_policy, parse_policy
from ombud.services.context import AppContext
from ombud.services.gates import gate_inputs
from ombud.yamlsource import YamlSourceError, parse_yaml

from ._systems import HIRING_ANSWERS, register_classified, screening_profile

NOW = datetime(2026, 12, 1, tzinfo=UTC)
OVERLAY = "eu-post-market-monitoring"


def _monitoring_check(checks: tuple[CheckResult, ...]) -> CheckResult | None:
    return next((c for c in checks if c.id == "evidence:monitoring_run"), None)


def test_the_overlay_asks_a_deployed_high_risk_system_only() -> None:
    pack = load_default_policy()
    deployed = pack.requirements_for(2, "hiring", "high_risk", "decision_model", (), "deployed")
    ages = {e.kind: e.max_age_days for e in deployed.evidence}
    assert ages["monitoring_run"] == 30
    (item,) = [e for e in deployed.evidence if e.kind == "monitoring_run"]
    assert set(item.cites) == {"EU AI Act Art. 72", "EU AI Act Art. 26(5)"}
    for status in ("proposed", "in_review", "approved", "suspended", ""):
        launch = pack.requirements_for(2, "hiring", "high_risk", "decision_model", (), status)
        assert "monitoring_run" not in {e.kind for e in launch.evidence}, status
    minimal = pack.requirements_for(4, "", "minimal_risk", "decision_model", (), "deployed")
    assert "monitoring_run" not in {e.kind for e in minimal.evidence}


def test_the_gate_reads_the_lifecycle_status(context: AppContext) -> None:
    register_classified(context, "ada", "screening", screening_profile("ada"), HIRING_ANSWERS)
    with context.read() as session:
        facts, evidence, _ = gate_inputs(session, "screening", "1.0")
    assert facts.status == "proposed"
    assert facts.eu_category == "high_risk"
    pack = load_default_policy()
    launch = evaluate_gate(pack, facts, evidence, NOW)
    assert _monitoring_check(launch.checks) is None
    deployed = replace(facts, status="deployed")
    missing = evaluate_gate(pack, deployed, evidence, NOW)
    check = _monitoring_check(missing.checks)
    assert check is not None
    assert check.outcome == "insufficient"
    fresh = EvidenceFacts(id=7, kind="monitoring_run", created_at=NOW - timedelta(days=3))
    stale = replace(fresh, id=8, created_at=NOW - timedelta(days=31))
    ok = _monitoring_check(evaluate_gate(pack, deployed, [*evidence, fresh], NOW).checks)
    assert ok is not None
    assert ok.outcome == "pass"
    old = _monitoring_check(evaluate_gate(pack, deployed, [*evidence, stale], NOW).checks)
    assert old is not None
    assert old.outcome == "insufficient"


def test_an_unknown_status_in_an_overlay_is_refused_with_its_line() -> None:
    text = (
        'name: t\nversion: "1"\ntiers:\n  1: {}\n  2: {}\n  3: {}\n  4: {}\n'
        "overlays:\n  - id: o\n    when: {status: [live]}\n"
        "    evidence: [{kind: monitoring_run}]\n"
    )
    with pytest.raises(YamlSourceError, match=r"t\.yaml:10.*status 'live' is unknown.*deployed"):
        parse_policy(parse_yaml(text, "t.yaml", scalar_keys=True))
