"""SHAP values through the ``shap`` library, checked for additivity on every call.

Which explainer, and why:

* ``tree`` — ``shap.TreeExplainer`` for scikit-learn trees, forests, gradient boosting
  and HistGradientBoosting, and for XGBoost and LightGBM models (boosters or their
  scikit-learn wrappers, whose margin is explained: see ``_boosters``): exact and
  polynomial. With a background it is
  *interventional* (the Shapley values of ``v(S) = mean_b f(x_S, b_rest)`` over the
  background rows ``b``); without one it is *path-dependent* (the trees' own cover
  statistics stand in for the data).
* ``linear`` — ``shap.LinearExplainer``, interventional: ``phi_j = w_j (x_j - mean_b x_j)``.
* ``exact`` — ``shap.ExactExplainer`` with an independent masker: the interventional
  Shapley values computed from all ``2^features`` coalitions; model-agnostic and exact,
  for up to 20 features (``auto`` uses it up to 10).
* ``permutation`` / ``kernel`` — model-agnostic estimates that only call the model. Their
  cost is ``rows x evaluations per row x background rows`` model evaluations; the budget
  is checked, and the time estimated from a timed call, *before* any work starts.

``auto`` picks tree, then linear, then exact (at most 10 features), then permutation.

Precision: shap's interventional tree algorithm keeps its path weights and thresholds in
single precision (``float`` in shap 0.51's ``tree_shap.h``), so its values match the
exact Shapley values to about 1e-7 relative, not to machine precision; and for
HistGradientBoosting (float64 thresholds) its interventional values fail additivity on
every row of HMDA, which the check catches (``auto`` then falls back, ``tree`` refuses).

The quality check (additivity, ``max |sum(phi) + base - output|`` against the output
recomputed from the model) is always computed and attached.
"""

from __future__ import annotations

import time
from importlib import import_module
from importlib.metadata import version
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

import ombud
from ombud.explain._boosters import adapt, booster_library
from ombud.explain._errors import (
    BudgetExceededError,
    ExplainInputError,
    QualityCheckError,
    UnsupportedModelError,
)
from ombud.explain._inputs import ModelOutput, OutputKind, model_output, numeric_frame, sample_rows
from ombud.explain._libs import import_shap
from ombud.explain._result import AdditivityCheck, Explanation

__all__ = ["ShapMethod", "explain_shap", "shap_versions"]

FloatArray = NDArray[np.float64]
ShapMethod = Literal["auto", "tree", "linear", "exact", "permutation", "kernel"]

#: Model classes ``shap.TreeExplainer`` reads natively (scikit-learn names).
_TREE_MODELS = {
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ExtraTreeClassifier",
    "ExtraTreeRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor",
    "BoosterClassifier",
    "BoosterRegressor",
}
_BACKGROUND_DEFAULT = 100
_EXACT_AUTO_MAX = 10
_EXACT_MAX = 20


def shap_versions(model: Any = None) -> dict[str, str]:
    versions = {
        "ombud": ombud.__version__,
        "shap": version("shap"),
        "scikit-learn": version("scikit-learn"),
        "numpy": version("numpy"),
    }
    library = booster_library(getattr(model, "booster", model))
    if library is not None:
        # The module's own version: XGBoost's CPU wheel is the distribution xgboost-cpu.
        versions[library] = str(import_module(library).__version__)
    return versions


def _is_linear(model: Any) -> bool:
    return hasattr(model, "coef_") and hasattr(model, "intercept_")


def _resolve_method(model: Any, method: ShapMethod, n_features: int) -> str:
    name = type(model).__name__
    if method == "auto":
        if name in _TREE_MODELS:
            return "tree"
        if _is_linear(model):
            return "linear"
        return "exact" if n_features <= _EXACT_AUTO_MAX else "permutation"
    if method == "tree" and name not in _TREE_MODELS:
        which = "linear" if _is_linear(model) else "permutation"
        raise UnsupportedModelError(
            f"model {name} is not a tree model shap.TreeExplainer reads; use method={which!r}"
        )
    if method == "linear" and not _is_linear(model):
        raise UnsupportedModelError(
            f"model {name} has no coef_/intercept_ (not linear); use method='permutation'"
        )
    return method


