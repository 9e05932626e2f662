"""Every metric's definition, written once, as array algebra over per-group sums.

A metric is a function of sums (confusion counts, score histograms, weighted moments), never of
rows or of a Tally. Every argument may carry leading axes, groups or (replicates, groups), and
the result keeps them: the Tally functions call these on one table's group sums, and the
audit's bootstrap evaluator (``ombud.fairness``) on a thousand resampled tables at once, so the
two can never disagree about what a metric is. A zero denominator gives NaN (never 0, which
would read as a real rate, and never an exception, which would stop an audit over one empty
group); sums of non-negative weights are either positive or empty, so "no weight" is ``<= 0``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ombud.stats._errors import TallyError

FloatArray = NDArray[np.float64]

#: Order of the last axis of a confusion-count array.
CONFUSION = ("tp", "fp", "fn", "tn")
# name -> (numerator counts, denominator counts, why the denominator can be zero)
RATES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "selection_rate": (("tp", "fp"), CONFUSION, "no rows"),
    "prevalence": (("tp", "fn"), CONFUSION, "no rows"),
    "tpr": (("tp",), ("tp", "fn"), "no positive labels (TP+FN=0)"),
    "fnr": (("fn",), ("tp", "fn"), "no positive labels (TP+FN=0)"),
    "fpr": (("fp",), ("fp", "tn"), "no negative labels (FP+TN=0)"),
    "tnr": (("tn",), ("fp", "tn"), "no negative labels (FP+TN=0)"),
    "ppv": (("tp",), ("tp", "fp"), "no predicted positives (TP+FP=0)"),
    "fdr": (("fp",), ("tp", "fp"), "no predicted positives (TP+FP=0)"),
    "npv": (("tn",), ("tn", "fn"), "no predicted negatives (TN+FN=0)"),
    "for": (("fn",), ("tn", "fn"), "no predicted negatives (TN+FN=0)"),
    "accuracy": (("tp", "tn"), CONFUSION, "no rows"),
}
DERIVED = ("balanced_accuracy", "f1")
CLASSIFICATION_METRICS: tuple[str, ...] = (*RATES, *DERIVED)
SCORE_METRICS = ("roc_auc", "roc_auc_bound", "brier", "ece", "mce")
REGRESSION_METRICS = ("mean_prediction", "mean_outcome", "mae", "rmse", "r2", "mean_residual")
#: Why each metric is NaN where it is (the reason shown next to an undefined value).
UNDEFINED: dict[str, str] = {
    **{name: why for name, (_, _, why) in RATES.items()},
    "balanced_accuracy": "needs both positive and negative labels",
    "f1": "no positive labels or predictions (2TP+FP+FN=0)",
    "roc_auc": "needs both positive and negative labels",
    "roc_auc_bound": "needs both positive and negative labels",
    "brier": "no weight",
    "ece": "no weight",
    "mce": "no weight",
}
_COLUMN = {name: i for i, name in enumerate(CONFUSION)}


def ratio(num: ArrayLike, den: ArrayLike) -> FloatArray:
    """``num / den``, NaN where ``den <= 0`` (no rows, no weight), broadcasting."""
    n, d = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast_shapes(n.shape, d.shape), np.nan)
    np.divide(n, d, out=out, where=d > 0)
    return out


# ----- confusion counts: arrays (..., 4) in CONFUSION order ------------------------------------
def rate_counts(name: str, counts: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Successes and trials of the rate ``name`` (a key of RATES) from (..., 4) counts."""
    num, den, _ = RATES[name]
    successes = sum(counts[..., _COLUMN[c]] for c in num)
    trials = sum(counts[..., _COLUMN[c]] for c in den)
    return np.asarray(successes, dtype=np.float64), np.asarray(trials, dtype=np.float64)


def confusion_metrics(
    counts: FloatArray, names: Sequence[str] = CLASSIFICATION_METRICS
) -> dict[str, FloatArray]:
    """Each metric in ``names`` from (..., 4) TP/FP/FN/TN counts, each of shape (...)."""
    out: dict[str, FloatArray] = {}

    def rate(name: str) -> FloatArray:
        return out[name] if name in out else ratio(*rate_counts(name, counts))

    for name in names:
        if name in RATES:
            out[name] = rate(name)
        elif name == "f1":
            tp, fp, fn = (counts[..., _COLUMN[c]] for c in ("tp", "fp", "fn"))
            out[name] = ratio(2 * tp, 2 * tp + fp + fn)
        elif name == "balanced_accuracy":
            out[name] = (rate("tpr") + rate("tnr")) / 2
        else:
            raise TallyError(f"unknown metric {name!r}; choose from {list(CLASSIFICATION_METRICS)}")
    return out


