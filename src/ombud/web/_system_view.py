"""What the system page shows: the record, its classification, gate, evidence and trail.

Kept apart from the dashboard's view: this one follows one system in depth, including
which evidence covers each of its obligations (from the coverage service, which reuses
the gate's own rule outcomes, so the page and the launch decision cannot disagree).
"""

from __future__ import annotations

from typing import Any

from ombud.governance.supplier import ATTACHABLE_KINDS
from ombud.services import evidence, findings, incidents, reviews, systems
from ombud.services.audit_log import iter_events
from ombud.services.context import AppContext
from ombud.web._views import latest_gate, metric_charts

__all__ = ["system_page"]


def system_page(context: AppContext, system_id: str) -> dict[str, Any]:
    system = systems.get_system(context, system_id)  # NotFoundError -> 404 page
    records = evidence.list_evidence(context, system_id)
    for record in records:
        record["charts"] = metric_charts(record["metrics"])
    return {
        "system": system,
        "evidence": records,
        "gate": latest_gate(context, system_id),
        "reviews": reviews.list_reviews(context, system_id=system_id),
        "findings": findings.list_findings(context, system_id=system_id),
        "incidents": incidents.list_incidents(context, system_id=system_id),
        "trail": list(iter_events(context, entity_id=system_id, limit=100)),
        "attachable_kinds": ATTACHABLE_KINDS,
        "errors": {},
        "values": {},
    }
