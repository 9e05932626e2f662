"""XGBoost and LightGBM models: TreeSHAP through shap, and loading their native files.

Oracles, on UCI Adult (the ``adult`` fixture, 4,000 rows):

- each library's own SHAP implementation: ``Booster.predict(pred_contribs=True)``
  (XGBoost) and ``Booster.predict(pred_contrib=True)`` (LightGBM) give path-dependent
  TreeSHAP values and the expected value in the last column; Ombud's path-dependent
  values must equal them, feature by feature;
- for the interventional explainer (with a background), the brute-force Shapley values
  of ``tests/explain/test_shap.py`` (every coalition enumerated, calling only the
  library's own margin), which share no code with shap;
- additivity against the margin each library computes itself (``output_margin=True`` /
  ``raw_score=True``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pandas as pd
import pytest
import xgboost

from ombud.explain import (
    ExplainInputError,
    ModelFileError,
    UnsupportedModelError,
    explain_shap,
    load_model,
)

from .test_shap import brute_force_shapley

Adult = tuple[pd.DataFrame, pd.Series, pd.Series]


def _xgb_contribs(booster: Any, X: pd.DataFrame) -> np.ndarray:  # type: ignore[type-arg]
    return np.asarray(booster.predict(xgboost.DMatrix(X), pred_contribs=True))


def _xgb_margin(booster: Any, X: pd.DataFrame) -> np.ndarray:  # type: ignore[type-arg]
    return np.asarray(booster.predict(xgboost.DMatrix(X), output_margin=True))


@pytest.fixture(scope="module")
def saved(adult_xgb: Any, adult_lgbm: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("boosters")
    adult_xgb.save_model(folder / "m.json")
    adult_xgb.save_model(folder / "m.ubj")
    adult_lgbm.booster_.save_model(str(folder / "m.txt"))
    return folder


def test_xgboost_shap_equals_xgboosts_own_contributions(adult: Adult, adult_xgb: Any) -> None:
    X = adult[0].iloc[:400]
    e = explain_shap(adult_xgb, X, method="tree")
    own = _xgb_contribs(adult_xgb.get_booster(), X)
    assert e.method == "shap.tree"
    assert e.output == "decision_function"
    assert e.settings["feature_perturbation"] == "tree_path_dependent"
    np.testing.assert_allclose(e.attributions, own[:, :-1], atol=2e-5)
    np.testing.assert_allclose(e.base_values, own[:, -1], atol=2e-5)
    np.testing.assert_allclose(e.outputs, _xgb_margin(adult_xgb.get_booster(), X), atol=1e-6)
    assert e.quality.passed
    assert "xgboost" in e.versions


def test_lightgbm_shap_equals_lightgbms_own_contributions(adult: Adult, adult_lgbm: Any) -> None:
    X = adult[0].iloc[:400]
    e = explain_shap(adult_lgbm, X, method="tree")
    own = np.asarray(adult_lgbm.booster_.predict(X, pred_contrib=True))
    np.testing.assert_allclose(e.attributions, own[:, :-1], atol=1e-9)
    np.testing.assert_allclose(e.base_values, own[:, -1], atol=1e-9)
    np.testing.assert_allclose(e.outputs, adult_lgbm.booster_.predict(X, raw_score=True))
    assert e.quality.passed
    assert e.output == "decision_function"


@pytest.mark.parametrize("name", ["m.json", "m.ubj", "m.txt"])
def test_native_files_load_and_explain_the_same_model(
    adult: Adult, adult_xgb: Any, adult_lgbm: Any, saved: Path, name: str
) -> None:
    X = adult[0].iloc[:200]
    loaded = load_model(saved / name)
    assert loaded.format == {"m.json": "xgboost-json", "m.ubj": "xgboost-ubj"}.get(
        name, "lightgbm-text"
    )
    original = adult_lgbm if name == "m.txt" else adult_xgb
    e = explain_shap(loaded.model, X, method="tree")
    np.testing.assert_array_equal(e.attributions, explain_shap(original, X).attributions)
    assert list(loaded.model.feature_names_in_) == list(X.columns)


@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
def test_interventional_tree_shap_matches_brute_force(
    adult: Adult, adult_xgb: Any, adult_lgbm: Any, library: str
) -> None:
    X = adult[0]
    model = adult_xgb if library == "xgboost" else adult_lgbm
    background = X.iloc[1000:1020]
    rows = X.iloc[[0, 42]]
    e = explain_shap(model, rows, background=background, background_size=20, method="tree")
    assert e.settings["feature_perturbation"] == "interventional"
    assert e.quality.passed, e.quality.describe()
    if library == "xgboost":
        booster = model.get_booster()

        def margin(a: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
            return np.asarray(booster.inplace_predict(a, predict_type="margin"))
    else:

        def margin(a: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
            return np.asarray(model.booster_.predict(a, raw_score=True))

    for i, x in enumerate(rows.to_numpy()):
        phi, base = brute_force_shapley(margin, x, background.to_numpy())
        # shap's interventional TreeSHAP keeps thresholds in single precision.
        np.testing.assert_allclose(e.attributions[i], phi, atol=1e-5)
        assert e.base_values[i] == pytest.approx(base, abs=1e-5)


def test_probability_output_adds_up_to_the_librarys_probability(
    adult: Adult, adult_xgb: Any
) -> None:
    X = adult[0]
    e = explain_shap(
        adult_xgb, X.iloc[:50], background=X.iloc[500:560], output="probability", method="tree"
    )
    assert e.output == "predict_proba[:, 1]"
    assert e.quality.passed
    np.testing.assert_allclose(e.outputs, adult_xgb.predict_proba(X.iloc[:50])[:, 1], atol=1e-6)


def test_a_damaged_xgboost_file_is_refused_by_name(saved: Path, tmp_path: Path) -> None:
    broken = tmp_path / "m.json"
    text = (saved / "m.json").read_bytes()
    broken.write_bytes(text[: len(text) // 2])
    with pytest.raises(ModelFileError, match=r"m\.json: a damaged XGBoost JSON model"):
        load_model(broken)


def test_a_damaged_lightgbm_file_is_refused_by_name(saved: Path, tmp_path: Path) -> None:
    broken = tmp_path / "m.txt"
    lines = (saved / "m.txt").read_text().splitlines()
    broken.write_text("\n".join(lines[: len(lines) // 3]).replace("leaf_value=", "leaf_value=x"))
    with pytest.raises(ModelFileError, match=r"m\.txt: a damaged LightGBM text model"):
        load_model(broken)


@pytest.mark.parametrize(
    ("name", "content", "expected", "seen"),
    [
        ("m.txt", b"age,sex\n39,Male\n", "a LightGBM text model", "it begins 'age,sex'"),
        ("m.json", b'{"rows": [1, 2]}', "an XGBoost model in JSON", "it begins"),
        ("m.ubj", b"", "an XGBoost model in UBJSON", "it is empty"),
    ],
)
def test_a_file_of_the_wrong_kind_names_the_kind_expected(
    tmp_path: Path, name: str, content: bytes, expected: str, seen: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=f"expected {expected}") as caught:
        load_model(path)
    assert seen in str(caught.value)


def test_a_lightgbm_model_named_json_says_what_it_is(saved: Path, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_bytes((saved / "m.txt").read_bytes())
    # Content decides: a LightGBM model is read as one whatever its name.
    assert load_model(path).format == "lightgbm-text"
    path = tmp_path / "model.txt"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelFileError, match="zip archive"):
        load_model(path)


def test_data_whose_columns_are_not_the_models_features_is_refused(
    adult: Adult, saved: Path
) -> None:
    X = adult[0].iloc[:20].rename(columns={"age": "years"})
    for name in ("m.json", "m.txt"):
        model = load_model(saved / name).model
        with pytest.raises(ExplainInputError, match=r"missing \['age'\], unexpected \['years'\]"):
            explain_shap(model, X)


def test_a_multiclass_booster_is_refused_by_objective(adult: Adult) -> None:
    X, _, sex = adult
    y = pd.cut(X["age"], [0, 30, 50, 200], labels=False)
    model = xgboost.XGBClassifier(n_estimators=2, max_depth=2, n_jobs=1).fit(X, y)
    with pytest.raises(UnsupportedModelError, match="objective 'multi:softprob'"):
        explain_shap(model, X.iloc[:5])
    assert sex.nunique() == 2  # the fixture's group column is untouched


def test_lightgbm_regression_explains_its_prediction(adult: Adult) -> None:
    X, y, _ = adult
    model = lightgbm.LGBMRegressor(n_estimators=10, num_leaves=4, verbose=-1, n_jobs=1)
    model.fit(X.drop(columns="hours-per-week"), X["hours-per-week"])
    rows = X.drop(columns="hours-per-week").iloc[:100]
    e = explain_shap(model, rows, method="tree")
    assert e.output == "predict"
    assert e.quality.passed
    own = np.asarray(model.booster_.predict(rows, pred_contrib=True))
    np.testing.assert_allclose(e.attributions, own[:, :-1], atol=1e-9)
    assert len(y) == len(X)
