"""SHAP through ombud.explain against an exact brute-force Shapley computation.

Oracle: ``brute_force_shapley`` below enumerates every coalition S of the features and
applies the Shapley formula to the interventional value function
``v(S) = mean_b f(x_S, b_rest)`` over the background rows ``b``, calling nothing but the
model's own ``decision_function``/``predict``. It shares no code with shap.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from ombud.explain import (
    BudgetExceededError,
    ExplainInputError,
    QualityCheckError,
    UnsupportedModelError,
    explain_shap,
)

Model = Callable[[NDArray[np.float64]], NDArray[np.float64]]
SMALL = ["pirat", "hirat", "lvrat", "chist", "mhist", "unemp"]  # 6 features


def brute_force_shapley(
    f: Model, x: NDArray[np.float64], background: NDArray[np.float64]
) -> tuple[NDArray[np.float64], float]:
    m = len(x)
    value: dict[tuple[int, ...], float] = {}
    for size in range(m + 1):
        for subset in itertools.combinations(range(m), size):
            rows = background.copy()
            rows[:, list(subset)] = x[list(subset)]
            value[subset] = float(f(rows).mean())
    phi = np.zeros(m)
    for j in range(m):
        others = [k for k in range(m) if k != j]
        for size in range(m):
            weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for subset in itertools.combinations(others, size):
                with_j = tuple(sorted((*subset, j)))
                phi[j] += weight * (value[with_j] - value[subset])
    return phi, value[()]


@pytest.fixture(scope="module")
def small(hmda: tuple[pd.DataFrame, pd.Series]) -> tuple[pd.DataFrame, pd.Series]:
    X, y = hmda
    return X[SMALL], y


def _decision(model: object, columns: list[str]) -> Model:
    def f(rows: NDArray[np.float64]) -> NDArray[np.float64]:
        frame = pd.DataFrame(rows, columns=columns)
        return np.asarray(model.decision_function(frame), dtype=np.float64)  # type: ignore[attr-defined]

    return f


@pytest.mark.parametrize("method", ["exact", "linear"])
def test_agrees_with_brute_force_to_1e9(small: tuple[pd.DataFrame, pd.Series], method: str) -> None:
    X, y = small
    if method == "linear":
        model: object = LogisticRegression(max_iter=2000).fit(X, y)
    else:
        model = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(X, y)
    background = X.iloc[:12]
    rows = X.iloc[100:106]
    result = explain_shap(model, rows, background=background, background_size=12, method=method)
    f = _decision(model, SMALL)
    for i in range(len(rows)):
        phi, base = brute_force_shapley(f, rows.iloc[i].to_numpy(), background.to_numpy())
        np.testing.assert_allclose(result.attributions[i], phi, rtol=0, atol=1e-9)
        assert result.base_values[i] == pytest.approx(base, abs=1e-9)
    assert result.quality.passed
    assert result.quality.max_abs_error < 1e-9


def test_tree_explainer_agrees_to_its_single_precision(
    small: tuple[pd.DataFrame, pd.Series],
) -> None:
    """shap's interventional TreeSHAP keeps weights in float32; agreement is ~1e-7 relative."""
    X, y = small
    model = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(X, y)
    background, rows = X.iloc[:12], X.iloc[100:106]
    result = explain_shap(model, rows, background=background, background_size=12)
    assert result.method == "shap.tree"
    assert result.settings["feature_perturbation"] == "interventional"
    f = _decision(model, SMALL)
    for i in range(len(rows)):
        phi, _ = brute_force_shapley(f, rows.iloc[i].to_numpy(), background.to_numpy())
        scale = max(1.0, float(np.abs(result.outputs).max()))
        np.testing.assert_allclose(result.attributions[i], phi, rtol=0, atol=1e-6 * scale)


@pytest.mark.parametrize("method", ["tree", "exact", "permutation", "kernel"])
def test_additivity_holds_for_every_explainer(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier, method: str
) -> None:
    X, _ = hmda
    result = explain_shap(
        hmda_gb, X.iloc[:5], background=X, background_size=8, method=method, max_evals=200
    )
    # Oracle: the model's own decision_function, recomputed here.
    output = hmda_gb.decision_function(X.iloc[:5])
    np.testing.assert_allclose(result.outputs, output, atol=1e-12)
    np.testing.assert_allclose(
        result.attributions.sum(axis=1) + result.base_values, output, atol=1e-6
    )
    assert result.quality.passed
    assert result.versions["shap"] == "0.51.0"


