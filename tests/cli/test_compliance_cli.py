"""`ombud compliance coverage|matrix|catalog` end to end: formats, exit codes, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ombud.cli.main import run
from ombud.compliance.control_catalogs import read_assessment_results

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
deployment_regions: [FR, US]
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


def _run(*args: str) -> None:
    code = 0
    try:
        run(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 0, f"ombud {' '.join(args)} exited {code}"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One workspace for the module: coverage only reads, so the tests can share it."""
    tmp = tmp_path_factory.mktemp("compliance")
    root = tmp / "ws"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("OMBUD_WORKSPACE", "OMBUD_DATABASE_URL", "OMBUD_USER"):
            patch.delenv(name, raising=False)
        _run("init", str(root), "--admin", "ada")
        _run("-w", str(root), "--as", "ada", "user", "add", "olivia", "--role", "owner")
        manifest = tmp / "system.yaml"
        manifest.write_text(MANIFEST, encoding="utf-8")
        _run("-w", str(root), "--as", "olivia", "system", "register", "-f", str(manifest))
        report = tmp / "audit.txt"
        report.write_text("four-fifths fail", encoding="utf-8")
        _run(
            "-w", str(root), "--as", "olivia", "evidence", "attach", "screening",
            "--version", "1.0", "--kind", "fairness_audit", "--file", str(report),
            "--summary", "audit", "--verdict", "fairness.sex.selection_rate.four_fifths=fail",
        )  # fmt: skip
    return root


def test_coverage_json_names_evidence_and_the_failing_rule(invoke: Invoke, ws: Path) -> None:
    done = invoke("-w", str(ws), "compliance", "coverage", "screening", "--format", "json")
    assert done.code == 0, done.err
    reports = {r["framework"]: r for r in json.loads(done.out)}
    assert list(reports) == ["eu-ai-act", "nist-ai-rmf", "iso-42001", "sector-rules"]
    four_fifths = next(c for c in reports["sector-rules"]["controls"] if c["id"] == "ugesp.1607_4d")
    assert four_fifths["status"] == "failing"  # eeoc-four-fifths cites 29 CFR 1607.4(D)
    assert four_fifths["evidence"][0]["kind"] == "fairness_audit"
    assert "rule:eeoc-four-fifths" in {r["id"] for r in four_fifths["rules"]}
    assert reports["eu-ai-act"]["percent_covered"] is not None


def test_coverage_table_html_and_oscal(invoke: Invoke, ws: Path, tmp_path: Path) -> None:
    table = invoke("-w", str(ws), "compliance", "coverage", "screening", "--framework", "eu-ai-act")
    assert table.code == 0, table.err
    assert "eu-ai-act 2026.1" in table.out
    assert "art_26" in table.out
    page = tmp_path / "coverage.html"
    html = invoke(
        "-w", str(ws), "compliance", "coverage", "screening", "--format", "html", "-o", str(page)
    )
    assert html.code == 0, html.err
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "ugesp.1607_4d" in text
    assert "<script" not in text
    assert "http" not in text.split("<body>")[0]  # nothing fetched at view time
    oscal = tmp_path / "ar.json"
    done = invoke(
        "-w", str(ws), "compliance", "coverage", "screening", "--format", "oscal", "-o", str(oscal)
    )
    assert done.code == 0, done.err
    assert len(read_assessment_results(oscal).results) == 4


def test_unknown_framework_exits_2_and_lists_the_known_ones(invoke: Invoke, ws: Path) -> None:
    done = invoke("-w", str(ws), "compliance", "coverage", "screening", "--framework", "soc2")
    assert done.code == 2
    assert done.err == (
        "error: unknown framework 'soc2'; known: eu-ai-act, nist-ai-rmf, nist-ai-600-1, "
        "iso-42001, sector-rules\n"
    )
    assert invoke("compliance", "catalog", "nist").code == 2


def test_matrix(invoke: Invoke, ws: Path) -> None:
    done = invoke("-w", str(ws), "compliance", "matrix", "--json")
    assert done.code == 0, done.err
    (row,) = json.loads(done.out)["systems"]
    assert row["system_id"] == "screening"
    assert set(row["cells"]) == {"eu-ai-act", "nist-ai-rmf", "iso-42001", "sector-rules"}
    table = invoke("-w", str(ws), "compliance", "matrix")
    assert table.code == 0, table.err
    assert "screening" in table.out


def test_catalog_lists_items_with_source_and_licence(invoke: Invoke) -> None:
    done = invoke("compliance", "catalog", "nist-ai-rmf", "--json")
    assert done.code == 0, done.err
    data = json.loads(done.out)
    assert sum(i["kind"] == "subcategory" for i in data["items"]) == 72
    iso = invoke("compliance", "catalog", "iso-42001")
    assert "(unverified)" in iso.out
    assert "licence:" in iso.out


def test_catalog_with_official_oscal_text(invoke: Invoke) -> None:
    rmf = (
        Path(__file__).parents[1]
        / "compliance/control_catalogs/data/nist-ai-rmf-oscal-catalog-v0.4.json"
    )
    done = invoke("compliance", "catalog", "nist-ai-rmf", "--oscal", str(rmf), "--json")
    assert done.code == 0, done.err
    items = {i["id"]: i for i in json.loads(done.out)["items"]}
    assert items["MEASURE 2.11"]["statement"].startswith("Fairness and bias")
    refused = invoke("compliance", "catalog", "nist-ai-rmf", "--oscal", str(rmf), "--id-from", "id")
    assert refused.code == 2
    assert "try --id-from title" in refused.err
