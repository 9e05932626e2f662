"""LIME through ombud.explain: determinism per seed, and the stability score.

Oracles: re-running with the same seed (bit-identical weights expected), the Jaccard
index computed by hand on small sets, and a model whose local behaviour is known (a
logistic regression with one dominant feature, whose top-1 LIME feature must be it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from ombud.explain import ExplainInputError, StabilityCheck, explain_lime, jaccard_stability


def test_same_seed_same_weights_regardless_of_row_order(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier
) -> None:
    X, _ = hmda
    kw = {"training_data": X, "num_samples": 200, "n_seeds": 10}
    a = explain_lime(hmda_gb, X.iloc[[0, 1]], seed=3, **kw)  # type: ignore[arg-type]
    b = explain_lime(hmda_gb, X.iloc[[1, 0]], seed=3, **kw)  # type: ignore[arg-type]
    c = explain_lime(hmda_gb, X.iloc[[0, 1]], seed=4, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a.attributions[0], b.attributions[1])
    np.testing.assert_array_equal(a.attributions[1], b.attributions[0])
    assert not np.array_equal(a.attributions, c.attributions)
    assert a.seed == 3
    assert a.quality.seeds == tuple(range(3, 13))
    np.testing.assert_allclose(a.outputs, hmda_gb.predict_proba(X.iloc[[0, 1]])[:, 1])


def test_jaccard_stability_by_hand() -> None:
    runs = np.array(
        [
            [5.0, 4.0, 0.1, 0.0],  # top-2 {0, 1}
            [5.0, 0.0, 4.0, 0.0],  # top-2 {0, 2}
            [-5.0, 4.0, 0.0, 0.0],  # top-2 {0, 1} (|weight| ranks)
        ]
    )
    # pairs: {0,1}v{0,2} = 1/3, {0,1}v{0,1} = 1, {0,2}v{0,1} = 1/3 -> mean 5/9
    assert jaccard_stability(runs, 2) == pytest.approx(5 / 9)
    assert jaccard_stability(runs[:1], 2) == 1.0


def test_stability_score_and_unstable_label(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier
) -> None:
    X, _ = hmda
    result = explain_lime(hmda_gb, X.iloc[:3], training_data=X, num_samples=300, n_seeds=10)
    check = result.quality
    assert isinstance(check, StabilityCheck)
    assert len(check.seeds) == 10
    assert check.k == 4
    assert 0.0 <= check.score <= 1.0
    strict = StabilityCheck(k=4, seeds=check.seeds, row_scores=check.row_scores, threshold=1.01)
    assert not strict.passed
    assert "UNSTABLE on 3 row(s)" in strict.describe()
    assert "Jaccard" in check.measure


def test_a_dominant_feature_is_stably_first() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(800, 4)), columns=["strong", "a", "b", "c"])
    y = (3 * X["strong"] + 0.2 * rng.normal(size=800) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    result = explain_lime(
        model, X.iloc[:2], training_data=X, num_samples=500, n_seeds=10, top_k=1, threshold=0.9
    )
    assert result.quality.passed
    assert result.top_features(0, 1) == ("strong",)
    assert result.top_features(1, 1) == ("strong",)


def test_bad_settings_refused(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier
) -> None:
    X, _ = hmda
    with pytest.raises(ExplainInputError, match="needs at least 10 seeds"):
        explain_lime(hmda_gb, X.iloc[:1], training_data=X, n_seeds=9)
    with pytest.raises(ExplainInputError, match="top_k=20 exceeds"):
        explain_lime(hmda_gb, X.iloc[:1], training_data=X, top_k=20)
