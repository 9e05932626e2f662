"""Findings against SQLite and the real PostgreSQL: the remediation rules, refusals, import."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ombud.governance import (
    ConflictError,
    DomainError,
    InvalidInput,
    PermissionDenied,
    SystemProfile,
)
from ombud.records import EvidenceDraft
from ombud.services import audit_log, evidence, finding_import, findings, systems, workspaces
from ombud.services.context import AppContext, open_context
from ombud.store import Workspace
from ombud.store.models import AuditEventRow

TODAY = dt.datetime.now(dt.UTC).date()


def _events(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


@pytest.fixture
def team(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    for name, roles in [
        ("olivia", ["owner"]),
        ("lena", ["rai_lead"]),
        ("lars", ["rai_lead"]),
        ("audrey", ["auditor"]),
        ("rick", ["reviewer"]),
        ("root", ["admin"]),
    ]:
        workspaces.add_user(context, admin, username=name, roles=roles)
    lena = context.actor("lena")
    profile = SystemProfile(
        name="Credit scoring",
        purpose="Scores consumer credit applications",
        owner="olivia",
        owner_team="credit-risk",
        domain="lending",
        kind="decision_model",
        operator_role="provider",
        automation="human_on_the_loop",
    )
    systems.register_system(context, lena, "credit", profile)
    systems.register_system(context, lena, "other", profile.with_changes({"name": "Other"}))
    systems.add_version(context, lena, "credit", "1.0")
    systems.add_version(context, lena, "other", "1.0")
    return context


def _evidence(context: AppContext, system: str) -> int:
    draft = EvidenceDraft(
        kind="fairness_audit", summary="re-run after fix", engine="test", engine_version="1"
    )
    return int(evidence.record_evidence(context, context.actor("olivia"), system, "1.0", draft).id)


_DRAFT = findings.FindingDraft(
    system_id="credit",
    version_label="1.0",
    title="FPR ratio below 0.8 for age < 25",
    severity="high",
    source_kind="gate",
    source_ref="gate-run-1",
    owner="olivia",
    due_date=TODAY + dt.timedelta(days=30),
)


def _open(context: AppContext, **changes: Any) -> findings.Finding:
    draft = replace(_DRAFT, **changes)
    return findings.open_finding(context, context.actor("lena"), draft)


def test_full_remediation_path_and_audit_trail(team: AppContext) -> None:
    created = _open(team)
    fid = created.id
    assert created.status == "open"
    assert created.overdue is False
    olivia, audrey = team.actor("olivia"), team.actor("audrey")
    findings.update_finding(team, olivia, fid, status="in_remediation")
    ev = _evidence(team, "credit")
    resolved = findings.resolve_finding(team, olivia, fid, evidence_ids=[ev], note="reweighed")
    assert resolved.status == "resolved"
    assert resolved.fix_evidence == (ev,)
    verified = findings.verify_finding(team, audrey, fid)
    assert verified.status == "verified"
    assert verified.verified_by == "audrey"
    actions = [e.action for e in audit_log.iter_events(team, entity_id=f"finding-{fid}")]
    assert actions == ["finding.open", "finding.update", "finding.resolve", "finding.verify"]
    with pytest.raises(ConflictError, match="final"):
        findings.update_finding(team, team.actor("lena"), fid, title="new")


def test_bad_requests_are_refused_and_change_nothing(team: AppContext) -> None:
    fid = _open(team).id
    other_ev = _evidence(team, "other")
    olivia, lena = team.actor("olivia"), team.actor("lena")
    before = _events(team)
    with pytest.raises(InvalidInput, match="in the past"):
        _open(team, due_date=TODAY - dt.timedelta(days=1))
    with pytest.raises(InvalidInput, match="not an active workspace user"):
        _open(team, owner="nobody")
    with pytest.raises(InvalidInput, match="severity 'urgent' is unknown"):
        _open(team, severity="urgent")
    with pytest.raises(InvalidInput, match=r"no version '9\.9'"):
        _open(team, version_label="9.9")
    with pytest.raises(InvalidInput, match="at least one evidence id"):
        findings.resolve_finding(team, olivia, fid, evidence_ids=[], note="done")
    with pytest.raises(InvalidInput, match="belongs to 'other'"):
        findings.resolve_finding(team, olivia, fid, evidence_ids=[other_ev], note="done")
    with pytest.raises(InvalidInput, match="does not exist"):
        findings.resolve_finding(team, olivia, fid, evidence_ids=[99999], note="done")
    with pytest.raises(DomainError, match="cannot go from open to verified"):
        findings.verify_finding(team, team.actor("audrey"), fid)
    with pytest.raises(PermissionDenied, match=r"change due_date of finding .*: admin, rai_lead"):
        findings.update_finding(team, olivia, fid, due_date=TODAY + dt.timedelta(days=400))
    with pytest.raises(PermissionDenied, match=r"may not open a finding system .credit."):
        findings.open_finding(
            team,
            team.actor("audrey"),
            findings.FindingDraft(
                system_id="credit",
                version_label=None,
                title="x",
                severity="low",
                source_kind="audit",
                source_ref="r",
                owner="olivia",
                due_date=TODAY,
            ),
        )
    with pytest.raises(ConflictError, match="revision"):
        findings.update_finding(team, lena, fid, title="t", expected_version=7)
    assert _events(team) == before
    assert findings.get_finding(team, fid).status == "open"


def test_separation_of_duties_on_verify_and_risk_acceptance(team: AppContext) -> None:
    fid = _open(team, owner="lena").id
    lena, lars = team.actor("lena"), team.actor("lars")
    ev = _evidence(team, "credit")
    findings.resolve_finding(team, lars, fid, evidence_ids=[ev], note="fixed it myself")
    with pytest.raises(PermissionDenied, match="separation of duties"):
        findings.verify_finding(team, lars, fid)  # the resolver
    with pytest.raises(PermissionDenied, match="separation of duties"):
        findings.verify_finding(team, lena, fid)  # the owner
    with pytest.raises(PermissionDenied, match="needs one of"):
        findings.verify_finding(team, team.actor("rick"), fid)  # a reviewer is not a verifier
    sent_back = findings.verify_finding(team, team.actor("audrey"), fid, accept=False, note="no")
    assert sent_back.status == "in_remediation"
    expiry = TODAY + dt.timedelta(days=90)
    with pytest.raises(PermissionDenied, match="they are its assignee"):
        findings.accept_risk(team, lena, fid, justification="ok", expires_on=expiry)
    with pytest.raises(PermissionDenied):
        findings.accept_risk(team, team.actor("root"), fid, justification="ok", expires_on=expiry)
    with pytest.raises(InvalidInput, match="more than 365 days"):
        findings.accept_risk(
            team, lars, fid, justification="ok", expires_on=TODAY + dt.timedelta(days=800)
        )
    accepted = findings.accept_risk(team, lars, fid, justification="low volume", expires_on=expiry)
    assert accepted.status == "risk_accepted"
    assert accepted.risk_accepted_by == "lars"


def test_overdue_and_expiring_lists(team: AppContext) -> None:
    """Oracle: dates chosen by hand relative to a fixed 'today' passed to the listing."""
    soon = _open(team, due_date=TODAY + dt.timedelta(days=3)).id
    later = _open(team, due_date=TODAY + dt.timedelta(days=60)).id
    accepted = _open(team, due_date=TODAY + dt.timedelta(days=60)).id
    findings.accept_risk(
        team,
        team.actor("lars"),
        accepted,
        justification="vendor fix pending",
        expires_on=TODAY + dt.timedelta(days=10),
    )
    ids = lambda items: [f.id for f in items]  # noqa: E731
    assert ids(findings.list_findings(team, overdue=True)) == []
    assert ids(findings.list_findings(team, expiring_within=5)) == [soon]
    assert sorted(ids(findings.list_findings(team, expiring_within=10))) == [soon, accepted]
    in_a_week = TODAY + dt.timedelta(days=7)
    assert ids(findings.list_findings(team, overdue=True, today=in_a_week)) == [soon]
    in_a_month = TODAY + dt.timedelta(days=30)
    assert sorted(ids(findings.list_findings(team, overdue=True, today=in_a_month))) == [
        soon,
        accepted,
    ]
    assert later not in ids(findings.list_findings(team, overdue=True, today=in_a_month))


def test_create_finding_joins_the_callers_transaction(team: AppContext) -> None:
    """A failure after create_finding in the same Tx leaves neither finding nor event."""
    before = _events(team)

    def decide_with_a_failure() -> None:
        with team.write(team.actor("lena")) as tx:
            findings.create_finding(
                tx,
                findings.FindingDraft(
                    system_id="credit",
                    version_label=None,
                    title="condition: monitor drift monthly",
                    severity="medium",
                    source_kind="review",
                    source_ref="review-1",
                    owner="olivia",
                    due_date=TODAY,
                ),
            )
            raise RuntimeError("the review decision failed")

    with pytest.raises(RuntimeError):
        decide_with_a_failure()
    assert findings.list_findings(team) == []
    assert _events(team) == before


def test_import_is_all_or_nothing_with_row_numbers(team: AppContext, tmp_path: Path) -> None:
    good = tmp_path / "audit.csv"
    good.write_text(
        "Title,Severity,Reference,Recommendation,Extra\n"
        "Consent not logged,Moderate,EXT-1,Log consent,ignored\n"
        '"Drift, unmonitored",high,EXT-2,,\n',
        encoding="utf-8",
    )
    lena = team.actor("lena")
    created = finding_import.import_findings(
        team, lena, good, system_id="credit", owner="olivia", due_in_days=30
    )
    assert [(f.severity, f.source_ref) for f in created] == [
        ("medium", "EXT-1"),
        ("high", "EXT-2"),
    ]
    assert created[0].description.endswith("Recommendation: Log consent")
    assert created[0].source_kind == "third_party_audit"
    before = _events(team)
    bad = tmp_path / "bad.csv"
    bad.write_text("title,severity,owner\nok,low,olivia\nbad,low,nobody\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"bad\.csv row 3: owner 'nobody'"):
        finding_import.import_findings(team, lena, bad, system_id="credit", due_in_days=5)
    worse = tmp_path / "worse.json"
    worse.write_text(
        json.dumps({"findings": [{"title": "a", "severity": "low"}, {"title": "b"}]}),
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match=r"worse\.json item 2: column 'severity' is empty"):
        finding_import.import_findings(
            team, lena, worse, system_id="credit", owner="olivia", due_in_days=5
        )
    past = tmp_path / "past.csv"
    past.write_text("title,severity,due_date\nx,low,2001-01-01\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"past\.csv row 2: due date 2001-01-01 is in the past"):
        finding_import.import_findings(team, lena, past, system_id="credit", owner="olivia")
    assert _events(team) == before
    assert len(findings.list_findings(team)) == 2


def test_concurrent_resolve_and_accept_cannot_both_win(
    team: AppContext, workspace: Workspace
) -> None:
    """Two connections move the same finding at once: one wins, the other gets a conflict."""
    fid = _open(team).id
    ev = _evidence(team, "credit")
    other = open_context(workspace)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, str] = {}
    version = findings.get_finding(team, fid).row_version

    def run(name: str, action: object) -> None:
        try:
            barrier.wait()
            action()  # type: ignore[operator]
            outcomes[name] = "ok"
        except (ConflictError, DomainError) as exc:
            outcomes[name] = type(exc).__name__

    resolve = threading.Thread(
        target=run,
        args=(
            "resolve",
            lambda: findings.resolve_finding(
                team,
                team.actor("olivia"),
                fid,
                evidence_ids=[ev],
                note="n",
                expected_version=version,
            ),
        ),
    )
    accept = threading.Thread(
        target=run,
        args=(
            "accept",
            lambda: findings.accept_risk(
                other,
                other.actor("lars"),
                fid,
                justification="j",
                expires_on=TODAY + dt.timedelta(days=5),
                expected_version=version,
            ),
        ),
    )
    resolve.start(), accept.start()
    resolve.join(), accept.join()
    other.close()
    assert sorted(outcomes.values())[-1] == "ok"
    assert list(outcomes.values()).count("ok") == 1, outcomes
    final = findings.get_finding(team, fid)
    assert final.status in {"resolved", "risk_accepted"}
    assert final.row_version == version + 1
