"""An audit as Evidence: flat namespaced metrics, verdicts per rule, and what to recompute from.

A gate reads metrics by name (``fairness.race.selection_rate.ratio_min.lower``), so the names
are stable and flat; an auditor recomputes from the stored Tally, so it travels as an artifact
next to the full JSON result and the HTML report. With control features each flat metric is the
worst stratum's (smallest ratio, largest difference); every stratum is in the JSON artifact.
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ombud import __version__
from ombud.fairness._policy import FairnessPolicy
from ombud.fairness._vectorized import SCORE_AUDIT_METRICS
from ombud.records import ArtifactDraft, EvidenceDraft, EvidenceNames, InputRef, Verdict
from ombud.stats import CLASSIFICATION_METRICS, to_parquet

if TYPE_CHECKING:
    from ombud.fairness._result import AuditResult

__all__ = ["evidence_draft", "evidence_names", "metric_segment"]

_SEVERITY = {"fail": 3, "concern": 2, "insufficient": 1, "pass": 0}


def metric_segment(name: str) -> str:
    """A column or group name as one segment of a metric name (unsupported characters → _)."""
    return re.sub(r"[^A-Za-z0-9_\-+=<>]", "_", name) or "_"


def evidence_names(policy: FairnessPolicy | None = None) -> EvidenceNames:
    """Every metric and verdict name :func:`evidence_draft` can emit, as templates.

    ``{attribute}`` is a sensitive column (or an intersection of them); the metrics are
    the engine's (score metrics only when a score was audited), the rule names the fairness
    policy's (the default one unless ``policy`` is given). Kept beside ``_flat_metrics`` so
    the two change together; a contract test runs a real audit against this list.
    """
    rules = [rule.name for rule in (policy or FairnessPolicy()).rules]
    measured = (*CLASSIFICATION_METRICS, *SCORE_AUDIT_METRICS)
    interval = ("", ".lower", ".upper")
    metrics = ["fairness.rows", *(f"fairness.overall.{m}" for m in measured)]
    for metric in measured:
        for how in ("ratio_min", "difference_max"):
            metrics += [f"fairness.{{attribute}}.{metric}.{how}{end}" for end in interval]
    for rule in rules:
        metrics += [f"fairness.{{attribute}}.{rule}{end}" for end in interval]
    verdicts = tuple(f"fairness.{{attribute}}.{rule}" for rule in rules)
    return EvidenceNames("fairness_audit", tuple(metrics), verdicts)


def _flat_metrics(result: AuditResult) -> dict[str, float]:
    metrics: dict[str, float] = {"fairness.rows": float(result.tally.n_rows)}
    for how, table, worst in (
        ("ratio_min", result.ratio(), "min"),
        ("difference_max", result.difference(), "max"),
    ):
        for (attribute, metric), part in table.groupby(["attribute", "metric"], sort=False):
            values = part["value"].to_numpy(dtype=float)
            if np.isnan(values).all():
                row = part.iloc[0]
            else:
                row = part.iloc[
                    int(np.nanargmin(values) if worst == "min" else np.nanargmax(values))
                ]
            base = f"fairness.{metric_segment(str(attribute))}.{metric}.{how}"
            metrics[base] = float(row["value"])
            metrics[f"{base}.lower"] = float(row["lower"])
            metrics[f"{base}.upper"] = float(row["upper"])
    overall = result.overall
    for metric in result.metrics:
        if len(overall) == 1:
            metrics[f"fairness.overall.{metric}"] = float(overall[metric].iloc[0])
    for _, row in result.verdicts.iterrows():
        base = f"fairness.{metric_segment(str(row['attribute']))}.{row['rule']}"
        if base not in metrics or _is_worse(row, metrics[base], str(row["statistic"])):
            metrics[base] = float(row["value"])
            metrics[f"{base}.lower"] = float(row["lower"])
            metrics[f"{base}.upper"] = float(row["upper"])
    return metrics


def _is_worse(row: object, current: float, statistic: str) -> bool:
    value = float(row["value"])  # type: ignore[index]
    if math.isnan(current):
        return not math.isnan(value)
    return value < current if statistic == "ratio" else value > current


def _verdicts(result: AuditResult) -> dict[str, Verdict]:
    out: dict[str, Verdict] = {}
    for _, row in result.verdicts.iterrows():
        key = f"fairness.{metric_segment(str(row['attribute']))}.{row['rule']}"
        verdict = Verdict(str(row["verdict"]))
        if key not in out or _SEVERITY[verdict] > _SEVERITY[out[key]]:
            out[key] = verdict
    return out


def _tally_artifact(result: AuditResult) -> bytes:
    # ombud.stats.to_parquet writes the layout into the file's metadata; it takes a path.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tally.parquet"
        to_parquet(result.tally, path)
        return path.read_bytes()


def evidence_draft(result: AuditResult, *, report: bool = True) -> EvidenceDraft:
    verdicts = _verdicts(result)
    counts = {v: sum(1 for x in verdicts.values() if x == v) for v in Verdict}
    summary = (
        f"fairness audit of {', '.join(result.sensitive)} on {result.tally.n_rows} rows: "
        + ", ".join(f"{counts[v]} {v}" for v in Verdict if counts[v])
    )
    prov = result.provenance
    inputs = [
        InputRef(
            name=str(prov.get("source", "data")),
            sha256=str(prov.get("sha256", "")),
            rows=int(prov.get("rows_used", result.tally.n_rows)),
            description="columns used: " + ", ".join(map(str, prov.get("columns", []))),
        )
    ]
    artifacts = [
        ArtifactDraft("tally.parquet", "application/vnd.apache.parquet", _tally_artifact(result)),
        ArtifactDraft("fairness-audit.json", "application/json", result.to_json().encode()),
    ]
    if report:
        artifacts.append(
            ArtifactDraft("fairness-report.html", "text/html", result.to_html().encode())
        )
    return EvidenceDraft(
        kind="fairness_audit",
        summary=summary,
        engine="ombud.fairness",
        engine_version=__version__,
        metrics=_flat_metrics(result),
        verdicts=verdicts,
        parameters={
            **dict(result.parameters),
            "policy": result.to_dict()["policy"],
            "shared_suppression_k": result.policy.suppress_below,
        },
        inputs=inputs,
        artifacts=artifacts,
    )
