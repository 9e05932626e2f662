"""OSCAL in (the real community NIST AI RMF catalog) and out (assessment results)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from trestle.oscal.assessment_results import AssessmentResults

from ombud.compliance.control_catalogs import (
    CatalogError,
    CatalogItem,
    ControlCoverage,
    CoverageReport,
    EvidenceUse,
    RuleOutcome,
    assessment_results,
    import_oscal_catalog,
    load_control_catalog,
    oscal_control_id,
    read_assessment_results,
    with_official_text,
)

DATA = Path(__file__).parent / "data"
RMF = DATA / "nist-ai-rmf-oscal-catalog-v0.4.json"
SHA256 = "c7e3ade46bf852b4552b2ba39bb2deb3e01197eac42b99576dce15661d3aba63"


def test_the_test_copy_is_the_recorded_file() -> None:
    """Oracle: the sha256 recorded in data/README.md and ../shared/data/README.md."""
    assert hashlib.sha256(RMF.read_bytes()).hexdigest() == SHA256


@pytest.fixture(scope="module")
def imported():  # type: ignore[no-untyped-def]
    return import_oscal_catalog(RMF, framework="nist-ai-rmf", id_from="title")


def test_import_finds_the_published_shape(imported) -> None:  # type: ignore[no-untyped-def]
    """Oracle: NIST AI 100-1 Tables 1-4 and the file's README (72 = 19 + 18 + 22 + 13)."""
    kinds = Counter(item.kind for item in imported)
    assert kinds == {"function": 4, "category": 19, "subcategory": 72}
    per_function = Counter(i.id.split()[0] for i in imported.of_kind("subcategory"))
    assert per_function == {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
    assert imported.version == "0.4.0"
    assert imported.get("GOVERN 1.1").parent == "GOVERN 1"


def test_import_ids_match_ombuds_catalog_and_statements_attach(imported) -> None:  # type: ignore[no-untyped-def]
    """Oracle: Ombud's hand-written catalog (written from NIST AI 100-1, not from this file)."""
    ours = load_control_catalog("nist-ai-rmf")
    assert set(imported.ids()) == set(ours.ids())
    merged = with_official_text(ours, imported)
    assert sum(bool(item.statement) for item in merged) == 72 + 19
    assert merged.get("MEASURE 2.11").statement.startswith("Fairness and bias")
    assert merged.get("MEASURE 2.11").summary == ours.get("MEASURE 2.11").summary


def test_import_by_oscal_id_keeps_the_file_ids() -> None:
    catalog = import_oscal_catalog(RMF, framework="rmf-oscal")
    assert "ai-rmf-ms-2.11" in catalog
    assert catalog.get("ai-rmf-ms-2.11").title == "MEASURE 2.11"


def test_bad_oscal_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no such file"):
        import_oscal_catalog(tmp_path / "absent.json", framework="x")
    broken = tmp_path / "broken.json"
    broken.write_text('{"catalog": {"uuid": "not-a-uuid", "metadata": {}}}', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"broken\.json: not a valid OSCAL catalog"):
        import_oscal_catalog(broken, framework="x")


def _report() -> CoverageReport:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    rmf = load_control_catalog("nist-ai-rmf")
    use = EvidenceUse(7, "fairness_audit", True, now, None)
    stale = EvidenceUse(3, "datasheet", False, now, now, "expired")
    controls = (
        ControlCoverage(
            rmf.get("MEASURE 2.11"), "policy", "covered", ("fairness_audit",), (), (use,), (), ()
        ),
        ControlCoverage(
            rmf.get("MAP 2.3"), "crosswalk", "stale", ("datasheet",), (), (stale,), (), ()
        ),
        ControlCoverage(
            rmf.get("MEASURE 2.7"),
            "policy",
            "failing",
            ("redteam_run",),
            (),
            (use,),
            (),
            (RuleOutcome("rule:x", "fail"),),
        ),
    )
    return CoverageReport("credit", "1.0", "nist-ai-rmf", "1.0", now, controls)


def test_assessment_results_validate_and_say_what_is_satisfied(tmp_path: Path) -> None:
    """Oracle: compliance-trestle's model of the OSCAL assessment-results schema."""
    document = assessment_results([_report()], title="credit coverage")
    path = tmp_path / "ar.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    parsed = read_assessment_results(path)
    assert isinstance(parsed, AssessmentResults)
    (result,) = parsed.results
    states = {f.target.target_id: f.target.status.state.value for f in result.findings or ()}
    assert states == {
        "nist-ai-rmf_measure-2.11": "satisfied",
        "nist-ai-rmf_map-2.3": "not-satisfied",
        "nist-ai-rmf_measure-2.7": "not-satisfied",
    }
    assert {o.uuid for o in result.observations or ()} == {
        r.observation_uuid for f in result.findings or () for r in f.related_observations or ()
    }
    assert len(result.observations or ()) == 2  # evidence #7 is shared by two findings


def test_assessment_results_are_deterministic() -> None:
    first = assessment_results([_report()], title="t")
    assert first == assessment_results([_report()], title="t")


def test_oscal_control_ids_are_tokens() -> None:
    assert oscal_control_id("iso-42001:A.6.2.4") == "iso-42001_a.6.2.4"
    assert oscal_control_id("sector-rules:ecoa.1002_4a") == "sector-rules_ecoa.1002_4a"


def test_no_report_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="at least one"):
        assessment_results([], title="t")
    bad = tmp_path / "bad.json"
    bad.write_text('{"assessment-results": {"uuid": 1}}', encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid OSCAL assessment results"):
        read_assessment_results(bad)


def test_catalog_item_refs() -> None:
    item = CatalogItem("iso-42001", "A.7.5", "control", "Data provenance", "s", "src", "lic")
    assert item.ref == "iso-42001:A.7.5"
