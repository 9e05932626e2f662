"""Generating documents of a system version from the workspace, and recording them.

The cards engine is pure; this use case is where the record comes from: the inventory,
the version, its latest classification, its evidence (with the per-group tables each
fairness audit stored as an artifact), the latest gate evaluation and review, and the
findings. Recording a document stores it as documentation Evidence on the version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ombud.cards import (
    ANNEX_IV_FIELDS,
    Document,
    EvidenceRecord,
    FairnessAnalysis,
    FindingRecord,
    GateRecord,
    ReviewRecord,
    SystemRecord,
    annex_iv,
    cyclonedx_bom,
    datasheet,
    evidence_draft,
    measure_data,
    model_card,
    parse_datasheet,
    render,
    system_card,
)
from ombud.governance import InvalidInput, SystemProfile
from ombud.services import evidence as evidence_service
from ombud.services import findings, gates, reviews, systems
from ombud.services.context import Actor, AppContext
from ombud.yamlsource import load_yaml_file

__all__ = [
    "DOCUMENTS",
    "annex_iv_document",
    "datasheet_document",
    "generate",
    "inventory_bom",
    "read_supplement",
    "record_document",
    "system_record",
]

DOCUMENTS = {"model": model_card, "system": system_card, "annex-iv": annex_iv}


def _version(system: dict[str, Any], label: str | None) -> dict[str, Any]:
    versions = system["versions"]
    if not versions:
        raise InvalidInput(
            f"'{system['id']}' has no versions yet; add one with "
            f"`ombud system version add {system['id']} LABEL`"
        )
    if label is None:
        return dict(versions[-1])
    for version in versions:
        if version["label"] == label:
            return dict(version)
    known = ", ".join(v["label"] for v in versions)
    raise InvalidInput(f"'{system['id']}' has no version '{label}'; versions: {known}")


def _fairness(context: AppContext, item: EvidenceRecord) -> FairnessAnalysis | None:
    for artifact in item.artifacts:
        if artifact.get("name") == "fairness-audit.json":
            data = json.loads(context.artifacts.get(str(artifact["sha256"])))
            return FairnessAnalysis.from_audit_json(item.id, data)
    return None


def _conditions(raw: Any) -> tuple[str, ...]:
    out = []
    for item in raw or ():
        if isinstance(item, dict):
            due = (
                f" (owner {item.get('owner')}, due {item.get('due')})" if item.get("owner") else ""
            )
            out.append(f"{item.get('text', '')}{due}")
        else:
            out.append(str(item))
    return tuple(out)


def system_record(
    context: AppContext, system_id: str, version_label: str | None = None
) -> SystemRecord:
    """Everything the workspace holds on one version (the latest when None), as plain data."""
    system = systems.get_system(context, system_id).to_dict()  # the cards read plain data
    version = _version(system, version_label)
    label = version["label"]
    evidence = tuple(
        EvidenceRecord(
            id=e.id,
            kind=e.kind,
            summary=e.summary,
            engine=e.engine,
            engine_version=e.engine_version,
            created_at=e.created_at,
            metrics=dict(e.metrics),
            verdicts=dict(e.verdicts),
            parameters=dict(e.parameters),
            inputs=tuple(dict(i) for i in e.inputs),
            artifacts=tuple(dict(a) for a in e.artifacts),
        )
        for e in evidence_service.list_evidence(context, system_id)
        if e.version == label
    )
    fairness = tuple(
        a for e in evidence if e.kind == "fairness_audit" if (a := _fairness(context, e))
    )
    evaluations = [g for g in gates.list_gate_evaluations(context, system_id) if g.version == label]
    gate = None
    if evaluations:
        last = evaluations[-1]
        gate = GateRecord(
            outcome=last.outcome,
            policy=f"{last.policy.name}@{last.policy.version}",
            evaluated_at=last.evaluated_at.isoformat(),
            blocking=last.blocking,
        )
    own_reviews = [
        r for r in reviews.list_reviews(context, system_id=system_id) if r.version == label
    ]
    review = None
    if own_reviews:
        last_review = own_reviews[-1]
        review = ReviewRecord(
            id=last_review.id,
            status=last_review.status,
            decision=last_review.decision,
            rationale=last_review.rationale or "",
            conditions=_conditions(last_review.conditions),
            decided_by=last_review.decided_by,
        )
    found = tuple(
        FindingRecord(f.id, f.title, f.status, f.severity)
        for f in findings.list_findings(context, system_id=system_id)
        if f.version in (None, label)
    )
    return SystemRecord(
        system_id=system_id,
        version=label,
        profile={name: system.get(name) for name in SystemProfile.field_names()},
        status=system["status"],
        version_notes=version.get("notes", ""),
        version_created_at=version.get("created_at", ""),
        models=tuple(version.get("models") or ()),
        training_data=tuple(version.get("training_data") or ()),
        version_history=tuple(v["label"] for v in system["versions"]),
        transitions=tuple(system["transitions"]),
        classification=system["classification"],
        evidence=evidence,
        fairness=fairness,
        gate=gate,
        review=review,
        findings=found,
    )


def generate(
    context: AppContext, document: str, system_id: str, version_label: str | None = None
) -> Document:
    """``document`` is one of :data:`DOCUMENTS` (``model``, ``system``, ``annex-iv``)."""
    if document not in DOCUMENTS:
        raise InvalidInput(f"unknown document '{document}'; known: {', '.join(DOCUMENTS)}")
    return DOCUMENTS[document](system_record(context, system_id, version_label))


def record_document(
    context: AppContext, actor: Actor, document: Document, fmt: str = "md"
) -> evidence_service.Evidence:
    """Store ``document`` (rendered in ``fmt``) as documentation Evidence on its version."""
    content = render(document, fmt)
    return evidence_service.record_evidence(
        context,
        actor,
        document.subject["system_id"],
        document.subject["version"],
        evidence_draft(document, content, fmt),
    )


def inventory_bom(context: AppContext) -> str:
    """The inventory as a CycloneDX 1.6 ML-BOM: each system at its latest version."""
    records = [
        system_record(context, item.id)
        for item in systems.list_systems(context)
        if systems.get_system(context, item.id).versions
    ]
    return cyclonedx_bom(records)


def read_supplement(path: str | Path) -> dict[str, str]:
    """The Annex IV supplement: field id -> text; a mistake is reported at its line."""
    located = load_yaml_file(path)
    if not isinstance(located.data, dict):
        raise located.error((), "a supplement maps Annex IV field ids to text")
    out: dict[str, str] = {}
    for key, value in located.data.items():
        if key not in ANNEX_IV_FIELDS:
            raise located.error(
                (key,), f"unknown field '{key}'; fields: {', '.join(ANNEX_IV_FIELDS)}"
            )
        if not isinstance(value, str):
            raise located.error((key,), f"'{key}' must be text; quote it")
        out[key] = value
    return out


def annex_iv_document(
    context: AppContext,
    system_id: str,
    version_label: str | None = None,
    supplement: str | Path | None = None,
) -> Document:
    """The Annex IV draft, with what the record cannot hold read from ``supplement``."""
    extra = read_supplement(supplement) if supplement is not None else {}
    return annex_iv(system_record(context, system_id, version_label), extra)


def datasheet_document(
    context: AppContext,
    system_id: str,
    datasheet_yaml: str | Path,
    *,
    data: str | Path | None = None,
    groups: Sequence[str] = (),
    label: str | None = None,
    version_label: str | None = None,
) -> Document:
    """The datasheet of a system version's data: YAML answers plus measured facts."""
    answers = parse_datasheet(load_yaml_file(datasheet_yaml))
    facts = measure_data(Path(data), groups, label) if data is not None else None
    record = system_record(context, system_id, version_label)
    return datasheet(
        answers,
        facts,
        tier=record.tier,
        subject={"system_id": record.system_id, "version": record.version},
    )
