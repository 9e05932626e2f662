"""The report's charts from windows alone (no database): numbers and markup.

Oracle for the numbers: the per-window functions (``output_drift``, ``fairness_gaps``)
on each window, against the one-pass tables the charts are drawn from. The markup: every
label escaped (a group value is data, and data can be hostile), estimates dashed and named.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from tests.monitor._stream import prediction_log
from tests.services._monitoring import chart_data

from ombud.charts import Line, Marker, Point, Series, nice_ticks, time_series_chart
from ombud.monitor import (
    FAIRNESS,
    Alert,
    MonitorSpec,
    build_windows,
    fairness_gaps,
    fit_spec,
    merge_windows,
    monitoring_charts,
    monitoring_report_html,
    output_drift,
)


@pytest.fixture(scope="module")
def hostile() -> tuple[MonitorSpec, pd.DataFrame]:
    """SIMULATED: the test stream with a group value that is markup."""
    frame = prediction_log(6000, seed=3)
    frame["sex"] = frame["sex"].map({"f": "<script>alert(1)</script>", "m": "m"})
    spec = fit_spec(
        frame,
        timestamp="ts",
        features=["x1", "colour"],
        sensitive=["sex"],
        prediction="pred",
        score="score",
        label="label",
        top_k=3,
    )
    return spec, frame


def test_score_drift_and_gaps_equal_the_per_window_functions(
    hostile: tuple[MonitorSpec, pd.DataFrame],
) -> None:
    spec, frame = hostile
    reference = merge_windows(list(build_windows(frame, spec).windows))
    log = prediction_log(8000, seed=4, start="2024-03-01", days=10, shift=0.5)
    log["sex"] = log["sex"].map({"f": "<script>alert(1)</script>", "m": "m"})
    windows = build_windows(log, spec).windows
    alert_at = windows[4].start
    charts = monitoring_charts(
        spec, reference, windows, alerts=[Alert(alert_at, FAIRNESS, None, "<b>gap</b>")]
    )
    html = monitoring_report_html(charts, title="t <i>x</i>")
    points, alerts = chart_data(html)
    drawn = [v for _, v, _, _ in points["drift-score-psi"]["score psi"]]
    expected = [output_drift(reference, w)["score.psi"].value for w in windows]
    assert drawn == pytest.approx(expected, rel=1e-12)
    for chart, series in points.items():
        if not chart.startswith("gap-"):
            continue
        metric = next(m for m in ("selection_rate", "tpr", "fpr") if chart.endswith(m[-3:]))
        (values,) = series.values()
        for (at, gap, lower, upper), w in zip(values, windows, strict=True):
            t = fairness_gaps(w, spec, metrics=(metric,))
            row = t[t["group"] != spec.reference_group("sex")].iloc[0]
            assert at == w.start.isoformat()
            assert (gap, lower, upper) == pytest.approx((row.gap, row.lower, row.upper), rel=1e-12)
        assert alerts[chart] == [alert_at.isoformat()]
    assert all(not v for k, v in alerts.items() if not k.startswith("gap-"))
    assert "<script>" not in html
    assert "<b>" not in html
    assert "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_chart_says_what_is_estimated_and_where_the_lines_are() -> None:
    day = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)
    measured = Series("measured", (Point(day, 0.8, 0.7, 0.9), Point(day + dt.timedelta(7), 0.7)))
    estimate = Series("estimated", (Point(day, 0.75, 0.7, 0.8),), estimate=True)
    svg = time_series_chart(
        "Accuracy",
        [measured, estimate],
        y_label="accuracy (proportion)",
        lines=[Line("threshold", 0.72)],
        markers=[Marker(day, "breach")],
        chart_id="acc",
    )
    assert 'aria-labelledby="acc-title acc-desc"' in svg
    assert '<title id="acc-title">' in svg
    assert "estimated (estimate)" in svg
    assert 'stroke-dasharray="5 3"' in svg
    assert 'class="ref-line" data-value="0.72"' in svg
    assert "2025-01-06" in svg
    assert "2025-01-13" in svg
    assert "accuracy (proportion)" in svg
    assert "style=" not in svg
    assert "<script" not in svg
    assert "http" not in svg
    assert svg.count('class="band"') == 2  # a polygon for the pair, a whisker for the lone one
    assert nice_ticks(0.0, 1.0) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(-0.031, 0.118) == [0.0, 0.05, 0.1]
    assert nice_ticks(-7.0, 23.0) == [0.0, 10.0, 20.0]
    assert math.isnan(nice_ticks(math.nan, 1.0)[0])
