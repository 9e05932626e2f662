"""LIME through the ``lime`` library, with a seed per call and a stability score.

LIME fits a weighted linear model to the model's outputs on random perturbations around
one row, so each call gives a different answer (lime issues #119, #231, #486, #683). Two
things make that usable for governance:

* determinism: every (row, seed) gets a fresh ``LimeTabularExplainer`` built with that
  seed, so the explanation of a row depends on the row and the seed alone, not on which
  rows were explained before it;
* stability: each row is explained again under ``n_seeds`` seeds and the top-k feature
  sets compared (mean pairwise Jaccard index, see :class:`StabilityCheck`); below the
  threshold the row is labelled unstable.

LIME runs in regression mode on the one scalar output being explained (for a classifier,
by default ``predict_proba[:, 1]``), which is what its classification mode fits for one
label. The attributions reported are those of the first seed; ``base_values`` are LIME's
intercepts, and LIME makes no additivity promise (``sum(weights) + intercept`` is its
local surrogate's prediction, not the model's output).
"""

from __future__ import annotations

from importlib.metadata import version
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import NDArray

import ombud
from ombud.explain._boosters import adapt
from ombud.explain._errors import ExplainInputError
from ombud.explain._inputs import ModelOutput, OutputKind, model_output, numeric_frame, sample_rows
from ombud.explain._result import Explanation, StabilityCheck

__all__ = ["explain_lime", "jaccard_stability"]

FloatArray = NDArray[np.float64]
_MIN_SEEDS = 10  # fewer seeds give too coarse an agreement score to label a row


def _top_k(weights: FloatArray, k: int) -> frozenset[int]:
    """Indexes of the ``k`` largest |weights|; ties go to the lower column index."""
    order = np.argsort(-np.abs(weights), kind="stable")
    return frozenset(int(j) for j in order[:k])


def jaccard_stability(runs: FloatArray, k: int) -> float:
    """Mean pairwise Jaccard index of the top-``k`` sets of ``runs`` (seeds x features)."""
    sets = [_top_k(row, k) for row in runs]
    pairs = list(combinations(sets, 2))
    if not pairs:
        return 1.0
    return float(np.mean([len(a & b) / len(a | b) for a, b in pairs]))


def _one(
    row: FloatArray, training: FloatArray, names: list[str], out: ModelOutput, seed: int, **kw: Any
) -> tuple[FloatArray, float]:
    from lime.lime_tabular import LimeTabularExplainer

    explainer = LimeTabularExplainer(
        training,
        mode="regression",
        feature_names=names,
        discretize_continuous=kw["discretize_continuous"],
        random_state=seed,
    )
    result = explainer.explain_instance(
        row, out, num_features=len(names), num_samples=kw["num_samples"]
    )
    # In regression mode lime stores the one fit under label 0 (and copies it to 1).
    weights = np.zeros(len(names))
    for j, w in result.local_exp[0]:
        weights[int(j)] = float(w)
    return weights, float(result.intercept[0])


def explain_lime(
    model: Any,
    X: Any,
    *,
    training_data: Any,
    output: OutputKind = "auto",
    class_index: int = 1,
    seed: int = 0,
    n_seeds: int = 10,
    top_k: int = 4,
    threshold: float = 0.8,
    num_samples: int = 1000,
    training_size: int = 1000,
    discretize_continuous: bool = True,
) -> Explanation:
    """LIME weights for ``X``'s rows, each re-run under ``n_seeds`` seeds for stability.

    ``training_data`` gives LIME its feature statistics (sampled down to ``training_size``
    rows with ``seed``). Seeds are ``seed, seed + 1, ...``. ``output='auto'`` explains the
    probability of ``classes_[class_index]`` for a classifier (LIME's usual target), the
    prediction for a regressor. Cost: rows x n_seeds x num_samples model evaluations.
    """
    if n_seeds < _MIN_SEEDS:
        raise ExplainInputError(
            f"n_seeds={n_seeds}: LIME's stability needs at least {_MIN_SEEDS} seeds"
        )
    if top_k < 1 or num_samples < 10:
        raise ExplainInputError("top_k must be >= 1 and num_samples >= 10")
    model = adapt(model)
    frame = numeric_frame(X, model, "X")
    names = list(frame.columns)
    if top_k > len(names):
        raise ExplainInputError(f"top_k={top_k} exceeds the {len(names)} features")
    if output == "auto" and hasattr(model, "predict_proba"):
        output = "probability"
    out = model_output(model, names, output, class_index)
    training_frame = numeric_frame(training_data, model, "training_data")
    training = sample_rows(training_frame, training_size, seed)
    seeds = tuple(seed + i for i in range(n_seeds))
    options = {"num_samples": num_samples, "discretize_continuous": discretize_continuous}
    rows = frame.to_numpy()
    attributions = np.zeros(rows.shape)
    intercepts = np.zeros(len(rows))
    scores = np.zeros(len(rows))
    for i, row in enumerate(rows):
        runs = np.zeros((n_seeds, len(names)))
        for s, run_seed in enumerate(seeds):
            runs[s], intercept = _one(row, training.to_numpy(), names, out, run_seed, **options)
            if s == 0:
                intercepts[i] = intercept
        attributions[i] = runs[0]
        scores[i] = jaccard_stability(runs, top_k)
    return Explanation(
        method="lime.tabular",
        feature_names=tuple(names),
        attributions=attributions,
        base_values=intercepts,
        outputs=out(rows),
        output=out.label,
        quality=StabilityCheck(k=top_k, seeds=seeds, row_scores=scores, threshold=threshold),
        seed=seed,
        settings={
            "mode": "regression on the explained output",
            "num_samples": num_samples,
            "training_rows": len(training),
            "discretize_continuous": discretize_continuous,
            "n_seeds": n_seeds,
        },
        versions={
            "ombud": ombud.__version__,
            "lime": version("lime"),
            "scikit-learn": version("scikit-learn"),
            "numpy": version("numpy"),
        },
    )
