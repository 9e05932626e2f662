"""Inline SVG charts written as text: a report needs no library, no script and no network,
and the web page draws the very same markup from stored numbers.

Shared by the engines' HTML reports (explanations, fairness, monitoring) and the web app:
``escape`` for every label that goes into markup, and ``time_series_chart`` for values over
dates, with interval bands, reference lines and alert markers. The SVG uses presentation
attributes and classes only (no ``style`` attribute, no script), so it renders under the
web app's Content-Security-Policy (``style-src 'self'``) as it does in a standalone file.

Every point carries its exact value in ``data-value`` (``repr`` of the float) beside the
rounded label a reader sees, so a test can compare a drawn chart with an independent
computation without parsing pixel positions.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape as _html_escape

from ombud.text import visible

__all__ = [
    "PALETTE",
    "Line",
    "Marker",
    "Point",
    "Series",
    "escape",
    "nice_ticks",
    "px",
    "series_table",
    "time_series_chart",
]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
_ALERT = "#c0392b"


def escape(text: str) -> str:
    """HTML-escaped, with control characters and bidi overrides made visible."""
    return _html_escape(visible(text))


def px(x: float) -> str:
    """A coordinate as SVG text: one decimal is finer than a screen pixel."""
    return f"{x:.1f}"


@dataclass(frozen=True)
class Point:
    """One value at a moment (a window's start); ``lower``/``upper`` its interval, if any."""

    at: dt.datetime
    value: float
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class Series:
    """A named line. ``estimate`` draws it dashed and says "estimate" in the legend, so an
    estimated value is never read as a measured one."""

    name: str
    points: tuple[Point, ...]
    estimate: bool = False


@dataclass(frozen=True)
class Line:
    """A horizontal reference: a threshold, a tolerated band's edge, zero."""

    label: str
    value: float


@dataclass(frozen=True)
class Marker:
    """An alert: a vertical mark at ``at`` with what was raised there."""

    at: dt.datetime
    label: str


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values within [low, high] (steps of 1, 2, 2.5 or 5 × 10^k)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(k * step, 12) + 0.0 for k in range(first, last + 1)]


def _finite(*values: float | None) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _extent(series: Sequence[Series], lines: Sequence[Line]) -> tuple[float, float]:
    values = [v for s in series for p in s.points for v in _finite(p.value, p.lower, p.upper)]
    values += _finite(*(line.value for line in lines))
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    pad = (high - low) * 0.05 or max(abs(high) * 0.1, 0.05)
    return low - pad, high + pad


def _time_extent(series: Sequence[Series], markers: Sequence[Marker]) -> tuple[float, float]:
    moments = [p.at.timestamp() for s in series for p in s.points] + [
        m.at.timestamp() for m in markers
    ]
    if not moments:
        now = dt.datetime.now(dt.UTC).timestamp()
        return now - 86400, now
    low, high = min(moments), max(moments)
    if high == low:
        low, high = low - 86400, high + 86400
    return low, high


def _date_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if count < 2:
        return [low]
    step = (high - low) / (count - 1)
    return [low + i * step for i in range(count)]


