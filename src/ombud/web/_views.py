"""What a page shows, assembled from service calls; counting for charts, never deciding.

Every figure here is a count or a lookup over what the services return; the rules
(gate outcomes, overdue, Art. 73 clocks) are computed by the services themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ombud.services import evidence, findings, gates, incidents, reviews, systems
from ombud.services.audit_log import iter_events
from ombud.services.context import AppContext

__all__ = ["bars", "dashboard", "system_page"]

_SEVERITIES = ("critical", "high", "medium", "low")
_OPEN_FINDING = frozenset({"open", "in_remediation"})


def bars(values: Iterable[Any], order: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Counts per label, known labels first in ``order``, each with its share of the largest."""
    counts = Counter("—" if v is None else str(v) for v in values)
    labels = [o for o in order if o in counts] + sorted(k for k in counts if k not in order)
    top = max(counts.values(), default=1)
    return [
        {"label": label, "count": counts[label], "width": round(100 * counts[label] / top, 1)}
        for label in labels
    ]


def _latest_gate(context: AppContext, system_id: str) -> dict[str, Any] | None:
    runs = gates.list_gate_evaluations(context, system_id)
    return runs[-1] if runs else None


def dashboard(context: AppContext) -> dict[str, Any]:
    portfolio = systems.list_systems(context)
    for item in portfolio:
        latest = _latest_gate(context, item["id"])
        item["gate"] = latest["outcome"] if latest else "not run"
    all_findings = findings.list_findings(context)
    open_findings = [f for f in all_findings if f["status"] in _OPEN_FINDING]
    return {
        "systems": portfolio,
        "by_tier": bars(
            (f"tier {s['tier']}" if s["tier"] is not None else "unclassified" for s in portfolio),
            ("tier 1", "tier 2", "tier 3", "tier 4"),
        ),
        "by_category": bars(s["eu_category"] or "unclassified" for s in portfolio),
        "by_status": bars(s["status"] for s in portfolio),
        "by_gate": bars((s["gate"] for s in portfolio), ("fail", "insufficient", "pass")),
        "findings_by_severity": bars((f["severity"] for f in open_findings), _SEVERITIES),
        "open_findings": open_findings,
        "overdue": [f for f in open_findings if f["overdue"]],
        "incidents": incidents.list_incidents(context, status="open"),
        "open_reviews": reviews.list_reviews(context, status="open"),
    }


def system_page(context: AppContext, system_id: str) -> dict[str, Any]:
    system = systems.get_system(context, system_id)  # NotFoundError -> 404 page
    return {
        "system": system,
        "evidence": evidence.list_evidence(context, system_id),
        "gate": _latest_gate(context, system_id),
        "reviews": reviews.list_reviews(context, system_id=system_id),
        "findings": findings.list_findings(context, system_id=system_id),
        "incidents": incidents.list_incidents(context, system_id=system_id),
        "trail": list(iter_events(context, entity_id=system_id, limit=100)),
    }
