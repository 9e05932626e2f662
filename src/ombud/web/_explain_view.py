"""The charts of an explanation evidence card, drawn on the server from its stored metrics.

An ``explainability_report`` records flat metrics (``explain.importance.{feature}``,
``explain.gap.{attribute}.{feature}.contribution`` with ``.lower``/``.upper``); this reads
them back into the same inline SVG bar charts the ``ombud explain --format html`` report
draws (``ombud.explain.bar_chart``), so the page needs no script and no network, and shows
exactly what was recorded, not a re-run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import markupsafe

from ombud.explain import EVIDENCE_KIND, Bar, bar_chart

__all__ = ["MAX_BARS", "explain_charts"]

#: Features drawn per chart, largest first; every metric stays in the card's table.
MAX_BARS = 15
_IMPORTANCE = "explain.importance."


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _largest(rows: list[Bar]) -> list[Bar]:
    return sorted(rows, key=lambda row: (-abs(row[1]), row[0]))[:MAX_BARS]


def explain_charts(
    kind: str, metrics: Mapping[str, Any], parameters: Mapping[str, Any]
) -> list[markupsafe.Markup]:
    """Global importance and, per attribute, the gap contributions with their intervals
    (a gap in mean output, ``explain.gap.*``, and in a thresholded rate, ``explain.rate_gap.*``)."""
    if kind != EVIDENCE_KIND:
        return []
    importance: list[Bar] = []
    gaps: dict[str, list[Bar]] = {}
    rate_gaps: dict[str, list[Bar]] = {}
    for name, raw in metrics.items():
        value = _number(raw)
        if value is None:
            continue
        if name.startswith(_IMPORTANCE):
            importance.append((name.removeprefix(_IMPORTANCE), value, None, None))
            continue
        parts = name.split(".")
        kinds = {"gap": gaps, "rate_gap": rate_gaps}
        if len(parts) == 5 and parts[0] == "explain" and parts[1] in kinds:
            if parts[4] != "contribution":
                continue
            lower, upper = (
                _number(metrics.get(f"{name}.lower")),
                _number(metrics.get(f"{name}.upper")),
            )
            kinds[parts[1]].setdefault(parts[2], []).append((parts[3], value, lower, upper))
    output = str(parameters.get("output") or "output")
    charts = []
    if importance:
        title = f"Global importance: mean |attribution| ({output})"
        charts.append(bar_chart(title, _largest(importance)))
    stored = parameters.get("gap")
    pair: Mapping[str, Any] = stored if isinstance(stored, Mapping) else {}
    for attribute, rows in sorted(gaps.items()):
        groups = f" {pair.get('a')} - {pair.get('b')}" if pair.get("a") is not None else ""
        gap = _number(metrics.get(f"explain.gap.{attribute}.gap"))
        measured = f" = {gap:.3g}" if gap is not None else ""
        title = f"{attribute} gap{groups}{measured}: contribution per feature, with intervals"
        charts.append(bar_chart(title, _largest(rows)))
    stored = parameters.get("rate_gap")
    pair = stored if isinstance(stored, Mapping) else {}
    for attribute, rows in sorted(rate_gaps.items()):
        groups = f" {pair.get('a')} - {pair.get('b')}" if pair.get("a") is not None else ""
        gap = _number(metrics.get(f"explain.rate_gap.{attribute}.gap"))
        measured = f" = {gap:.3g}" if gap is not None else ""
        rate = str(parameters.get("rate") or "selection")
        title = f"{attribute} {rate} rate gap{groups}{measured}: share per feature, with intervals"
        charts.append(bar_chart(title, _largest(rows)))
    # bar_chart escapes every label and title it writes.
    return [markupsafe.Markup(svg) for svg in charts]
