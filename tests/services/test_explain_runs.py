"""The explanation engine as runs (services/explain_runs.py), on real data and real models.

The oracle for every number is the ``ombud.explain`` library called directly on the same
rows (itself tested against shap and brute-force Shapley values in tests/explain); what is
tested here is what the service adds: reading the files, choosing the feature columns,
loading the model safely with the digest pinned on the version, and recording the evidence
once or not at all.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sqlalchemy import func, select

from ombud.datasets import load
from ombud.explain import (
    ExplainInputError,
    ReasonTableError,
    UnsafeModelError,
    attribute_gap,
    attribute_rate_gap,
    evidence_draft,
    explain_shap,
    group_moments,
)
from ombud.fairness import detect_proxies
from ombud.governance import VersionSpec
from ombud.records import sha256_file
from ombud.services import systems, workspaces
from ombud.services.context import AppContext
from ombud.services.explain_rate_gap import explain_rate_gap_run
from ombud.services.explain_requests import RateGapRequest
from ombud.services.explain_runs import (
    GapRequest,
    LimeRequest,
    ModelSource,
    ReasonsRequest,
    ShapRequest,
    explain_gap_run,
    explain_lime_run,
    explain_reasons_run,
    explain_shap_run,
)
from ombud.services.runs import RecordTarget
from ombud.store.models import EvidenceRow

from ._systems import CREDIT_ANSWERS, register_classified, screening_profile

ADULT = ["age", "education-num", "capital-gain", "hours-per-week", "married"]
#: The one type beyond skops's default list a fitted gradient-boosting model holds.
TREE = ("sklearn.tree._tree.Tree",)
HMDA = ["pirat", "hirat", "lvrat", "chist", "mhist", "unemp", "selfemp", "single", "afam"]


@pytest.fixture(scope="module")
def adult_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    """Adult: 1,500 rows, five numeric features, sex as an extra column; a skops model."""
    folder = tmp_path_factory.mktemp("adult")
    raw = load("adult").frame.sample(n=1500, random_state=1).reset_index(drop=True)
    frame = raw[ADULT[:4]].astype(np.float64)
    frame["married"] = (raw["marital-status"].astype(str) == "Married-civ-spouse").astype(float)
    y = raw["income"].astype(str).str.startswith(">").astype(int)
    model = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0)
    model.fit(frame, y)
    frame["sex"] = raw["sex"].astype(str)
    data = folder / "adult.csv"
    frame.to_csv(data, index=False)
    path = folder / "adult-gb.skops"
    skops.io.dump(model, path)
    return path, data, frame


@pytest.fixture(scope="module")
def hmda_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Boston HMDA: a logistic denial model, its decisions at 0.5 and a reason table."""
    folder = tmp_path_factory.mktemp("hmda")
    raw = load("hmda").frame
    X = raw[HMDA].astype(np.float64)
    model = LogisticRegression(max_iter=2000).fit(X, raw["deny"].astype(int))
    frame = X.assign(
        approved=(model.predict_proba(X)[:, 1] < 0.5).astype(int),
        applicant=[f"A{i:04d}" for i in range(len(X))],
    )
    data = folder / "hmda.parquet"
    frame.to_parquet(data)
    path = folder / "hmda-logit.skops"
    skops.io.dump(model, path)
    table = folder / "reasons.yaml"
    statements = {
        "pirat": ("R01", "Excessive obligations in relation to income"),
        "hirat": ("R01", "Excessive obligations in relation to income"),
        "lvrat": ("R02", "Value or type of collateral not sufficient"),
        "chist": ("R03", "Delinquent past or present credit obligations with others"),
        "mhist": ("R04", "Delinquent past or present mortgage obligations"),
        "unemp": ("R05", "Temporary or irregular employment"),
        "selfemp": ("R05", "Temporary or irregular employment"),
        "single": ("R06", "Number of applicants"),
    }
    lines = ["features:"] + [
        f"  {f}: {{code: {c}, statement: {s}}}" for f, (c, s) in statements.items()
    ]
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, data, table


