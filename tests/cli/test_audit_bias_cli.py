"""`ombud audit bias`: decisions-only audits from the command line, recorded as evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ombud.datasets import load
from ombud.services import systems
from ombud.services.context import open_context
from ombud.store import open_workspace

from ..services._systems import screening_profile
from .conftest import Invoke


@pytest.fixture
def decisions(tmp_path: Path) -> Path:
    path = tmp_path / "callbacks.csv"
    frame = load("bertrand_mullainathan").frame[["sex", "race", "call"]]
    frame.assign(call=frame["call"].astype(int)).to_csv(path, index=False)
    return path


def test_table_json_and_markdown(invoke: Invoke, decisions: Path, tmp_path: Path) -> None:
    shown = invoke("audit", "bias", str(decisions), "--selected", "call", "--race", "race")
    assert shown.code == 0, shown.err
    assert "0.668" in shown.out  # 157/235 (Bertrand & Mullainathan 2004, Table 1)
    as_json = invoke(
        "audit", "bias", str(decisions), "--selected", "call", "--sex", "sex", "--race", "race",
        "--format", "json",
    )  # fmt: skip
    data = json.loads(as_json.out)
    assert data["mode"] == "selection"
    assert {row["axis"] for row in data["categories"]} == {
        "sex", "race_ethnicity", "intersectional",
    }  # fmt: skip
    summary = tmp_path / "summary.md"
    written = invoke(
        "audit", "bias", str(decisions), "--selected", "call", "--race", "race",
        "--format", "markdown", "-o", str(summary), "--data-source", "field experiment",
    )  # fmt: skip
    assert written.code == 0, written.err
    text = summary.read_text()
    assert "Source and explanation of the data: field experiment" in text
    assert "| b | 2435 | 6.45% | 0.668 |" in text


def test_recorded_as_evidence_after_checking_the_target_first(
    invoke: Invoke, decisions: Path, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    assert invoke("init", str(ws), "--admin", "ada").code == 0
    missing = invoke(
        "-w", str(ws), "--as", "ada", "audit", "bias", str(decisions), "--selected", "call",
        "--race", "race", "--system", "nope", "--version", "1",
    )  # fmt: skip
    assert missing.code != 0
    assert "no AI system 'nope'" in missing.err
    assert "Traceback" not in missing.err
    assert not [p for p in (ws / "artifacts").rglob("*") if p.is_file()]  # nothing stored

    context = open_context(open_workspace(ws))
    try:
        ada = context.actor("ada")
        systems.register_system(context, ada, "resume-screening", screening_profile("ada"))
        systems.add_version(context, ada, "resume-screening", "1.0")
    finally:
        context.close()
    recorded = invoke(
        "-w", str(ws), "--as", "ada", "audit", "bias", str(decisions), "--selected", "call",
        "--race", "race", "--system", "resume-screening", "--version", "1.0",
    )  # fmt: skip
    assert recorded.code == 0, recorded.err
    listed = invoke("-w", str(ws), "evidence", "list", "resume-screening", "--json")
    [item] = json.loads(listed.out)
    assert item["kind"] == "bias_audit"
    assert item["verdicts"] == {}
    assert item["metrics"]["bias_audit.race_ethnicity.impact_ratio_min"] == pytest.approx(157 / 235)
    assert [a["name"] for a in item["artifacts"]] == ["bias-audit-summary.md"]


def test_bad_input_is_one_line_with_exit_2(invoke: Invoke, decisions: Path) -> None:
    result = invoke("audit", "bias", str(decisions), "--selected", "sex", "--race", "race")
    assert result.code == 2
    assert "--pos-label" in result.err
    assert len(result.err.strip().splitlines()) == 1
