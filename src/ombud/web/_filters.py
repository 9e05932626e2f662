"""Template filters: how dates, clocks, outcomes and measured numbers read on a page.

Numbers are for people: a count reads 6172 (never 6.17e+03), a ratio or a score three
significant digits, a rate (selection rate, FPR, attack success rate...) a percentage,
a difference of two rates percentage points. The kind is read from the metric's name.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import jinja2

__all__ = ["format_metric", "format_number", "install"]

#: Measures that are a share of something (count over count), shown as percentages.
#: The classification rates of ombud.stats, the red team's success rate and the
#: detectors' precision and recall.
RATE_MEASURES = frozenset(
    {
        "selection_rate",
        "prevalence",
        "tpr",
        "fnr",
        "fpr",
        "tnr",
        "ppv",
        "fdr",
        "npv",
        "for",
        "accuracy",
        "balanced_accuracy",
        "attack_success_rate",
        "precision",
        "recall",
    }
)
_INTERVAL_ENDS = ("lower", "upper")


def _when(value: Any) -> str:
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment.tzinfo else moment.isoformat()


def _duration(seconds: Any) -> str:
    if seconds is None:
        return ""
    total = int(seconds)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours = rest // 3600
    return f"{sign}{days} d {hours} h"


def _label(value: Any) -> str:
    return str(value).replace("_", " ") if value is not None else "—"


def _significant(value: float) -> str:
    """Three significant digits, never in exponent form for everyday magnitudes."""
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= 3:  # 12345.6 -> 12346: digits after the point would mean nothing
        return f"{value:.0f}"
    if magnitude < -6:
        return f"{value:.2e}"
    return f"{value:.{2 - magnitude}f}"


def format_number(value: Any) -> str:
    """A plain number for people: whole numbers in full, others to 3 significant digits."""
    if value is None or isinstance(value, bool):
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, float):
        return str(value)
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return _significant(value)


def _measure(name: str) -> tuple[str, str]:
    """(measure, statistic) of a flat metric name: the segment that says what was
    measured, and how it was summarised (ratio_min, difference_max, or "")."""
    parts = name.split(".")
    if parts and parts[-1] in _INTERVAL_ENDS:
        parts = parts[:-1]
    if parts and parts[-1] in ("ratio_min", "difference_max"):
        return (parts[-2] if len(parts) > 1 else "", parts[-1])
    return (parts[-1] if parts else "", "")


def format_metric(value: Any, name: str = "") -> str:
    """A measured value as people read it, given the metric's flat name."""
    if not isinstance(value, float) or math.isnan(value) or math.isinf(value):
        return format_number(value)
    measure, statistic = _measure(name)
    if statistic == "ratio_min":  # 1.0 reads 1.00 beside 0.553: the same precision
        return _significant(value)
    if measure in RATE_MEASURES and statistic == "":
        return f"{_significant(100 * value)}%"
    if measure in RATE_MEASURES and statistic == "difference_max":
        return f"{_significant(100 * value)} pp"
    return format_number(value)


def install(env: jinja2.Environment) -> None:
    env.filters["when"] = _when
    env.filters["duration"] = _duration
    env.filters["label"] = _label
    env.filters["number"] = format_number
    env.filters["metric"] = format_metric
