"""The inventory as a CycloneDX 1.6 ML-BOM, so supply-chain tools see the AI systems.

``cyclonedx-python-lib`` builds the BOM (components, hashes, properties) and checks it
against the official 1.6 schema. The library does not model ``modelCard`` yet, so the
model card of each system is added to the serialised JSON here, from the same record as
``ombud card model``, and the whole document is validated again with the strict schema.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from ombud import __version__
from ombud.cards._common import KEY_METRICS
from ombud.cards._document import CardError
from ombud.cards._record import SystemRecord

__all__ = ["cyclonedx_bom", "validate_cyclonedx"]


def _artifact(spec: Any, kind: ComponentType, owner: str) -> Component:
    component = Component(
        name=str(spec.get("name")),
        type=kind,
        bom_ref=f"{owner}/{kind.value}/{spec.get('name')}",
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=str(spec.get("sha256")))],
    )
    uri = str(spec.get("uri") or "")
    if uri:
        component.external_references.add(
            ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(uri))
        )
    return component


def _component(r: SystemRecord) -> Component:
    cls = r.classification or {}
    props = {
        "ombud:status": r.status,
        "ombud:owner": r.text("owner"),
        "ombud:domain": r.text("domain"),
        "ombud:kind": r.text("kind"),
        "ombud:risk_tier": "" if r.tier is None else str(r.tier),
        "ombud:eu_ai_act_category": str(cls.get("eu_category") or ""),
        "ombud:gate": r.gate.outcome if r.gate else "",
    }
    component = Component(
        name=r.system_id,
        version=r.version,
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=r.system_id,
        description=r.text("purpose") or None,
        publisher=r.text("vendor") or None,
        properties=[Property(name=k, value=v) for k, v in props.items() if v],
    )
    for spec in r.models:
        component.components.add(_artifact(spec, ComponentType.MACHINE_LEARNING_MODEL, r.system_id))
    for spec in r.training_data:
        component.components.add(_artifact(spec, ComponentType.DATA, r.system_id))
    return component


def _model_card(r: SystemRecord) -> dict[str, Any]:
    audit = r.fairness[-1] if r.fairness else None
    metrics = []
    for group in audit.groups if audit else ():
        if group.small:
            continue  # suppressed, as in the audit's own report
        for name in KEY_METRICS:
            estimate, lower, upper = group.values.get(name, (None, None, None))
            if estimate is None:
                continue
            metric: dict[str, Any] = {
                "type": name,
                "value": f"{estimate:.6f}",
                "slice": f"{group.attribute}={group.group}",
            }
            if lower is not None and upper is not None:
                metric["confidenceInterval"] = {
                    "lowerBound": f"{lower:.6f}",
                    "upperBound": f"{upper:.6f}",
                }
            metrics.append(metric)
    failing = sorted(
        {
            (str(v.get("attribute")), str(v.get("low_group") or ""), str(v.get("rule")))
            for v in (audit.verdicts if audit else ())
            if v.get("verdict") in ("fail", "concern")
        }
    )
    considerations: dict[str, Any] = {
        "users": [f"{r.text('operator_role')} ({r.text('business_unit')})"]
        if r.text("operator_role")
        else [],
        "useCases": [r.text("purpose")] if r.text("purpose") else [],
        "technicalLimitations": [f"not for {u}" for u in r.items("out_of_scope_uses")],
        "fairnessAssessments": [
            {"groupAtRisk": f"{attribute}: {group or 'see the audit'}", "harms": f"{rule} breached"}
            for attribute, group, rule in failing
        ],
    }
    card: dict[str, Any] = {
        "bom-ref": f"{r.system_id}/model-card",
        "considerations": {k: v for k, v in considerations.items() if v},
    }
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    return card


def cyclonedx_bom(
    records: Sequence[SystemRecord],
    *,
    serial: uuid.UUID | None = None,
    timestamp: datetime | None = None,
) -> str:
    """The ML-BOM of ``records`` as CycloneDX 1.6 JSON, validated against the strict schema."""
    bom = Bom()
    if serial is not None:
        bom.serial_number = serial
    if timestamp is not None:
        bom.metadata.timestamp = timestamp
    bom.metadata.properties.add(Property(name="ombud:version", value=__version__))
    for record in records:
        bom.components.add(_component(record))
    data = json.loads(JsonV1Dot6(bom).output_as_string())
    by_ref = {r.system_id: r for r in records}
    for component in data.get("components", []):
        owner = by_ref.get(component.get("bom-ref"))
        if owner is not None:
            component["modelCard"] = _model_card(owner)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    validate_cyclonedx(text)
    return text


def validate_cyclonedx(text: str) -> None:
    """Raise :class:`CardError` when ``text`` is not a valid CycloneDX 1.6 JSON BOM."""
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise CardError(f"CycloneDX 1.6 schema violation: {error}")
