"""EU AI Act Annex IV technical documentation, drafted from the record.

Art. 11(1) asks providers of high-risk systems to keep technical documentation with the
contents of Annex IV, points 1 to 9. Ombud fills what its record holds (inventory,
versions, evidence, classification, gate, reviews, findings) and names every field it
cannot fill. What no record can hold (the standards applied, the declaration of
conformity, the post-market monitoring plan, design choices) comes from a *supplement*:
plain text per field id that a person writes and keeps next to the system.
Section titles paraphrase the Annex; they are not its wording.
"""

from __future__ import annotations

from collections.abc import Mapping

from ombud.cards._common import explanation_lines, fairness_tables, redteam_table
from ombud.cards._document import CardError, Document, Field, Section, completeness
from ombud.cards._record import SystemRecord

__all__ = ["ANNEX_IV_FIELDS", "annex_iv"]

_SUPPLEMENT = "the Annex IV supplement (`--supplement FILE`)"


def _supplied(field_id: str, label: str, supplement: Mapping[str, str], hint: str) -> Field:
    """A field only a person can fill, from the supplement."""
    text = supplement.get(field_id, "").strip()
    return Field(field_id, label, text or None, _SUPPLEMENT, hint)


def _general(r: SystemRecord, sup: Mapping[str, str]) -> Section:
    card = r.latest("model_card")
    return Section(
        "general",
        "General description of the system",
        (
            Field(
                "general.intended_purpose",
                "Intended purpose",
                r.text("purpose") or None,
                "inventory: purpose",
            ),
            Field(
                "general.provider",
                "Provider and role",
                f"{r.text('vendor')}; the organization acts as {r.text('operator_role')}"
                if r.text("operator_role")
                else None,
                "inventory: vendor, operator_role",
            ),
            Field(
                "general.version",
                "Version and earlier versions",
                f"{r.version} (all versions: {', '.join(r.version_history) or r.version})",
                "system versions",
            ),
            Field(
                "general.deployment",
                "Where and to whom it is made available",
                [
                    *(f"region {x}" for x in r.items("deployment_regions")),
                    *(f"affects {x}" for x in r.items("affected_people")),
                ]
                or None,
                "inventory: deployment_regions, affected_people",
                "list the deployment regions and the people affected",
            ),
            Field(
                "general.instructions_for_use",
                "Instructions for use",
                f"model card recorded as evidence #{card.id}: {card.summary}" if card else None,
                f"evidence #{card.id} (model_card)" if card else "",
                "generate and record the model card: `ombud card model SYSTEM --record`",
            ),
            _supplied(
                "general.interactions",
                "Interaction with other hardware or software",
                sup,
                "not in the record: describe it in the supplement",
            ),
        ),
        cite="Annex IV point 1",
    )


def _development(r: SystemRecord, sup: Mapping[str, str]) -> Section:
    sheet = r.latest("datasheet")
    data = [f"{d.get('name')} ({d.get('uri')}, sha256 {d.get('sha256')})" for d in r.training_data]
    if sheet:
        data.append(f"datasheet: evidence #{sheet.id}: {sheet.summary}")
    validation = [
        f"#{e.id} {e.kind} ({e.engine or 'attached'}, {e.created_at[:10]}): {e.summary}"
        for e in r.evidence
    ]
    return Section(
        "development",
        "Elements of the system and how it was developed",
        (
            Field(
                "development.models",
                "Models and their versions",
                [f"{m.get('name')} ({m.get('uri')}, sha256 {m.get('sha256')})" for m in r.models]
                or None,
                "system version: models",
                "pin the model: `ombud system version add SYSTEM V --model NAME=PATH`",
            ),
            Field(
                "development.training_data",
                "Training data and its provenance",
                data or None,
                "system version: training_data; datasheet evidence",
                "pin training data (`--data NAME=PATH`) and record a datasheet",
            ),
            Field(
                "development.human_oversight",
                "Human oversight measures",
                f"automation: {r.text('automation')}" if r.text("automation") else None,
                "inventory: automation",
            ),
            Field(
                "development.validation",
                "Validation and testing, with their records",
                validation or None,
                "evidence of this version",
                "record evidence: fairness audit, red team, explainability",
            ),
            Field(
                "development.logic",
                "General logic: what drives the outputs (point 2(b))",
                explanation_lines(r),
                "explainability_report evidence",
                "run `ombud explain shap|gap MODEL DATA --system S --version V`",
            ),
            _supplied(
                "development.design_choices",
                "Design choices, assumptions and trade-offs",
                sup,
                "not in the record: describe them in the supplement",
            ),
            _supplied(
                "development.cybersecurity",
                "Cybersecurity measures",
                sup,
                "not in the record: describe them in the supplement",
            ),
        ),
        cite="Annex IV point 2",
    )


