"""What a page shows, assembled from service calls; counting for charts, never deciding.

Every figure here is a count or a lookup over what the services return; the rules
(gate outcomes, overdue, Art. 73 clocks) are computed by the services themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ombud.services import findings, gates, incidents, reviews, systems
from ombud.services.context import AppContext

__all__ = ["bars", "dashboard", "latest_gate", "metric_charts"]

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


# Where the plot area of a metric chart starts and how wide it is, in % of the SVG width.
_PLOT_LEFT, _PLOT_WIDTH = 45.0, 50.0


def _x(value: float, top: float) -> float:
    return round(_PLOT_LEFT + _PLOT_WIDTH * min(max(value, 0.0), top) / top, 2)


def metric_charts(metrics: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Disparity ratios with their confidence intervals, and attack success rates, laid
    out for an SVG: a ratio's point and interval on [0, 1.25] with the 0.8 line of the
    four-fifths rule as a reference; a success rate as a bar on [0, 1]."""
    ratios = []
    for name, value in sorted(metrics.items()):
        lower, upper = metrics.get(f"{name}.lower"), metrics.get(f"{name}.upper")
        if not name.endswith(".ratio_min") or value is None or lower is None or upper is None:
            continue
        top = max(1.25, float(upper))
        ratios.append(
            {
                "name": name.removesuffix(".ratio_min"),
                "value": value,
                "lower": lower,
                "upper": upper,
                "x": _x(value, top),
                "x_lower": _x(lower, top),
                "x_upper": _x(upper, top),
                "x_reference": _x(0.8, top),
                "below": upper < 0.8,
            }
        )
    rates = [
        {
            "name": name.removesuffix(".attack_success_rate"),
            "value": value,
            "width": round(_PLOT_WIDTH * min(max(float(value), 0.0), 1.0), 2),
        }
        for name, value in sorted(metrics.items())
        if name.endswith(".attack_success_rate") and value is not None
    ]
    return {"ratios": ratios, "rates": rates}


def latest_gate(context: AppContext, system_id: str) -> dict[str, Any] | None:
    runs = gates.list_gate_evaluations(context, system_id)
    return runs[-1] if runs else None


def dashboard(context: AppContext) -> dict[str, Any]:
    portfolio = systems.list_systems(context)
    for item in portfolio:
        latest = latest_gate(context, item["id"])
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
