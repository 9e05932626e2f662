"""Post-deployment monitoring on mergeable windows (docs/monitoring.md).

A ``MonitorSpec`` learned from a reference frame fixes what every window measures; windows are
immutable, keyed by their period's UTC start, merge by addition (day → week → month → any range)
and serialise deterministically. Drift, performance (measured, or estimated without labels) and
fairness gaps over time are computed from windows alone, and the sequential detector keeps the
false-alarm rate at its nominal level however often it is checked. No database is involved: the
storage and CLI layers build on this API.
"""

from ombud.monitor._bias import fairness_gaps, rolling_gaps
from ombud.monitor._charts import (
    DRIFT,
    FAIRNESS,
    PERFORMANCE,
    Alert,
    MonitorChart,
    monitoring_charts,
)
from ombud.monitor._digest import combine_digests
from ombud.monitor._drift import (
    DriftResult,
    bin_bounds,
    chi_square,
    feature_drift,
    js_distance,
    ks_binned,
    missing_share,
    psi,
    wasserstein_binned,
)
from ombud.monitor._drift_table import drift_report
from ombud.monitor._errors import ColumnError, MonitorError, TimestampError, WindowMismatchError
from ombud.monitor._features import CategoricalSummary, NumericSummary
from ombud.monitor._html import chart_sections
from ombud.monitor._html import report_html as monitoring_report_html
from ombud.monitor._ingest import Ingest, build_windows
from ombud.monitor._ingest_spark import build_windows_spark
from ombud.monitor._ingest_sql import build_windows_sql
from ombud.monitor._labels import label_window, read_labels, record_ids, record_index
from ombud.monitor._names import MONITORING_RUN_NAMES, MONITORING_RUN_RULES, name_segment
from ombud.monitor._outputs import output_drift
from ombud.monitor._performance import estimated_performance, measured_performance
from ombud.monitor._periods import PERIODS, Period
from ombud.monitor._report import Stacked, estimate_report, gap_report, performance_report
from ombud.monitor._sequential import (
    GapDetection,
    bands_from_reference,
    bh_alarms,
    gap_cusum,
    gap_detector,
    reference_band,
)
from ombud.monitor._spec import CategoricalFeature, MonitorSpec, NumericFeature, fit_spec
from ombud.monitor._window import Window, amend, merge_windows, roll_up

__all__ = [
    "DRIFT",
    "FAIRNESS",
    "MONITORING_RUN_NAMES",
    "MONITORING_RUN_RULES",
    "PERFORMANCE",
    "PERIODS",
    "Alert",
    "CategoricalFeature",
    "CategoricalSummary",
    "ColumnError",
    "DriftResult",
    "GapDetection",
    "Ingest",
    "MonitorChart",
    "MonitorError",
    "MonitorSpec",
    "NumericFeature",
    "NumericSummary",
    "Period",
    "Stacked",
    "TimestampError",
    "Window",
    "WindowMismatchError",
    "amend",
    "bands_from_reference",
    "bh_alarms",
    "bin_bounds",
    "build_windows",
    "build_windows_spark",
    "build_windows_sql",
    "chart_sections",
    "chi_square",
    "combine_digests",
    "drift_report",
    "estimate_report",
    "estimated_performance",
    "fairness_gaps",
    "feature_drift",
    "fit_spec",
    "gap_cusum",
    "gap_detector",
    "gap_report",
    "js_distance",
    "ks_binned",
    "label_window",
    "measured_performance",
    "merge_windows",
    "missing_share",
    "monitoring_charts",
    "monitoring_report_html",
    "name_segment",
    "output_drift",
    "performance_report",
    "psi",
    "read_labels",
    "record_ids",
    "record_index",
    "reference_band",
    "roll_up",
    "rolling_gaps",
    "wasserstein_binned",
]
