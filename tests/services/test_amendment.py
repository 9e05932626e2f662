"""Amendment impact on SQLite and PostgreSQL: report 2024.1 -> 2026.1, then record it.

Oracle: the two catalogs' own texts. A hiring system's high-risk duties move from
2 August 2026 to 2 December 2027 (amended Art. 113(c)); a nudifier becomes prohibited
(new Art. 5(1)(ba)); a fairness audit on special-category data gains Art. 4a, which
already applies on the report's day; answers that miss the new questions are listed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from tests.services._systems import HIRING_ANSWERS

from ombud.compliance import ClassificationInputError
from ombud.governance import PermissionDenied, SystemProfile
from ombud.services import amendment, classification, systems, workspaces
from ombud.services.context import AppContext
from ombud.store.models import AuditEventRow, ClassificationRow
from ombud.store.models_tracking import FindingRow

DAY = dt.date(2026, 12, 3)
BASE_PROFILE = SystemProfile(
    name="System",
    purpose="A system",
    owner="olivia",
    owner_team="team",
    domain="other",
    kind="decision_model",
    operator_role="provider",
    automation="human_in_the_loop",
    deployment_regions=("EU",),
)
NUDIFIER: dict[str, Any] = {
    "generates_synthetic_content": True,
    "synthetic_content_assistive_only": False,
    "intimate_or_csam_output": ["intimate_content_identifiable_person"],
    "intimate_or_csam_basis": "intended_purpose",
}
AUDITED: dict[str, Any] = {"bias_detection_special_categories": True}


@pytest.fixture
def inventory(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="olivia", roles=["owner"])
    workspaces.add_user(context, admin, username="lena", roles=["rai_lead"])
    lena = context.actor("lena")
    for system_id, answers in [
        ("hiring", HIRING_ANSWERS),
        ("nudifier", NUDIFIER),
        ("churn", AUDITED),
    ]:
        systems.register_system(context, lena, system_id, BASE_PROFILE)
        classification.classify_system(
            context, lena, system_id, answers=answers, catalog_version="2024.1"
        )
    return context


def _by_id(report: Any) -> dict[str, Any]:
    return {s.system_id: s for s in report.systems}


def test_impact_report_changes_nothing_and_names_every_change(inventory: AppContext) -> None:
    report = amendment.impact_report(inventory, "2024.1", "2026.1", DAY)
    found = _by_id(report)
    assert set(found) == {"hiring", "nudifier", "churn"}
    hiring = found["hiring"]
    moved = {m.obligation: (m.old, m.new) for m in hiring.dates_moved}
    assert moved["art_9"] == (dt.date(2026, 8, 2), dt.date(2027, 12, 2))
    assert "bias_detection_special_categories" in hiring.missing_questions
    assert hiring.incomplete
    assert not hiring.needs_finding
    nudifier = found["nudifier"]
    assert (nudifier.old.eu_category.value, nudifier.new.eu_category.value) == (
        "limited_risk_transparency",
        "prohibited",
    )
    assert nudifier.becomes_prohibited
    assert found["churn"].gained_in_force == ("art_4a",)
    with inventory.read() as session:
        versions = session.execute(select(ClassificationRow.catalog_version)).scalars().all()
    assert set(versions) == {"2024.1"}  # the report wrote nothing
    data = report.to_dict()
    assert data["summary"] == {"systems": 3, "category_changed": 1, "incomplete": 2,
                               "needs_finding": 2}  # fmt: skip


def test_apply_records_audited_classifications_and_opens_findings(inventory: AppContext) -> None:
    lena = inventory.actor("lena")
    with inventory.read() as session:
        before = len(session.execute(select(AuditEventRow.seq)).scalars().all())
    applied = amendment.apply_amendment(inventory, lena, "2024.1", "2026.1", DAY)
    assert sorted(applied.reclassified) == ["churn", "hiring", "nudifier"]
    with inventory.read() as session:
        latest = {
            row.system_id: row.catalog_version
            for row in session.execute(select(ClassificationRow).order_by(ClassificationRow.id))
            .scalars()
            .all()
        }
        events = (
            session.execute(select(AuditEventRow.action).order_by(AuditEventRow.seq))
            .scalars()
            .all()[before:]
        )
        opened = session.execute(select(FindingRow).order_by(FindingRow.id)).scalars().all()
    assert latest == {"hiring": "2026.1", "nudifier": "2026.1", "churn": "2026.1"}
    assert events.count("system.classify") == 3
    assert events.count("finding.open") == 2
    titles = {f.system_id: (f.severity, f.title) for f in opened}
    assert titles["nudifier"][0] == "critical"
    assert "Art. 5(1)(ba)" in titles["nudifier"][1]
    assert titles["churn"] == (
        "high",
        "New duties already in force under catalog 2026.1: art_4a",
    )


def test_apply_needs_the_right_to_classify(inventory: AppContext) -> None:
    workspaces.add_user(inventory, inventory.actor("ada"), username="audrey", roles=["auditor"])
    with pytest.raises(PermissionDenied):
        amendment.apply_amendment(inventory, inventory.actor("audrey"), "2024.1", "2026.1", DAY)


def test_unknown_catalog_version_names_the_shipped_ones(inventory: AppContext) -> None:
    with pytest.raises(ClassificationInputError, match=r"available: 2024\.1, 2026\.1"):
        amendment.impact_report(inventory, "2024.1", "2031.1", DAY)
