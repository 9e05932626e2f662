"""An explanation as Evidence: flat metrics a policy can demand, and the quality verdict.

A policy's explainability rule reads names such as ``explain.shap.additivity_error`` or
``explain.lime.stability`` (LIME stability >= 0.8, additivity error <= 1e-6), so they are
stable and flat. Per-applicant reasons never travel in evidence (they are personal data);
the reason-code table travels by digest, with the counts and the stability of the reasons.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ombud import __version__
from ombud.explain._gap import GapAttribution
from ombud.explain._rate_gap import RateGapAttribution
from ombud.explain._reasons import AdverseActionReasons
from ombud.explain._result import AdditivityCheck, CompletenessCheck, Explanation
from ombud.records import ArtifactDraft, EvidenceDraft, EvidenceNames, InputRef, Verdict

__all__ = ["EVIDENCE_KIND", "evidence_draft", "evidence_names", "rate_gap_draft"]

EVIDENCE_KIND = "explainability_report"


def _segment(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-+=<>]", "_", name) or "_"


def evidence_names() -> EvidenceNames:
    """Every metric and verdict name :func:`evidence_draft` can emit, as templates."""
    interval = ("", ".lower", ".upper")
    metrics = [
        "explain.rows",
        "explain.shap.additivity_error",
        "explain.lime.stability",
        "explain.lime.unstable_rows",
        "explain.ig.max_relative_delta",
        "explain.ig.not_converged_rows",
        "explain.importance.{feature}",
        *(f"explain.gap.{{attribute}}.gap{end}" for end in interval),
        *(f"explain.gap.{{attribute}}.{{feature}}.contribution{end}" for end in interval),
        "explain.gap.{attribute}.likely_proxies",
        "explain.gap.{attribute}.residual",
        "explain.reasons.declined",
        "explain.reasons.stability_unchanged",
        "explain.reasons.stability_jaccard",
        "explain.reasons.withheld_applicants",
        "explain.reasons.without_reasons",
        *(f"explain.rate_gap.{{attribute}}.{name}" for name in _RATE_GAP_SCALARS),
        *(f"explain.rate_gap.{{attribute}}.{{feature}}.contribution{end}" for end in interval),
    ]
    return EvidenceNames(EVIDENCE_KIND, tuple(metrics), ("explain.quality",))


#: Per attribute: the two rates, their gap and the efficiency error (sum of shares - gap).
_RATE_GAP_SCALARS = ("rate_a", "rate_b", "gap", "efficiency_error")
#: Shapley shares must add up to the drawn gap up to rounding; a larger error is a bug.
RATE_GAP_EFFICIENCY_TOLERANCE = 1e-9


def _quality(explanation: Explanation) -> tuple[dict[str, float], Verdict]:
    check = explanation.quality
    if isinstance(check, AdditivityCheck):
        verdict = Verdict.PASS if check.passed else Verdict.FAIL
        return {"explain.shap.additivity_error": check.max_abs_error}, verdict
    if isinstance(check, CompletenessCheck):
        verdict = Verdict.PASS if check.passed else Verdict.FAIL
        return {
            "explain.ig.max_relative_delta": check.max_relative_delta,
            "explain.ig.not_converged_rows": float(len(check.not_converged)),
        }, verdict
    metrics = {
        "explain.lime.stability": check.score,
        "explain.lime.unstable_rows": float(len(check.unstable_rows)),
    }
    return metrics, Verdict.PASS if check.passed else Verdict.CONCERN


def evidence_draft(
    explanation: Explanation,
    *,
    gap: GapAttribution | None = None,
    gap_attribute: str = "group",
    reasons: AdverseActionReasons | None = None,
    inputs: Sequence[InputRef] = (),
) -> EvidenceDraft:
    """The explanation (and optionally a gap attribution and reasons) as an EvidenceDraft."""
    metrics, verdict = _quality(explanation)
    metrics["explain.rows"] = float(explanation.n_rows)
    importance = explanation.mean_abs()
    # A text explanation's features are tokens: the 20 most important travel, not the vocabulary.
    for feature, value in (importance.head(20) if explanation.tokens else importance).items():
        metrics[f"explain.importance.{_segment(str(feature))}"] = float(value)
    parameters: dict[str, Any] = {
        "method": explanation.method,
        "output": explanation.output,
        "seed": explanation.seed,
        "settings": dict(explanation.settings),
        "versions": dict(explanation.versions),
    }
    body: dict[str, Any] = {"explanation": explanation.summary()}
    if gap is not None:
        attr = _segment(gap_attribute)
        low, high = gap.gap_interval
        metrics |= {
            f"explain.gap.{attr}.gap": gap.gap,
            f"explain.gap.{attr}.gap.lower": low,
            f"explain.gap.{attr}.gap.upper": high,
            f"explain.gap.{attr}.likely_proxies": float(len(gap.likely_proxies)),
            f"explain.gap.{attr}.residual": gap.residual,
        }
        for feature, row in gap.table.iterrows():
            name = f"explain.gap.{attr}.{_segment(str(feature))}.contribution"
            metrics |= {name: row["contribution"], f"{name}.lower": row["lower"]}
            metrics[f"{name}.upper"] = row["upper"]
        parameters["gap"] = {"attribute": gap_attribute, "a": gap.group_a, "b": gap.group_b}
        body["gap"] = json.loads(gap.table.to_json(orient="index"))
    if reasons is not None:
        metrics |= {
            "explain.reasons.declined": float(len(reasons.notices)),
            "explain.reasons.stability_unchanged": reasons.stability_unchanged,
            "explain.reasons.stability_jaccard": reasons.stability_jaccard,
            "explain.reasons.withheld_applicants": float(reasons.withheld["applicant"].nunique()),
            "explain.reasons.without_reasons": float(len(reasons.settings["without_reasons"])),
        }
        personal = ("applicants", "without_reasons")  # applicant ids stay out of evidence
        settings = {k: v for k, v in reasons.settings.items() if k not in personal}
        parameters["reasons"] = settings
        body["reasons"] = {"settings": settings, "codes": reasons.rows["code"].value_counts()}
        body["reasons"]["codes"] = {str(k): int(v) for k, v in body["reasons"]["codes"].items()}
    summary = f"{explanation.method} on {explanation.n_rows} rows: {explanation.quality.describe()}"
    artifact = ArtifactDraft(
        "explanation.json",
        "application/json",
        json.dumps(body, sort_keys=True, indent=2, default=str).encode("utf-8"),
    )
    return EvidenceDraft(
        kind=EVIDENCE_KIND,
        summary=summary,
        engine="ombud.explain",
        engine_version=__version__,
        metrics=metrics,
        verdicts={"explain.quality": verdict},
        parameters=parameters,
        inputs=tuple(inputs),
        artifacts=(artifact,),
    )


def rate_gap_draft(
    result: RateGapAttribution,
    *,
    attribute: str,
    parameters: dict[str, Any],
    inputs: Sequence[InputRef] = (),
) -> EvidenceDraft:
    """A rate-gap attribution as an EvidenceDraft of kind ``explainability_report``.

    Metrics ``explain.rate_gap.{attribute}.{rate_a,rate_b,gap,efficiency_error}`` and,
    per feature, its share of the gap with bootstrap bounds; the verdict
    ``explain.quality`` passes when the shares add up to the gap (Shapley efficiency).
    ``parameters`` says how the decisions were made (output, threshold, rate, condition).
    """
    attr = _segment(attribute)
    prefix = f"explain.rate_gap.{attr}"
    metrics: dict[str, float] = {
        f"{prefix}.rate_a": result.rate_a,
        f"{prefix}.rate_b": result.rate_b,
        f"{prefix}.gap": result.gap,
        f"{prefix}.efficiency_error": result.efficiency_error,
    }
    for feature, value, low, high in zip(
        result.features, result.contribution, result.lower, result.upper, strict=True
    ):
        name = f"{prefix}.{_segment(feature)}.contribution"
        metrics |= {name: float(value), f"{name}.lower": float(low), f"{name}.upper": float(high)}
    passed = result.efficiency_error <= RATE_GAP_EFFICIENCY_TOLERANCE
    table = result.table()
    body = {
        "rate_gap": {
            "attribute": attribute,
            "a": str(result.a),
            "b": str(result.b),
            "rate_a": result.rate_a,
            "rate_b": result.rate_b,
            "gap": result.gap,
            "method": result.method,
            "features": json.loads(table.to_json(orient="records")),
        }
    }
    stored = {
        **parameters,
        "method": result.method,
        "rate_gap": {"attribute": attribute, "a": str(result.a), "b": str(result.b)},
        "pairs": result.pairs,
        "seed": result.seed,
        "confidence": result.confidence,
    }
    summary = (
        f"{attribute} rate gap {result.a} - {result.b} = {result.gap:.3g} over "
        f"{len(result.features)} features ({result.method}); shares add up "
        f"{'exactly' if passed else 'NOT'} (error {result.efficiency_error:.2g})"
    )
    artifact = ArtifactDraft(
        "rate_gap.json",
        "application/json",
        json.dumps(body, sort_keys=True, indent=2, default=str).encode("utf-8"),
    )
    return EvidenceDraft(
        kind=EVIDENCE_KIND,
        summary=summary,
        engine="ombud.explain",
        engine_version=__version__,
        metrics=metrics,
        verdicts={"explain.quality": Verdict.PASS if passed else Verdict.FAIL},
        parameters=stored,
        inputs=tuple(inputs),
        artifacts=(artifact,),
    )
