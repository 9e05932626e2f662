"""``audit fairness`` through a root command built like ``ombud`` (the lead mounts the sub-app).

Oracles: the library's own AuditResult on the same file (the CLI must show and record the
same numbers), the evidence service's stored row, and exit_code_for (bad input -> exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from ombud.cli._errors import exit_code_for
from ombud.cli._state import CliState
from ombud.cli.audit_fairness import app as fairness_app
from ombud.fairness import audit
from ombud.governance import SystemProfile
from ombud.services import evidence, systems
from ombud.services.context import open_context
from ombud.services.workspaces import init_workspace

root = typer.Typer()


@root.callback()
def _root(
    ctx: typer.Context,
    workspace: Annotated[Path | None, typer.Option("--workspace")] = None,
) -> None:
    ctx.obj = CliState(workspace_dir=workspace, database_url=None, user="ada")


root.add_typer(fairness_app, name="audit")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rng = np.random.default_rng(2)
    n = 1500
    frame = pd.DataFrame(
        {
            "race": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]),
            "sex": rng.choice(["f", "m"], n),
            "y": rng.integers(0, 2, n),
            "s": rng.uniform(0, 1, n),
        }
    )
    frame["yhat"] = (frame["s"] > np.where(frame["race"] == "a", 0.4, 0.6)).astype(int)
    path = tmp_path / "pred.parquet"
    frame.to_parquet(path)
    return path


def _invoke(*args: str) -> object:
    runner = CliRunner(env={"COLUMNS": "250"})
    return runner.invoke(root, ["audit", "fairness", *args], catch_exceptions=True)


def test_table_shows_groups_intervals_and_verdicts(data: Path) -> None:
    result = _invoke(
        str(data), "--label", "y", "--pred", "yhat", "--sensitive", "race,sex", "--n-boot", "50"
    )
    assert result.exit_code == 0, result.output
    expected = audit(str(data), label="y", prediction="yhat", sensitive=["race", "sex"], n_boot=0)
    row = expected.by_group.query("attribute == 'race' and race == 'a'").iloc[0]
    assert f"{row['selection_rate']:.3f} [{row['selection_rate_lower']:.3f}" in result.output
    assert "four_fifths" in result.output
    assert "race+sex" in result.output


def test_json_equals_the_library(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    result = _invoke(
        str(data),
        "--label",
        "y",
        "--score",
        "s",
        "--threshold",
        "0.5",
        "--sensitive",
        "race",
        "--format",
        "json",
        "-o",
        str(out),
        "--n-boot",
        "20",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    lib = audit(str(data), label="y", score="s", threshold=0.5, sensitive="race", n_boot=20)
    assert doc == json.loads(lib.to_json())


def test_html_and_sql_filter(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = _invoke(
        str(data),
        "--label",
        "y",
        "--pred",
        "yhat",
        "--sensitive",
        "race",
        "--sql",
        "SELECT * FROM data WHERE sex = 'f'",
        "--format",
        "html",
        "-o",
        str(out),
        "--n-boot",
        "20",
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "SELECT * FROM data WHERE sex = &#39;f&#39;" in html
    frame = pd.read_parquet(data)
    assert f"{(frame['sex'] == 'f').sum()} rows" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sensitive", "ethnicity"], "missing column"),
        (["--sensitive", "race", "--system", "x"], "go together"),
        (["--sensitive", "race", "--reference", "race"], "COLUMN=VALUE"),
    ],
)
def test_bad_input_is_a_usage_error(data: Path, args: list[str], message: str) -> None:
    result = _invoke(str(data), "--label", "y", "--pred", "yhat", "--n-boot", "0", *args)
    assert exit_code_for(result.exception) == 2
    assert message in str(result.exception)
    assert "\n" not in str(result.exception)


def test_records_evidence_on_a_system_version(data: Path, tmp_path: Path) -> None:
    ws, _, _ = init_workspace(
        tmp_path / "ws", database_url=f"sqlite:///{tmp_path / 'o.db'}", admin="ada", os_user="ada"
    )
    context = open_context(ws)
    try:
        ada = context.actor("ada")
        profile = SystemProfile(
            name="Screening",
            purpose="Ranks applicants",
            owner="ada",
            owner_team="hr",
            domain="hiring",
            kind="decision_model",
            operator_role="provider",
            automation="human_in_the_loop",
        )
        systems.register_system(context, ada, "screen", profile)
        systems.add_version(context, ada, "screen", "1.0")
    finally:
        context.close()
    result = CliRunner().invoke(
        root,
        [
            "--workspace",
            str(tmp_path / "ws"),
            "audit",
            "fairness",
            str(data),
            "--label",
            "y",
            "--pred",
            "yhat",
            "--sensitive",
            "race",
            "--n-boot",
            "20",
            "--system",
            "screen",
            "--version",
            "1.0",
            "--format",
            "json",
            "-o",
            str(tmp_path / "a.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    context = open_context(ws)
    try:
        items = evidence.list_evidence(context, "screen")
    finally:
        context.close()
    assert len(items) == 1
    item = items[0]
    assert item.kind == "fairness_audit"
    lib = audit(str(data), label="y", prediction="yhat", sensitive="race", n_boot=20)
    ratio = lib.ratio().query("metric == 'selection_rate'").iloc[0]["value"]
    assert item.metrics["fairness.race.selection_rate.ratio_min"] == pytest.approx(ratio)
    assert {a["name"] for a in item.artifacts} >= {"tally.parquet", "fairness-report.html"}
