"""A monitoring report as ONE self-contained HTML file: inline SVG, inline CSS, no script,
no link to anything outside the file, so it can be mailed, archived as evidence or opened
offline years later and still show what it showed.

The page states first what the numbers are (real or SIMULATED data, which windows, which
check settings), then the charts section by section, each with its table of numbers folded
beneath it for a reader who cannot see the chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
import markupsafe

from ombud.monitor._charts import DRIFT, FAIRNESS, PERFORMANCE, MonitorChart
from ombud.text import visible_value

__all__ = ["SECTIONS", "chart_sections", "report_html"]

#: The report's sections: key, heading, what it shows.
SECTIONS = (
    (DRIFT, "Drift", "Each feature's distribution against the reference window."),
    (PERFORMANCE, "Performance", "Measured on labelled rows; estimates are dashed and say so."),
    (FAIRNESS, "Fairness gaps", "Each group's rate minus the reference group's, per window."),
)

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("ombud.monitor", "templates"),
    autoescape=True,
    finalize=visible_value,
    undefined=jinja2.StrictUndefined,
)


def chart_sections(charts: Sequence[MonitorChart]) -> list[dict[str, Any]]:
    """The charts by section, each with its SVG and its table as markup ready to insert
    (the HTML file and the web page lay out the same list)."""
    sections = []
    for key, heading, about in SECTIONS:
        items = [
            {
                "chart": c,
                # svg() and table() escape every label they write.
                "svg": markupsafe.Markup(c.svg()),
                "table": markupsafe.Markup(c.table()),
            }
            for c in charts
            if c.section == key
        ]
        sections.append({"key": key, "heading": heading, "about": about, "items": items})
    return sections


def report_html(
    charts: Sequence[MonitorChart],
    *,
    title: str,
    facts: Sequence[tuple[str, str]] = (),
    verdicts: Mapping[str, str] | None = None,
    alerts: Sequence[str] = (),
    notes: Sequence[str] = (),
    simulated: bool = False,
) -> str:
    """The report page; every label was escaped by the chart code or by Jinja."""
    return _ENV.get_template("report.html.j2").render(
        title=title,
        facts=list(facts),
        verdicts=dict(verdicts or {}),
        alerts=list(alerts),
        notes=list(notes),
        simulated=simulated,
        sections=chart_sections(charts),
    )
