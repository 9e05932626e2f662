"""What a page shows, assembled from service calls; counting for charts, never deciding.

Every figure here is a count or a lookup over what the services return; the rules
(gate outcomes, overdue, Art. 73 clocks) are computed by the services themselves.

The dashboard must stay fast at a thousand systems and ten thousand findings: its charts
come from grouped counts computed in the database, and its lists show only the first
``URGENT_ROWS`` rows of each kind, with links to the full, filtered, paginated lists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from ombud.compliance.tiering import DEFAULT_TIER_LABELS
from ombud.services import amendment, findings, gates, incidents, reviews, systems
from ombud.services.context import AppContext
from ombud.services.monitor_queries import monitoring_counts

__all__ = [
    "PAGE_SIZE",
    "URGENT_ROWS",
    "count_bars",
    "dashboard",
    "latest_gate",
    "metric_charts",
    "pager",
    "tier_bars",
]

_SEVERITIES = ("critical", "high", "medium", "low")
_GATES = ("fail", "insufficient", "pass", "not run")
_TIERS = ("tier 1", "tier 2", "tier 3", "tier 4")
URGENT_ROWS = 15
PAGE_SIZE = 100


def pager(path: str, filters: Mapping[str, Any], offset: int, total: int) -> dict[str, Any]:
    """Links to the previous and next ``PAGE_SIZE`` rows of a list page, keeping its filters."""

    def link(start: int) -> str:
        query = {k: v for k, v in filters.items() if v not in (None, "", False)}
        if start:
            query["offset"] = start
        return f"{path}?{urlencode(query)}" if query else path

    return {
        "first": offset + 1 if total else 0,
        "last": min(offset + PAGE_SIZE, total),
        "total": total,
        "previous": link(max(0, offset - PAGE_SIZE)) if offset > 0 else None,
        "next": link(offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None,
    }


def count_bars(counts: Mapping[Any, int], order: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Bars over counts made by the database (label -> how many): known labels first in
    ``order``, each with its share of the largest; a None label reads "—"."""
    merged = Counter[str]()
    for label, count in counts.items():
        merged["—" if label is None else str(label)] += count
    order = tuple(order)
    labels = [o for o in order if o in merged] + sorted(k for k in merged if k not in order)
    top = max(merged.values(), default=1)
    return [
        {
            "label": label,
            "key": label.replace(" ", "-"),
            "count": merged[label],
            "width": round(100 * merged[label] / top, 1),
        }
        for label in labels
    ]


def tier_bars(
    counts: Mapping[Any, int], labels: Mapping[Any, str]
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Bars of systems per tier, each named with its label ("tier 1 · critical"), and the
    chart's legend: every tier of the scale, highest risk first, whether counted or not
    (the scale is what a reader needs), then "unclassified" when some are."""
    named = {**DEFAULT_TIER_LABELS, **{int(t): str(v) for t, v in labels.items() if v}}
    rows = count_bars({_tier(t): n for t, n in counts.items()}, _TIERS)
    for row in rows:
        number = row["label"].removeprefix("tier ")
        if number.isdigit() and int(number) in named:
            row["label"] = f"{row['label']} · {named[int(number)]}"
    legend = [(f"tier-{t}", f"Tier {t}: {named[t]}") for t in sorted(named)]
    if any(row["key"] == "unclassified" for row in rows):
        legend.append(("unclassified", "Unclassified: no tier until the questionnaire is answered"))
    return rows, legend


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


def latest_gate(context: AppContext, system_id: str) -> gates.GateEvaluation | None:
    return gates.latest_gate_evaluation(context, system_id)


def _tier(tier: Any) -> str:
    return f"tier {tier}" if tier is not None else "unclassified"


def dashboard(context: AppContext) -> dict[str, Any]:
    with context.shared_read():  # one transaction for the nineteen reads below
        return _dashboard(context)


def _dashboard(context: AppContext) -> dict[str, Any]:
    portfolio = systems.portfolio_counts(context)
    by_tier, tier_legend = tier_bars(portfolio.tier, portfolio.tier_label)
    gate_counts = gates.outcome_counts(context)
    finding_counts = findings.finding_counts(context)
    failing = systems.list_systems(context, gate="fail", limit=URGENT_ROWS)
    room = URGENT_ROWS - len(failing)
    insufficient = (
        systems.list_systems(context, gate="insufficient", limit=room) if room > 0 else []
    )
    # The table's rows: each system with the latest gate outcome that put it there.
    attention = [{**s.to_dict(), "gate": "fail"} for s in failing] + [
        {**s.to_dict(), "gate": "insufficient"} for s in insufficient
    ]
    return {
        "law": amendment.catalog_currency(context),
        "system_count": portfolio.total,
        "attention": attention,
        "attention_total": gate_counts.get("fail", 0) + gate_counts.get("insufficient", 0),
        "gate_counts": gate_counts,
        "by_tier": by_tier,
        "tier_legend": tier_legend,
        "by_category": count_bars(
            {c or "unclassified": n for c, n in portfolio.eu_category.items()}
        ),
        "by_status": count_bars(portfolio.status),
        "by_gate": count_bars(gate_counts, _GATES),
        "findings_by_severity": count_bars(finding_counts.open_by_severity, _SEVERITIES),
        "finding_counts": finding_counts,
        "urgent_findings": findings.urgent_findings(context, limit=URGENT_ROWS),
        "overdue": findings.list_findings(context, overdue=True, limit=URGENT_ROWS),
        "incidents": incidents.list_incidents(context, status="open", limit=URGENT_ROWS),
        "incident_total": incidents.count_incidents(context, status="open"),
        "open_reviews": reviews.list_reviews(context, status="open", limit=URGENT_ROWS),
        "review_total": reviews.count_reviews(context, status="open"),
        "monitoring": monitoring_counts(context),
    }
