"""What the system page shows: the record, its classification, gate, evidence and trail.

Kept apart from the dashboard's view: this one follows one system in depth, including
which evidence covers each of its obligations (from the coverage service, which reuses
the gate's own rule outcomes, so the page and the launch decision cannot disagree).
"""

from __future__ import annotations

from typing import Any

from ombud.compliance.catalogs import FRAMEWORKS, CatalogError
from ombud.governance import DomainError, InvalidInput
from ombud.governance.supplier import ATTACHABLE_KINDS
from ombud.services import evidence, findings, incidents, reviews, systems
from ombud.services.audit_log import iter_events
from ombud.services.context import AppContext
from ombud.services.coverage import system_coverage
from ombud.web._views import latest_gate, metric_charts

__all__ = ["EVIDENCE_CARDS", "FRAMEWORK_LABELS", "TRAIL_EVENTS", "coverage", "system_page"]

#: The newest records shown in full (charts, verdicts, every metric); older ones as a row
#: each, so a system with a hundred audits still renders in a few milliseconds.
EVIDENCE_CARDS = 20
#: The system's latest audit events on its page; `ombud audit-log` has them all.
TRAIL_EVENTS = 50

FRAMEWORK_LABELS = {
    "eu-ai-act": "EU AI Act",
    "nist-ai-rmf": "NIST AI RMF",
    "nist-ai-600-1": "NIST AI 600-1 (generative AI)",
    "iso-42001": "ISO/IEC 42001",
    "sector-rules": "Sector rules",
}


def coverage(context: AppContext, system_id: str, framework: str) -> dict[str, Any]:
    """Each applicable obligation or control of ``framework`` with the evidence that covers
    it, what is missing or stale, and the gate rules behind it, for the latest version.

    A system without a version has nothing to cover yet; that is said, not raised.
    """
    if framework not in FRAMEWORKS:
        raise InvalidInput(
            f"unknown framework '{framework}' in ?framework=; use one of {', '.join(FRAMEWORKS)}"
        )
    base: dict[str, Any] = {
        "framework": framework,
        "frameworks": [(f, FRAMEWORK_LABELS.get(f, f)) for f in FRAMEWORKS],
    }
    try:
        report = system_coverage(context, system_id, framework)
    except (DomainError, CatalogError) as exc:
        return {**base, "unavailable": str(exc), "rows": [], "counts": {}, "percent": None}
    return {
        **base,
        "unavailable": "",
        "version": report.version,
        "rows": [control.to_dict() for control in report.controls],
        "counts": report.counts(),
        "percent": report.percent,
        "classified": bool(report.extra.get("classified")),
    }


def system_page(
    context: AppContext, system_id: str, framework: str = "eu-ai-act"
) -> dict[str, Any]:
    with context.reading():  # one transaction for the dozen reads below
        return _system_page(context, system_id, framework)


def _system_page(context: AppContext, system_id: str, framework: str) -> dict[str, Any]:
    system = systems.get_system(context, system_id)  # NotFoundError -> 404 page
    # Newest first: what the gate reads now is what people look for.
    detailed, older = evidence.evidence_overview(context, system_id, full=EVIDENCE_CARDS)
    for record in detailed:
        record["charts"] = metric_charts(record["metrics"])
    return {
        "system": system,
        "evidence": detailed,
        "older_evidence": older,
        "gate": latest_gate(context, system_id),
        "coverage": coverage(context, system_id, framework),
        "reviews": reviews.list_reviews(context, system_id=system_id),
        "findings": findings.list_findings(context, system_id=system_id),
        "incidents": incidents.list_incidents(context, system_id=system_id),
        "trail": list(iter_events(context, entity_id=system_id, limit=TRAIL_EVENTS)),
        "attachable_kinds": ATTACHABLE_KINDS,
        "errors": {},
        "values": {},
    }
