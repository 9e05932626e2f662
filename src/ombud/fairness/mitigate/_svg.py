"""The trade-off frontier as an inline SVG: utility against one fairness gap.

Written as text like the explanation charts (``ombud.explain._svg``): no plotting library,
no script, no network, so the HTML report opens anywhere and the evidence stores it as is.
Every candidate threshold is a grey dot, the Pareto set a line, and each option a labelled
ring (red when a legal flag blocks it). Labels are escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape as _html_escape

from ombud.text import visible

__all__ = ["Marker", "frontier_chart"]

#: (label, gap, utility, blocked)
Marker = tuple[str, float, float, bool]


def _escape(text: str) -> str:
    return _html_escape(visible(text))


def _n(x: float) -> str:
    return f"{x:.1f}"


def _bounds(values: Sequence[float]) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    if high - low == 0:
        return low - 0.5, high + 0.5
    pad = (high - low) * 0.04
    return low - pad, high + pad


def frontier_chart(
    gap_name: str,
    points: Sequence[tuple[float, float]],
    pareto: Sequence[tuple[float, float]],
    markers: Sequence[Marker],
    *,
    width: int = 640,
    height: int = 320,
) -> str:
    """Candidates (gap, utility) as dots, the Pareto set as a line, options as rings."""
    left, right, top, bottom = 56, 230, 24, 40
    xs = [p[0] for p in points] + [m[1] for m in markers]
    ys = [p[1] for p in points] + [m[2] for m in markers]
    x0, x1 = _bounds(xs)
    y0, y1 = _bounds(ys)

    def x(v: float) -> float:
        return left + (width - left - right) * (v - x0) / (x1 - x0)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1.0 - (v - y0) / (y1 - y0))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{_escape(f"utility against {gap_name}")}">',
        f'<text x="{left}" y="16" font-size="13">utility against {_escape(gap_name)}</text>',
        f'<line x1="{left}" y1="{_n(height - bottom)}" x2="{_n(width - right)}" '
        f'y2="{_n(height - bottom)}" stroke="#555"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{_n(height - bottom)}" stroke="#555"/>',
        f'<text x="{_n((left + width - right) / 2)}" y="{height - 8}" font-size="11" '
        f'text-anchor="middle">{_escape(gap_name)}</text>',
    ]
    for value, anchor in ((x0, "start"), (x1, "end")):
        parts.append(
            f'<text x="{_n(x(value))}" y="{_n(height - bottom + 14)}" font-size="10" '
            f'text-anchor="{anchor}">{value:.3g}</text>'
        )
    for value in (y0, y1):
        parts.append(
            f'<text x="{left - 4}" y="{_n(y(value) + 4)}" font-size="10" '
            f'text-anchor="end">{value:.3g}</text>'
        )
    for gx, gy in points:
        if math.isfinite(gx) and math.isfinite(gy):
            parts.append(f'<circle cx="{_n(x(gx))}" cy="{_n(y(gy))}" r="1.6" fill="#bbb"/>')
    line = sorted((gx, gy) for gx, gy in pareto if math.isfinite(gx) and math.isfinite(gy))
    if len(line) > 1:
        path = " ".join(f"{_n(x(gx))},{_n(y(gy))}" for gx, gy in line)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f6feb" stroke-width="1.5"/>')
    for i, (label, gx, gy, blocked) in enumerate(markers):
        if not (math.isfinite(gx) and math.isfinite(gy)):
            continue
        colour = "#d1242f" if blocked else "#1a7f37"
        parts.append(
            f'<circle cx="{_n(x(gx))}" cy="{_n(y(gy))}" r="5" fill="none" stroke="{colour}" '
            'stroke-width="2"/>'
        )
        parts.append(f'<text x="{_n(x(gx) + 7)}" y="{_n(y(gy) + 4)}" font-size="10">{i + 1}</text>')
        parts.append(
            f'<text x="{width - right + 8}" y="{top + 14 * i + 10}" font-size="10" '
            f'fill="{colour}">{i + 1} {_escape(label)}{" (blocked)" if blocked else ""}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
