"""Validate first, then write once: refused requests leave no row, no event, no artifact file.

Each case was accepted or half-recorded before (issue #21): a manifest whose
classification failed left its system and immutable version behind; evidence for an
unknown version left orphan artifact files; expired evidence and impossible
notification times were recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ombud.compliance import ClassificationInputError
from ombud.governance import (
    InvalidInput,
    NotFoundError,
    PermissionDenied,
    SystemManifest,
    SystemProfile,
)
from ombud.governance.manifest import ManifestVersion
from ombud.records import ArtifactDraft, EvidenceDraft
from ombud.services import classification, evidence, findings, incidents, systems, workspaces
from ombud.services.context import AppContext, Tx
from ombud.store.models import AISystemRow, AuditEventRow, ClassificationRow, SystemVersionRow

from ._systems import CREDIT_ANSWERS

PROFILE = SystemProfile(
    name="Credit scoring",
    purpose="Scores consumer credit applications",
    owner="olivia",
    owner_team="credit-risk",
    domain="lending",
    kind="decision_model",
    operator_role="provider",
    automation="human_on_the_loop",
    deployment_regions=("DE",),
    affected_people=("consumers",),
    data_categories=("personal_data",),
)


def _manifest(answers: dict[str, object] | None) -> SystemManifest:
    version = ManifestVersion(label="1.0", models=(), training_data=(), notes="first")
    return SystemManifest("credit-scoring", PROFILE, (version,), answers)


def _count(context: AppContext, table: type) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def _nothing_recorded(context: AppContext, events_before: int) -> None:
    assert _count(context, AISystemRow) == 0
    assert _count(context, SystemVersionRow) == 0
    assert _count(context, ClassificationRow) == 0
    assert _count(context, AuditEventRow) == events_before


@pytest.fixture
def team(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="olivia", roles=["owner"])
    workspaces.add_user(context, admin, username="audrey", roles=["auditor"])
    return context


def test_a_manifest_registers_versions_and_classifies_in_one_unit(team: AppContext) -> None:
    olivia = team.actor("olivia")
    done = classification.apply_manifest(team, olivia, _manifest(CREDIT_ANSWERS))
    assert (done.outcome, done.versions_added) == ("registered", ("1.0",))
    assert done.classification is not None
    assert done.classification.classification.eu_category.value == "high_risk"
    shown = systems.get_system(team, "credit-scoring")
    assert shown.classification is not None
    assert shown.classification.eu_category == "high_risk"
    assert shown.version_labels == ["1.0"]


def test_an_invalid_answer_records_nothing(team: AppContext) -> None:
    before = _count(team, AuditEventRow)
    bad = {**CREDIT_ANSWERS, "social_scoring": "perhaps"}
    with pytest.raises(ClassificationInputError, match="social_scoring"):
        classification.apply_manifest(team, team.actor("olivia"), _manifest(bad))
    _nothing_recorded(team, before)


def test_a_classification_failing_inside_the_transaction_rolls_everything_back(
    team: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure comes after the system and version rows were written in the unit."""
    seen = []

    def failing_record(tx: Tx, system_id: str, *rest: object) -> object:
        seen.append(tx.session.get(AISystemRow, system_id) is not None)
        raise ClassificationInputError("the classification could not be recorded")

    monkeypatch.setattr(classification, "_record", failing_record)
    before = _count(team, AuditEventRow)
    with pytest.raises(ClassificationInputError, match="could not be recorded"):
        classification.apply_manifest(team, team.actor("olivia"), _manifest(CREDIT_ANSWERS))
    assert seen == [True]  # the system row existed inside the transaction...
    _nothing_recorded(team, before)  # ...and is gone with it


def test_an_actor_who_may_not_classify_is_refused_before_anything_is_written(
    team: AppContext,
) -> None:
    before = _count(team, AuditEventRow)
    with pytest.raises(PermissionDenied):
        classification.apply_manifest(team, team.actor("audrey"), _manifest(CREDIT_ANSWERS))
    _nothing_recorded(team, before)