def _fmt(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "n/a"


def _segments(points: Sequence[Point], banded: bool) -> list[list[Point]]:
    """Runs of consecutive points with a finite value (and a finite interval when
    ``banded``): a gap in the data is a gap in the line, not a straight line across it."""
    runs: list[list[Point]] = [[]]
    for p in points:
        ok = math.isfinite(p.value)
        if banded:
            ok = ok and bool(_finite(p.lower)) and bool(_finite(p.upper))
        if ok:
            runs[-1].append(p)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def time_series_chart(
    title: str,
    series: Sequence[Series],
    *,
    y_label: str,
    lines: Sequence[Line] = (),
    markers: Sequence[Marker] = (),
    chart_id: str = "chart",
    description: str = "",
    width: int = 720,
    height: int = 250,
) -> str:
    """Values over dates: one line per series with its interval band, dashed reference
    lines, alert markers, date and value axes, a legend. Scales to its container's width
    (``viewBox``); the title and description are the accessible name (``aria-labelledby``)."""
    left, right, top, bottom = 64, 16, 12, 46
    legend_rows = math.ceil((len(series) + len(lines) + (1 if markers else 0)) / 3)
    full = height + 18 * legend_rows
    span_x, span_y = width - left - right, height - top - bottom
    y_low, y_high = _extent(series, lines)
    t_low, t_high = _time_extent(series, markers)

    def x(at: dt.datetime) -> float:
        return left + span_x * (at.timestamp() - t_low) / (t_high - t_low)

    def y(v: float) -> float:
        return top + span_y * (1 - (min(max(v, y_low), y_high) - y_low) / (y_high - y_low))

    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    desc = description or f"{title}: {len(series)} series over time"
    parts = [
        f'<svg viewBox="0 0 {width} {full}" width="100%" '
        f'role="img" aria-labelledby="{escape(tid)} {escape(did)}" class="ts-chart" '
        f'id="{escape(chart_id)}" font-family="sans-serif">',
        f'<title id="{escape(tid)}">{escape(title)}</title>',
        f'<desc id="{escape(did)}">{escape(desc)}</desc>',
        f'<rect x="{left}" y="{top}" width="{span_x}" height="{span_y}" fill="#fff" '
        'stroke="#bbb"/>',
    ]
    for tick in nice_ticks(y_low, y_high):
        ty = px(y(tick))
        parts.append(
            f'<line x1="{left}" y1="{ty}" x2="{width - right}" y2="{ty}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{px(y(tick) + 4)}" font-size="11" text-anchor="end" '
            f'fill="#333">{tick:.4g}</text>'
        )
    ticks = _date_ticks(t_low, t_high)
    for k, moment in enumerate(ticks):
        tx = left + span_x * (moment - t_low) / (t_high - t_low)
        day = dt.datetime.fromtimestamp(moment, dt.UTC).date().isoformat()
        # The last label ends at its tick, so it stays inside the drawing.
        anchor = "end" if k == len(ticks) - 1 and k > 0 else "middle"
        parts.append(
            f'<line x1="{px(tx)}" y1="{top + span_y}" x2="{px(tx)}" y2="{top + span_y + 5}" '
            f'stroke="#666"/><text x="{px(tx)}" y="{top + span_y + 18}" font-size="11" '
            f'text-anchor="{anchor}" fill="#333" class="x-tick">{day}</text>'
        )
    parts.append(
        f'<text x="14" y="{px(top + span_y / 2)}" font-size="11" text-anchor="middle" '
        f'fill="#333" transform="rotate(-90 14 {px(top + span_y / 2)})">{escape(y_label)}</text>'
        f'<text x="{px(left + span_x / 2)}" y="{top + span_y + 34}" font-size="11" '
        'text-anchor="middle" fill="#333">window start (UTC)</text>'
    )
    for line in lines:
        if not math.isfinite(line.value):
            continue
        ly = px(y(line.value))
        parts.append(
            f'<line x1="{left}" y1="{ly}" x2="{width - right}" y2="{ly}" stroke="#555" '
            f'stroke-dasharray="6 3" class="ref-line" data-value="{float(line.value)!r}">'
            f"<title>{escape(line.label)}: {_fmt(line.value)}</title></line>"
        )
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        for run in _segments(s.points, banded=True):
            upper = [f"{px(x(p.at))},{px(y(p.upper or 0.0))}" for p in run]
            lower = [f"{px(x(p.at))},{px(y(p.lower or 0.0))}" for p in reversed(run)]
            if len(run) == 1:  # a lone interval: a whisker, a band needs two points
                parts.append(
                    f'<line x1="{upper[0].split(",")[0]}" y1="{upper[0].split(",")[1]}" '
                    f'x2="{lower[0].split(",")[0]}" y2="{lower[0].split(",")[1]}" '
                    f'stroke="{colour}" stroke-opacity="0.5" stroke-width="3" class="band"/>'
                )
                continue
            parts.append(
                f'<polygon points="{" ".join(upper + lower)}" fill="{colour}" '
                f'fill-opacity="0.15" stroke="none" class="band"/>'
            )
        dash = ' stroke-dasharray="5 3"' if s.estimate else ""
        for run in _segments(s.points, banded=False):
            if len(run) > 1:
                points = " ".join(f"{px(x(p.at))},{px(y(p.value))}" for p in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    f'stroke-width="1.5"{dash}/>'
                )
        name = escape(s.name)
        for p in s.points:
            if not math.isfinite(p.value):
                continue
            interval = ""
            if _finite(p.lower) and _finite(p.upper):
                interval = f" [{_fmt(p.lower or 0.0)}, {_fmt(p.upper or 0.0)}]"
            bounds = "".join(
                f' data-{k}="{float(v or 0.0)!r}"'
                for k, v in (("lower", p.lower), ("upper", p.upper))
                if _finite(v)
            )
            parts.append(
                f'<circle cx="{px(x(p.at))}" cy="{px(y(p.value))}" r="2.5" fill="{colour}" '
                f'class="pt" data-series="{name}" data-at="{p.at.isoformat()}" '
                f'data-value="{float(p.value)!r}"{bounds}><title>{name} '
                f"{p.at.date().isoformat()}: {_fmt(p.value)}{interval}</title></circle>"
            )
    for m in markers:
        mx = px(x(m.at))
        parts.append(
            f'<g class="alert" data-at="{m.at.isoformat()}"><line x1="{mx}" y1="{top}" x2="{mx}" '
            f'y2="{top + span_y}" stroke="{_ALERT}" stroke-width="1.5"/>'
            f'<path d="M{mx},{top + 9} l-5,-9 h10 z" fill="{_ALERT}"/>'
            f"<title>{escape(m.label)} ({m.at.date().isoformat()})</title></g>"
        )
    entries = [
        (PALETTE[i % len(PALETTE)], s.name, s.estimate, "series") for i, s in enumerate(series)
    ]
    entries += [("#555", line.label, True, "line") for line in lines if math.isfinite(line.value)]
    if markers:
        entries.append((_ALERT, "alert raised", False, "alert"))
    column = (width - left) / 3
    for k, (colour, label, dashed, kind) in enumerate(entries):
        gx, gy = left + column * (k % 3), height + 18 * (k // 3)
        pattern = ' stroke-dasharray="5 3"' if dashed else ""
        mark = (
            f'<line x1="{px(gx)}" y1="{gy - 4}" x2="{px(gx + 18)}" y2="{gy - 4}" stroke="{colour}" '
            f'stroke-width="2"{pattern}/>'
        )
        entry = f"{label} (estimate)" if dashed and kind == "series" else label
        parts.append(
            f'<g class="legend-{kind}">{mark}<text x="{px(gx + 24)}" y="{gy}" font-size="11" '
            f'fill="#333">{escape(entry)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def series_table(title: str, series: Sequence[Series], *, value_label: str = "value") -> str:
    """The chart's numbers as an HTML table: the fallback for a reader without the chart
    (a screen reader, a printout) and the place to copy a value from."""
    rows = []
    for s in series:
        kind = "estimate" if s.estimate else "measured"
        for p in s.points:
            lower = "" if p.lower is None else _fmt(p.lower)
            upper = "" if p.upper is None else _fmt(p.upper)
            rows.append(
                f"<tr><td>{p.at.date().isoformat()}</td><td>{escape(s.name)}</td><td>{kind}</td>"
                f"<td>{_fmt(p.value)}</td><td>{lower}</td><td>{upper}</td></tr>"
            )
    return (
        f'<table class="chart-table"><caption>{escape(title)}</caption><thead><tr>'
        f"<th>window start</th><th>series</th><th>kind</th><th>{escape(value_label)}</th>"
        "<th>lower</th><th>upper</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
