"""``ombud explain shap|lime|gap|rate-gap|reasons`` through the real entry point, on real data.

Oracles: the model itself (SHAP attributions plus the base value must add up to the
model's own ``decision_function``, computed here by scikit-learn), the gap in mean margin
between men and women measured with pandas, the ``ombud.explain`` library called directly
on the same rows, and the evidence service's stored row.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from ombud.datasets import load
from ombud.explain import explain_lime
from ombud.governance import SystemProfile
from ombud.records import sha256_file
from ombud.services import evidence, systems
from ombud.services.context import open_context
from ombud.services.workspaces import init_workspace
from ombud.store import open_workspace

from .conftest import Invoke

ADULT = ["age", "education-num", "capital-gain", "hours-per-week", "married"]
TREE = "sklearn.tree._tree.Tree"
HMDA = ["pirat", "hirat", "lvrat", "chist", "mhist", "unemp", "selfemp", "single", "afam"]
REASONS = """\
features:
  pirat: {code: R01, statement: Excessive obligations in relation to income}
  hirat: {code: R01, statement: Excessive obligations in relation to income}
  lvrat: {code: R02, statement: Value or type of collateral not sufficient}
  chist: {code: R03, statement: Delinquent past or present credit obligations}
  mhist: {code: R04, statement: Delinquent past or present mortgage obligations}
  unemp: {code: R05, statement: Temporary or irregular employment}
  selfemp: {code: R05, statement: Temporary or irregular employment}
  single: {code: R06, statement: Number of applicants}
