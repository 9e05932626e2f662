"""The charts of a monitoring report, from windows alone: drift, performance, fairness gaps.

Every series comes from the one-pass tables of ``_report`` and ``_drift_table`` (the
numbers the per-window functions define, tested equal to them), so a year of daily windows
is charted without reading a row. What a chart cannot know by itself, the caller passes
in: the PSI threshold and gap bands of the policy in force, and the alerts a check raised
(``Alert``), which become markers on the charts of their rule.

Estimates are never drawn as measurements: the label-free (CBPE-style) accuracy, TPR and FPR
are their own dashed series named "estimated", with the assumption (no concept shift) in the
chart's note.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ombud.charts import Line, Marker, Point, Series, series_table, time_series_chart
from ombud.monitor._drift import psi
from ombud.monitor._drift_table import drift_report
from ombud.monitor._outputs import _score_counts
from ombud.monitor._performance import ESTIMATE_KIND
from ombud.monitor._report import Stacked, estimate_report, gap_report, performance_report
from ombud.monitor._spec import MonitorSpec
from ombud.monitor._window import Window

__all__ = ["DRIFT", "FAIRNESS", "PERFORMANCE", "Alert", "MonitorChart", "monitoring_charts"]

DRIFT, PERFORMANCE, FAIRNESS = "drift", "performance", "fairness"

#: What each drift statistic's value is, for the y axis.
_DRIFT_UNITS = {
    "psi": "PSI (unitless, ≥ 0)",
    "js_distance": "Jensen–Shannon distance (0–1)",
    "wasserstein": "Wasserstein-1 (feature units)",
    "ks": "KS statistic (0–1, lower bound)",
    "chi_square": "Cramér's V (0–1)",
    "missing_share_change": "change of missing share",
}
_PERFORMANCE_METRICS = ("accuracy", "tpr", "fpr", "ppv", "selection_rate")
_METRIC_NAMES = {
    "accuracy": "accuracy",
    "tpr": "true positive rate",
    "fpr": "false positive rate",
    "ppv": "precision (PPV)",
    "selection_rate": "selection rate",
}
ESTIMATE_SERIES = "estimated without labels (CBPE)"


@dataclass(frozen=True)
class Alert:
    """A breach raised at ``at``; ``key`` the chart it belongs to (a feature, a metric,
    ``attribute=group metric``), or None for every chart of its ``section``."""

    at: dt.datetime
    section: str
    key: str | None
    label: str


@dataclass(frozen=True)
class MonitorChart:
    """One chart: its numbers (series, reference lines, alert markers) and its words."""

    id: str
    section: str
    key: str
    title: str
    y_label: str
    series: tuple[Series, ...]
    lines: tuple[Line, ...] = ()
    markers: tuple[Marker, ...] = ()
    note: str = ""
    #: False for the secondary drift statistics, shown folded under the PSI chart.
    primary: bool = True

    def svg(self) -> str:
        return time_series_chart(
            self.title,
            self.series,
            y_label=self.y_label,
            lines=self.lines,
            markers=self.markers,
            chart_id=self.id,
            description=self.note or self.title,
        )

    def table(self) -> str:
        return series_table(self.title, self.series, value_label=self.y_label)


def _f(value: Any) -> float:
    return float(value) if value is not None else math.nan


def _opt(value: Any) -> float | None:
    v = _f(value)
    return v if math.isfinite(v) else None


def _points(frame: pd.DataFrame, value: str = "value") -> tuple[Point, ...]:
    frame = frame.sort_values("start", kind="stable")
    return tuple(
        Point(s, _f(v), _opt(lo), _opt(hi))
        for s, v, lo, hi in zip(
            frame["start"], frame[value], frame["lower"], frame["upper"], strict=True
        )
    )


def _slug(*parts: str) -> str:
    text = "-".join(parts).lower()
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


def _drift_charts(
    spec: MonitorSpec, reference: Window, windows: Sequence[Window], psi_threshold: float
) -> list[MonitorChart]:
    table = drift_report(spec, reference, windows)
    threshold = Line(f"PSI threshold {psi_threshold:g} (policy)", psi_threshold)
    charts = []
    for feature in spec.features:
        part = table[table["feature"] == feature.name]
        for statistic in dict.fromkeys(part["statistic"]):
            rows = part[part["statistic"] == statistic]
            values = rows.assign(lower=math.nan, upper=math.nan)
            is_psi = statistic == "psi"
            charts.append(
                MonitorChart(
                    id=_slug("drift", feature.name, statistic),
                    section=DRIFT,
                    key=feature.name,
                    title=f"Drift of {feature.name}: {statistic} against the reference",
                    y_label=_DRIFT_UNITS.get(statistic, statistic),
                    series=(Series(f"{feature.name} {statistic}", _points(values)),),
                    lines=(threshold,) if is_psi else (),
                    note=(
                        "Effect size per window against the reference window. A breach "
                        "needs PSI at or above the threshold and a BH-adjusted p-value "
                        "within the false discovery rate."
                        if is_psi
                        else "No policy threshold: shown beside PSI to read the shift."
                    ),
                    primary=is_psi,
                )
            )
    if reference.outputs is not None and reference.outputs.score_edges is not None:
        # output_drift's score.psi, without the other statistics it computes per window.
        bins = len(reference.outputs.score_edges) - 1
        p = _score_counts(reference.outputs, bins)
        points = [Point(w.start, psi(p, _score_counts(w.outputs, bins)).value) for w in windows]
        charts.append(
            MonitorChart(
                id="drift-score-psi",
                section=DRIFT,
                key="score",
                title="Drift of the model's score: PSI against the reference",
                y_label=_DRIFT_UNITS["psi"],
                series=(Series("score psi", tuple(points)),),
                lines=(threshold,),
                note="The score histogram on the spec's score bins against the reference's.",
            )
        )
    return charts


def _performance_charts(
    spec: MonitorSpec, windows: Sequence[Window], stacked: Stacked, confidence: float
) -> list[MonitorChart]:
    measured = performance_report(
        spec, windows, metrics=_PERFORMANCE_METRICS, confidence=confidence, stacked=stacked
    )
    measured = measured[(measured["attribute"] == "") & (measured["trials"] > 0)]
    estimated = pd.DataFrame(columns=["start", "metric"])
    if spec.calibration is not None and spec.score_edges is not None:
        estimated = estimate_report(spec, windows, confidence=confidence)
        estimated = estimated[estimated["attribute"] == ""]
    charts = []
    for metric in _PERFORMANCE_METRICS:
        series = []
        rows = measured[measured["metric"] == metric]
        if not rows.empty:
            label = "measured (all rows)" if metric == "selection_rate" else "measured on labels"
            series.append(Series(label, _points(rows)))
        est = estimated[estimated["metric"] == metric]
        if not est.empty:
            series.append(Series(ESTIMATE_SERIES, _points(est), estimate=True))
        if not series:
            continue
        note = f"Wilson {confidence:.0%} intervals on the measured values."
        if not est.empty:
            note += f" The dashed series is {ESTIMATE_KIND}: it is wrong when the relation "
            note += "between score and outcome changes."
        charts.append(
            MonitorChart(
                id=_slug("performance", metric),
                section=PERFORMANCE,
                key=metric,
                title=f"{_METRIC_NAMES[metric].capitalize()} per window",
                y_label=f"{_METRIC_NAMES[metric]} (proportion)",
                series=tuple(series),
                note=note,
            )
        )
    return charts


def _gap_charts(
    spec: MonitorSpec,
    windows: Sequence[Window],
    stacked: Stacked,
    metrics: Sequence[str],
    bands: Mapping[tuple[str, Any, str], tuple[float, float]],
    confidence: float,
) -> list[MonitorChart]:
    table = gap_report(spec, windows, metrics=metrics, confidence=confidence, stacked=stacked)
    charts = []
    for (attribute, group, metric), rows in table.groupby(
        ["attribute", "group", "metric"], sort=True, dropna=False
    ):
        ref = spec.reference_group(str(attribute))
        lines = [Line("no gap", 0.0)]
        band = bands.get((str(attribute), group, str(metric)))
        if band is not None:
            lines += [Line("tolerated band, low", band[0]), Line("tolerated band, high", band[1])]
        key = f"{attribute}={group} {metric}"
        charts.append(
            MonitorChart(
                id=_slug("gap", str(attribute), str(group), str(metric)),
                section=FAIRNESS,
                key=key,
                title=f"{_METRIC_NAMES.get(str(metric), metric)} gap: {attribute}={group} "
                f"minus {attribute}={ref}",
                y_label="gap (difference of proportions)",
                series=(Series(f"{group} − {ref}", _points(rows, "gap")),),
                lines=tuple(lines),
                note=f"Newcombe {confidence:.0%} interval per window; the band is what the "
                "sequential detector tolerates (from the reference gap).",
            )
        )
    return charts


def _with_markers(chart: MonitorChart, alerts: Sequence[Alert]) -> MonitorChart:
    marks = tuple(
        Marker(a.at, a.label)
        for a in alerts
        if a.section == chart.section and (a.key is None or a.key == chart.key) and chart.primary
    )
    if not marks:
        return chart
    return MonitorChart(
        chart.id,
        chart.section,
        chart.key,
        chart.title,
        chart.y_label,
        chart.series,
        chart.lines,
        marks,
        chart.note,
        chart.primary,
    )


def monitoring_charts(
    spec: MonitorSpec,
    reference: Window,
    windows: Sequence[Window],
    *,
    psi_threshold: float = 0.2,
    gap_metrics: Sequence[str] = ("selection_rate", "tpr", "fpr"),
    gap_bands: Mapping[tuple[str, Any, str], tuple[float, float]] | None = None,
    alerts: Sequence[Alert] = (),
    confidence: float = 0.95,
) -> tuple[MonitorChart, ...]:
    """Drift per feature (and score), performance per metric, each gap per group, in that
    order; ``alerts`` become markers on the charts they name."""
    if not windows:
        return ()
    stacked = Stacked(windows, spec)
    charts = [
        *_drift_charts(spec, reference, windows, psi_threshold),
        *_performance_charts(spec, windows, stacked, confidence),
        *_gap_charts(spec, windows, stacked, gap_metrics, gap_bands or {}, confidence),
    ]
    return tuple(_with_markers(c, alerts) for c in charts)