def _squeeze(values: NDArray[Any], base: NDArray[Any], n: int, m: int, class_index: int) -> Any:
    """Pick the explained output from shap's per-class arrays, if it returned several."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 3:
        values = values[:, :, class_index]
    base = np.asarray(base, dtype=np.float64)
    if base.ndim == 2:
        base = base[:, class_index]
    elif base.ndim == 1 and len(base) == 2 and n != 2:
        base = np.full(n, base[class_index])
    base = np.broadcast_to(base, (n,)).astype(np.float64)
    if values.shape != (n, m):
        raise UnsupportedModelError(
            f"shap returned attributions of shape {values.shape}, expected {(n, m)}; "
            "the model's output is not a single score"
        )
    return values, base


def _tree(
    model: Any, X: pd.DataFrame, background: pd.DataFrame | None, out: ModelOutput
) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
    shap = import_shap()

    natural = "margin" if hasattr(model, "decision_function") else "probability"
    if out.kind == "prediction" or out.kind == natural:
        model_output_name = "raw"
    elif background is None:
        raise ExplainInputError(
            f"explaining {out.label} of {type(model).__name__} with TreeExplainer needs a "
            "background; pass background="
        )
    else:
        model_output_name = "probability"
    data = None if background is None else background.to_numpy()
    perturbation = "tree_path_dependent" if data is None else "interventional"
    try:
        explainer = shap.TreeExplainer(
            getattr(model, "tree_model", model),
            data=data,
            feature_perturbation=perturbation,
            model_output=model_output_name,
        )
        result = explainer(X.to_numpy(), check_additivity=False)
    except Exception as exc:  # shap raises bare Exceptions for unsupported setups
        raise UnsupportedModelError(
            f"shap.TreeExplainer cannot explain {out.label} of {type(model).__name__} "
            f"({exc}); use method='permutation'"
        ) from None
    settings = {"feature_perturbation": perturbation, "model_output": model_output_name}
    values, base = _squeeze(result.values, result.base_values, len(X), X.shape[1], out.class_index)
    return values, base, settings


def _linear(
    model: Any, X: pd.DataFrame, background: pd.DataFrame, out: ModelOutput
) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
    shap = import_shap()

    if out.kind == "probability":
        raise UnsupportedModelError(
            f"LinearExplainer explains the margin of {type(model).__name__}, not a probability; "
            "use output='margin' or method='permutation'"
        )
    # shap's Independent masker keeps only 100 background rows unless told otherwise: the
    # base value would then be the mean over a hidden subsample, not over the background.
    masker = shap.maskers.Independent(background.to_numpy(), max_samples=len(background))
    explainer = shap.LinearExplainer(model, masker)
    result = explainer(X.to_numpy())
    values, base = _squeeze(result.values, result.base_values, len(X), X.shape[1], out.class_index)
    return values, base, {"feature_perturbation": "interventional"}


def _format_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes / 60:.1f} h"


def _check_budget(
    method: str,
    out: ModelOutput,
    X: pd.DataFrame,
    background: pd.DataFrame,
    evals_per_row: int,
    max_evaluations: int,
    max_seconds: float | None,
) -> dict[str, Any]:
    """Refuse, with a time estimate, work that would exceed the evaluation budget.

    The estimate times one call of the model on a batch the size the explainer sends
    (each masked sample is evaluated against every background row).
    """
    total = len(X) * evals_per_row * len(background)
    probe = np.tile(background.to_numpy(), (max(1, 2000 // len(background)), 1))
    out(probe[:10])  # warm-up: the first call may pay one-time set-up costs
    start = time.perf_counter()
    out(probe)
    per_row = (time.perf_counter() - start) / len(probe)
    seconds = total * per_row
    shape = f"{len(X):,} rows x {evals_per_row:,} evaluations x {len(background):,} background rows"
    too_slow = max_seconds is not None and seconds > max_seconds
    if total > max_evaluations or too_slow:
        limit = (
            f"the budget of {max_evaluations:,} evaluations"
            if total > max_evaluations
            else f"max_seconds={max_seconds:g}"
        )
        raise BudgetExceededError(
            f"{method} SHAP needs {total:,} model evaluations ({shape}), about "
            f"{_format_seconds(seconds)}, over {limit}; explain fewer rows, use a smaller "
            "background or max_evals, or raise max_evaluations"
        )
    return {"model_evaluations": total, "estimated_seconds": round(seconds, 3)}


def _agnostic(
    method: str,
    out: ModelOutput,
    X: pd.DataFrame,
    background: pd.DataFrame,
    max_evals: int,
    seed: int,
) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
    """Run the permutation or kernel explainer with ``seed``, leaving numpy's RNG as it was.

    Both explainers in shap 0.51 draw from numpy's *global* generator (the permutation
    explainer seeds it in its constructor); the state is saved and restored around the
    call so the result depends on ``seed`` alone and the caller's random stream is intact.
    """
    shap = import_shap()

    state = np.random.get_state()
    try:
        np.random.seed(seed)
        if method == "exact":
            masker = shap.maskers.Independent(background.to_numpy(), max_samples=len(background))
            explainer = shap.ExactExplainer(out, masker)
            result = explainer(X.to_numpy(), max_evals=max_evals + 1, silent=True)
            values, base = np.asarray(result.values), np.asarray(result.base_values)
        elif method == "permutation":
            masker = shap.maskers.Independent(background.to_numpy(), max_samples=len(background))
            explainer = shap.PermutationExplainer(out, masker, seed=seed)
            result = explainer(X.to_numpy(), max_evals=max_evals, silent=True)
            values, base = np.asarray(result.values), np.asarray(result.base_values)
        else:
            kernel = shap.KernelExplainer(out, background.to_numpy())
            values = np.asarray(
                kernel.shap_values(X.to_numpy(), nsamples=max_evals, l1_reg=False, silent=True)
            )
            base = np.full(len(X), float(np.asarray(kernel.expected_value).reshape(-1)[0]))
    finally:
        np.random.set_state(state)
    values, base = _squeeze(values, base, len(X), X.shape[1], out.class_index)
    return values, base, {"max_evals": max_evals}


def _additivity(
    values: FloatArray, base: FloatArray, outputs: FloatArray, tolerance: float
) -> AdditivityCheck:
    error = float(np.max(np.abs(values.sum(axis=1) + base - outputs)))
    scale = max(1.0, float(np.max(np.abs(outputs))))
    return AdditivityCheck(max_abs_error=error, tolerance=tolerance * scale)


def _attribute(
    chosen: str,
    model: Any,
    frame: pd.DataFrame,
    bg: pd.DataFrame | None,
    out: ModelOutput,
    budget: tuple[int | None, int, float | None],
    seed: int,
) -> tuple[FloatArray, FloatArray, dict[str, Any]]:
    """Run one explainer; the model-agnostic ones only after the budget check."""
    if chosen == "tree":
        return _tree(model, frame, bg, out)
    assert bg is not None
    if chosen == "linear":
        return _linear(model, frame, bg, out)
    max_evals, max_evaluations, max_seconds = budget
    m = frame.shape[1]
    if chosen == "exact":
        if m > _EXACT_MAX:
            raise BudgetExceededError(
                f"exact SHAP over {m} features needs 2^{m} evaluations "
                f"per row; use method='permutation' above {_EXACT_MAX} features"
            )
        evals = 2**m
    else:
        evals = max_evals if max_evals is not None else 10 * m + 1
    if evals < 2 * m + 1:
        raise ExplainInputError(
            f"max_evals={evals} is too small for {m} features; use at least {2 * m + 1}"
        )
    extra = _check_budget(chosen, out, frame, bg, evals, max_evaluations, max_seconds)
    values, base, more = _agnostic(chosen, out, frame, bg, evals, seed)
    return values, base, {**extra, **more}


def explain_shap(
    model: Any,
    X: Any,
    *,
    background: Any = None,
    method: ShapMethod = "auto",
    output: OutputKind = "auto",
    class_index: int = 1,
    background_size: int = _BACKGROUND_DEFAULT,
    seed: int = 0,
    max_evals: int | None = None,
    max_evaluations: int = 5_000_000,
    max_seconds: float | None = None,
    tolerance: float = 1e-6,
    on_failure: Literal["raise", "report"] = "raise",
) -> Explanation:
    """SHAP attributions of ``X``'s rows for ``model``, with the additivity check attached.

    ``background`` (rows the attributions are relative to) is sampled down to
    ``background_size`` rows with ``seed``; the tree explainer without a background is
    path-dependent, every other explainer needs one (``X`` itself is used when none is
    given). ``max_evals`` (evaluations per row) defaults to ``10 * features + 1`` for the
    permutation and kernel explainers, whose cost is refused above ``max_evaluations``
    model evaluations or an estimated ``max_seconds``. Additivity passes when its error is
    at most ``tolerance * max(1, max |output|)``; a failed check raises
    :class:`QualityCheckError` unless ``on_failure='report'`` (then it is returned, marked).
    With ``method='auto'``, a tree explanation that fails the check is redone with the
    exact or permutation explainer (``settings['fallback_from']`` says so).
    """
    model = adapt(model)
    frame = numeric_frame(X, model, "X")
    names = tuple(frame.columns)
    chosen = _resolve_method(model, method, len(names))
    out = model_output(model, names, output, class_index)
    if background_size < 1:
        raise ExplainInputError("background_size must be at least 1")
    bg: pd.DataFrame | None = None
    if background is not None:
        bg = sample_rows(numeric_frame(background, model, "background"), background_size, seed)
    elif chosen != "tree":
        bg = sample_rows(frame, background_size, seed)
    settings: dict[str, Any] = {
        "explainer": chosen,
        "background_rows": 0 if bg is None else len(bg),
        "background_given": background is not None,
    }
    budget = (max_evals, max_evaluations, max_seconds)
    values, base, extra = _attribute(chosen, model, frame, bg, out, budget, seed)
    outputs = out(frame.to_numpy())
    check = _additivity(values, base, outputs, tolerance)
    if not check.passed and method == "auto" and chosen == "tree" and bg is not None:
        # shap's single-precision interventional TreeSHAP can take other branches than the
        # model (HistGradientBoosting): fall back to a model-agnostic explainer, and say so.
        extra["fallback_from"] = f"tree (additivity error {check.max_abs_error:.3g})"
        chosen = "exact" if len(names) <= _EXACT_AUTO_MAX else "permutation"
        settings["explainer"] = chosen
        values, base, more = _attribute(chosen, model, frame, bg, out, budget, seed)
        extra.update(more)
        check = _additivity(values, base, outputs, tolerance)
    settings.update(extra)
    if not check.passed and on_failure == "raise":
        raise QualityCheckError(
            f"shap.{chosen} attributions of model {type(model).__name__} fail the additivity "
            f"check (max error {check.max_abs_error:.3g} > {check.tolerance:.3g}): they do not "
            "explain the model's output; use method='exact' or 'permutation' "
            "(or on_failure='report' to inspect)"
        )
    return Explanation(
        method=f"shap.{chosen}",
        feature_names=names,
        attributions=values,
        base_values=base,
        outputs=outputs,
        output=out.label,
        quality=check,
        seed=seed,
        settings=settings,
        versions=shap_versions(model),
    )