@pytest.fixture
def credit(context: AppContext) -> AppContext:
    workspaces.add_user(context, context.actor("ada"), username="omar", roles=["owner"])
    register_classified(context, "omar", "credit", screening_profile("omar"), CREDIT_ANSWERS)
    return context


def _rows(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(EvidenceRow)).scalar_one())


def test_shap_records_what_the_library_computes(
    credit: AppContext, adult_files: tuple[Path, Path, pd.DataFrame]
) -> None:
    model, data, frame = adult_files
    target = RecordTarget(credit, credit.actor("omar"), "credit", "1.0")
    request = ShapRequest(
        ModelSource(model, trusted_types=TREE), data, max_rows=300, background_size=50
    )
    outcome = explain_shap_run(request, target)
    # Oracle: the library on the same 300 rows (sampled with the same seed) and background.
    loaded = skops.io.load(model, trusted=list(TREE))
    rows = frame.sample(n=300, random_state=0).sort_index()[ADULT]
    oracle = explain_shap(loaded, rows, background=frame[ADULT], background_size=50)
    np.testing.assert_allclose(outcome.result.explanation.attributions, oracle.attributions)
    assert outcome.evidence is not None
    assert outcome.evidence.kind == "explainability_report"
    expected = evidence_draft(oracle).metrics
    for name, value in expected.items():
        assert outcome.evidence.metrics[name] == pytest.approx(value)
    assert outcome.evidence.verdicts == {"explain.quality": "pass"}
    names = [i["name"] for i in outcome.evidence.inputs]
    assert names == ["adult-gb.skops", "adult.csv"]
    assert outcome.evidence.inputs[0]["sha256"] == sha256_file(str(model))


def test_the_gap_run_splits_the_measured_sex_gap(
    adult_files: tuple[Path, Path, pd.DataFrame],
) -> None:
    """Oracle: the gap in mean model margin between men and women measured with pandas on
    the explained rows, and the library's own attribution on the same rows."""
    model, data, frame = adult_files
    report = explain_gap_run(
        GapRequest(
            ModelSource(model, trusted_types=TREE),
            data,
            sensitive="sex",
            max_rows=600,
            background_size=50,
        )
    ).result
    assert report.gap is not None
    assert report.importance is not None
    rows = frame.sample(n=600, random_state=0).sort_index()
    margin = skops.io.load(model, trusted=list(TREE)).decision_function(rows[ADULT])
    measured = margin[rows["sex"] == "Male"].mean() - margin[rows["sex"] == "Female"].mean()
    assert (report.gap.group_a, report.gap.group_b) == ("Male", "Female")  # most frequent first
    assert report.gap.gap == pytest.approx(measured, abs=1e-9)
    total = report.gap.table["contribution"].sum() + report.gap.base_term
    assert total == pytest.approx(measured, abs=1e-6)
    oracle = attribute_gap(
        group_moments(report.explanation, rows["sex"].to_numpy()), "Male", "Female"
    )
    columns = ["contribution", "se", "lower", "upper", "share"]
    pd.testing.assert_frame_equal(report.gap.table[columns], oracle.table[columns])
    assert report.gap.table.index[0] == "married"  # as on the engine's own Adult test
    # Proxy scores: the fairness engine's detect_proxies on the same rows is the oracle.
    found = detect_proxies(rows[[*ADULT, "sex"]].reset_index(drop=True), "sex", features=ADULT)
    auc = {f.feature: f.auc for f in found.findings}
    for feature, row in report.gap.table.iterrows():
        assert row["proxy_score"] == pytest.approx(auc[str(feature)])
    carriers = report.gap.table.query("lower > 0 and share >= 0.1").index
    expected = {f for f in carriers if auc[str(f)] >= 0.7}
    assert set(report.gap.likely_proxies) == expected
    assert set(report.importance.columns) == {"Female", "Male", "overall"}


