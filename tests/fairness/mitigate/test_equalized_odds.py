"""The randomised equalized-odds option against fairlearn's ThresholdOptimizer.

Oracle: fairlearn 0.15's ``ThresholdOptimizer(constraints="equalized_odds",
objective="accuracy_score")`` on the same rows. Scores sit at the centres of the Tally's
bins, so both see the same ROC points. fairlearn searches a grid of ``grid_size + 1``
false-positive rates for the best point under every group's ROC hull; Ombud solves the
same two-variable linear programme exactly. So Ombud's accuracy is never below
fairlearn's (the grid point is feasible for the programme) and exceeds it by at most what
one grid step (5e-5 in FPR) can cost: 1e-5 here (measured 6e-7).
The group rates fairlearn's randomised predictor reaches (its ``_pmf_predict``
probabilities, averaged per group and label) agree with ours to 2e-4: a grid step times
the steepest hull slope met on this data (measured 3e-5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.base import BaseEstimator

from ombud.fairness.mitigate import option_metrics, threshold_tradeoffs
from ombud.stats import ClassificationSpec, build_tally

GRID = 20000


class ScoreColumn(BaseEstimator):  # type: ignore[misc]
    """A fitted 'model' whose prediction is the score column itself."""

    def fit(self, x: np.ndarray, y: np.ndarray | None = None) -> ScoreColumn:
        self.fitted_ = True
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x)[:, 0]


def _data(seed: int, n: int = 8000, bins: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n, p=[0.45, 0.35, 0.2])
    shift = pd.Series(group).map({"a": 0.3, "b": -0.5, "c": 0.0}).to_numpy()
    noise = pd.Series(group).map({"a": 0.8, "b": 1.2, "c": 1.0}).to_numpy()
    latent = rng.normal(size=n) + shift
    label = (latent + rng.normal(scale=noise) > 0).astype(int)
    raw = 1.0 / (1.0 + np.exp(-latent))
    score = (np.minimum(np.floor(raw * bins), bins - 1) + 0.5) / bins  # bin centres
    return pd.DataFrame({"g": group, "y": label, "s": score})


@pytest.mark.parametrize("seed", [1, 2])
def test_equalized_odds_point_agrees_with_fairlearn(seed: int) -> None:
    frame = _data(seed)
    tally = build_tally(
        frame, ClassificationSpec(label="y", score="s", groups=("g",), score_bins=20)
    )
    result = threshold_tradeoffs(tally, "g", n_boot=0)
    ours = result.option("equalized_odds_randomised")
    assert ours.randomised
    assert ours.group_specific
    # Exactly equalized by construction.
    assert ours.metrics["equalized_odds_difference"] == pytest.approx(0.0, abs=1e-9)

    x = frame[["s"]].to_numpy()
    theirs = ThresholdOptimizer(
        estimator=ScoreColumn().fit(x),
        constraints="equalized_odds",
        objective="accuracy_score",
        prefit=True,
        predict_method="predict",
        grid_size=GRID,
    ).fit(x, frame["y"].to_numpy(), sensitive_features=frame["g"].to_numpy())
    p_yes = theirs._pmf_predict(x, sensitive_features=frame["g"].to_numpy())[:, 1]
    y = frame["y"].to_numpy()
    their_accuracy = float(np.mean(np.where(y == 1, p_yes, 1.0 - p_yes)))
    assert ours.metrics["accuracy"] >= their_accuracy - 1e-12
    assert ours.metrics["accuracy"] - their_accuracy <= 1e-5
    for group in ("a", "b", "c"):
        part = frame["g"].to_numpy() == group
        their_tpr = p_yes[part & (y == 1)].mean()
        their_fpr = p_yes[part & (y == 0)].mean()
        row = ours.by_group.set_index("group").loc[group]
        assert row["tpr"] == pytest.approx(their_tpr, abs=2e-4)
        assert row["fpr"] == pytest.approx(their_fpr, abs=2e-4)


def test_randomised_acceptance_reproduces_its_rates_on_rows() -> None:
    """Expected decisions per row (acceptance of its group and bin) give the same rates."""
    frame = _data(7)
    tally = build_tally(
        frame, ClassificationSpec(label="y", score="s", groups=("g",), score_bins=20)
    )
    result = threshold_tradeoffs(tally, "g", n_boot=0)
    option = result.option("equalized_odds_randomised")
    groups = list(result.groups)
    g_idx = frame["g"].map({g: i for i, g in enumerate(groups)}).to_numpy()
    b_idx = np.floor(frame["s"].to_numpy() * 20).astype(int)
    p_yes = option.acceptance[g_idx, b_idx]
    y = frame["y"].to_numpy()
    assert option.metrics["accuracy"] == pytest.approx(
        np.mean(np.where(y == 1, p_yes, 1 - p_yes)), abs=1e-12
    )
    summary, rates = option_metrics(result.histograms.weight, option.acceptance, result.utility)
    for i, _group in enumerate(groups):
        part = g_idx == i
        assert rates["tpr"][i] == pytest.approx(p_yes[part & (y == 1)].mean(), abs=1e-12)
        assert rates["fpr"][i] == pytest.approx(p_yes[part & (y == 0)].mean(), abs=1e-12)
    assert float(summary["utility"]) == pytest.approx(option.metrics["utility"], abs=1e-15)


def test_upper_hull_against_a_brute_force_hull() -> None:
    """Every ROC point lies on or under the hull, and every hull vertex is a point no
    chord between two other points lies above (checked pairwise)."""
    from ombud.fairness.mitigate._randomised import upper_hull

    rng = np.random.default_rng(5)
    for _ in range(20):
        k = 30
        tpr = np.concatenate([[1.0], np.sort(rng.random(k))[::-1], [0.0]])
        fpr = np.concatenate([[1.0], np.sort(rng.random(k))[::-1] ** 1.5, [0.0]])
        hull = upper_hull(fpr, tpr)
        x, y = fpr[hull], tpr[hull]
        assert (x[0], y[0], x[-1], y[-1]) == (0.0, 0.0, 1.0, 1.0)
        assert np.all(np.diff(x) > 0)
        under = np.interp(fpr, x, y)
        assert np.all(tpr <= under + 1e-12)
        slopes = np.diff(y) / np.diff(x)
        assert np.all(np.diff(slopes) < 0)  # strictly concave: no collinear vertex kept
