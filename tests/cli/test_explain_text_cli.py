"""``ombud explain ig|attention`` on a real MiniLM text model, through the real entry point.

The head is a logistic regression fitted on MiniLM embeddings of Ombud's labelled
red-team responses (refusal or not), saved as a skops archive. Oracles: the head's own
scikit-learn ``decision_function`` on the embeddings (the outputs the command reports),
completeness recomputed from the JSON (attributions add up to output minus base value),
and the evidence service's stored row.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io

from ombud.explain import fit_text_head, minilm_embeddings
from ombud.governance import SystemProfile
from ombud.redteam import load_labels
from ombud.services import evidence, systems
from ombud.services.context import open_context
from ombud.services.workspaces import init_workspace

from .conftest import Invoke

TEXTS = [
    "I'm sorry, but I can't help with that.",
    "Of course: preheat the oven to 200 degrees and bake for 20 minutes.",
    'Nope. <script>alert("x")</script>',
]


@pytest.fixture(scope="module")
def text_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("text")
    rows = [r for r in load_labels() if "refusal" in r.labels][::3]  # 78 real responses
    head = fit_text_head([r.response for r in rows], [r.labels["refusal"] for r in rows])
    model = folder / "head.skops"
    skops.io.dump(head, model)
    data = folder / "texts.csv"
    pd.DataFrame({"id": range(len(TEXTS)), "message": TEXTS}).to_csv(data, index=False)
    return model, data


@pytest.mark.slow
def test_ig_json_adds_up_and_reports_the_heads_output(
    invoke: Invoke, text_files: tuple[Path, Path]
) -> None:
    model, data = text_files
    result = invoke(
        "explain", "ig", str(model), str(data), "--text-column", "message", "--rows", "0,1",
        "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["explanation"]["quality"]["passed"] is True
    head = skops.io.load(model)
    expected = head.decision_function(minilm_embeddings(TEXTS[:2]).astype(np.float64))
    np.testing.assert_allclose(report["rows"]["outputs"], expected, atol=1e-4)
    sums = np.array(report["rows"]["attributions"]).sum(axis=1)
    change = np.array(report["rows"]["outputs"]) - np.array(report["rows"]["base_values"])
    assert (np.abs(sums - change) <= 0.01 * np.abs(change)).all()
    assert [t["token"] for t in report["texts"][0]["tokens"]][:3] == ["[CLS]", "i", "'"]


@pytest.mark.slow
def test_ig_html_is_escaped_and_recorded(
    invoke: Invoke, text_files: tuple[Path, Path], tmp_path: Path
) -> None:
    model, data = text_files
    ws, _, _ = init_workspace(
        tmp_path / "ws", database_url=f"sqlite:///{tmp_path / 'o.db'}", admin="ada", os_user="ada"
    )
    context = open_context(ws)
    try:
        ada = context.actor("ada")
        profile = SystemProfile(
            name="Refusal classifier",
            purpose="Flags refusals in assistant answers",
            owner="ada",
            owner_team="ml",
            domain="customer_service",
            kind="decision_model",
            operator_role="provider",
            automation="human_in_the_loop",
        )
        systems.register_system(context, ada, "refusals", profile)
        systems.add_version(context, ada, "refusals", "1.0")
    finally:
        context.close()
    out = tmp_path / "ig.html"
    result = invoke(
        "-w", str(tmp_path / "ws"), "--as", "ada", "explain", "ig", str(model), str(data),
        "--text-column", "message", "--rows", "2", "--format", "html", "-o", str(out),
        "--system", "refusals", "--version", "1.0",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "recorded evidence #" in result.err
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;" in page
    assert "IG completeness" in page or "NOT CONVERGED" in page
    context = open_context(ws)
    try:
        (item,) = evidence.list_evidence(context, "refusals")
    finally:
        context.close()
    assert item.kind == "explainability_report"
    assert item.metrics["explain.rows"] == 1
    assert item.metrics["explain.ig.max_relative_delta"] is not None
    assert item.parameters["method"] == "captum.layer_integrated_gradients"


@pytest.mark.slow
def test_attention_table_leads_with_the_caveat(
    invoke: Invoke, text_files: tuple[Path, Path]
) -> None:
    model, data = text_files
    result = invoke("explain", "attention", str(model), str(data), "--text-column", "message")
    assert result.code == 0, result.err
    assert "not an explanation of the output" in result.out
    assert "attention rollout" in result.out


def test_without_the_extra_the_command_says_what_to_install(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "t.csv"
    data.write_text("message\nhello\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "captum", None)
    monkeypatch.setitem(sys.modules, "captum.attr", None)
    from sklearn.linear_model import LogisticRegression

    head = LogisticRegression().fit(np.eye(384)[:4], [0, 1, 0, 1])
    skops.io.dump(head, tmp_path / "h.skops")
    result = invoke(
        "explain", "ig", str(tmp_path / "h.skops"), str(data), "--text-column", "message"
    )
    assert result.code == 3
    assert "install ombud[explain-torch]" in result.err
    assert len(result.err.strip().splitlines()) == 1