def test_lime_explains_the_chosen_rows_with_a_stability_score(
    adult_files: tuple[Path, Path, pd.DataFrame],
) -> None:
    model, data, _ = adult_files
    request = LimeRequest(
        ModelSource(model, trusted_types=TREE), data, rows=(3, 7), num_samples=200, n_seeds=10
    )
    report = explain_lime_run(request).result
    assert report.explanation.n_rows == 2
    again = explain_lime_run(request).result
    np.testing.assert_array_equal(report.explanation.attributions, again.explanation.attributions)
    assert 0.0 <= report.explanation.quality.value <= 1.0
    with pytest.raises(ExplainInputError, match=r"--rows \[1500\]: adult.csv has rows 0 to 1499"):
        explain_lime_run(LimeRequest(ModelSource(model, trusted_types=TREE), data, rows=(1500,)))


def test_reasons_never_give_the_protected_attribute(
    credit: AppContext, hmda_files: tuple[Path, Path, Path]
) -> None:
    model, data, table = hmda_files
    request = ReasonsRequest(
        ModelSource(model, trusted_types=TREE),
        data,
        decision="approved",
        reasons=table,
        higher_approves=False,  # the model's positive class is a denial
        protected=("afam",),
        id_column="applicant",
        background_size=50,
    )
    outcome = explain_reasons_run(
        request, RecordTarget(credit, credit.actor("omar"), "credit", "1.0")
    )
    reasons = outcome.result.reasons
    assert reasons is not None
    frame = pd.read_parquet(data)
    assert len(reasons.notices) == int((frame["approved"] == 0).sum())
    assert set(reasons.notices) == set(frame.loc[frame["approved"] == 0, "applicant"])
    assert "afam" not in " ".join(reasons.rows["features"])
    assert outcome.evidence is not None
    assert outcome.evidence.metrics["explain.reasons.declined"] == len(reasons.notices)
    # Applicants never travel in evidence; the reason table travels by its digest.
    assert "A0" not in str(outcome.evidence.parameters)
    assert outcome.evidence.inputs[-1]["sha256"] == sha256_file(str(table))


