"""Template filters: how dates, clocks and outcomes read on a page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jinja2

__all__ = ["install"]


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


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return "—" if value is None else str(value)


def install(env: jinja2.Environment) -> None:
    env.filters["when"] = _when
    env.filters["duration"] = _duration
    env.filters["label"] = _label
    env.filters["number"] = _number
