"""Metrics as pure functions of a Tally (see docs/stats.md)."""

from ombud.stats.metrics._classification import (
    CLASSIFICATION_METRICS,
    classification_metrics,
    confusion_counts,
    group_counts,
    multiclass_metrics,
)
from ombud.stats.metrics._disparity import GroupMetrics
from ombud.stats.metrics._regression import (
    REGRESSION_METRICS,
    regression_metrics,
    standardized_mean_difference,
)
from ombud.stats.metrics._scores import (
    SCORE_METRICS,
    calibration_curve,
    score_metrics,
    threshold_sweep,
)

__all__ = [
    "CLASSIFICATION_METRICS",
    "REGRESSION_METRICS",
    "SCORE_METRICS",
    "GroupMetrics",
    "calibration_curve",
    "classification_metrics",
    "confusion_counts",
    "group_counts",
    "multiclass_metrics",
    "regression_metrics",
    "score_metrics",
    "standardized_mean_difference",
    "threshold_sweep",
]
