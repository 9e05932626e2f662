"""Metrics as pure functions of a Tally (see docs/stats.md).

Each metric is defined once, as array algebra over per-group sums (``confusion_metrics``,
``roc_auc``, ``brier_score``, ...), with any leading axes: the Tally functions below call those
definitions on one table's group sums, and the audit's bootstrap on many resampled tables.
"""

from ombud.stats.metrics._classification import (
    classification_metrics,
    confusion_counts,
    group_counts,
    multiclass_metrics,
)
from ombud.stats.metrics._disparity import GroupMetrics
from ombud.stats.metrics._formulas import (
    CLASSIFICATION_METRICS,
    CONFUSION,
    RATES,
    REGRESSION_METRICS,
    SCORE_METRICS,
    brier_score,
    confusion_metrics,
    expected_calibration_error,
    maximum_calibration_error,
    min_over_max,
    rate_counts,
    ratio,
    regression_metrics_from_sums,
    roc_auc,
    roc_auc_bound,
    squared_error,
    symmetric_ratio,
)
from ombud.stats.metrics._regression import regression_metrics, standardized_mean_difference
from ombud.stats.metrics._scores import calibration_curve, score_metrics, threshold_sweep

__all__ = [
    "CLASSIFICATION_METRICS",
    "CONFUSION",
    "RATES",
    "REGRESSION_METRICS",
    "SCORE_METRICS",
    "GroupMetrics",
    "brier_score",
    "calibration_curve",
    "classification_metrics",
    "confusion_counts",
    "confusion_metrics",
    "expected_calibration_error",
    "group_counts",
    "maximum_calibration_error",
    "min_over_max",
    "multiclass_metrics",
    "rate_counts",
    "ratio",
    "regression_metrics",
    "regression_metrics_from_sums",
    "roc_auc",
    "roc_auc_bound",
    "score_metrics",
    "squared_error",
    "standardized_mean_difference",
    "symmetric_ratio",
    "threshold_sweep",
]
