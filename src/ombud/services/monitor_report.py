"""``ombud monitor report`` and the web Monitoring tab: charts of a monitor's stored windows.

Read-only, and from the stored window summaries alone (never rows): the series are the
engine's one-pass tables over the windows (``ombud.monitor.monitoring_charts``), drawn as
inline SVG by ``ombud.charts``; the CLI writes them into one self-contained HTML file and
the web page inserts the same SVG.

Alert markers are the breaches of the check computed now over all the monitor's stored
windows, with the thresholds of the policy pack in force (``check_windows``, exactly what
``ombud monitor check`` computes; this report does not record it): a drifted feature at the
end of the recent range, a performance breach likewise, a widened gap where its sequential
detector raised the alarm. Recorded ``monitoring_run`` evidence with breaches is listed
beside them, by id, so a reader sees what was raised and when.

A monitor whose name starts with ``simulated`` (the demo's seeded stream) is reported as
SIMULATED in the file's first lines and on the web page: nothing simulated reads as real.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ombud.governance import InvalidInput
from ombud.monitor import (
    DRIFT,
    FAIRNESS,
    PERFORMANCE,
    Alert,
    MonitorChart,
    Window,
    bands_from_reference,
    monitoring_charts,
    monitoring_report_html,
)
from ombud.services.context import AppContext
from ombud.services.monitor_check import check_windows
from ombud.services.monitor_findings import settings_in_force
from ombud.services.monitor_records import Monitor, MonitorCheck
from ombud.services.monitoring import DEFAULT_MONITOR, list_windows, rolled_up
from ombud.store.models import EvidenceRow

__all__ = [
    "MonitoringReport",
    "NoWindowsError",
    "RecordedRun",
    "is_simulated",
    "monitoring_report",
]

#: Recorded runs listed in a report, newest first; the evidence list has them all.
RECORDED_RUNS = 20


class NoWindowsError(InvalidInput):
    """The monitor (or the range asked) has no stored window: nothing to chart."""


def is_simulated(monitor_name: str) -> bool:
    """The convention the demo follows: a generated stream's monitor is named ``simulated``
    (or ``simulated-...``), so every view of it can say so."""
    return monitor_name.lower().startswith("simulated")


@dataclass(frozen=True)
class RecordedRun:
    """A recorded ``monitoring_run`` of this monitor that breached at least one rule."""

    evidence_id: int
    created_at: dt.datetime
    recent_start: str | None
    recent_end: str | None
    rules: tuple[str, ...]

    def describe(self) -> str:
        span = f"{(self.recent_start or '?')[:10]} to {(self.recent_end or '?')[:10]}"
        return (
            f"evidence #{self.evidence_id} ({self.created_at.date().isoformat()}): breached "
            f"{', '.join(self.rules)} on the windows {span}"
        )


@dataclass(frozen=True)
class MonitoringReport:
    """Everything the report shows: the monitor, the charted windows, the check now and the
    recorded runs that raised breaches."""

    monitor: Monitor
    simulated: bool
    by: str | None
    windows: tuple[Window, ...]
    check: MonitorCheck
    runs: tuple[RecordedRun, ...]
    charts: tuple[MonitorChart, ...]

    @property
    def rows(self) -> int:
        return sum(w.n_rows for w in self.windows)

    def facts(self) -> list[tuple[str, str]]:
        m = self.monitor
        first, last = self.windows[0], self.windows[-1]
        labelled = sum(w.n_labelled for w in self.windows)
        return [
            ("system", f"{m.system_id}, version {m.version}, monitor '{m.name}'"),
            (
                "data",
                ("SIMULATED stream" if self.simulated else "stored prediction-log windows")
                + f": {len(self.windows)} windows ({self.by or m.spec.period}), "
                f"{first.start.date()} to {last.end.date()} (end exclusive), "
                f"{self.rows:,} rows, {labelled:,} labelled",
            ),
            (
                "reference",
                f"{m.reference_name} ({m.reference_rows:,} rows, sha256 "
                f"{m.reference_sha256[:12]}), spec {m.spec_digest[:12]}",
            ),
            (
                "settings",
                f"PSI threshold {self.check.settings.psi_threshold:g}, FDR "
                f"{self.check.settings.fdr:g}, recent range {self.check.settings.recent_windows} "
                f"windows, gaps on {self.check.settings.gap_period} windows at level "
                f"{self.check.settings.gap_alpha:g}",
            ),
        ]

    def alerts(self) -> list[str]:
        current = [f"now: {b.title}" for b in self.check.breaches]
        return current + [f"recorded: {r.describe()}" for r in self.runs]

    def html(self) -> str:
        return monitoring_report_html(
            self.charts,
            title=f"Monitoring report: {self.monitor.system_id} / {self.monitor.name}",
            facts=self.facts(),
            verdicts=self.check.verdicts,
            alerts=self.alerts(),
            notes=[
                "Values are computed from the stored window summaries; no row is read.",
                "Dashed series are estimates (label-free, calibrated scores); they assume no "
                "concept shift. Solid series are measured.",
                "Red markers: breaches of the check computed now on all stored windows.",
            ],
            simulated=self.simulated,
        )


def _last_start_before(windows: Sequence[Window], end: dt.datetime | None) -> dt.datetime | None:
    """Where a breach of the recent range is marked: the start of its last charted window."""
    if end is None:
        return None
    starts = [w.start for w in windows if w.start < end]
    return max(starts) if starts else None


def _alerts(check: MonitorCheck, windows: Sequence[Window]) -> list[Alert]:
    out: list[Alert] = []
    at = _last_start_before(windows, check.recent_end)
    if at is not None:
        out += [
            Alert(at, DRIFT, d.feature, f"monitoring.drift breach: PSI {d.psi:.3f}")
            for d in check.drift
            if d.breach
        ]
        out += [
            Alert(
                at,
                PERFORMANCE,
                p.metric,
                f"monitoring.performance breach: {p.kind} {p.metric} {p.value:.3f} vs "
                f"reference {p.reference:.3f}",
            )
            for p in check.performance
            if p.breach
        ]
    out += [
        Alert(
            g.alarm_at,
            FAIRNESS,
            f"{g.attribute}={g.group} {g.metric}",
            f"monitoring.fairness_gap alarm (p {g.pvalue:.2g})",
        )
        for g in check.gaps
        if g.breach and g.alarm_at is not None
    ]
    return out


def _recorded_runs(context: AppContext, system_id: str, name: str) -> tuple[RecordedRun, ...]:
    with context.read() as session:
        rows = session.execute(
            select(EvidenceRow.id, EvidenceRow.created_at, EvidenceRow.parameters)
            .where(EvidenceRow.system_id == system_id, EvidenceRow.kind == "monitoring_run")
            .order_by(EvidenceRow.id.desc())
        ).all()
    runs = []
    for evidence_id, created_at, parameters in rows:
        params: dict[str, Any] = parameters or {}
        breaches = params.get("breaches") or []
        if params.get("monitor") != name or not breaches:
            continue
        recent = params.get("recent") or {}
        runs.append(
            RecordedRun(
                evidence_id,
                created_at,
                recent.get("start"),
                recent.get("end"),
                tuple(str(b.get("rule")) for b in breaches),
            )
        )
        if len(runs) == RECORDED_RUNS:
            break
    return tuple(runs)


def monitoring_report(
    context: AppContext,
    system_id: str,
    name: str = DEFAULT_MONITOR,
    *,
    by: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> MonitoringReport:
    """The charts of the windows with ``start <= period start < end`` (rolled up ``by``
    week or month), with the check of all stored windows as alert markers."""
    settings = settings_in_force(context, system_id)
    monitor, everything = list_windows(context, system_id, name)
    chosen = [
        s
        for s in everything
        if (start is None or s.window.start >= start) and (end is None or s.window.start < end)
    ]
    windows = tuple(rolled_up(chosen, by))
    if not windows:
        span = "" if start is None and end is None else " in that range"
        raise NoWindowsError(
            f"no windows stored for {system_id}/{name}{span}; ingest a prediction log with "
            f"`ombud monitor ingest {system_id} FILE` or widen --from/--to"
        )
    check = check_windows(monitor, everything, settings)
    spec = monitor.spec
    metrics = tuple(dict.fromkeys([*settings.gap_metrics, "selection_rate", "tpr", "fpr"]))
    bands = bands_from_reference(
        monitor.reference, spec, metrics=metrics, margin=settings.gap_margin
    )
    charts = monitoring_charts(
        spec,
        monitor.reference,
        windows,
        psi_threshold=settings.psi_threshold,
        gap_metrics=metrics,
        gap_bands=bands,
        alerts=_alerts(check, windows),
        confidence=settings.confidence,
    )
    return MonitoringReport(
        monitor=monitor,
        simulated=is_simulated(monitor.name),
        by=by,
        windows=windows,
        check=check,
        runs=_recorded_runs(context, system_id, name),
        charts=charts,
    )
