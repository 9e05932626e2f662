"""The model card, after Mitchell et al. (2019), "Model Cards for Model Reporting".

Its nine sections follow the paper (details, intended use, factors, metrics, evaluation
data, training data, quantitative analyses, ethical considerations, caveats and
recommendations); Ombud adds red-team results and the governance record (classification,
gate, review) because a launch decision reads them together. The front matter uses the
keys of the Hugging Face model card metadata so hubs and tools can read it.
"""

from __future__ import annotations

from typing import Any

from ombud.cards._common import (
    KEY_METRICS,
    bias_audit_tables,
    fairness_tables,
    governance_fields,
    interval_chart,
    redteam_section,
)
from ombud.cards._document import Document, Field, Section, completeness
from ombud.cards._record import EvidenceRecord, SystemRecord

__all__ = ["model_card"]

_AUDIT_HINT = "run a fairness audit: `ombud audit fairness ... --record SYSTEM`"


def _spec_list(specs: tuple[Any, ...]) -> list[str] | None:
    return [f"{s.get('name')} ({s.get('uri')}, sha256 {s.get('sha256')})" for s in specs] or None


def _details(r: SystemRecord) -> Section:
    return Section(
        "model_details",
        "Model details",
        (
            Field("model_details.name", "Name", r.text("name") or None, "inventory: name"),
            Field("model_details.version", "Version", r.version, "system version"),
            Field(
                "model_details.owner",
                "Owner",
                f"{r.text('owner')} ({r.text('owner_team')})" if r.text("owner") else None,
                "inventory: owner, owner_team",
                "set the owner in the inventory",
            ),
            Field("model_details.provider", "Provider", r.text("vendor") or None, "inventory"),
            Field("model_details.type", "System type", r.text("kind") or None, "inventory: kind"),
            Field(
                "model_details.artifacts",
                "Model artifacts",
                _spec_list(r.models),
                "system version: models",
                "pin the model: `ombud system version add SYSTEM V --model NAME=PATH`",
            ),
            Field(
                "model_details.notes",
                "Version notes",
                r.version_notes or None,
                "system version: notes",
                "describe the version in its notes",
            ),
        ),
    )


def _intended_use(r: SystemRecord) -> Section:
    automation = r.text("automation")
    return Section(
        "intended_use",
        "Intended use",
        (
            Field(
                "intended_use.primary_uses", "Primary uses", r.text("purpose") or None, "inventory"
            ),
            Field(
                "intended_use.primary_users",
                "Primary users",
                f"{r.text('operator_role')} in {r.text('business_unit') or 'the organization'}"
                if r.text("operator_role")
                else None,
                "inventory: operator_role, business_unit",
            ),
            Field(
                "intended_use.affected_people",
                "People affected",
                r.items("affected_people") or None,
                "inventory: affected_people",
                "name the groups of people the outputs affect",
            ),
            Field(
                "intended_use.regions",
                "Deployment regions",
                r.items("deployment_regions") or None,
                "inventory: deployment_regions",
                "list the deployment regions",
            ),
            Field(
                "intended_use.human_oversight",
                "Degree of automation",
                automation or None,
                "inventory: automation",
            ),
            Field(
                "intended_use.out_of_scope",
                "Out-of-scope uses",
                r.items("out_of_scope_uses") or None,
                "inventory: out_of_scope_uses",
                "list uses the system must not be put to (`ombud system update --out-of-scope`)",
            ),
        ),
    )


def _factors_and_metrics(r: SystemRecord) -> tuple[Section, Section]:
    audit = r.fairness[-1] if r.fairness else None
    if audit is None and (bias := r.latest("bias_audit")) is not None:
        return _bias_factors_and_metrics(r, bias)
    source = f"evidence #{audit.evidence_id} (fairness_audit)" if audit else ""
    factors = Section(
        "factors",
        "Factors",
        (
            Field(
                "factors.groups",
                "Demographic groups evaluated",
                list(audit.sensitive) if audit else None,
                source,
                _AUDIT_HINT,
            ),
            Field(
                "factors.data_categories",
                "Data categories processed",
                r.items("data_categories") or None,
                "inventory: data_categories",
                "record the data categories in the inventory",
            ),
        ),
    )
    params = audit.parameters if audit else {}
    threshold = params.get("threshold")
    metrics = Section(
        "metrics",
        "Metrics",
        (
            Field(
                "metrics.performance_measures",
                "Measures reported per group",
                [m for m in KEY_METRICS if m in audit.metrics] if audit else None,
                source,
                _AUDIT_HINT,
            ),
            Field(
                "metrics.decision_threshold",
                "Decision threshold",
                str(threshold) if threshold is not None else ("decisions given" if audit else None),
                source,
                _AUDIT_HINT,
            ),
            Field(
                "metrics.uncertainty",
                "How uncertainty is reported",
                f"{float(params.get('confidence', 0.95)):.0%} Wilson score intervals for each "
                f"group's rates; bootstrap intervals over {params.get('n_boot')} resamples of "
                f"cell counts (seed {params.get('seed')}) for the verdict statistics"
                if audit
                else None,
                source,
                _AUDIT_HINT,
            ),
        ),
    )
    return factors, metrics


