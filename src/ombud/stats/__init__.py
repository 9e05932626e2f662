"""The stats core of Ombud: mergeable sufficient statistics (Tallies) and metrics over them.

Everything above this layer measures through a Tally, so the same numbers come out whether the
data was a DataFrame, a folder of Parquet files, a SQL query or a Spark table (docs/stats.md).
"""

from ombud.stats._build import build_tally, build_tally_sql
from ombud.stats._errors import TallyError
from ombud.stats._serialize import from_json, read_parquet, to_json, to_parquet
from ombud.stats._spark import build_tally_spark
from ombud.stats._spec import ClassificationSpec, RegressionSpec
from ombud.stats._suppress import DEFAULT_MIN_ROWS, suppress_metrics, suppress_small_cells
from ombud.stats._tally import Tally, merge, uniform_edges
from ombud.stats.metrics import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    SCORE_METRICS,
    GroupMetrics,
    calibration_curve,
    classification_metrics,
    confusion_counts,
    group_counts,
    multiclass_metrics,
    regression_metrics,
    score_metrics,
    standardized_mean_difference,
    threshold_sweep,
)

__all__ = [
    "CLASSIFICATION_METRICS",
    "DEFAULT_MIN_ROWS",
    "REGRESSION_METRICS",
    "SCORE_METRICS",
    "ClassificationSpec",
    "GroupMetrics",
    "RegressionSpec",
    "Tally",
    "TallyError",
    "build_tally",
    "build_tally_spark",
    "build_tally_sql",
    "calibration_curve",
    "classification_metrics",
    "confusion_counts",
    "from_json",
    "group_counts",
    "merge",
    "multiclass_metrics",
    "read_parquet",
    "regression_metrics",
    "score_metrics",
    "standardized_mean_difference",
    "suppress_metrics",
    "suppress_small_cells",
    "threshold_sweep",
    "to_json",
    "to_parquet",
    "uniform_edges",
]