def _draft() -> EvidenceDraft:
    return EvidenceDraft(
        kind="fairness_audit",
        summary="four-fifths holds",
        engine="test",
        engine_version="1",
        metrics={"fairness.sex.selection_rate.ratio_min": 0.9},
        verdicts={},
        artifacts=(ArtifactDraft("report.html", "text/html", b"<p>unique bytes 7f3a</p>"),),
    )


def _artifact_files(context: AppContext) -> list[Path]:
    root = context.artifacts.root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_evidence_for_an_unknown_target_leaves_no_artifact_file(team: AppContext) -> None:
    olivia = team.actor("olivia")
    systems.register_system(team, olivia, "credit-scoring", PROFILE)
    systems.add_version(team, olivia, "credit-scoring", "1.0")
    before = _count(team, AuditEventRow)
    with pytest.raises(InvalidInput, match=r"has no version '9\.9'"):
        evidence.check_evidence_target(team, olivia, "credit-scoring", "9.9")
    with pytest.raises(NotFoundError, match="no AI system 'ghost'"):
        evidence.check_evidence_target(team, olivia, "ghost", "1.0")
    with pytest.raises(PermissionDenied):
        evidence.check_evidence_target(team, team.actor("audrey"), "credit-scoring", "1.0")
    with pytest.raises(InvalidInput, match=r"has no version '9\.9'"):
        evidence.record_evidence(team, olivia, "credit-scoring", "9.9", _draft())
    assert _artifact_files(team) == []
    assert _count(team, AuditEventRow) == before
    evidence.check_evidence_target(team, olivia, "credit-scoring", "1.0")
    recorded = evidence.record_evidence(team, olivia, "credit-scoring", "1.0", _draft())
    assert len(_artifact_files(team)) == 1
    assert recorded.expires_at is not None


@pytest.mark.parametrize("days", [-3, 0])
def test_evidence_that_is_already_expired_is_refused(team: AppContext, days: int) -> None:
    olivia = team.actor("olivia")
    systems.register_system(team, olivia, "credit-scoring", PROFILE)
    systems.add_version(team, olivia, "credit-scoring", "1.0")
    before = _count(team, AuditEventRow)
    with pytest.raises(InvalidInput, match="at least 1 day"):
        evidence.record_evidence(
            team, olivia, "credit-scoring", "1.0", _draft(), valid_for_days=days
        )
    assert _count(team, AuditEventRow) == before
    assert _artifact_files(team) == []


def test_a_notification_before_awareness_or_in_the_future_is_refused(team: AppContext) -> None:
    olivia = team.actor("olivia")
    systems.register_system(team, olivia, "credit-scoring", PROFILE)
    now = dt.datetime.now(dt.UTC)
    created = incidents.report_incident(
        team,
        olivia,
        title="Denials spiked for one postcode",
        description="",
        severity="high",
        system_ids=["credit-scoring"],
        detected_at=now - dt.timedelta(days=3),
        aware_at=now - dt.timedelta(days=2),
    )
    iid = created.id
    before = _count(team, AuditEventRow)
    # After detection but before awareness: the old check (detection..now) let it through.
    with pytest.raises(InvalidInput, match="before the organisation became aware"):
        incidents.notify_authority(
            team,
            olivia,
            iid,
            authority="MSA",
            reference="x",
            notified_at=now - dt.timedelta(days=2, hours=12),
        )
    with pytest.raises(InvalidInput, match="in the future"):
        incidents.notify_authority(
            team,
            olivia,
            iid,
            authority="MSA",
            reference="x",
            notified_at=now + dt.timedelta(hours=1),
        )
    with pytest.raises(InvalidInput, match="U\\+202E"):
        incidents.notify_authority(team, olivia, iid, authority="MSA\u202e", reference="x")
    assert _count(team, AuditEventRow) == before
    # A clock a minute fast is not a typo.
    incidents.notify_authority(
        team, olivia, iid, authority="MSA", reference="x", notified_at=now + dt.timedelta(minutes=1)
    )


