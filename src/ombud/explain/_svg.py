"""An inline SVG bar chart for explanations: written as text, so a report needs no library,
no script and no network, and the web page can draw the same chart from stored metrics.

One horizontal bar per feature from zero to its value, with a whisker from the lower to the
upper end of its interval when it has one (gap contributions); signed values get a zero
line in the middle. Every label is escaped here, because the markup is inserted as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ombud.charts import escape as _escape
from ombud.charts import px as _n

__all__ = ["Bar", "bar_chart"]

#: (label, value, lower, upper); lower and upper None when the value has no interval.
Bar = tuple[str, float, float | None, float | None]


def _extent(rows: Sequence[Bar]) -> tuple[float, float]:
    values = [0.0]
    for _, value, lower, upper in rows:
        values += [v for v in (value, lower, upper) if v is not None and math.isfinite(v)]
    low, high = min(values), max(values)
    if high - low == 0:
        high = low + 1.0
    return low, high


def bar_chart(
    title: str,
    rows: Sequence[Bar],
    *,
    width: int = 560,
    row_height: int = 20,
    label_width: int = 170,
) -> str:
    """A horizontal bar per row, from zero to the value, whiskers for intervals."""
    left, right, top = label_width, 56, 26
    height = top + row_height * len(rows) + 14
    span = width - left - right
    low, high = _extent(rows)

    def x(v: float) -> float:
        return left + span * (min(max(v, low), high) - low) / (high - low)

    zero = _n(x(0.0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{_escape(title)}" class="bar-chart">',
        f'<text x="4" y="16" font-size="12" font-weight="600">{_escape(title)}</text>',
        f'<line x1="{zero}" y1="{top - 4}" x2="{zero}" y2="{height - 10}" stroke="#999"/>',
    ]
    for i, (label, value, lower, upper) in enumerate(rows):
        y = top + row_height * i
        mid = y + row_height / 2
        parts.append(
            f'<text x="{left - 6}" y="{_n(mid + 4)}" text-anchor="end" font-size="11">'
            f"{_escape(label)}</text>"
        )
        if not math.isfinite(value):
            parts.append(
                f'<text x="{zero}" y="{_n(mid + 4)}" font-size="10" fill="#999">undefined</text>'
            )
            continue
        start, end = sorted((x(0.0), x(value)))
        colour = "#1f77b4" if value >= 0 else "#d62728"
        interval = ""
        if lower is not None and upper is not None and math.isfinite(lower + upper):
            interval = f" [{lower:.4g}, {upper:.4g}]"
            parts.append(
                f'<line x1="{_n(x(lower))}" y1="{_n(mid)}" x2="{_n(x(upper))}" y2="{_n(mid)}" '
                'stroke="#333" stroke-width="1.5"/>'
            )
        parts.insert(
            len(parts) - (1 if interval else 0),
            f'<rect x="{_n(start)}" y="{_n(y + 4)}" width="{_n(max(end - start, 0.5))}" '
            f'height="{row_height - 8}" fill="{colour}" fill-opacity="0.75">'
            f"<title>{_escape(label)}: {value:.4g}{_escape(interval)}</title></rect>",
        )
        parts.append(
            f'<text x="{width - right + 4}" y="{_n(mid + 4)}" font-size="10" fill="#444">'
            f"{value:.3g}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
