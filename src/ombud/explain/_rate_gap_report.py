"""A self-contained HTML page for a rate-gap attribution: one file, inline SVG, no script.

The efficiency check (the shares add up to the gap) comes first, as the additivity check
does on the SHAP report; then the two rates, the chart of each feature's share with its
bootstrap interval, and what the numbers cannot say.
"""

from __future__ import annotations

from collections.abc import Sequence

import jinja2
import markupsafe

from ombud.explain._evidence import RATE_GAP_EFFICIENCY_TOLERANCE
from ombud.explain._rate_gap import RateGapAttribution
from ombud.explain._report import _fmt as fmt
from ombud.explain._svg import bar_chart
from ombud.text import visible_value

__all__ = ["rate_gap_html"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("ombud.explain", "templates"),
    autoescape=True,
    finalize=visible_value,
    undefined=jinja2.StrictUndefined,
)


def rate_gap_html(
    result: RateGapAttribution,
    *,
    title: str,
    attribute: str,
    decision: str,
    sources: Sequence[tuple[str, str]] = (),
    notes: Sequence[str] = (),
) -> str:
    """The page; ``decision`` says how a decision was made (output, threshold, condition)."""
    table = result.table()
    chart = bar_chart(
        f"Share of the {attribute} rate gap {result.a} - {result.b}, with "
        f"{result.confidence:.0%} intervals",
        [
            (str(f), float(c), float(lo), float(hi))
            for f, c, lo, hi in zip(
                result.features, result.contribution, result.lower, result.upper, strict=True
            )
        ],
    )
    return _ENV.get_template("rate_gap.html.j2").render(
        title=title,
        r=result,
        attribute=attribute,
        decision=decision,
        sources=list(sources),
        notes=list(notes),
        rows=table.to_dict("records"),
        chart=markupsafe.Markup(chart),  # bar_chart escapes every label and title
        passed=result.efficiency_error <= RATE_GAP_EFFICIENCY_TOLERANCE,
        confidence=f"{result.confidence:.0%}",
        fmt=fmt,
    )
