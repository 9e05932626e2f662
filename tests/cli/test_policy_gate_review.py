"""`ombud policy`, `ombud gate` and `ombud review` end to end: exit codes, JUnit, refusals."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

Invoke = Any  # the `invoke` fixture of tests/cli/conftest.py

MANIFEST = """\
id: screening
name: Résumé screening
purpose: Ranks applicants for call-backs
owner: olivia
owner_team: talent
domain: hiring
kind: decision_model
operator_role: deployer
automation: human_in_the_loop
deployment_regions: [FR]
data_categories: [personal_data]
affected_people: [job_applicants]
versions:
  - label: "1.0"
classification:
  answers:
    significant_decisions: true
    annex_iii_area: [employment]
    annex_iii_employment: [recruitment_selection]
    art_6_3_conditions: [none]
    profiles_natural_persons: true
"""

POLICY = """\
name: cli-test
version: "1"
tiers:
  1: &all
    evidence: [{kind: fairness_audit, max_age_days: 30}]
    rules:
      - id: four-fifths
        description: selection rates within four-fifths
        verdict: "fairness.*.four_fifths"
        not_in: [fail]
        cites: ["29 CFR 1607.4(D)"]
    approvals: {quorum: 2, capacities: [board_member, domain_expert]}
  2: *all
  3: *all
  4: *all
"""
LATER = (dt.date.today() + dt.timedelta(days=30)).isoformat()


@pytest.fixture
def ws(invoke: Invoke, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert invoke("init", str(root), "--admin", "ada").code == 0
    for user, role in [("olivia", "owner"), ("lena", "rai_lead"), ("rita", "reviewer"),
                       ("rob", "reviewer"), ("eve", "reviewer")]:  # fmt: skip
        assert invoke("-w", str(root), "--as", "ada", "user", "add", user, "--role", role).code == 0
    manifest = tmp_path / "system.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    done = invoke("-w", str(root), "--as", "olivia", "system", "register", "-f", str(manifest))
    assert done.code == 0, done.err
    (root / "policy.yaml").write_text(POLICY, encoding="utf-8")
    return root


def _attach(invoke: Invoke, ws: Path, tmp_path: Path, verdict: str) -> None:
    report = tmp_path / f"audit-{verdict}.txt"
    report.write_text(f"four-fifths {verdict}", encoding="utf-8")
    result = invoke(
        "-w", str(ws), "--as", "olivia", "evidence", "attach", "screening", "--version", "1.0",
        "--kind", "fairness_audit", "--file", str(report), "--summary", "audit",
        "--verdict", f"fairness.sex.four_fifths={verdict}",
    )  # fmt: skip
    assert result.code == 0, result.err


def test_policy_validate_show_diff(invoke: Invoke, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(POLICY, encoding="utf-8")
    ok = invoke("policy", "validate", str(good))
    assert ok.code == 0, ok.err
    assert "valid policy 'cli-test' version 1" in ok.out
    bad = tmp_path / "bad.yaml"
    bad.write_text(POLICY.replace("not_in: [fail]", "not_in: [failed]"), encoding="utf-8")
    refused = invoke("policy", "validate", str(bad))
    assert refused.code == 2
    assert refused.err.startswith(f"error: {bad}:10: not_in must list verdicts")
    assert refused.err.count("\n") == 1
    shown = json.loads(invoke("policy", "show", str(good), "--tier", "1", "--json").out)
    assert shown["tiers"]["1"]["rules"][0]["id"] == "four-fifths"
    default = invoke("policy", "show", "--tier", "2", "--domain", "hiring")
    assert default.code == 0, default.err
    assert "eeoc-four-fifths" in default.out  # the shipped pack, outside any workspace
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(POLICY.replace("max_age_days: 30", "max_age_days: 14"), encoding="utf-8")
    changes = json.loads(invoke("policy", "diff", str(good), str(stricter), "--json").out)
    assert {c["where"] for c in changes} == {f"tier {t} evidence fairness_audit" for t in "1234"}
    assert changes[0]["old"] == {"max_age_days": 30}
    assert changes[0]["new"] == {"max_age_days": 14}


def test_gate_exit_codes_and_junit(invoke: Invoke, ws: Path, tmp_path: Path) -> None:
    w = ("-w", str(ws), "--as", "olivia")
    nothing = invoke(*w, "gate", "check", "screening")
    assert nothing.code == 1, nothing.err  # insufficient: the gate did not pass
    assert "insufficient" in nothing.out
    _attach(invoke, ws, tmp_path, "fail")
    junit = tmp_path / "gate.xml"
    failed = invoke(*w, "gate", "check", "screening", "--format", "junit", "-o", str(junit))
    assert failed.code == 1, failed.err
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "1", "0")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"evidence:fairness_audit", "rule:four-fifths"}
    failure = cases["rule:four-fifths"].find("failure")
    assert failure is not None
    assert "fairness.sex.four_fifths is fail" in (failure.get("message") or "")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["policy"] == "cli-test@1"
    _attach(invoke, ws, tmp_path, "pass")
    passed = invoke(*w, "gate", "check", "screening", "--version", "1.0", "--format", "json")
    assert passed.code == 0, passed.err
    assert json.loads(passed.out)["outcome"] == "pass"
    insufficient_xml = invoke(
        *w, "gate", "check", "screening", "--policy", str(_strict(tmp_path)), "--format", "junit"
    )
    assert insufficient_xml.code == 1
    root = ET.fromstring(insufficient_xml.out)
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("skipped")) == ("0", "1")
    assert len(list(root.iter("skipped"))) == 1


TYPO_RULE = """\
      - id: fpr-parity
        description: false positive rates within 0.8
        metric: "fairness.race.fpr.ratio_mn"
        op: ">="
        value: 0.8
        if_missing: pass
        justification: small groups
