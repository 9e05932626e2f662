"""Turning a finished run folder into an ``EvidenceDraft`` the workspace can record.

The lead's service layer calls :func:`evidence_draft` and stores the result against a
system version; the harness itself never touches the store. Metric names follow
``redteam.<category>.attack_success_rate`` with ``.lower``/``.upper`` so a policy rule
can gate on the interval, not just the point estimate; ``corrected_attack_success_rate``
(same suffixes) is the rate corrected for the detectors' measured recall and specificity,
whose wider interval a policy can gate on instead.

A run in which no attempt was scored (the target was unreachable or broken) is refused
with ``NoResultError``: recording it would put a measurement on the version's record
where there is none.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ombud.records import ArtifactDraft, EvidenceDraft, EvidenceNames, InputRef, sha256_bytes
from ombud.redteam.core import NoResultError, detector_registry
from ombud.redteam.detectors import measure_accuracy
from ombud.redteam.reports._corrected import corrected_rates
from ombud.redteam.reports._html import render_report
from ombud.redteam.reports._results import attack_success_rates
from ombud.redteam.runner import (
    LOG_NAME,
    MANIFEST_NAME,
    latest_attempts,
    ombud_version,
    read_log,
    read_manifest,
    run_outcome,
)

__all__ = ["EVIDENCE_NAMES", "evidence_draft", "metric_slug"]

#: Every metric name :func:`evidence_draft` can record; ``{category}`` is a probe category
#: or ``overall``, ``{detector}`` a detector id. Policy packs are checked against it, and a
#: contract test against a real run, so the list and the code below cannot drift apart.
EVIDENCE_NAMES = EvidenceNames(
    "redteam_run",
    metrics=(
        *(
            f"redteam.{{category}}.{m}"
            for m in ("attempts", "unscorable", "errors", "attack_success_rate")
        ),
        "redteam.{category}.attack_success_rate.lower",
        "redteam.{category}.attack_success_rate.upper",
        "redteam.{category}.corrected_attack_success_rate",
        "redteam.{category}.corrected_attack_success_rate.lower",
        "redteam.{category}.corrected_attack_success_rate.upper",
        "redteam.detector.{detector}.precision",
        "redteam.detector.{detector}.recall",
    ),
)


def metric_slug(text: str) -> str:
    slug = "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")
    return slug or "unknown"


def evidence_draft(run_dir: Path, *, redact_report: bool = True) -> EvidenceDraft:
    """Evidence of kind ``redteam_run`` from ``run_dir`` (log, manifest, HTML report)."""
    manifest = read_manifest(run_dir)
    log_bytes = (run_dir / LOG_NAME).read_bytes()
    attempts = latest_attempts(read_log(run_dir / LOG_NAME))
    outcome = run_outcome(attempts, manifest.get("target") or {})
    if not outcome.measured:
        raise NoResultError(
            f"{run_dir} is not a result: no attempt was scored ({outcome.causes_text()}); "
            "fix the target and run `ombud redteam resume` before recording it"
        )
    accuracy = measure_accuracy(detector_registry())
    metrics: dict[str, float] = {}
    for grouping in ("category", "overall"):
        rows = attack_success_rates(attempts, grouping)
        corrected = corrected_rates(attempts, grouping, accuracy)
        for row in rows:
            base = f"redteam.{metric_slug(row.key if grouping == 'category' else 'overall')}"
            metrics[f"{base}.attempts"] = float(row.scored)
            metrics[f"{base}.unscorable"] = float(row.unscorable)
            metrics[f"{base}.errors"] = float(row.errors)
            if row.rate is not None and row.lower is not None and row.upper is not None:
                metrics[f"{base}.attack_success_rate"] = row.rate
                metrics[f"{base}.attack_success_rate.lower"] = row.lower
                metrics[f"{base}.attack_success_rate.upper"] = row.upper
            fixed = corrected[row.key]
            if fixed.rate is not None and fixed.lower is not None and fixed.upper is not None:
                metrics[f"{base}.corrected_attack_success_rate"] = fixed.rate
                metrics[f"{base}.corrected_attack_success_rate.lower"] = fixed.lower
                metrics[f"{base}.corrected_attack_success_rate.upper"] = fixed.upper
    for item in accuracy:
        for name, value in (("precision", item.precision), ("recall", item.recall)):
            if not math.isnan(value):
                metrics[f"redteam.detector.{metric_slug(item.detector)}.{name}"] = value
    html = render_report(attempts, manifest, accuracy=accuracy, redact=redact_report)
    overall = metrics["redteam.overall.attack_success_rate"]
    unscored = f" ({outcome.causes_text()})" if outcome.causes else ""
    return EvidenceDraft(
        kind="redteam_run",
        summary=f"{len(attempts)} red-team attempts, {outcome.scored} scored; overall attack "
        f"success rate {overall:.1%} against "
        f"{(manifest.get('target') or {}).get('type', 'target')}{unscored}",
        engine="ombud.redteam",
        engine_version=ombud_version(),
        metrics=metrics,
        parameters={
            "seed": manifest.get("seed"),
            "plan_sha256": manifest.get("plan_sha256"),
            "target_config_sha256": manifest.get("target_config_sha256"),
            "probe_prompt_sha256": manifest.get("probe_prompt_sha256", {}),
            "mutator_chains": manifest.get("mutator_chains", []),
        },
        inputs=[
            InputRef(
                LOG_NAME,
                sha256_bytes(log_bytes),
                rows=len(attempts),
                description="attempt log of the run",
            )
        ],
        artifacts=[
            ArtifactDraft(LOG_NAME, "application/x-ndjson", log_bytes),
            ArtifactDraft(
                MANIFEST_NAME, "application/json", json.dumps(manifest, indent=2).encode()
            ),
            ArtifactDraft("report.html", "text/html", html.encode()),
        ],
    )
