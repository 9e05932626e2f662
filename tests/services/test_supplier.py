"""Supplier assessments and attached files become evidence, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ombud.governance import InvalidInput, NotFoundError, PermissionDenied, SystemProfile
from ombud.governance.supplier import SupplierAnswers
from ombud.records import Verdict
from ombud.services import supplier, systems, workspaces
from ombud.services.context import AppContext
from ombud.store.models import AuditEventRow


def _events(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


@pytest.fixture
def team(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="olivia", roles=["owner"])
    workspaces.add_user(context, admin, username="audrey", roles=["auditor"])
    profile = SystemProfile(
        name="Chat assistant",
        purpose="Answers customer questions with a bought LLM",
        owner="olivia",
        owner_team="service",
        domain="customer_service",
        kind="llm_application",
        operator_role="deployer",
        automation="human_on_the_loop",
    )
    systems.register_system(context, admin, "chat", profile)
    systems.add_version(context, admin, "chat", "2.0")
    return context


def test_assessment_is_recorded_as_evidence(team: AppContext) -> None:
    """Oracle: every scored item 'yes' or its best choice except an 'unknown' on a weight-3
    required item; shipped weights sum to 28, so the score is (28 - 3) / 28."""
    q = supplier.default_questionnaire()
    answers = {
        i.id: ("yes" if i.answer == "yes_no" else max(i.choices, key=lambda c: i.choices[c]))
        for i in q.items
        if i.answer != "text"
    }
    answers["training_data_rights"] = "unknown"
    answers["incident_contact"] = "security@vendor.example"
    parsed = SupplierAnswers("Vendor", "LLM 4", "cto", answers, {})
    assessment, evidence = supplier.assess_and_record(
        team, team.actor("olivia"), "chat", "2.0", parsed, q
    )
    assert assessment.score == pytest.approx(25 / 28)
    assert not assessment.passed  # a required item is unknown
    assert evidence.kind == "supplier_questionnaire"
    assert evidence.verdicts["supplier.training_data_rights"] == Verdict.INSUFFICIENT.value
    assert evidence.metrics["supplier.score"] == pytest.approx(25 / 28)
    stored = team.artifacts.get(evidence.artifacts[0]["sha256"])
    assert json.loads(stored)["answers"]["training_data_rights"] == "unknown"
    shown = supplier.get_evidence(team, evidence.id)
    assert (shown.metrics, shown.verdicts) == (evidence.metrics, evidence.verdicts)


def test_attach_and_its_refusals(team: AppContext, tmp_path: Path) -> None:
    report = tmp_path / "attestation.txt"
    report.write_text("I attest the model card is complete. -- O.")
    item = supplier.attach_evidence(
        team, team.actor("olivia"), "chat", "2.0", kind="manual_attestation", file=report
    )
    assert item.artifacts[0]["media_type"] == "text/plain"
    assert team.artifacts.get(item.artifacts[0]["sha256"]) == report.read_bytes()
    before = _events(team)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInput, match="the file is empty"):
        supplier.attach_evidence(team, team.actor("olivia"), "chat", "2.0", kind="fria", file=empty)
    with pytest.raises(InvalidInput, match="cannot read the file"):
        supplier.attach_evidence(
            team, team.actor("olivia"), "chat", "2.0", kind="fria", file=tmp_path / "missing"
        )
    with pytest.raises(InvalidInput, match="has no version '9'"):
        supplier.attach_evidence(team, team.actor("olivia"), "chat", "9", kind="fria", file=report)
    with pytest.raises(PermissionDenied):
        supplier.attach_evidence(
            team, team.actor("audrey"), "chat", "2.0", kind="fria", file=report
        )
    with pytest.raises(NotFoundError):
        supplier.get_evidence(team, 4242)
    assert _events(team) == before
