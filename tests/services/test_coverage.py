"""Coverage from the record, on SQLite and PostgreSQL, with evidence recorded by the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ombud.compliance.control_catalogs import STATUSES, UnknownFrameworkError, assessment_results
from ombud.governance import SystemProfile
from ombud.records import EvidenceDraft, Verdict
from ombud.services import coverage, evidence, systems, workspaces
from ombud.services.context import AppContext

from ._systems import CREDIT_ANSWERS, register_classified


def _credit_system(context: AppContext) -> None:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="olivia", roles=["owner"])
    profile = SystemProfile(
        name="Credit scoring",
        purpose="Scores consumer credit applications",
        owner="olivia",
        owner_team="risk",
        domain="lending",
        kind="decision_model",
        operator_role="provider",
        automation="human_in_the_loop",
        affected_people=("consumers",),
        deployment_regions=("DE", "US"),
        data_categories=("personal_data",),
    )
    # Catalog 2024.1: the Annex III duties apply today (from 2 August 2026), so coverage
    # has obligations to count; the 2026.1 deferral is tested below.
    register_classified(
        context, "olivia", "credit", profile, CREDIT_ANSWERS, catalog_version="2024.1"
    )


def _draft(kind: str, four_fifths: Verdict = Verdict.PASS) -> EvidenceDraft:
    return EvidenceDraft(
        kind=kind,
        summary=f"test {kind}",
        engine="test",
        engine_version="1",
        metrics={"fairness.sex.selection_rate.ratio_min": 0.9} if kind == "fairness_audit" else {},
        verdicts={"fairness.sex.four_fifths": four_fifths} if kind == "fairness_audit" else {},
    )


def _statuses(report: Any) -> dict[str, str]:
    return {c.item.id: c.status for c in report.controls}


def test_obligations_follow_the_classification_and_start_missing(context: AppContext) -> None:
    _credit_system(context)
    report = coverage.system_coverage(context, "credit", "eu-ai-act")
    got = set(_statuses(report))
    assert {"art_9", "art_10", "art_11", "art_13", "art_15", "art_72"} <= got
    assert report.percent == 0.0
    assert set(_statuses(report).values()) == {"missing"}
    sector = coverage.system_coverage(context, "credit", "sector-rules")
    assert "ecoa.1002_4a" in _statuses(sector)  # lending in the US triggers ECOA / Reg B


def test_recorded_evidence_covers_and_a_failed_rule_fails(context: AppContext) -> None:
    _credit_system(context)
    olivia = context.actor("olivia")
    evidence.record_evidence(context, olivia, "credit", "1.0", _draft("data_audit"))
    evidence.record_evidence(context, olivia, "credit", "1.0", _draft("datasheet"))
    evidence.record_evidence(
        context, olivia, "credit", "1.0", _draft("fairness_audit", Verdict.FAIL)
    )
    eu = _statuses(coverage.system_coverage(context, "credit", "eu-ai-act"))
    assert eu["art_10"] == "covered"  # data_audit + datasheet, both required by the policy
    assert eu["art_15"] == "covered"  # fairness audit; no rule cites Art. 15
    assert eu["art_11"] == "missing"
    sector = _statuses(coverage.system_coverage(context, "credit", "sector-rules"))
    assert sector["ecoa.1002_4a"] == "failing"  # rule ecoa-adverse-impact cites 12 CFR 1002.4(a)
    rmf = _statuses(coverage.system_coverage(context, "credit", "nist-ai-rmf"))
    assert rmf["MEASURE 2.11"] == "failing"
    assert rmf["MAP 2.3"] == "covered"


def test_evidence_ages_into_stale(context: AppContext) -> None:
    _credit_system(context)
    olivia = context.actor("olivia")
    evidence.record_evidence(
        context, olivia, "credit", "1.0", _draft("data_audit"), valid_for_days=None
    )
    later = datetime.now(UTC) + timedelta(days=400)  # the overlay's data_audit max age is 365
    report = coverage.system_coverage(context, "credit", "eu-ai-act", now=later)
    art_10 = next(c for c in report.controls if c.item.id == "art_10")
    assert art_10.status == "stale"
    assert art_10.evidence[0].note == "older than the policy's 365 days"


def test_matrix_agrees_with_the_per_system_reports(context: AppContext) -> None:
    _credit_system(context)
    olivia = context.actor("olivia")
    evidence.record_evidence(context, olivia, "credit", "1.0", _draft("datasheet"))
    now = datetime.now(UTC)
    matrix = coverage.coverage_matrix(context, now=now)
    (row,) = matrix.systems
    for framework in coverage.MATRIX_FRAMEWORKS:
        report = coverage.system_coverage(context, "credit", framework, now=now)
        assert row.cells[framework].percent == report.percent
        assert row.cells[framework].applicable == len(report.controls)
    document = assessment_results(
        coverage.system_coverages(context, "credit", coverage.MATRIX_FRAMEWORKS, now=now),
        title="credit",
    )
    assert len(document["assessment-results"]["results"]) == len(coverage.MATRIX_FRAMEWORKS)


def test_matrix_keeps_its_wire_shape_with_an_error_row(context: AppContext) -> None:
    """Oracles: the key order ``compliance matrix --json`` served before the matrix was
    typed (pinned here; the cell counts follow the catalog's own ``STATUSES``), and the
    per-system report for the one system that has a version; a system with none is an
    error row that says so instead of breaking the matrix."""
    _credit_system(context)
    profile = SystemProfile(
        name="Draft",
        purpose="Not built yet",
        owner="olivia",
        owner_team="risk",
        domain="lending",
        kind="decision_model",
        operator_role="provider",
        automation="human_in_the_loop",
    )
    systems.register_system(context, context.actor("olivia"), "draft", profile)
    now = datetime.now(UTC)
    body = coverage.coverage_matrix(context, ("eu-ai-act",), now=now).to_dict()
    assert tuple(body) == ("as_of", "frameworks", "systems")
    assert (body["as_of"], body["frameworks"]) == (now.isoformat(), ["eu-ai-act"])
    credit, draft = body["systems"]
    assert tuple(credit) == ("system_id", "version", "tier", "eu_category", "cells")
    cell = credit["cells"]["eu-ai-act"]
    assert tuple(cell) == ("percent", "applicable", *STATUSES)
    report = coverage.system_coverage(context, "credit", "eu-ai-act", now=now)
    assert cell == {
        "percent": report.percent,
        "applicable": len(report.controls),
        **report.counts(),
    }
    assert (credit["version"], credit["eu_category"]) == ("1.0", report.extra["eu_category"])
    assert tuple(draft) == ("system_id", "error", "cells")
    assert (draft["system_id"], draft["cells"]) == ("draft", {})
    assert "no versions" in draft["error"]


def test_unknown_framework_lists_the_known_ones(context: AppContext) -> None:
    _credit_system(context)
    with pytest.raises(UnknownFrameworkError, match="known: eu-ai-act, nist-ai-rmf"):
        coverage.system_coverage(context, "credit", "soc2")


def test_only_obligations_in_force_count_and_upcoming_ones_are_listed(
    context: AppContext,
) -> None:
    """Oracle: catalog 2026.1 defers Annex III duties to 2 December 2027 (amended Art. 113(c))."""
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="olivia", roles=["owner"])
    profile = SystemProfile(
        name="Credit",
        purpose="Scores credit",
        owner="olivia",
        owner_team="risk",
        domain="lending",
        kind="decision_model",
        operator_role="provider",
        automation="human_on_the_loop",
        deployment_regions=("DE",),
    )
    answers = {**CREDIT_ANSWERS, "bias_detection_special_categories": True}
    register_classified(context, "olivia", "credit", profile, answers, catalog_version="2026.1")
    eve = datetime(2027, 12, 1, 12, tzinfo=UTC)
    before = coverage.system_coverage(context, "credit", "eu-ai-act", now=eve)
    assert "art_9" not in {c.item.id for c in before.controls}
    upcoming = {o["id"]: o["days_left"] for o in before.extra["upcoming_obligations"]}
    assert upcoming["art_9"] == 1
    day = coverage.system_coverage(context, "credit", "eu-ai-act", now=eve + timedelta(days=1))
    assert "art_9" in {c.item.id for c in day.controls}
    # Art. 4a (in force since 27 July 2026) is covered by a fairness audit.
    art_4a = next(c for c in before.controls if c.item.id == "art_4a")
    assert "fairness_audit" in art_4a.kinds
