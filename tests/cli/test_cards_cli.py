"""``ombud card ...`` and ``ombud export cyclonedx`` as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ombud.cards import validate_cyclonedx, validate_document
from ombud.governance import SystemProfile
from ombud.services import systems
from ombud.services.context import open_context
from ombud.services.workspaces import init_workspace

Invoke = Any  # the `invoke` fixture of tests/cli/conftest.py


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One workspace with a registered LLM application, built once and copied per test."""
    folder = tmp_path_factory.mktemp("template") / "ws"
    workspace, _, _ = init_workspace(folder, database_url=None, admin="ada", os_user="ada")
    context = open_context(workspace)
    try:
        ada = context.actor("ada")
        profile = SystemProfile(
            name="Chat helper",
            purpose="Answers FAQs",
            owner="ada",
            owner_team="web",
            domain="customer_service",
            kind="llm_application",
            operator_role="deployer",
            automation="fully_automated",
        )
        systems.register_system(context, ada, "chat", profile)
        systems.add_version(context, ada, "chat", "1.0")
    finally:
        context.close()
    return folder


@pytest.fixture
def ws(template: Path, tmp_path: Path) -> list[str]:
    folder = tmp_path / "ws"
    shutil.copytree(template, folder)
    return ["-w", str(folder), "--as", "ada"]


@pytest.mark.parametrize("which", ["model", "system", "annex-iv"])
def test_json_output_is_schema_valid(invoke: Invoke, ws: list[str], which: str) -> None:
    result = invoke(*ws, "card", which, "chat", "--format", "json")
    assert result.code == 0, result.err
    validate_document(json.loads(result.out))
    assert "complete" in result.err


def test_record_writes_the_file_and_records_evidence(
    invoke: Invoke, ws: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "card.html"
    result = invoke(*ws, "card", "model", "chat", "-f", "html", "-o", str(out), "--record")
    assert result.code == 0, result.err
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "recorded as evidence #1 (model_card)" in result.err
    listed = json.loads(invoke(*ws, "evidence", "list", "chat", "--json").out)
    assert [e["kind"] for e in listed] == ["model_card"]


def test_pdf_needs_a_file(invoke: Invoke, ws: list[str]) -> None:
    result = invoke(*ws, "card", "model", "chat", "-f", "pdf")
    assert result.code == 2
    assert "give a file with -o" in result.err


def test_invalid_datasheet_is_a_line_numbered_error_exit_2(
    invoke: Invoke, ws: list[str], tmp_path: Path
) -> None:
    sheet = tmp_path / "ds.yaml"
    sheet.write_text("dataset: x\nuses:\n  intended: ok\n  misuse: no\n", encoding="utf-8")
    result = invoke(*ws, "card", "dataset", "chat", "--datasheet", str(sheet))
    assert result.code == 2
    assert f"{sheet}:4: unknown question 'misuse'" in result.err


def test_dataset_card_measures_the_data(invoke: Invoke, ws: list[str], tmp_path: Path) -> None:
    sheet = tmp_path / "ds.yaml"
    sheet.write_text("dataset: faq\nmotivation:\n  purpose: tuning\n", encoding="utf-8")
    data = tmp_path / "faq.csv"
    data.write_text("lang,label\nde,1\nde,0\nfr,1\n", encoding="utf-8")
    result = invoke(
        *ws, "card", "dataset", "chat", "--datasheet", str(sheet), "--data", str(data),
        "--group", "lang", "--label", "label", "-f", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    document = json.loads(result.out)
    validate_document(document)
    assert document["metadata"]["rows"] == 3


def test_annex_iv_supplement_errors_point_at_the_line(
    invoke: Invoke, ws: list[str], tmp_path: Path
) -> None:
    supplement = tmp_path / "sup.yaml"
    supplement.write_text("standards.applied: ISO\nstandard: x\n", encoding="utf-8")
    result = invoke(*ws, "card", "annex-iv", "chat", "--supplement", str(supplement))
    assert result.code == 2
    assert f"{supplement}:2: unknown field 'standard'" in result.err


def test_export_cyclonedx(invoke: Invoke, ws: list[str], tmp_path: Path) -> None:
    out = tmp_path / "bom.json"
    result = invoke(*ws, "export", "cyclonedx", "-o", str(out))
    assert result.code == 0, result.err
    validate_cyclonedx(out.read_text())