"""


@pytest.fixture(scope="module")
def adult(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    """Adult: 1,200 rows, five numeric features plus sex; gradient boosting saved by skops."""
    folder = tmp_path_factory.mktemp("adult")
    raw = load("adult").frame.sample(n=1200, random_state=2).reset_index(drop=True)
    frame = raw[ADULT[:4]].astype(np.float64)
    frame["married"] = (raw["marital-status"].astype(str) == "Married-civ-spouse").astype(float)
    y = raw["income"].astype(str).str.startswith(">").astype(int)
    model = GradientBoostingClassifier(n_estimators=25, max_depth=3, random_state=0)
    model.fit(frame, y)
    frame["sex"] = raw["sex"].astype(str)
    data = folder / "adult.csv"
    frame.to_csv(data, index=False)
    path = folder / "adult.skops"
    skops.io.dump(model, path)
    return path, data, frame


@pytest.fixture(scope="module")
def hmda(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("hmda")
    raw = load("hmda").frame
    X = raw[HMDA].astype(np.float64)
    model = LogisticRegression(max_iter=2000).fit(X, raw["deny"].astype(int))
    decision = (model.predict_proba(X)[:, 1] < 0.5).astype(int)
    data = folder / "hmda.csv"
    X.assign(approved=decision, applicant=[f"A{i:04d}" for i in range(len(X))]).to_csv(
        data, index=False
    )
    path = folder / "hmda.skops"
    skops.io.dump(model, path)
    table = folder / "reasons.yaml"
    table.write_text(REASONS, encoding="utf-8")
    return path, data, table


def test_shap_json_adds_up_to_the_models_own_output(
    invoke: Invoke, adult: tuple[Path, Path, pd.DataFrame]
) -> None:
    model, data, frame = adult
    result = invoke(
        "explain", "shap", str(model), str(data), "--trusted-type", TREE, "--max-rows", "150",
        "--background-size", "40", "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["explanation"]["method"] == "shap.tree"
    assert report["explanation"]["quality"]["passed"] is True
    rows = frame.sample(n=150, random_state=0).sort_index()
    margin = skops.io.load(model, trusted=[TREE]).decision_function(rows[ADULT])
    attributions = np.array(report["rows"]["attributions"])
    total = attributions.sum(axis=1) + np.array(report["rows"]["base_values"])
    np.testing.assert_allclose(total, margin, atol=1e-6)
    assert report["model"]["sha256"] == sha256_file(str(model))


def test_shap_table_names_the_quality_check(
    invoke: Invoke, adult: tuple[Path, Path, pd.DataFrame]
) -> None:
    model, data, _ = adult
    result = invoke(
        "explain", "shap", str(model), str(data), "--trusted-type", TREE, "--max-rows", "100"
    )
    assert result.code == 0, result.err
    assert "SHAP additivity holds" in result.out
    assert "married" in result.out


def test_gap_html_is_self_contained_and_recorded(
    invoke: Invoke, adult: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    model, data, frame = adult
    ws, _, _ = init_workspace(
        tmp_path / "ws", database_url=f"sqlite:///{tmp_path / 'o.db'}", admin="ada", os_user="ada"
    )
    context = open_context(ws)
    try:
        ada = context.actor("ada")
        profile = SystemProfile(
            name="Eligibility",
            purpose="Scores income eligibility",
            owner="ada",
            owner_team="risk",
            domain="lending",
            kind="decision_model",
            operator_role="provider",
            automation="human_in_the_loop",
        )
        systems.register_system(context, ada, "eligibility", profile)
        systems.add_version(context, ada, "eligibility", "1.0")
    finally:
        context.close()
    out = tmp_path / "gap.html"
    result = invoke(
        "-w", str(tmp_path / "ws"), "--as", "ada", "explain", "gap", str(model), str(data),
        "--sensitive", "sex", "--trusted-type", TREE, "--max-rows", "400",
        "--background-size", "40", "--format", "html", "-o", str(out),
        "--system", "eligibility", "--version", "1.0",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "recorded evidence #" in result.err
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page
    assert "<script" not in page
    # No network: the only URL is the SVG namespace.
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert "The sex gap by feature" in page
    context = open_context(ws)
    try:
        (item,) = evidence.list_evidence(context, "eligibility")
    finally:
        context.close()
    assert item.kind == "explainability_report"
    rows = frame.sample(n=400, random_state=0).sort_index()
    margin = skops.io.load(model, trusted=[TREE]).decision_function(rows[ADULT])
    measured = margin[rows["sex"] == "Male"].mean() - margin[rows["sex"] == "Female"].mean()
    assert item.metrics["explain.gap.sex.gap"] == pytest.approx(measured, abs=1e-9)
    low, high = item.metrics["explain.gap.sex.gap.lower"], item.metrics["explain.gap.sex.gap.upper"]
    assert low is not None
    assert high is not None
    assert low < measured < high


def test_lime_json_equals_the_library(
    invoke: Invoke, adult: tuple[Path, Path, pd.DataFrame]
) -> None:
    model, data, frame = adult
    result = invoke(
        "explain", "lime", str(model), str(data), "--rows", "4,9", "--trusted-type", TREE,
        "--num-samples", "200", "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    report = json.loads(result.out)
    oracle = explain_lime(
        skops.io.load(model, trusted=[TREE]),
        frame.loc[[4, 9], ADULT],
        training_data=frame[ADULT],
        num_samples=200,
    )
    np.testing.assert_allclose(np.array(report["rows"]["attributions"]), oracle.attributions)
    assert report["explanation"]["quality"]["check"] == "lime_stability"


def test_reasons_table_and_json_never_give_the_protected_attribute(
    invoke: Invoke, hmda: tuple[Path, Path, Path]
) -> None:
    model, data, table = hmda
    common = (
        "explain", "reasons", str(model), str(data), "--decision", "approved",
        "--reasons", str(table), "--sensitive", "afam", "--id", "applicant",
        "--higher-declines", "--background-size", "40",
    )  # fmt: skip
    shown = invoke(*common)
    assert shown.code == 0, shown.err
    assert "principal reasons" in shown.out
    result = invoke(*common, "--format", "json")
    assert result.code == 0, result.err
    reasons = json.loads(result.out)["reasons"]
    declined = pd.read_csv(data).query("approved == 0")["applicant"]
    assert set(reasons["notices"]) == set(declined)
    assert all("afam" not in row["features"] for row in reasons["rows"])
    assert reasons["notices"][declined.iloc[0]].startswith("Principal reason(s)")
    # Reasons by group, recomputed with pandas from the rows the command printed.
    frame = pd.read_csv(data).set_index("applicant")
    rows = pd.DataFrame(reasons["rows"]).assign(group=lambda r: r["applicant"].map(frame["afam"]))
    per_group = frame.loc[declined, "afam"].value_counts()
    shares = reasons["distribution_by_group"]["shares"]
    assert reasons["distribution_by_group"]["attribute"] == "afam"
    for (group, code), given in rows.groupby(["group", "code"])["applicant"].nunique().items():
        assert shares[str(group)][code] == pytest.approx(given / per_group[group])
    assert "share of declined applicants given each reason, by afam" in shown.out


@pytest.fixture(scope="module")
def eligibility(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with system ``eligibility`` version 1.0, owned by ada."""
    folder = tmp_path_factory.mktemp("ws")
    ws, _, _ = init_workspace(
        folder / "ws", database_url=f"sqlite:///{folder / 'o.db'}", admin="ada", os_user="ada"
    )
    context = open_context(ws)
    try:
        ada = context.actor("ada")
        profile = SystemProfile(
            name="Eligibility",
            purpose="Scores income eligibility",
            owner="ada",
            owner_team="risk",
            domain="lending",
            kind="decision_model",
            operator_role="provider",
            automation="human_in_the_loop",
        )
        systems.register_system(context, ada, "eligibility", profile)
        systems.add_version(context, ada, "eligibility", "1.0")
    finally:
        context.close()
    return folder / "ws"