def _bias_factors_and_metrics(r: SystemRecord, bias: EvidenceRecord) -> tuple[Section, Section]:
    """Factors and metrics of a decisions-only audit: rates and ratios, no accuracy."""
    source = f"evidence #{bias.id} (bias_audit)"
    params = bias.parameters
    columns = [str(params[k]) for k in ("sex", "race") if params.get(k)]
    measure = "scoring rate" if params.get("mode") == "scoring" else "selection rate"
    factors = Section(
        "factors",
        "Factors",
        (
            Field("factors.groups", "Demographic groups evaluated", columns or None, source),
            Field(
                "factors.data_categories",
                "Data categories processed",
                r.items("data_categories") or None,
                "inventory: data_categories",
                "record the data categories in the inventory",
            ),
        ),
    )
    metrics = Section(
        "metrics",
        "Metrics",
        (
            Field(
                "metrics.performance_measures",
                "Measures reported per group",
                [measure, "impact ratio (rate / highest rate of the same axis)"],
                source,
            ),
            Field(
                "metrics.decision_threshold",
                "Decision threshold",
                "scores above the sample median"
                if params.get("mode") == "scoring"
                else "decisions given",
                source,
            ),
            Field(
                "metrics.uncertainty",
                "How uncertainty is reported",
                f"{float(params.get('confidence', 0.95)):.0%} Wilson intervals for each rate",
                source,
            ),
        ),
    )
    return factors, metrics


def _data(r: SystemRecord) -> tuple[Section, Section]:
    audit_ev = r.latest("fairness_audit") or r.latest("bias_audit")
    inputs = (
        [
            f"{i.get('name')} ({i.get('rows')} rows, sha256 {i.get('sha256')})"
            + (f": {i['description']}" if i.get("description") else "")
            for i in audit_ev.inputs
        ]
        if audit_ev
        else None
    )
    evaluation = Section(
        "evaluation_data",
        "Evaluation data",
        (
            Field(
                "evaluation_data.datasets",
                "Datasets",
                inputs or None,
                f"evidence #{audit_ev.id} inputs" if audit_ev else "",
                _AUDIT_HINT,
            ),
        ),
    )
    training = Section(
        "training_data",
        "Training data",
        (
            Field(
                "training_data.datasets",
                "Datasets",
                _spec_list(r.training_data),
                "system version: training_data",
                "pin the training data: `ombud system version add SYSTEM V --data NAME=PATH`",
            ),
        ),
    )
    return evaluation, training


def _analyses(r: SystemRecord) -> tuple[Section, Section]:
    audit = r.fairness[-1] if r.fairness else None
    tables = fairness_tables(audit) if audit else ()
    by_group = Field(
        "quantitative_analyses.by_group",
        "Performance by group",
        f"{len(audit.groups)} groups over {', '.join(audit.sensitive)}; intervals in brackets"
        if audit and audit.groups
        else None,
        f"evidence #{audit.evidence_id} (fairness_audit)" if audit else "",
        _AUDIT_HINT,
    )
    bias = r.latest("bias_audit")
    if audit is None and bias is not None:
        # Decisions only: rates and impact ratios, and no claim about accuracy.
        tables = bias_audit_tables(bias)
        by_group = Field(
            "quantitative_analyses.by_group",
            "Outcomes by group",
            "decisions-only bias audit: selection or scoring rates and impact ratios per "
            "category; without ground truth no accuracy or error rate is claimed",
            f"evidence #{bias.id} (bias_audit)",
        )
    quantitative = Section(
        "quantitative_analyses",
        "Quantitative analyses",
        (by_group,),
        tables=tables,
        charts=interval_chart(audit) if audit else (),
    )
    redteam = redteam_section(r, "Red-team results")
    return quantitative, redteam


