"""What the system page's Monitoring tab shows: the charts of ``ombud monitor report``.

The same service builds the numbers (``services.monitor_report``, from stored windows
only) and the same code draws the SVG (``MonitorChart.svg``), so the page and the HTML
file cannot disagree. The SVG carries no script and no style attribute: the page's
Content-Security-Policy (``style-src 'self'; script-src 'self'``) lets it render as is.
A monitor with no window yet is said on the page, not raised as an error.
"""

from __future__ import annotations

from typing import Any

from ombud.governance import InvalidInput
from ombud.monitor import chart_sections
from ombud.services import systems
from ombud.services.context import AppContext
from ombud.services.monitor_queries import parse_day
from ombud.services.monitor_report import NoWindowsError, is_simulated, monitoring_report
from ombud.services.monitoring import list_monitors

__all__ = ["BY_CHOICES", "monitoring_tab"]

#: The roll-ups the tab offers ("" = the windows as stored).
BY_CHOICES = ("", "week", "month")


def monitoring_tab(
    context: AppContext,
    system_id: str,
    monitor: str = "",
    by: str = "",
    start: str = "",
    end: str = "",
) -> dict[str, Any]:
    if by not in BY_CHOICES:
        raise InvalidInput(f"?by={by!r}: use week or month, or leave it out for stored windows")
    first, last = parse_day(start, "?from="), parse_day(end, "?to=")
    system = systems.get_system(context, system_id)  # NotFoundError -> 404 page
    monitors = list_monitors(context, system_id)
    names = [m.name for m in monitors]
    chosen = monitor or (names[0] if names else "")
    base: dict[str, Any] = {
        "system": system,
        "monitors": [{"name": n, "simulated": is_simulated(n)} for n in names],
        "monitor": chosen,
        "by": by,
        "by_choices": BY_CHOICES,
        "start": start,
        "end": end,
        "report": None,
        "empty": "",
        "sections": [],
    }
    if not names:
        return base
    try:
        report = monitoring_report(context, system_id, chosen, by=by or None, start=first, end=last)
    except NoWindowsError as exc:
        return {**base, "empty": str(exc)}
    return {
        **base,
        "report": report,
        "facts": report.facts(),
        "alerts": report.alerts(),
        "sections": chart_sections(report.charts),
    }
