"""A self-contained HTML report of an explanation: one file, inline SVG, no script, no CDN.

It always shows the quality check first (an unstable LIME explanation is labelled so, a
failed additivity check says the numbers do not explain the model), then global importance,
the group gap with its intervals, and adverse-action reasons when the run produced them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jinja2
import markupsafe
import pandas as pd

from ombud.explain._gap import GapAttribution
from ombud.explain._reasons import AdverseActionReasons
from ombud.explain._result import Explanation
from ombud.explain._svg import Bar, bar_chart
from ombud.text import visible_value

__all__ = ["report_html"]

#: Applicants listed in a report; the rest are counted (the JSON output has them all).
MAX_APPLICANTS = 200
#: Rows of a LIME or SHAP table listed in a report.
MAX_ROWS = 50

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("ombud.explain", "templates"),
    autoescape=True,
    finalize=visible_value,
    undefined=jinja2.StrictUndefined,
)


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _svg(text: str) -> markupsafe.Markup:
    return markupsafe.Markup(text)  # built by bar_chart, which escapes every label


def _gap_rows(gap: GapAttribution) -> list[Bar]:
    return [
        (str(f), float(r["contribution"]), float(r["lower"]), float(r["upper"]))
        for f, r in gap.table.iterrows()
    ]


def report_html(
    explanation: Explanation,
    *,
    title: str,
    sources: Sequence[tuple[str, str]] = (),
    gap: GapAttribution | None = None,
    gap_attribute: str = "group",
    importance: pd.DataFrame | None = None,
    reasons: AdverseActionReasons | None = None,
    notes: Sequence[str] = (),
    row_labels: Sequence[str] = (),
    reason_distribution: pd.DataFrame | None = None,
) -> str:
    """The report as one HTML page; ``sources`` are (what, description) lines (model, data)."""
    mean_abs = explanation.mean_abs()
    charts = [
        _svg(
            bar_chart(
                f"Global importance: mean |attribution| ({explanation.output})",
                [(str(f), float(v), None, None) for f, v in mean_abs.items()],
            )
        )
    ]
    gap_view = None
    if gap is not None:
        low, high = gap.gap_interval
        gap_view = {
            "a": gap.group_a,
            "b": gap.group_b,
            "gap": gap.gap,
            "low": low,
            "high": high,
            "base": gap.base_term,
            "residual": gap.residual,
            "confidence": f"{gap.confidence:.0%}",
            "chart": _svg(
                bar_chart(
                    f"Contribution to the {gap_attribute} gap {gap.group_a} - {gap.group_b}, "
                    f"with {gap.confidence:.0%} intervals",
                    _gap_rows(gap),
                )
            ),
            "rows": [{"feature": f, **r.to_dict()} for f, r in gap.table.iterrows()],
            "proxies": list(gap.likely_proxies),
        }
    reasons_view = None
    if reasons is not None:
        counts = reasons.rows["code"].value_counts()
        statements = dict(zip(reasons.rows["code"], reasons.rows["statement"], strict=False))
        reasons_view = {
            "declined": len(reasons.notices),
            "chart": _svg(
                bar_chart(
                    "Declined applicants given each reason",
                    [
                        (f"{c} {statements[c]}"[:60], float(n), None, None)
                        for c, n in counts.items()
                    ],
                    label_width=330,
                    width=720,
                )
            ),
            "rows": reasons.rows.head(MAX_APPLICANTS * 4).to_dict("records"),
            "withheld": reasons.withheld.to_dict("records"),
            "withheld_applicants": int(reasons.withheld["applicant"].nunique()),
            "unchanged": reasons.stability_unchanged,
            "jaccard": reasons.stability_jaccard,
            "settings": {k: v for k, v in reasons.settings.items() if k not in ("applicants",)},
            "distribution": None,
        }
        if reason_distribution is not None:
            reasons_view["distribution"] = {
                "codes": [str(c) for c in reason_distribution.columns],
                "rows": [
                    (str(g), [float(v) for v in row]) for g, row in reason_distribution.iterrows()
                ],
            }
    per_row = explanation.to_frame().head(MAX_ROWS)
    row_scores = getattr(explanation.quality, "row_scores", None)
    template = _ENV.get_template("report.html.j2")
    return template.render(
        title=title,
        e=explanation,
        quality=explanation.quality,
        sources=list(sources),
        notes=list(notes),
        charts=charts,
        importance=None if importance is None else importance.reset_index().to_dict("records"),
        importance_columns=[] if importance is None else list(importance.columns),
        gap=gap_view,
        gap_attribute=gap_attribute,
        reasons=reasons_view,
        per_row=per_row.to_dict("records"),
        row_labels=list(row_labels),
        row_scores=None if row_scores is None else [float(s) for s in row_scores],
        features=list(explanation.feature_names),
        outputs=[float(v) for v in explanation.outputs[:MAX_ROWS]],
        n_rows=explanation.n_rows,
        max_rows=MAX_ROWS,
        max_applicants=MAX_APPLICANTS,
        fmt=_fmt,
    )