def _performance(r: SystemRecord) -> Section:
    audit = r.fairness[-1] if r.fairness else None
    table = redteam_table(r)
    cls = r.classification or {}
    risks = [
        *(str(x) for x in cls.get("tier_reasons") or ()),
        *sorted(
            f"{name}: {verdict} (evidence #{e.id})"
            for e in r.evidence
            for name, verdict in e.verdicts.items()
            if verdict in ("fail", "concern")
        ),
    ]
    return Section(
        "performance",
        "Monitoring, functioning and control: capabilities and limits",
        (
            Field(
                "performance.accuracy_by_group",
                "Accuracy for the persons or groups it is meant for",
                f"{len(audit.groups)} groups over {', '.join(audit.sensitive)}" if audit else None,
                f"evidence #{audit.evidence_id} (fairness_audit)" if audit else "",
                "run a fairness audit: `ombud audit fairness ... --record SYSTEM`",
            ),
            Field(
                "performance.limitations",
                "Limitations and uses it is not for",
                r.items("out_of_scope_uses") or None,
                "inventory: out_of_scope_uses",
                "list out-of-scope uses in the inventory",
            ),
            Field(
                "performance.foreseeable_risks",
                "Foreseeable unintended outcomes and risks",
                risks or None,
                "classification reasons; failed or concerning verdicts",
                "classify the system and audit it",
            ),
            Field(
                "performance.input_data",
                "Input data specifications",
                r.items("data_categories") or None,
                "inventory: data_categories",
                "record the data categories in the inventory",
            ),
        ),
        tables=(*(fairness_tables(audit) if audit else ()), *((table,) if table else ())),
        cite="Annex IV point 3",
    )


def _metrics(r: SystemRecord) -> Section:
    audit = r.fairness[-1] if r.fairness else None
    rules = (
        sorted(
            {
                f"{v.get('rule')}: {v.get('statistic')} of {v.get('metrics')}, "
                f"bound {v.get('bound')}"
                for v in audit.verdicts
            }
        )
        if audit
        else []
    )
    return Section(
        "metrics",
        "Why the performance metrics are appropriate",
        (
            Field(
                "metrics.appropriateness",
                "Measures and the bounds they are judged against",
                rules or None,
                f"evidence #{audit.evidence_id}: fairness policy" if audit else "",
                "run a fairness audit; its policy states each measure and bound",
            ),
        ),
        cite="Annex IV point 4",
    )


def _risk(r: SystemRecord) -> Section:
    cls = r.classification
    measures = [
        *(f"finding #{f.id} ({f.severity}, {f.status}): {f.title}" for f in r.findings),
        *([f"gate {r.gate.outcome} under {r.gate.policy}"] if r.gate else []),
        *(r.review.conditions if r.review else ()),
    ]
    return Section(
        "risk_management",
        "The risk management system (Art. 9)",
        (
            Field(
                "risk_management.classification",
                "Risk identification",
                f"tier {cls.get('tier')}, EU AI Act {cls.get('eu_category')}" if cls else None,
                "classification",
                "classify the system: `ombud classify SYSTEM`",
            ),
            Field(
                "risk_management.measures",
                "Measures taken: findings, gate, conditions",
                measures or None,
                "findings register, gate evaluations, review conditions",
                "run the gate and open a review",
            ),
        ),
        cite="Annex IV point 5",
    )


