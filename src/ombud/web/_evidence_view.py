"""An evidence card as people read it: verdicts counted first, the numbers behind them next.

A fairness audit records a couple of hundred flat metrics (each ratio and difference with
its interval ends); listed raw they made the system page fifteen thousand pixels tall and
said nothing at a glance. A card now leads with how many rules pass, are of concern, fail
or lack data (a chart and the rules that do not pass, worst first, with their values), and
keeps every metric one click away: one row per metric with its interval beside it, the
first ``METRIC_ROWS`` of them; `ombud evidence show ID` prints them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ombud.services.evidence import Evidence
from ombud.web._explain_view import explain_charts
from ombud.web._views import count_bars, metric_charts

__all__ = ["METRIC_ROWS", "VERDICT_ORDER", "evidence_card", "metric_rows", "verdict_of"]

#: Worst first: how a card orders its verdicts.
VERDICT_ORDER = ("fail", "concern", "insufficient", "pass")
#: Rows of the full metrics table shown on the page (each with its interval).
METRIC_ROWS = 60
_ENDS = (".lower", ".upper")


def verdict_of(value: Any) -> str:
    """A stored verdict is a plain string, or a mapping with a ``verdict`` key."""
    if isinstance(value, dict):
        return str(value.get("verdict") or "")
    return str(value)


def metric_rows(metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per metric, its ``.lower``/``.upper`` folded in beside it; the broadest
    first (fewest name segments: ``fairness.rows``, then ``fairness.overall.accuracy``,
    then per-attribute figures), by name within each depth.

    An interval end whose metric was not recorded keeps a row of its own.
    """
    rows = []
    for name in sorted(metrics, key=lambda n: (n.count("."), n)):
        if name.endswith(_ENDS) and name[:-6] in metrics:
            continue
        rows.append(
            {
                "name": name,
                "value": metrics[name],
                "lower": metrics.get(f"{name}.lower"),
                "upper": metrics.get(f"{name}.upper"),
            }
        )
    return rows


def evidence_card(record: Evidence) -> dict[str, Any]:
    """``record``'s fields with what its card shows added to them."""
    metrics: dict[str, Any] = dict(record.metrics)
    verdicts = {name: verdict_of(v) for name, v in record.verdicts.items()}
    counts: dict[str, int] = {}
    for verdict in verdicts.values():
        counts[verdict] = counts.get(verdict, 0) + 1
    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    attention = [
        {
            "rule": name,
            "verdict": verdict,
            "value": metrics.get(name),
            "lower": metrics.get(f"{name}.lower"),
            "upper": metrics.get(f"{name}.upper"),
        }
        for name, verdict in sorted(
            verdicts.items(), key=lambda item: (rank.get(item[1], -1), item[0])
        )
        if verdict != "pass"
    ]
    rows = metric_rows(metrics)
    return {
        **record.to_dict(),
        "charts": metric_charts(metrics),
        "explain_charts": explain_charts(record.kind, metrics, record.parameters),
        "verdict_counts": counts,
        "verdict_bars": count_bars(counts, VERDICT_ORDER),
        "attention": attention,
        "metric_rows": rows[:METRIC_ROWS],
        "metric_count": len(rows),
    }
