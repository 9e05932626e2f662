"""``monitoring_report`` (SQLite and PostgreSQL): the charts' numbers are the engine's.

Oracle: every drawn point is recomputed here window by window with the engine's
per-window functions (``feature_drift``, ``measured_performance``,
``estimated_performance``, ``fairness_gaps``) on the stored windows, not read back from
the report's own tables; the alert markers are compared with the breaches of the check
``check_monitor`` computes (not recorded) on the same windows.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from ombud.governance import InvalidInput, NotFoundError
from ombud.monitor import (
    estimated_performance,
    fairness_gaps,
    feature_drift,
    measured_performance,
)
from ombud.services import monitoring
from ombud.services.context import AppContext
from ombud.services.monitor_findings import check_monitor
from ombud.services.monitor_queries import monitoring_counts
from ombud.services.monitor_report import monitoring_report

from ._monitoring import (
    MONITOR_COLUMNS,
    chart_data,
    compas_log,
    monitored_team,
    simulated_monitor,
)


@pytest.fixture
def team(context: AppContext) -> AppContext:
    context = monitored_team(context)
    olivia = context.actor("olivia")
    monitoring.init_monitor(
        context, olivia, "recid", "1.0", compas_log("2013-01-01", "2013-07-01"), **MONITOR_COLUMNS
    )
    monitoring.ingest(context, olivia, "recid", compas_log("2014-01-01", "2014-04-01"))
    return context


def _close(drawn: float, expected: float) -> bool:
    return math.isclose(drawn, expected, rel_tol=1e-12, abs_tol=1e-15)


def _same(drawn: list[tuple[str, float, float | None, float | None]], expected: list) -> None:
    assert [d[0] for d in drawn] == [e[0] for e in expected]
    for d, e in zip(drawn, expected, strict=True):
        assert _close(d[1], e[1]), (d, e)
        if e[2] is not None:
            assert d[2] is not None
            assert d[3] is not None
            assert _close(d[2], e[2]), (d, e)
            assert _close(d[3], e[3]), (d, e)


def test_every_point_equals_the_per_window_engine(team: AppContext) -> None:
    report = monitoring_report(team, "recid", by="week")
    html = report.html()
    points, _ = chart_data(html)
    monitor, stored = monitoring.list_windows(team, "recid")
    weeks = monitoring.rolled_up(stored, "week")
    assert [w.start for w in report.windows] == [w.start for w in weeks]
    spec, reference = monitor.spec, monitor.reference
    assert len(weeks) == 14

    for i, feature in enumerate(spec.features):
        expected = []
        for w in weeks:
            psi = feature_drift(feature, reference.features[i], w.features[i])["psi"].value
            if math.isfinite(psi):
                expected.append((w.start.isoformat(), psi, None, None))
        _same(
            points[f"drift-{feature.name.replace('_', '-')}-psi"][f"{feature.name} psi"], expected
        )

    measured, estimated = [], []
    for w in weeks:
        m = measured_performance(w, spec, metrics=("accuracy",))
        row = m[(m["attribute"] == "") & (m["metric"] == "accuracy")].iloc[0]
        measured.append((w.start.isoformat(), row["value"], row["lower"], row["upper"]))
        e = estimated_performance(w, spec)
        row = e[(e["attribute"] == "") & (e["metric"] == "accuracy")].iloc[0]
        estimated.append((w.start.isoformat(), row["value"], row["lower"], row["upper"]))
    accuracy = points["performance-accuracy"]
    _same(accuracy["measured on labels"], measured)
    _same(accuracy["estimated without labels (CBPE)"], estimated)

    gaps: dict[str, list] = {}
    for w in weeks:
        table = fairness_gaps(w, spec, metrics=("selection_rate", "tpr", "fpr"))
        for r in table.itertuples():
            if not math.isfinite(r.gap):
                continue
            chart = f"gap-race-{r.group}-{r.metric}".lower().replace("_", "-")
            gaps.setdefault(chart, []).append((w.start.isoformat(), r.gap, r.lower, r.upper))
    assert len(gaps) == 6  # two groups beside the reference, three metrics
    for chart, expected in gaps.items():
        (series,) = points[chart].values()
        _same(series, expected)

    # Self-contained: no script, no stylesheet link, no address of anything outside.
    assert not re.search(r"https?:|<script|<link|url\(|src=", html, re.IGNORECASE)
    assert "(estimate)" in html
    assert "SIMULATED" not in html


def test_alerts_mark_the_breaches_of_the_check(context: AppContext) -> None:
    team = monitored_team(context)
    simulated_monitor(team, "recid", days=90)
    check = check_monitor(team, team.actor("olivia"), "recid", name="simulated").check
    assert check.breached  # the simulated stream plants a drift and a bias
    report = monitoring_report(team, "recid", "simulated")
    html = report.html()
    _, alerts = chart_data(html)
    last = max(w.start for w in report.windows if check.recent_end and w.start < check.recent_end)
    expected: dict[str, list[str]] = {chart: [] for chart in alerts}
    for d in check.drift:
        if d.breach:
            expected[f"drift-{d.feature}-psi".replace("_", "-").lower()].append(last.isoformat())
    for p in check.performance:
        if p.breach:
            expected[f"performance-{p.metric}"].append(last.isoformat())
    for g in check.gaps:
        if g.breach and g.alarm_at is not None:
            expected[f"gap-{g.attribute}-{g.group}-{g.metric}".replace("_", "-").lower()].append(
                g.alarm_at.isoformat()
            )
    assert any(expected.values())
    assert {k: sorted(v) for k, v in alerts.items()} == {k: sorted(v) for k, v in expected.items()}
    # Both planted changes are marked: the drift of x1 and the widened selection-rate gap.
    assert alerts["drift-x1-psi"]
    assert any(v for k, v in alerts.items() if k.startswith("gap-sex-"))
    # Nothing simulated reads as real; the run just recorded is listed by its evidence id.
    assert "SIMULATED DATA" in html
    assert report.simulated
    assert report.runs
    assert f"evidence #{report.runs[0].evidence_id}" in html

    # The dashboard's counts: breached now; stale once the run is older than the 30 days
    # the default pack's eu-post-market-monitoring overlay allows monitoring_run evidence.
    now = dt.datetime.now(dt.UTC)
    counts = monitoring_counts(team, now)
    assert (counts.monitored, counts.breached, counts.stale) == (("recid",), ("recid",), ())
    assert counts.fresh_days == 30
    assert counts.policy_days
    later = monitoring_counts(team, now + dt.timedelta(days=31))
    assert later.stale == ("recid",)


def test_refusals_name_what_is_missing(team: AppContext) -> None:
    with pytest.raises(NotFoundError, match="no AI system 'nope'"):
        monitoring_report(team, "nope")
    with pytest.raises(NotFoundError, match="no monitor 'other'"):
        monitoring_report(team, "recid", "other")
    with pytest.raises(InvalidInput, match="no windows stored for recid/default in that range"):
        monitoring_report(team, "recid", start=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                          end=dt.datetime(2020, 2, 1, tzinfo=dt.UTC))  # fmt: skip
    with pytest.raises(InvalidInput, match="use day, week or month"):
        monitoring_report(team, "recid", by="fortnight")