def _changes(r: SystemRecord) -> Section:
    lifecycle = [
        *(f"version {v}" for v in r.version_history),
        *(
            f"{t.get('at', '')[:10]} {t.get('from')} -> {t.get('to')}: {t.get('reason')}"
            for t in r.transitions
        ),
    ]
    return Section(
        "changes",
        "Changes made over the lifecycle",
        (
            Field(
                "changes.lifecycle",
                "Versions and status changes",
                lifecycle or None,
                "system versions and transitions",
            ),
        ),
        cite="Annex IV point 6",
    )


def _paper(r: SystemRecord, sup: Mapping[str, str]) -> tuple[Section, Section, Section]:
    # Monitoring records: checks run by `ombud monitor check`, or drift reports attached.
    drift = [
        f"#{e.id}: {e.summary}" for e in r.evidence if e.kind in ("monitoring_run", "drift_report")
    ]
    return (
        Section(
            "standards",
            "Harmonised standards or other specifications applied",
            (
                _supplied(
                    "standards.applied",
                    "Standards applied",
                    sup,
                    "not in the record: list the standards or common specifications "
                    "applied (Arts 40, 41) in the supplement",
                ),
            ),
            cite="Annex IV point 7",
        ),
        Section(
            "declaration",
            "EU declaration of conformity",
            (
                _supplied(
                    "declaration.conformity",
                    "Copy or reference of the declaration",
                    sup,
                    "not in the record: reference the signed declaration (Art. 47) in the "
                    "supplement",
                ),
            ),
            cite="Annex IV point 8",
        ),
        Section(
            "post_market",
            "Post-market monitoring (Art. 72)",
            (
                _supplied(
                    "post_market.plan",
                    "Post-market monitoring plan",
                    sup,
                    "not in the record: describe the plan in the supplement",
                ),
                Field(
                    "post_market.monitoring",
                    "Monitoring records",
                    drift or None,
                    "monitoring_run or drift_report evidence",
                    "run `ombud monitor check` on production data, or attach drift reports",
                ),
            ),
            cite="Annex IV point 9",
        ),
    )


def _sections(r: SystemRecord, sup: Mapping[str, str]) -> tuple[Section, ...]:
    return (
        _general(r, sup),
        _development(r, sup),
        _performance(r),
        _metrics(r),
        _risk(r),
        _changes(r),
        *_paper(r, sup),
    )


#: Every field id of the Annex IV document (what a supplement may fill).
ANNEX_IV_FIELDS = tuple(f.id for s in _sections(SystemRecord("x", "x", {}), {}) for f in s.fields)


def annex_iv(record: SystemRecord, supplement: Mapping[str, str] | None = None) -> Document:
    """The Annex IV draft; ``supplement`` maps field ids to text the record cannot hold."""
    sup = dict(supplement or {})
    unknown = sorted(set(sup) - set(ANNEX_IV_FIELDS))
    if unknown:
        raise CardError(
            f"unknown Annex IV field(s) {', '.join(unknown)}; fields: {', '.join(ANNEX_IV_FIELDS)}"
        )
    sections = _sections(record, sup)
    return Document(
        kind="annex_iv",
        title="EU AI Act Annex IV technical documentation: "
        + (record.text("name") or record.system_id),
        subject={"system_id": record.system_id, "version": record.version},
        metadata={
            "regulation": "EU AI Act (Regulation (EU) 2024/1689), Art. 11(1), Annex IV",
            "risk_tier": record.tier,
            "eu_ai_act_category": (record.classification or {}).get("eu_category"),
        },
        sections=sections,
        completeness=completeness("annex_iv", record.tier, sections),
    )