def test_rate_gap_json_table_and_html_recorded_as_evidence(
    invoke: Invoke, adult: tuple[Path, Path, pd.DataFrame], eligibility: Path, tmp_path: Path
) -> None:
    """Oracle: the selection rates of men and women measured with pandas from the model's
    own margin (scikit-learn's ``decision_function >= 0``); the shares add up to the gap."""
    model, data, frame = adult
    common = (
        "explain", "rate-gap", str(model), str(data), "--sensitive", "sex",
        "--trusted-type", TREE, "--pairs", "1500", "--n-boot", "100",
    )  # fmt: skip
    result = invoke("-w", str(eligibility), "--as", "ada", *common, "--format", "json",
                    "--system", "eligibility", "--version", "1.0")  # fmt: skip
    assert result.code == 0, result.err
    assert "recorded evidence #" in result.err
    report = json.loads(result.out)["rate_gap"]
    decided = skops.io.load(model, trusted=[TREE]).decision_function(frame[ADULT]) >= 0
    for group, rate in (("Male", report["rate_a"]), ("Female", report["rate_b"])):
        real = decided[frame["sex"] == group].mean()
        assert abs(rate - real) < 4 * np.sqrt(real * (1 - real) / 1500)
    shares = [f["contribution"] for f in report["features"]]
    assert sum(shares) == pytest.approx(report["gap"], abs=1e-12)
    assert all(f["lower"] <= f["contribution"] <= f["upper"] for f in report["features"])
    context = open_context(open_workspace(eligibility))
    try:
        item = evidence.list_evidence(context, "eligibility")[-1]
    finally:
        context.close()
    assert item.metrics["explain.rate_gap.sex.gap"] == pytest.approx(report["gap"])
    assert item.verdicts == {"explain.quality": "pass"}
    table = invoke(*common)
    assert table.code == 0, table.err
    assert "shares add up to the gap" in table.out
    assert "married" in table.out
    page = tmp_path / "rate.html"
    html = invoke(*common, "--format", "html", "-o", str(page))
    assert html.code == 0, html.err
    text = page.read_text(encoding="utf-8")
    assert "The sex rate gap by feature" in text
    assert "<svg" in text
    assert "<script" not in text


def test_shap_explains_a_native_xgboost_model(
    invoke: Invoke, adult: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    """Oracle: xgboost's own ``pred_contribs`` is not comparable here (the CLI explains
    against a background), so the oracle is additivity against xgboost's own margin."""
    import xgboost

    _, data, frame = adult
    y = (frame["married"] + frame["education-num"] / 10 > 1.9).astype(int)
    booster = xgboost.XGBClassifier(n_estimators=15, max_depth=3, n_jobs=1).fit(frame[ADULT], y)
    path = tmp_path / "m.ubj"
    booster.save_model(path)
    result = invoke(
        "explain", "shap", str(path), str(data), "--max-rows", "100", "--background-size", "30",
        "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["model"]["format"] == "xgboost-ubj"
    rows = frame.sample(n=100, random_state=0).sort_index()[ADULT]
    margin = booster.get_booster().predict(xgboost.DMatrix(rows), output_margin=True)
    total = np.array(report["rows"]["attributions"]).sum(axis=1) + report["rows"]["base_values"]
    np.testing.assert_allclose(total, margin, atol=1e-5)