def test_a_table_mapping_a_protected_attribute_is_refused_before_anything_runs(
    credit: AppContext, hmda_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    model, data, table = hmda_files
    bad = tmp_path / "reasons.yaml"
    bad.write_text(
        table.read_text(encoding="utf-8") + "  afam: {code: R09, statement: Race}\n",
        encoding="utf-8",
    )
    request = ReasonsRequest(
        ModelSource(model, trusted_types=TREE),
        data,
        decision="approved",
        reasons=bad,
        protected=("afam",),
    )
    with pytest.raises(ReasonTableError, match=r"reasons.yaml:10.*protected attribute 'afam'"):
        explain_reasons_run(request, RecordTarget(credit, credit.actor("omar"), "credit", "1.0"))
    assert _rows(credit) == 0


def test_features_the_data_lacks_are_named(
    adult_files: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    model, _, frame = adult_files
    data = tmp_path / "renamed.csv"
    frame.rename(columns={"married": "spouse"}).to_csv(data, index=False)
    with pytest.raises(
        ExplainInputError, match=r"renamed.csv: model .* feature\(s\) \['married'\]"
    ):
        explain_shap_run(ShapRequest(ModelSource(model, trusted_types=TREE), data))


@pytest.fixture
def pickled(adult_files: tuple[Path, Path, pd.DataFrame], tmp_path: Path) -> Path:
    path = tmp_path / "adult-gb.pkl"
    path.write_bytes(pickle.dumps(skops.io.load(adult_files[0], trusted=list(TREE))))
    return path


def test_a_pickle_is_refused_unless_trusted_with_the_digest_pinned_on_the_version(
    credit: AppContext, adult_files: tuple[Path, Path, pd.DataFrame], pickled: Path
) -> None:
    _, data, _ = adult_files
    omar = credit.actor("omar")
    target = RecordTarget(credit, omar, "credit", "1.0")
    request = ShapRequest(ModelSource(pickled), data, max_rows=50, background_size=20)
    with pytest.raises(UnsafeModelError, match="refusing to load a pickle"):
        explain_shap_run(request)
    trusted = ShapRequest(ModelSource(pickled, trust=True), data, max_rows=50, background_size=20)
    # Version 1.0 pins no model: trusting needs a pinned digest.
    with pytest.raises(UnsafeModelError, match="pins no model"):
        explain_shap_run(trusted, target)
    digest = sha256_file(str(pickled))
    spec = VersionSpec("adult-gb", "file:adult-gb.pkl", digest)
    systems.add_version(credit, omar, "credit", "2.0", models=(spec,))
    outcome = explain_shap_run(trusted, RecordTarget(credit, omar, "credit", "2.0"))
    assert outcome.evidence is not None
    assert outcome.evidence.inputs[0]["sha256"] == digest
    # A file that changed after it was pinned is refused, and nothing is recorded.
    before = _rows(credit)
    pickled.write_bytes(pickled.read_bytes() + b"\n")
    with pytest.raises(UnsafeModelError, match="not the pinned"):
        explain_shap_run(trusted, RecordTarget(credit, omar, "credit", "2.0"))
    assert _rows(credit) == before
    # Not recorded: the caller's --model-sha256 is the pin; recorded, it is refused.
    shown = ModelSource(pickled, trust=True, sha256=sha256_file(str(pickled)))
    assert explain_shap_run(ShapRequest(shown, data, max_rows=50)).evidence is None
    with pytest.raises(ValueError, match="--model-sha256 is for runs that are not recorded"):
        explain_shap_run(ShapRequest(shown, data), RecordTarget(credit, omar, "credit", "2.0"))


def test_a_model_without_feature_names_takes_the_columns_left_by_ignore(
    hmda_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """A model fitted on a bare array takes every column no flag names. Oracle: for a
    logistic model against the whole file as background, SHAP's value of feature j is
    ``w_j (x_j - mean x_j)`` on the log-odds (computed here with numpy)."""
    _, data, _ = hmda_files
    frame = pd.read_parquet(data)
    X = frame[HMDA].to_numpy()
    bare = LogisticRegression(max_iter=2000).fit(X, 1 - frame["approved"])
    path = tmp_path / "bare.skops"
    skops.io.dump(bare, path)
    with pytest.raises(ExplainInputError, match=r"takes 9 features, but 11 columns .* --ignore"):
        explain_shap_run(ShapRequest(ModelSource(path), data, max_rows=50))
    request = ShapRequest(
        ModelSource(path),
        data,
        background_size=len(frame),
        max_rows=len(frame),
        ignore=("approved", "applicant"),
    )
    report = explain_shap_run(request).result
    assert report.explanation.feature_names == tuple(HMDA)
    expected = bare.coef_[0] * (X - X.mean(axis=0))
    np.testing.assert_allclose(report.explanation.attributions, expected, atol=1e-9)


# --- the rate gap ----------------------------------------------------------------------------


def test_the_rate_gap_run_records_what_the_library_computes(
    credit: AppContext, adult_files: tuple[Path, Path, pd.DataFrame]
) -> None:
    """Oracle: ``attribute_rate_gap`` called directly with the model's own decisions
    (``decision_function >= 0``, scikit-learn's) on the same rows and seed; and the
    selection rates of men and women measured with pandas over the whole file (the drawn
    pairs estimate them within binomial error)."""
    model, data, frame = adult_files
    target = RecordTarget(credit, credit.actor("omar"), "credit", "1.0")
    request = RateGapRequest(
        ModelSource(model, trusted_types=TREE), data, sensitive="sex", pairs=800, n_boot=100
    )
    outcome = explain_rate_gap_run(request, target)
    found = outcome.result.attribution.result
    loaded = skops.io.load(model, trusted=list(TREE))

    def decide(X: pd.DataFrame) -> np.ndarray:  # type: ignore[type-arg]
        return (loaded.decision_function(X[ADULT]) >= 0).astype(int)

    oracle = attribute_rate_gap(
        decide, frame[ADULT], frame["sex"], "Male", "Female", pairs=800, n_boot=100
    )
    np.testing.assert_allclose(found.contribution, oracle.contribution, atol=1e-12)
    np.testing.assert_allclose(found.lower, oracle.lower, atol=1e-12)
    assert (found.rate_a, found.rate_b) == (oracle.rate_a, oracle.rate_b)
    decided = decide(frame)
    for group, rate in (("Male", found.rate_a), ("Female", found.rate_b)):
        real = decided[frame["sex"] == group].mean()
        assert abs(rate - real) < 4 * np.sqrt(real * (1 - real) / 800)
    assert outcome.evidence is not None
    metrics = outcome.evidence.metrics
    assert metrics["explain.rate_gap.sex.gap"] == pytest.approx(oracle.gap)
    share = dict(zip(oracle.features, oracle.contribution, strict=True))["married"]
    assert metrics["explain.rate_gap.sex.married.contribution"] == pytest.approx(share)
    assert outcome.evidence.verdicts == {"explain.quality": "pass"}
    assert outcome.evidence.parameters["rate_gap"] == {
        "attribute": "sex",
        "a": "Male",
        "b": "Female",
    }
    assert outcome.evidence.parameters["threshold"] == 0.0


def test_the_false_positive_rate_gap_counts_only_the_true_negatives(
    adult_files: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    """Oracle: the library given the condition "income is not >50K" itself."""
    model, _, frame = adult_files
    income = load("adult").frame.sample(n=1500, random_state=1)["income"].astype(str)
    labelled = frame.assign(rich=income.str.startswith(">").astype(int).to_numpy())
    data = tmp_path / "labelled.parquet"
    labelled.to_parquet(data)
    source = ModelSource(model, trusted_types=TREE)
    request = RateGapRequest(
        source, data, sensitive="sex", rate="fpr", label="rich", pairs=500, n_boot=0
    )
    found = explain_rate_gap_run(request).result.attribution.result
    loaded = skops.io.load(model, trusted=list(TREE))
    oracle = attribute_rate_gap(
        lambda X: (loaded.decision_function(X[ADULT]) >= 0).astype(int),
        labelled[ADULT],
        labelled["sex"],
        "Male",
        "Female",
        condition=labelled["rich"] != 1,
        pairs=500,
        n_boot=0,
    )
    np.testing.assert_allclose(found.contribution, oracle.contribution, atol=1e-12)
    with pytest.raises(ExplainInputError, match="--rate tpr needs --label"):
        explain_rate_gap_run(RateGapRequest(source, data, sensitive="sex", rate="tpr"))
    with pytest.raises(ExplainInputError, match="no row has the positive value 'yes'"):
        explain_rate_gap_run(
            RateGapRequest(source, data, sensitive="sex", rate="tpr", label="rich", pos_label="yes")
        )
    with pytest.raises(ExplainInputError, match=r"--groups: \['Other'\] not among"):
        explain_rate_gap_run(
            RateGapRequest(source, data, sensitive="sex", groups=("Male", "Other"))
        )


def test_a_native_xgboost_model_runs_through_the_service_without_trust(
    credit: AppContext, adult_files: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    """An XGBoost JSON file loads as data (no --trust-model, no pin); oracle: additivity
    against xgboost's own margin on the explained rows."""
    import xgboost

    _, data, frame = adult_files
    y = load("adult").frame.sample(n=1500, random_state=1)["income"].astype(str)
    booster = xgboost.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1)
    booster.fit(frame[ADULT], y.str.startswith(">").astype(int).to_numpy())
    path = tmp_path / "adult-xgb.json"
    booster.save_model(path)
    target = RecordTarget(credit, credit.actor("omar"), "credit", "1.0")
    request = ShapRequest(ModelSource(path), data, max_rows=200, background_size=40)
    outcome = explain_shap_run(request, target)
    e = outcome.result.explanation
    rows = frame.sample(n=200, random_state=0).sort_index()[ADULT]
    margin = booster.get_booster().predict(xgboost.DMatrix(rows), output_margin=True)
    np.testing.assert_allclose(e.attributions.sum(axis=1) + e.base_values, margin, atol=1e-5)
    assert outcome.evidence is not None
    assert outcome.evidence.inputs[0]["description"] == "model (xgboost-json)"
    assert "xgboost" in outcome.evidence.parameters["versions"]
