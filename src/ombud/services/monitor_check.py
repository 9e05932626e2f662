"""``ombud monitor check``: a monitoring run over stored windows, recorded as evidence.

The check is an engine run like any other (``services.runs.run_engine``): the target is
checked first, the statistics are computed outside any transaction from the stored
windows alone (never from rows), and the result is recorded as ``monitoring_run``
evidence. Three rules are evaluated (``ombud.monitor.MONITORING_RUN_RULES``):

- ``monitoring.drift``: the recent range (the last ``recent_windows`` windows, merged)
  against the reference, per feature and for the score, by PSI. A breach needs both an
  effect (PSI >= ``psi_threshold``) and a small p-value after Benjamini–Hochberg over the
  family of features (``fdr``): with many rows any shift is significant, with few any
  large PSI can be noise;
- ``monitoring.performance``: accuracy of the recent range (measured on labelled rows,
  else the label-free estimate from calibrated scores, which assumes no concept shift)
  against the same measure on the reference; a breach when the whole interval lies more
  than ``accuracy_drop`` below it;
- ``monitoring.fairness_gap``: the CUSUM detector of each group's gap to the reference
  group (``ombud.monitor.gap_detector``, error-controlled over ``gap_horizon`` looks, on
  windows rolled up to ``gap_period``), with BH over the groups × metrics.

Each breached rule then opens ONE finding per (system, rule) (see ``monitor_findings``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict

import pandas as pd

from ombud.monitor import (
    MONITORING_RUN_RULES,
    MonitorSpec,
    Window,
    bands_from_reference,
    bh_alarms,
    drift_report,
    estimated_performance,
    gap_detector,
    gap_report,
    measured_performance,
    merge_windows,
    name_segment,
    output_drift,
    roll_up,
)
from ombud.records import EvidenceDraft, InputRef, Verdict
from ombud.services.monitor_records import (
    Breach,
    DriftRow,
    GapRow,
    Monitor,
    MonitorCheck,
    MonitorSettings,
    PerformanceRow,
    StoredWindow,
)
from ombud.services.runs import EngineRun

__all__ = [
    "ENGINE",
    "Breach",
    "DriftRow",
    "GapRow",
    "MonitorCheck",
    "MonitorSettings",
    "PerformanceRow",
    "check_draft",
    "check_windows",
    "monitoring_check_run",
]

ENGINE = "ombud.monitor"
ENGINE_VERSION = "1"
PASS, FAIL, INSUFFICIENT = Verdict.PASS.value, Verdict.FAIL.value, Verdict.INSUFFICIENT.value


def _drift(
    spec: MonitorSpec, reference: Window, recent: Window, settings: MonitorSettings
) -> tuple[list[DriftRow], str]:
    if recent.n_rows < settings.min_rows:
        return [], INSUFFICIENT
    values: dict[str, tuple[float, float]] = {}
    table = drift_report(spec, reference, [recent])
    psi_rows = table[table["statistic"] == "psi"]
    for feature, value, pvalue in zip(
        psi_rows["feature"],
        psi_rows["value"].astype(float),
        psi_rows["pvalue"].astype(float),
        strict=True,
    ):
        values[str(feature)] = (float(value), float(pvalue))
    score = output_drift(reference, recent).get("score.psi")
    if score is not None:
        values["score"] = (score.value, score.pvalue)
    tested = {k: p for k, (_, p) in values.items() if math.isfinite(p)}
    significant = bh_alarms(tested, q=settings.fdr)
    rows = [
        DriftRow(
            feature=name,
            psi=value,
            pvalue=pvalue,
            adjusted=significant.get(name),
            breach=name in significant and value >= settings.psi_threshold,
        )
        for name, (value, pvalue) in values.items()
    ]
    if not rows:
        return rows, INSUFFICIENT
    return rows, FAIL if any(r.breach for r in rows) else PASS


def _accuracy(frame: pd.DataFrame) -> tuple[float, float, float] | None:
    part = frame[(frame["metric"] == "accuracy") & (frame["attribute"] == "")]
    if part.empty or not math.isfinite(float(part["value"].iloc[0])):
        return None
    first = part.iloc[0]
    return float(first["value"]), float(first["lower"]), float(first["upper"])


def _performance(
    spec: MonitorSpec, reference: Window, recent: Window, settings: MonitorSettings
) -> tuple[list[PerformanceRow], str]:
    if recent.n_rows < settings.min_rows:
        return [], INSUFFICIENT
    conf = settings.confidence
    measured = (
        _accuracy(measured_performance(recent, spec, metrics=("accuracy",), confidence=conf))
        if recent.n_labelled >= settings.min_rows
        else None
    )
    if measured is not None:
        ref = _accuracy(measured_performance(reference, spec, metrics=("accuracy",)))
        kind = "measured"
        current = measured
    elif spec.calibration is not None:
        estimate = _accuracy(estimated_performance(recent, spec, confidence=conf))
        ref = _accuracy(estimated_performance(reference, spec))
        kind = "estimated (calibrated scores, assumes no concept shift)"
        if estimate is None:
            return [], INSUFFICIENT
        current = estimate
    else:
        return [], INSUFFICIENT
    if ref is None:
        return [], INSUFFICIENT
    breach = current[2] < ref[0] - settings.accuracy_drop
    row = PerformanceRow("accuracy", kind, *current, reference=ref[0], breach=breach)
    return [row], FAIL if breach else PASS


def _gap_windows(windows: Sequence[Window], spec: MonitorSpec, period: str) -> list[Window]:
    if spec.period in ("hour", "day") and period != spec.period:
        return roll_up(windows, period)
    return list(windows)


def _gaps(
    spec: MonitorSpec, reference: Window, windows: Sequence[Window], settings: MonitorSettings
) -> tuple[list[GapRow], str]:
    if not spec.sensitive:
        return [], INSUFFICIENT
    looks = _gap_windows(windows, spec, settings.gap_period)
    bands = bands_from_reference(
        reference, spec, metrics=settings.gap_metrics, margin=settings.gap_margin
    )
    if not bands or not looks:
        return [], INSUFFICIENT
    detections = gap_detector(
        looks,
        spec,
        bands=bands,
        alpha=settings.gap_alpha,
        horizon=settings.gap_horizon,
        min_count=settings.gap_min_count,
    )
    alarms = bh_alarms({k: d.pvalue for k, d in detections.items()}, q=settings.gap_alpha)
    table = gap_report(spec, looks, metrics=settings.gap_metrics)
    last = table.sort_values("start").groupby(["attribute", "group", "metric"]).tail(1)
    latest_gap = {
        (a, g, m): float(v)
        for a, g, m, v in zip(
            last["attribute"],
            last["group"],
            last["metric"],
            last["gap"].astype(float),
            strict=True,
        )
    }
    rows = []
    for (attribute, group, metric), det in detections.items():
        latest = latest_gap.get((attribute, group, metric), float("nan"))
        breach = (attribute, group, metric) in alarms and det.alarm_at is not None
        rows.append(
            GapRow(
                attribute=str(attribute),
                group=str(group),
                metric=str(metric),
                band=bands[(attribute, group, metric)],
                looks=det.looks,
                latest=latest,
                pvalue=det.pvalue,
                alarm_at=looks[det.alarm_at].start if det.alarm_at is not None else None,
                breach=breach,
            )
        )
    if not any(r.looks for r in rows):
        return rows, INSUFFICIENT
    return rows, FAIL if any(r.breach for r in rows) else PASS


def _subject(monitor: Monitor) -> str:
    """What a breach's finding is about: the system, and the monitor when it is not the
    system's default one (a finding from a test or simulated stream must say so)."""
    if monitor.name == "default":
        return monitor.system_id
    return f"{monitor.system_id} (monitor '{monitor.name}')"