def test_incident_and_finding_text_is_checked(team: AppContext) -> None:
    olivia = team.actor("olivia")
    systems.register_system(team, olivia, "credit-scoring", PROFILE)
    now = dt.datetime.now(dt.UTC)
    before = _count(team, AuditEventRow)
    with pytest.raises(InvalidInput, match="incident title holds the character U\\+0000"):
        incidents.report_incident(
            team,
            olivia,
            title="bad\x00title",
            description="",
            severity="low",
            system_ids=["credit-scoring"],
            detected_at=now,
            aware_at=now,
        )
    with pytest.raises(InvalidInput, match="incident description is 10,001 characters"):
        incidents.report_incident(
            team,
            olivia,
            title="ok",
            description="x" * 10_001,
            severity="low",
            system_ids=["credit-scoring"],
            detected_at=now,
            aware_at=now,
        )
    assert _count(team, AuditEventRow) == before
    for title, description, message in (
        ("txt.\u202eexe", "", "finding title holds the character U\\+202E"),
        ("ok", "esc \x1b[31m", "finding description holds the character U\\+001B"),
    ):
        with pytest.raises(InvalidInput, match=message):
            findings.open_finding(
                team,
                olivia,
                findings.FindingDraft(
                    system_id="credit-scoring",
                    version_label=None,
                    title=title,
                    severity="low",
                    source_kind="audit",
                    source_ref="",
                    owner="olivia",
                    due_date=dt.date.today() + dt.timedelta(days=30),
                    description=description,
                ),
            )
    assert _count(team, AuditEventRow) == before


def test_a_record_written_before_the_rules_stays_readable_and_correctable(
    team: AppContext,
) -> None:
    """The new rules guard input; they must not make an old record unreadable."""
    olivia = team.actor("olivia")
    systems.register_system(team, olivia, "credit-scoring", PROFILE)
    with team.write(olivia) as tx:  # as an older release could have stored it
        row = tx.session.get(AISystemRow, "credit-scoring")
        assert row is not None
        row.name = "Credit\x1bscoring \u202eexe"
        row.deployment_regions = ["ZZ"]
    shown = systems.get_system(team, "credit-scoring")
    assert shown.name == "Credit\x1bscoring \u202eexe"
    assert classification.known_answers(team, "credit-scoring")["deployment_regions"] == ["ZZ"]
    with pytest.raises(InvalidInput, match="'ZZ' is not an assigned"):
        systems.update_system(team, olivia, "credit-scoring", {"name": "Credit scoring"})
    fixed = systems.update_system(
        team, olivia, "credit-scoring", {"name": "Credit scoring", "deployment_regions": ["DE"]}
    )
    assert (fixed.name, fixed.deployment_regions) == ("Credit scoring", ("DE",))


def test_user_display_names_follow_the_text_rules(team: AppContext) -> None:
    before = _count(team, AuditEventRow)
    with pytest.raises(InvalidInput, match="display name holds the character U\\+202E"):
        workspaces.add_user(
            team, team.actor("ada"), username="eve", roles=["owner"], display_name="Eve\u202e"
        )
    assert _count(team, AuditEventRow) == before


def test_an_attached_summary_follows_the_text_rules(team: AppContext) -> None:
    olivia = team.actor("olivia")
    systems.register_system(team, olivia, "credit-scoring", PROFILE)
    systems.add_version(team, olivia, "credit-scoring", "1.0")
    draft = replace(_draft(), summary="audit \u202eok")
    with pytest.raises(InvalidInput, match="evidence summary holds the character U\\+202E"):
        evidence.record_evidence(team, olivia, "credit-scoring", "1.0", draft)
    assert _artifact_files(team) == []