# ----- scores: histograms and calibration bins along the last axis -----------------------------
def roc_auc(positives: FloatArray, negatives: FloatArray) -> FloatArray:
    """ROC AUC from weighted label histograms over score bins (last axis, ascending scores).

    A positive outranks every negative in a lower bin; pairs within one bin count as ties
    (1/2), which is exact when scores are constant within each bin. NaN without both labels.
    """
    p_total, n_total = positives.sum(axis=-1), negatives.sum(axis=-1)
    negatives_below = np.cumsum(negatives, axis=-1) - negatives
    concordant = (positives * (negatives_below + 0.5 * negatives)).sum(axis=-1)
    auc = ratio(concordant, p_total * n_total)
    auc[(p_total <= 0) | (n_total <= 0)] = np.nan
    return auc


def roc_auc_bound(positives: FloatArray, negatives: FloatArray) -> FloatArray:
    """The largest error of ``roc_auc`` from binning: the share of pairs tied within a bin, /2."""
    p_total, n_total = positives.sum(axis=-1), negatives.sum(axis=-1)
    bound = ratio(0.5 * (positives * negatives).sum(axis=-1), p_total * n_total)
    bound[(p_total <= 0) | (n_total <= 0)] = np.nan
    return bound


def squared_error(
    sum_score_sq: FloatArray, sum_score: FloatArray, weight: FloatArray, positive: FloatArray
) -> FloatArray:
    """Σ w (s − y)² of a cell whose label y (``positive``, 1.0 or 0.0) is fixed:
    Σ w s² − y (2 Σ w s − Σ w), exact from the Tally's sums."""
    out: FloatArray = sum_score_sq - positive * (2 * sum_score - weight)
    return out


def brier_score(squared_errors: FloatArray, weight: FloatArray) -> FloatArray:
    """Weighted mean squared error of the scores: Σ w (s − y)² / Σ w."""
    return ratio(squared_errors, weight)


def calibration_gaps(
    weight: FloatArray, score_sum: FloatArray, positive_sum: FloatArray
) -> FloatArray:
    """|mean score − fraction positive| per calibration bin; NaN for a bin without weight."""
    return np.abs(ratio(score_sum, weight) - ratio(positive_sum, weight))


def expected_calibration_error(
    weight: FloatArray,
    score_sum: FloatArray,
    positive_sum: FloatArray,
    total: FloatArray | None = None,
) -> FloatArray:
    """Weight-averaged calibration gap over the bins (last axis).

    ``total``: the group's Σw when the caller has summed it already (the bins' weights summed
    in another order, equal up to rounding); by default the sum over the bins.
    """
    gap = calibration_gaps(weight, score_sum, positive_sum)
    weighted = weight * np.where(weight > 0, gap, 0.0)
    return ratio(weighted.sum(axis=-1), weight.sum(axis=-1) if total is None else total)


def maximum_calibration_error(
    weight: FloatArray, score_sum: FloatArray, positive_sum: FloatArray
) -> FloatArray:
    """Largest calibration gap over the bins that have weight (last axis)."""
    gap = calibration_gaps(weight, score_sum, positive_sum)
    some = (weight > 0).any(axis=-1)
    worst = np.where(weight > 0, gap, -np.inf).max(axis=-1, initial=-np.inf)
    return np.where(some, worst, np.nan)


# ----- regression: weighted moments --------------------------------------------------------------
def regression_metrics_from_sums(sums: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """REGRESSION_METRICS from ``weight`` and the Tally's REGRESSION_SUMS (each of shape (...)).

    Σ(y−ŷ)² is its own sum rather than Σy² − 2Σyŷ + Σŷ², which would lose all precision when
    predictions are close to large outcomes.
    """
    w, sum_y = sums["weight"], sums["sum_y"]
    mean_y = ratio(sum_y, w)
    ss_tot = sums["sum_y_sq"] - sum_y * np.nan_to_num(mean_y, nan=0.0)
    return {
        "mean_prediction": ratio(sums["sum_pred"], w),
        "mean_outcome": mean_y,
        "mae": ratio(sums["sum_abs_residual"], w),
        "rmse": np.sqrt(ratio(sums["sum_sq_residual"], w)),
        "r2": 1.0 - ratio(sums["sum_sq_residual"], ss_tot),
        "mean_residual": ratio(sum_y - sums["sum_pred"], w),
    }


# ----- disparity between groups: elementwise, after the caller's min/max over groups ------------
def min_over_max(low: ArrayLike, high: ArrayLike) -> FloatArray:
    """The between-groups ratio: smallest group value / largest, NaN where the largest is 0
    (no group has the outcome, so no group is disadvantaged relative to another)."""
    lo, hi = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    out = np.full(np.broadcast_shapes(lo.shape, hi.shape), np.nan)
    np.divide(lo, hi, out=out, where=hi != 0)
    return out


def symmetric_ratio(values: ArrayLike, base: ArrayLike) -> FloatArray:
    """min(value / base, base / value) per element: how far a group is from its base (the
    overall value or a reference group) in either direction, 1 when equal. Each quotient is NaN
    where its denominator is 0; the result is NaN only where both are."""
    return np.fmin(min_over_max(values, base), min_over_max(base, values))