"""


def _gate_events(invoke: Invoke, ws: Path) -> int:
    shown = invoke("-w", str(ws), "audit-log", "show", "--action", "gate.evaluate", "--json")
    assert shown.code == 0, shown.err
    return len(json.loads(shown.out))


def test_a_policy_typo_is_refused_by_validate_and_by_the_gate(
    invoke: Invoke, ws: Path, tmp_path: Path
) -> None:
    """Before: `policy validate` said valid and `gate check` exited 0, because the rule
    matched nothing and `if_missing: pass` counted that as a pass."""
    _attach(invoke, ws, tmp_path, "pass")
    typo = tmp_path / "typo.yaml"
    typo.write_text(POLICY.replace("        cites:", TYPO_RULE + "        cites:", 1))
    refused = invoke("policy", "validate", str(typo))
    assert refused.code == 2, refused.out
    assert refused.err.startswith(f"error: {typo}:")
    assert "metric 'fairness.race.fpr.ratio_mn'" in refused.err
    assert "did you mean 'fairness.race.fpr.ratio_min'?" in refused.err
    assert refused.err.count("\n") == 1
    w = ("-w", str(ws), "--as", "olivia")
    report = tmp_path / "out" / "gate.json"
    report.parent.mkdir()
    gated = invoke(*w, "gate", "check", "screening", "--policy", str(typo), "-o", str(report))
    assert (gated.code, gated.out) == (2, "")
    assert "fairness.race.fpr.ratio_mn" in gated.err
    assert _gate_events(invoke, ws) == 0
    assert list(report.parent.iterdir()) == []  # no report, no temporary file left behind
    kind = tmp_path / "kind.yaml"
    kind.write_text(POLICY.replace("kind: fairness_audit", "kind: fairness_audits"))
    unknown_kind = invoke("policy", "validate", str(kind))
    assert unknown_kind.code == 2
    assert "evidence kind 'fairness_audits' is unknown; did you mean 'fairness_audit'?" in (
        unknown_kind.err
    )


def test_waived_checks_are_listed_as_waived_in_every_format(
    invoke: Invoke, ws: Path, tmp_path: Path
) -> None:
    _attach(invoke, ws, tmp_path, "pass")
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(
        POLICY.replace(
            "        cites:", TYPO_RULE.replace("ratio_mn", "ratio_min") + "        cites:"
        )
    )
    w = ("-w", str(ws), "--as", "olivia", "gate", "check", "screening", "--policy", str(fixed))
    table = invoke(*w)
    assert table.code == 0, table.err
    assert "1 check(s) waived, not passed: rule:fpr-parity" in table.out
    assert "waived by the policy: small groups" in table.out
    data = json.loads(invoke(*w, "--format", "json").out)
    assert data["waived"] == ["rule:fpr-parity"]
    root = ET.fromstring(invoke(*w, "--format", "junit").out)
    case = next(c for c in root.iter("testcase") if c.get("name") == "rule:fpr-parity")
    skipped = case.find("skipped")
    assert skipped is not None  # a waived check is a skipped case in CI, not a passed one
    assert (skipped.get("message") or "").startswith("waived: ")
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["waived"] == "1"


def test_gate_exit_codes_for_bad_requests_and_unwritable_reports(
    invoke: Invoke, ws: Path, tmp_path: Path
) -> None:
    w = ("-w", str(ws), "--as", "olivia", "gate", "check")
    missing = invoke(*w, "nope")
    assert missing.code == 2, missing.err  # an unknown system is bad input, not a failed gate
    assert missing.err == "error: no AI system 'nope'; see `ombud system list`\n"
    assert invoke(*w, "screening", "--version", "9.9").code == 2
    plain = tmp_path / "plain.txt"
    plain.write_text("not a folder")
    folder = tmp_path / "reports"
    folder.mkdir()
    # unwritable whoever runs the tests (root included): under a file, in no folder, a folder
    for target in (plain / "gate.xml", tmp_path / "absent" / "gate.xml", folder):
        refused = invoke(*w, "screening", "--format", "junit", "-o", str(target))
        assert refused.code == 3, (target, refused.err)
        assert refused.err.startswith(f"error: cannot write the report to {target}") or (
            refused.err.startswith(f"error: -o {target} is a folder")
        )
        assert refused.err.count("\n") == 1
    assert list(folder.iterdir()) == []
    assert _gate_events(invoke, ws) == 0  # nothing recorded for a report that cannot be written
    report = tmp_path / "gate.json"
    written = invoke(*w, "screening", "--format", "json", "-o", str(report))
    assert written.code == 1, written.err  # insufficient
    assert json.loads(report.read_text())["outcome"] == "insufficient"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".gate.json")] == []
    assert _gate_events(invoke, ws) == 1


def _strict(tmp_path: Path) -> Path:
    path = tmp_path / "strict.yaml"
    path.write_text(
        POLICY.replace("evidence: [{kind: fairness_audit, max_age_days: 30}]",
                       "evidence: [{kind: fairness_audit}, {kind: datasheet}]"),
        encoding="utf-8",
    )  # fmt: skip
    return path


def test_review_flow_and_the_deploy_guard(invoke: Invoke, ws: Path, tmp_path: Path) -> None:
    def as_(user: str, *args: str) -> Any:
        return invoke("-w", str(ws), "--as", user, *args)

    _attach(invoke, ws, tmp_path, "pass")
    blocked = as_("olivia", "system", "transition", "screening", "deployed", "--reason", "go")
    assert blocked.code == 1
    opened = as_("olivia", "review", "open", "screening", "--json")
    assert opened.code == 0, opened.err
    review_id = str(json.loads(opened.out)["id"])
    assert (
        as_("lena", "review", "assign", review_id, "rita", "--capacity", "board_member").code == 0
    )
    assert (
        as_("lena", "review", "assign", review_id, "rob", "--capacity", "domain_expert").code == 0
    )
    condition = f"olivia:{LATER}:monitor the selection-rate ratio monthly"
    voted = as_("rita", "review", "vote", review_id, "approve_with_conditions",
                "--rationale", "fine if monitored", "--condition", condition)  # fmt: skip
    assert voted.code == 0, voted.err
    for user, args, code, message in [
        ("eve", ("approve", "--rationale", "x"), 1, "the assigned reviewer"),
        ("rita", ("reject", "--rationale", "x"), 1, "already voted"),
        ("olivia", ("approve", "--rationale", "x"), 1, "separation of duties"),
        ("rob", ("approve",), 2, "needs a rationale"),
        ("rob", ("maybe", "--rationale", "x"), 2, "vote 'maybe' is unknown"),
        ("rob", ("approve_with_conditions", "--rationale", "x", "--condition",
                 "olivia:2020-01-01:late"), 2, "in the past"),
    ]:  # fmt: skip
        result = as_(user, "review", "vote", review_id, *args)
        assert (result.code, result.err.count("\n")) == (code, 1), result.err
        assert message in result.err
    early = as_("lena", "review", "decide", review_id, "approve", "--rationale", "go")
    assert early.code == 1
    assert "capacities still missing: domain_expert" in early.err
    assert as_("rob", "review", "vote", review_id, "approve", "--rationale", "ok").code == 0
    decided = as_("lena", "review", "decide", review_id, "approve_with_conditions",
                  "--rationale", "board agrees")  # fmt: skip
    assert decided.code == 0, decided.err
    assert "finding #" in decided.out
    listed = json.loads(as_("lena", "review", "list", "--system", "screening", "--json").out)
    assert [r["decision"] for r in listed] == ["approve_with_conditions"]
    shown = as_("rita", "review", "show", review_id)
    assert "monitor the selection-rate ratio monthly" in shown.out
    past = as_("lena", "review", "accept-risk", "screening", "--justification", "x",
               "--expires", "2020-01-01")  # fmt: skip
    assert past.code == 2
    no_gate_run_since = as_("olivia", "system", "transition", "screening", "deployed",
                            "--reason", "go live")  # fmt: skip
    assert no_gate_run_since.code == 0, no_gate_run_since.err  # gate passed when opened
    assert (
        json.loads(as_("olivia", "system", "show", "screening", "--json").out)["status"]
        == "deployed"
    )


def test_junit_always_parses_whatever_the_names_hold() -> None:
    """Policies refuse control characters, but verdict names attached by hand
    (`--verdict 'x\\x01=fail'`) still reach the report: the writer must stay valid XML."""
    from ombud.cli.gate import junit_xml
    from ombud.services.gates import GateCheck, GateEvaluation, GatePolicy

    evil = "fairness.\x01race\x1b[31m.four_fifths\x7f\ufffe"
    result = GateEvaluation(
        evaluation_id=1,
        evaluated_by="ada",
        outcome="fail",
        system_id="s\x00",
        version="1\x0b",
        tier=1,
        policy=GatePolicy("p\x1b", "1", ""),
        evaluated_at=dt.datetime(2026, 12, 3, tzinfo=dt.UTC),
        checks=tuple(
            GateCheck(id="rule:x\x01", category="rule", outcome=outcome, evidence_ids=(1,),
                      message=f"{evil} is fail", remedy="fix \x02 it", cites=())
            for outcome in ("fail", "insufficient", "waived", "pass")
        ),
        to_pass=("fix \x02 it",) * 2,
        waived=("rule:x\x01",),
        requirements=None,
        obligations_in_force=(),
        upcoming_obligations=(),
    )  # fmt: skip
    root = ET.fromstring(junit_xml(result))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == r"fairness.\x01race\x1b[31m.four_fifths\x7f\ufffe is fail"
    assert "fix \\x02 it" in (failure.text or "")
    assert [c.get("name") for c in root.iter("testcase")] == ["rule:x\\x01"] * 4


def test_policy_names_lists_what_a_rule_may_name(invoke: Invoke) -> None:
    listed = invoke("policy", "names", "--kind", "redteam_run", "--json")
    assert listed.code == 0, listed.err
    names = json.loads(listed.out)
    assert "redteam.{category}.attack_success_rate.upper" in names["redteam_run"]["metrics"]
    assert names["redteam_run"]["verdicts"] == []
    table = invoke("policy", "names")
    assert "fairness.{attribute}.fpr_ratio" in table.out
    assert "third_party_audit" in table.out
    unknown = invoke("policy", "names", "--kind", "redteam")
    assert unknown.code == 2
    assert "did you mean 'redteam_run'?" in unknown.err