def test_path_dependent_without_background(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier
) -> None:
    X, _ = hmda
    result = explain_shap(hmda_gb, X.iloc[:50])
    assert result.settings["feature_perturbation"] == "tree_path_dependent"
    assert result.quality.max_abs_error < 1e-9


def test_probability_output_of_a_boosted_model(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier
) -> None:
    X, _ = hmda
    result = explain_shap(hmda_gb, X.iloc[:20], background=X, output="probability")
    assert result.output == "predict_proba[:, 1]"
    np.testing.assert_allclose(result.outputs, hmda_gb.predict_proba(X.iloc[:20])[:, 1])
    assert result.quality.passed


def test_failed_additivity_is_refused_not_returned(
    hmda: tuple[pd.DataFrame, pd.Series],
) -> None:
    """HistGradientBoosting compares float64 thresholds; shap's float32 interventional path
    sends some rows down other branches, and the check (not shap) notices."""
    X, y = hmda
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    with pytest.raises(QualityCheckError, match="fail the additivity check"):
        explain_shap(model, X.iloc[:200], background=X, background_size=50, method="tree")
    reported = explain_shap(
        model, X.iloc[:200], background=X, background_size=50, method="tree", on_failure="report"
    )
    assert not reported.quality.passed
    assert "FAILS" in reported.quality.describe()
    # method='auto' redoes it model-agnostically (13 features: permutation) and says so.
    auto = explain_shap(model, X.iloc[:3], background=X, background_size=10)
    assert auto.method == "shap.permutation"
    assert auto.settings["fallback_from"].startswith("tree (additivity error")
    assert auto.quality.passed


def test_budget_refused_with_time_estimate(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_logit: LogisticRegression
) -> None:
    X, _ = hmda
    with pytest.raises(BudgetExceededError) as caught:
        explain_shap(hmda_logit, X, method="permutation", max_evaluations=100_000)
    message = str(caught.value)
    assert "\n" not in message
    assert "2,380 rows x 131 evaluations x 100 background rows" in message
    assert "about" in message
    assert " s," in message


def test_permutation_is_deterministic_per_seed_and_leaves_numpy_rng_alone(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier
) -> None:
    X, _ = hmda
    np.random.seed(123)
    expected_next = np.random.random()
    np.random.seed(123)
    kw = {"background": X, "background_size": 10, "method": "permutation", "max_evals": 60}
    a = explain_shap(hmda_gb, X.iloc[:3], seed=5, **kw)  # type: ignore[arg-type]
    assert np.random.random() == expected_next
    b = explain_shap(hmda_gb, X.iloc[:3], seed=5, **kw)  # type: ignore[arg-type]
    c = explain_shap(hmda_gb, X.iloc[:3], seed=6, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a.attributions, b.attributions)
    assert not np.array_equal(a.attributions, c.attributions)


def test_result_is_frozen(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_logit: LogisticRegression
) -> None:
    X, _ = hmda
    result = explain_shap(hmda_logit, X.iloc[:5])
    with pytest.raises(ValueError, match="read-only"):
        result.attributions[0, 0] = 1.0
    assert result.summary()["quality"]["check"] == "shap_additivity"
    assert next(iter(result.mean_abs().index)) in result.feature_names


def test_bad_input_is_one_line_and_names_the_column(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_logit: LogisticRegression
) -> None:
    X, _ = hmda
    with pytest.raises(ExplainInputError, match=r"missing \['afam'\]"):
        explain_shap(hmda_logit, X.drop(columns="afam"))
    holed = X.iloc[:5].copy()
    holed.loc[2, "lvrat"] = np.nan
    with pytest.raises(ExplainInputError, match="'lvrat' has 1 missing value"):
        explain_shap(hmda_logit, holed)
    texty = X.iloc[:5].copy()
    texty["chist"] = "a"
    with pytest.raises(ExplainInputError, match="'chist' is not numeric"):
        explain_shap(hmda_logit, texty)
    with pytest.raises(UnsupportedModelError, match="method='linear'"):
        explain_shap(hmda_logit, X.iloc[:5], method="tree")
    three = LogisticRegression(max_iter=500).fit(X, np.arange(len(X)) % 3)
    with pytest.raises(UnsupportedModelError, match="3 classes"):
        explain_shap(three, X.iloc[:5])


def test_result_pickles(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_logit: LogisticRegression
) -> None:
    """Oracle: the round trip through pickle gives back the same numbers and check."""
    import pickle

    X, _ = hmda
    result = explain_shap(hmda_logit, X.iloc[:5])
    again = pickle.loads(pickle.dumps(result))
    np.testing.assert_array_equal(again.attributions, result.attributions)
    assert again.quality == result.quality
    assert again.settings == result.settings
