"""Inline SVG charts for the HTML report, written as text so the report needs no library,
no script and no network: a dot with whiskers per group, and calibration curves.

Every label is escaped here, because the returned markup is inserted into the page as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ombud.charts import PALETTE, escape
from ombud.charts import px as _num

__all__ = ["calibration_chart", "interval_chart"]


def interval_chart(
    title: str,
    rows: Sequence[tuple[str, float, float, float]],
    *,
    width: int = 560,
    row_height: int = 22,
) -> str:
    """One row per group: a dot at the value and a whisker from lower to upper, on [0, 1]."""
    left, right, top = 190, 20, 28
    height = top + row_height * len(rows) + 30
    span = width - left - right

    def x(v: float) -> float:
        return left + span * min(max(v, 0.0), 1.0)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="4" y="16" class="t">{escape(title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        tx = _num(x(tick))
        parts.append(
            f'<line x1="{tx}" y1="{top - 4}" x2="{tx}" y2="{height - 26}" class="grid"/>'
            f'<text x="{tx}" y="{height - 10}" class="tick" text-anchor="middle">{tick:g}</text>'
        )
    for i, (label, value, lower, upper) in enumerate(rows):
        y = top + row_height * i + row_height / 2
        parts.append(
            f'<text x="{left - 8}" y="{_num(y + 4)}" text-anchor="end" class="lab">'
            f"{escape(label)}</text>"
        )
        if math.isfinite(lower) and math.isfinite(upper):
            parts.append(
                f'<line x1="{_num(x(lower))}" y1="{_num(y)}" x2="{_num(x(upper))}" '
                f'y2="{_num(y)}" class="ci"/>'
            )
        if math.isfinite(value):
            parts.append(
                f'<circle cx="{_num(x(value))}" cy="{_num(y)}" r="4" class="pt">'
                f"<title>{escape(label)}: {value:.3f} [{lower:.3f}, {upper:.3f}]</title></circle>"
            )
        else:
            parts.append(f'<text x="{left + 4}" y="{_num(y + 4)}" class="na">undefined</text>')
    parts.append("</svg>")
    return "".join(parts)


def calibration_chart(
    title: str, curves: Sequence[tuple[str, Sequence[tuple[float, float]]]], *, size: int = 320
) -> str:
    """Mean score (x) against the observed positive fraction (y) per group; the diagonal is
    perfect calibration."""
    pad = 36
    span = size - 2 * pad

    def px(v: float) -> str:
        return _num(pad + span * v)

    def py(v: float) -> str:
        return _num(size - pad - span * v)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 180}" height="{size}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="4" y="16" class="t">{escape(title)}</text>',
        f'<rect x="{pad}" y="{pad}" width="{span}" height="{span}" class="frame"/>',
        f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}" class="diag"/>',
        f'<text x="{size / 2}" y="{size - 6}" class="tick" text-anchor="middle">mean score</text>',
        f'<text x="10" y="{size / 2}" class="tick" transform="rotate(-90 10 {size / 2})" '
        'text-anchor="middle">fraction positive</text>',
    ]
    for i, (label, points) in enumerate(curves):
        colour = PALETTE[i % len(PALETTE)]
        finite = [(a, b) for a, b in points if math.isfinite(a) and math.isfinite(b)]
        if finite:
            path = " ".join(f"{px(a)},{py(b)}" for a, b in finite)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.6"/>'
            )
        ly = pad + 14 * i
        parts.append(
            f'<rect x="{size + 4}" y="{ly}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{size + 18}" y="{ly + 9}" class="lab">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