def _breaches(
    system_id: str, drift: list[DriftRow], perf: list[PerformanceRow], gaps: list[GapRow]
) -> list[Breach]:
    out = []
    shifted = [r for r in drift if r.breach]
    if shifted:
        names = ", ".join(f"{r.feature} (PSI {r.psi:.2f})" for r in shifted)
        out.append(
            Breach(
                "monitoring.drift",
                f"{system_id}: input or score drift in {', '.join(r.feature for r in shifted)}",
                "medium",
                f"The recent windows moved away from the reference: {names}; each with a "
                "Benjamini–Hochberg adjusted p-value within the false discovery rate.",
            )
        )
    worse = [r for r in perf if r.breach]
    if worse:
        r = worse[0]
        out.append(
            Breach(
                "monitoring.performance",
                f"{system_id}: {r.metric} fell below the reference",
                "high",
                f"{r.kind} {r.metric} {r.value:.3f} [{r.lower:.3f}, {r.upper:.3f}] against "
                f"{r.reference:.3f} on the reference.",
            )
        )
    widened = [r for r in gaps if r.breach]
    if widened:
        parts = "; ".join(
            f"{r.attribute}={r.group} {r.metric} (band [{r.band[0]:.3f}, {r.band[1]:.3f}], "
            f"alarm at {r.alarm_at.date() if r.alarm_at else '?'}, p {r.pvalue:.2g})"
            for r in widened
        )
        out.append(
            Breach(
                "monitoring.fairness_gap",
                f"{system_id}: a fairness gap widened beyond its band",
                "high",
                f"The sequential gap detector raised an alarm: {parts}.",
            )
        )
    return out


