"""The threshold trade-off as one self-contained HTML page (no script, no network).

What a reviewer needs on one page: which option is recommended and why, every option with
its numbers and intervals, the legal flags with their citations and how they were read,
and the frontier charts. Everything shown is escaped.
"""

from __future__ import annotations

import math
from html import escape as _html_escape
from typing import TYPE_CHECKING

from ombud.fairness.mitigate._svg import Marker, frontier_chart
from ombud.text import visible

if TYPE_CHECKING:
    from ombud.fairness.mitigate._result import ThresholdTradeoffs

__all__ = ["CHART_GAPS", "to_html"]

CHART_GAPS = ("selection_rate_difference", "impact_ratio", "tpr_difference", "fpr_difference")
_TABLE: tuple[str, ...] = ("utility", "accuracy", "selection_rate", "impact_ratio")
_TABLE += ("tpr_difference", "fpr_difference", "equalized_odds_difference")


def _e(text: object) -> str:
    return _html_escape(visible(str(text)))


def _value(value: float, interval: tuple[float, float] | None) -> str:
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:.4f}"
    if interval and all(math.isfinite(v) for v in interval):
        text += f" [{interval[0]:.4f}, {interval[1]:.4f}]"
    return text


def charts(result: ThresholdTradeoffs) -> list[str]:
    frame = result.frontier
    out = []
    for gap in CHART_GAPS:
        points = list(zip(frame[gap], frame["utility"], strict=True))
        pareto_rows = frame[frame[f"pareto_{gap}"]]
        pareto = list(zip(pareto_rows[gap], pareto_rows["utility"], strict=True))
        markers: list[Marker] = [
            (o.name, o.metrics[gap], o.metrics["utility"], result.legal.blocked(o.name))
            for o in result.options
            if o.feasible
        ]
        out.append(frontier_chart(gap, points, pareto, markers))
    return out


def to_html(result: ThresholdTradeoffs) -> str:
    legal = result.legal
    rows = []
    for option in result.options:
        blocked = legal.blocked(option.name)
        mark = " ★ recommended" if option.name == legal.recommended else ""
        mark += " ✖ blocked" if blocked else ""
        kind = (
            "randomised"
            if option.randomised
            else ("group-specific" if option.group_specific else "group-blind")
        )
        cells = "".join(
            f"<td>{_e(_value(option.metrics[m], option.intervals.get(m)))}</td>" for m in _TABLE
        )
        feasible = "" if option.feasible else " (infeasible)"
        rows.append(
            f"<tr><td><b>{_e(option.name)}</b>{_e(mark)}{_e(feasible)}<br><small>"
            f"{_e(option.rule)}</small></td><td>{_e(kind)}</td>{cells}</tr>"
        )
    flags = "".join(
        f"<tr><td>{_e(f.option)}</td><td>{_e(f.status)}</td><td>{_e(f.provision.citation)}"
        f"</td><td>{_e(f.reading)}<br><small>{_e(f.provision.paraphrase)}</small></td><td>"
        f"{'yes' if f.provision.verified else 'no: ' + _e(f.provision.source)}</td></tr>"
        for f in legal.flags
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in legal.notes)
    ctx = legal.context
    context = (
        f"domain {_e(ctx.domain or 'unknown')}, jurisdictions "
        f"{_e(', '.join(sorted(ctx.jurisdictions)) or 'unknown')}"
        + (f", classification {_e(ctx.classification)}" if ctx.classification else "")
    )
    head = "".join(f"<th>{_e(m)}</th>" for m in _TABLE)
    level = f"{result.confidence:.0%}" if result.n_boot else "no"
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Threshold trade-offs</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px;font-size:13px;vertical-align:top}</style>"
        "</head><body><h1>Threshold trade-offs</h1>"
        f"<p>{_e(', '.join(result.histograms.attributes))}: {len(result.groups)} groups, "
        f"{int(result.histograms.rows.sum())} rows, {len(result.frontier)} candidate "
        f"thresholds; {level} bootstrap intervals ({result.n_boot} replicates). "
        f"Context: {context}.</p>"
        f"<p><b>Recommended:</b> {_e(legal.recommended or 'none')}: {_e(legal.why)}</p>"
        f"<ul>{notes}</ul>"
        f"<h2>Options</h2><table><tr><th>option</th><th>kind</th>{head}</tr>"
        f"{''.join(rows)}</table>"
        "<h2>Legal flags</h2><table><tr><th>option</th><th>status</th><th>provision</th>"
        f"<th>reading</th><th>verified</th></tr>{flags}</table>"
        "<p><small>A reading of the law to discuss with counsel, not legal advice.</small></p>"
        f"<h2>Frontier</h2>{''.join(charts(result))}</body></html>"
    )
