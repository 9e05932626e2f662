"""A threshold trade-off as ``mitigation`` evidence: flat metrics, a lawfulness verdict per
option, and the artifacts an auditor recomputes from (the Tally, the JSON, the report).

Metric names: ``mitigation.{option}.{metric}`` with ``.lower``/``.upper`` when bootstrapped,
and ``mitigation.recommended.{metric}`` for the recommended option, so a policy can ask
"is there a lawful option with impact ratio >= 0.8" without knowing which one it is.
The verdict ``mitigation.{option}.lawful`` is ``fail`` when a flag blocks the option,
``concern`` when a flag marks it, ``pass`` otherwise, ``insufficient`` when no context was
given (nothing could be assessed).
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ombud import __version__
from ombud.fairness.mitigate._legal import BLOCKING
from ombud.fairness.mitigate._report import to_html
from ombud.fairness.mitigate._result import OPTION_METRICS, ThresholdTradeoffs
from ombud.records import ArtifactDraft, EvidenceDraft, EvidenceNames, InputRef, Verdict
from ombud.stats import Tally, to_parquet

__all__ = ["MITIGATION_KIND", "MITIGATION_NAMES", "OPTION_NAMES", "mitigation_draft"]

MITIGATION_KIND = "mitigation"
OPTION_NAMES = (
    "max_utility",
    "four_fifths",
    "equal_opportunity",
    "max_utility_per_group",
    "four_fifths_per_group",
    "equal_opportunity_per_group",
    "equalized_odds_randomised",
)


def _names() -> EvidenceNames:
    metrics = ["mitigation.rows", "mitigation.candidates", "mitigation.groups"]
    for subject in (*OPTION_NAMES, "recommended"):
        for metric in OPTION_METRICS:
            metrics += [f"mitigation.{subject}.{metric}{end}" for end in ("", ".lower", ".upper")]
    verdicts = tuple(f"mitigation.{name}.lawful" for name in OPTION_NAMES)
    return EvidenceNames(MITIGATION_KIND, tuple(metrics), verdicts)


#: Every name a ``mitigation`` evidence can carry (the policy registry reads it).
MITIGATION_NAMES = _names()


def _tally_bytes(tally: Tally) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tally.parquet"
        to_parquet(tally, path)
        return path.read_bytes()


def _metrics(result: ThresholdTradeoffs) -> dict[str, float]:
    out = {
        "mitigation.rows": float(result.histograms.rows.sum()),
        "mitigation.candidates": float(len(result.frontier)),
        "mitigation.groups": float(len(result.groups)),
    }
    recommended = result.legal.recommended
    for option in result.options:
        if not option.feasible:
            continue
        subjects = [option.name] + (["recommended"] if option.name == recommended else [])
        for subject in subjects:
            for metric in OPTION_METRICS:
                value = option.metrics[metric]
                if not math.isfinite(value):
                    continue
                out[f"mitigation.{subject}.{metric}"] = float(value)
                if metric in option.intervals:
                    low, high = option.intervals[metric]
                    if math.isfinite(low) and math.isfinite(high):
                        out[f"mitigation.{subject}.{metric}.lower"] = low
                        out[f"mitigation.{subject}.{metric}.upper"] = high
    return out


def _verdicts(result: ThresholdTradeoffs) -> dict[str, Verdict]:
    out: dict[str, Verdict] = {}
    known = result.legal.context.known
    for option in result.options:
        statuses = {f.status for f in result.legal.for_option(option.name)}
        if statuses & BLOCKING:
            verdict = Verdict.FAIL
        elif statuses:
            verdict = Verdict.CONCERN
        elif not known:
            verdict = Verdict.INSUFFICIENT
        else:
            verdict = Verdict.PASS
        out[f"mitigation.{option.name}.lawful"] = verdict
    return out


def mitigation_draft(
    result: ThresholdTradeoffs,
    tally: Tally,
    *,
    inputs: Sequence[InputRef] = (),
    parameters: dict[str, object] | None = None,
) -> EvidenceDraft:
    """The evidence of one threshold trade-off run."""
    recommended = result.legal.recommended or "none"
    blocked = sorted(o.name for o in result.options if result.legal.blocked(o.name))
    summary = (
        f"threshold trade-offs over {', '.join(result.histograms.attributes)} "
        f"({len(result.groups)} groups, {int(result.histograms.rows.sum())} rows): "
        f"recommended {recommended}"
        + (f"; blocked by law: {', '.join(blocked)}" if blocked else "")
    )
    payload = json.dumps(result.to_dict(), sort_keys=True, allow_nan=False).encode()
    return EvidenceDraft(
        kind=MITIGATION_KIND,
        summary=summary,
        engine="ombud.fairness.mitigate",
        engine_version=__version__,
        metrics=_metrics(result),
        verdicts=_verdicts(result),
        parameters={
            **(parameters or {}),
            "method": "thresholds",
            "recommended": result.legal.recommended,
            "context": result.legal.to_dict()["context"],
            "n_boot": result.n_boot,
            "seed": result.seed,
            "confidence": result.confidence,
            "tolerance": result.tolerance,
        },
        inputs=list(inputs),
        artifacts=[
            ArtifactDraft("tally.parquet", "application/vnd.apache.parquet", _tally_bytes(tally)),
            ArtifactDraft("mitigation.json", "application/json", payload),
            ArtifactDraft("mitigation-report.html", "text/html", to_html(result).encode()),
        ],
    )