def check_windows(
    monitor: Monitor, stored: Sequence[StoredWindow], settings: MonitorSettings
) -> MonitorCheck:
    """Every rule over the stored windows of ``monitor`` (no database involved)."""
    spec, reference = monitor.spec, monitor.reference
    windows = [s.window for s in stored]
    recent = merge_windows(windows[-settings.recent_windows :]) if windows else None
    if recent is None:
        drift: list[DriftRow] = []
        perf: list[PerformanceRow] = []
        gaps: list[GapRow] = []
        verdicts = dict.fromkeys(MONITORING_RUN_RULES, INSUFFICIENT)
    else:
        drift, v_drift = _drift(spec, reference, recent, settings)
        perf, v_perf = _performance(spec, reference, recent, settings)
        gaps, v_gap = _gaps(spec, reference, windows, settings)
        verdicts = dict(zip(MONITORING_RUN_RULES, (v_drift, v_perf, v_gap), strict=True))
    inputs = [InputRef(f"reference {monitor.reference_name}", monitor.reference.digest)]
    inputs += [InputRef(f"window {s.key}", s.digest, rows=s.window.n_rows) for s in stored]
    return MonitorCheck(
        system_id=monitor.system_id,
        monitor=monitor.name,
        version=monitor.version,
        spec_digest=monitor.spec_digest,
        windows=len(windows),
        rows=sum(w.n_rows for w in windows),
        recent_start=None if recent is None else recent.start,
        recent_end=None if recent is None else recent.end,
        recent_rows=0 if recent is None else recent.n_rows,
        drift=tuple(drift),
        performance=tuple(perf),
        gaps=tuple(gaps),
        verdicts=verdicts,
        breaches=tuple(_breaches(_subject(monitor), drift, perf, gaps)),
        inputs=tuple(inputs),
        settings=settings,
    )


def _finite(value: float) -> bool:
    return math.isfinite(value)


def check_draft(check: MonitorCheck) -> EvidenceDraft:
    """The ``monitoring_run`` evidence of a check (names: ``monitor.MONITORING_RUN_NAMES``)."""
    metrics: dict[str, float] = {
        "monitoring.windows": float(check.windows),
        "monitoring.rows": float(check.rows),
        "monitoring.recent_rows": float(check.recent_rows),
        "monitoring.breaches": float(len(check.breaches)),
    }
    if check.recent_end is not None:
        age = dt.datetime.now(dt.UTC) - check.recent_end
        metrics["monitoring.age_days"] = max(age.total_seconds() / 86400.0, 0.0)
    for d in check.drift:
        base = f"monitoring.drift.{name_segment(d.feature)}"
        metrics[f"{base}.psi"] = d.psi
        metrics[f"{base}.pvalue"] = d.pvalue
    for p in check.performance:
        base = f"monitoring.performance.{name_segment(p.metric)}"
        metrics.update(
            {
                base: p.value,
                f"{base}.lower": p.lower,
                f"{base}.upper": p.upper,
                f"{base}.reference": p.reference,
            }
        )
    for g in check.gaps:
        base = f"monitoring.gap.{name_segment(g.attribute)}.{name_segment(g.group)}"
        metrics[f"{base}.{name_segment(g.metric)}.latest"] = g.latest
        metrics[f"{base}.{name_segment(g.metric)}.pvalue"] = g.pvalue
    failed = [r for r, v in check.verdicts.items() if v == FAIL]
    summary = f"monitor '{check.monitor}': {check.windows} windows, {check.rows} rows; " + (
        f"breached {', '.join(failed)}" if failed else "no breach"
    )
    return EvidenceDraft(
        kind="monitoring_run",
        summary=summary,
        engine=ENGINE,
        engine_version=ENGINE_VERSION,
        metrics={k: v for k, v in metrics.items() if _finite(v)},
        verdicts={k: Verdict(v) for k, v in check.verdicts.items()},
        parameters={
            "monitor": check.monitor,
            "spec_digest": check.spec_digest,
            "recent": check.to_dict()["recent"],
            "settings": asdict(check.settings),
            "breaches": [asdict(b) for b in check.breaches],
        },
        inputs=check.inputs,
    )


def monitoring_check_run(
    monitor: Monitor, stored: Sequence[StoredWindow], settings: MonitorSettings | None = None
) -> EngineRun[MonitorCheck]:
    """The check as an engine run over windows already read from the store; the
    statistics are computed when the run executes, outside any transaction."""
    chosen = settings or MonitorSettings()
    return EngineRun(
        label="monitoring check",
        execute=lambda: check_windows(monitor, stored, chosen),
        draft=check_draft,
    )