def _ethics_and_caveats(r: SystemRecord) -> tuple[Section, Section]:
    cls = r.classification or {}
    failing = sorted(
        f"{name}: {verdict}"
        for e in r.evidence
        for name, verdict in e.verdicts.items()
        if verdict in ("fail", "concern")
    )
    bias = r.latest("bias_audit")
    if bias is not None and not r.fairness:
        # Decisions only: the audit measures impact ratios and sets no pass mark.
        failing += sorted(
            f"{name.split('.')[1]}: lowest impact ratio {value:.3f} (no pass mark in the audit)"
            for name, value in bias.metrics.items()
            if name.endswith(".impact_ratio_min") and value is not None
        )
    open_findings = [
        f"finding #{f.id} ({f.severity}, {f.status}): {f.title}"
        for f in r.findings
        if f.status not in ("verified", "closed")
    ]
    ethics = Section(
        "ethical_considerations",
        "Ethical considerations",
        (
            Field(
                "ethical_considerations.risk_reasons",
                "Why the system carries risk",
                list(cls.get("tier_reasons") or ()) or None,
                "classification: tier reasons",
                "classify the system: `ombud classify SYSTEM`",
            ),
            Field(
                "ethical_considerations.disparities",
                "Disparities found",
                failing or ("none: every verdict passes" if r.fairness or bias else None),
                "verdicts of the version's evidence",
                _AUDIT_HINT,
            ),
        ),
    )
    caveats = Section(
        "caveats_and_recommendations",
        "Caveats and recommendations",
        (
            Field(
                "caveats_and_recommendations.open_findings",
                "Open findings",
                open_findings or ("none open" if r.evidence else None),
                "findings register",
                "record evidence and review it; findings come from reviews and audits",
            ),
            Field(
                "caveats_and_recommendations.limitations",
                "Known limitations",
                [f"not for {u}" for u in r.items("out_of_scope_uses")] or None,
                "inventory: out_of_scope_uses",
                "list the out-of-scope uses",
            ),
        ),
    )
    return ethics, caveats


def model_card(record: SystemRecord) -> Document:
    """The model card of one system version; each part the record lacks is named as missing."""
    factors, metrics = _factors_and_metrics(record)
    evaluation, training = _data(record)
    quantitative, redteam = _analyses(record)
    ethics, caveats = _ethics_and_caveats(record)
    sections = (
        _details(record),
        _intended_use(record),
        factors,
        metrics,
        evaluation,
        training,
        quantitative,
        redteam,
        ethics,
        caveats,
        Section("governance", "Governance", governance_fields(record, "governance")),
    )
    audit = record.fairness[-1] if record.fairness else None
    metadata: dict[str, Any] = {
        "model_name": record.text("name") or record.system_id,
        "model_id": f"{record.system_id}@{record.version}",
        "language": [],
        "tags": sorted({"ombud", record.text("domain"), record.text("kind")} - {""}),
        "pipeline_tag": record.text("kind") or None,
        "risk_tier": record.tier,
        "eu_ai_act_category": (record.classification or {}).get("eu_category"),
    }
    if audit is not None:
        metadata["model-index"] = [
            {
                "name": record.system_id,
                "results": [
                    {
                        "task": {"type": "fairness-audit"},
                        "dataset": {
                            "name": str(audit.provenance.get("source", "evaluation data")),
                            "type": "evaluation",
                        },
                        "metrics": [
                            {"type": m, "value": round(float(v), 6), "name": f"overall {m}"}
                            for m in KEY_METRICS
                            if (v := _overall(record, m)) is not None
                        ],
                    }
                ],
            }
        ]
    return Document(
        kind="model_card",
        title=f"Model card: {record.text('name') or record.system_id}",
        subject={"system_id": record.system_id, "version": record.version},
        metadata=metadata,
        sections=sections,
        completeness=completeness("model_card", record.tier, sections, record.text("kind")),
    )


def _overall(record: SystemRecord, metric: str) -> float | None:
    audit = record.latest("fairness_audit")
    return audit.metrics.get(f"fairness.overall.{metric}") if audit else None
