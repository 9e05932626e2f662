"""The audit as one self-contained HTML page a reviewer can open offline or attach to a review.

Everything is inline (CSS, SVG charts, the suppressed Tally as JSON), nothing loads from a
network, and every piece of user-supplied text (column names, group values, the query) goes
through Jinja2's autoescaping or ``html.escape`` in the chart code. Groups and Tally strata
below the policy's suppression threshold are left out of everything on the page.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import jinja2
import markupsafe
import pandas as pd

from ombud.fairness._svg import calibration_chart, interval_chart
from ombud.stats import calibration_curve, suppress_small_cells, to_json, uniform_edges
from ombud.text import visible_value

if TYPE_CHECKING:
    from ombud.fairness._result import AuditResult

__all__ = ["plain_sentence", "render_report"]

CHART_METRICS = ("selection_rate", "tpr", "fpr", "fnr", "ppv")
PHRASES = {
    "selection_rate": "were predicted positive",
    "tpr": "who were actually positive were predicted positive",
    "fnr": "who were actually positive were predicted negative",
    "fpr": "who were actually negative were predicted positive",
    "tnr": "who were actually negative were predicted negative",
    "ppv": "predicted positive were actually positive",
    "accuracy": "were classified correctly",
}
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("ombud.fairness", "templates"),
    autoescape=True,
    finalize=visible_value,  # group names from the data: control characters made visible
    undefined=jinja2.StrictUndefined,
)


def _safe_json(text: str) -> markupsafe.Markup:
    # JSON inside <script>: escape the three characters that could close or confuse the tag.
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return markupsafe.Markup(escaped)  # escaped just above


_ENV.filters["safe_json"] = _safe_json


def _fmt(x: float, digits: int = 3) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    return "∞" if math.isinf(x) else f"{x:.{digits}f}"


def plain_sentence(row: pd.Series, confidence: float) -> str:
    """One verdict row in words, e.g. "Group A who were actually negative were predicted
    positive at 1.92 times the rate of group B (95% CI 1.71–2.17)"."""
    level = f"{confidence:.0%} CI"
    metric = row.get("binding_metric")
    if row["verdict"] == "insufficient" or not isinstance(metric, str):
        return f"Not enough data to judge {row['rule']}: {row['reason']}."
    low, high = row["low_group"], row["high_group"]
    value, lower, upper = float(row["value"]), float(row["lower"]), float(row["upper"])
    if row["statistic"] == "ratio":
        inv = 1 / value if value > 0 else math.inf
        lo = 1 / upper if upper and upper > 0 else math.nan
        hi = 1 / lower if lower and lower > 0 else math.inf
        phrase = PHRASES.get(metric, f"had a higher {metric}")
        return (
            f"Members of group {high} {phrase} at {_fmt(inv, 2)} times the rate of group {low} "
            f"({level} {_fmt(lo, 2)}–{_fmt(hi, 2)}); the rule asks for a ratio of at least "
            f"{row['bound']:g} (min/max {_fmt(value, 2)})."
        )
    return (
        f"The {metric.upper() if len(metric) <= 3 else metric} of group {high} exceeds that of "
        f"group {low} by {_fmt(value)} ({level} {_fmt(lower)}–{_fmt(upper)}); the rule allows "
        f"at most {row['bound']:g}."
    )


def reference_sentences(result: AuditResult, confidence: float) -> list[str]:
    """Each large-enough group against its reference, on the metrics the rules use, in words:
    the Katz ratio and its interval, e.g. "... at 1.92 times the rate of group Caucasian"."""
    level = f"{confidence:.0%} CI"
    wanted = {m for rule in result.policy.rules for m in rule.metrics} & set(PHRASES)
    # With control features a group appears once per stratum: its size is the stratum's.
    keys = ["attribute", "group", *result.control]
    sizes = result.by_group.set_index(keys)["n"]
    out = []
    for _, c in result.comparisons.iterrows():
        if c["metric"] not in wanted or not math.isfinite(c["ratio"]):
            continue
        n = sizes.get(tuple(c[k] for k in keys), 0)
        if n < result.policy.min_group_size:
            continue
        where = ", ".join(f"{k}={c[k]}" for k in result.control)
        out.append(
            f"Members of group {c['group']}{f' ({where})' if where else ''} "
            f"{PHRASES[c['metric']]} at {_fmt(c['ratio'], 2)} times the rate of group "
            f"{c['reference']} ({level} {_fmt(c['ratio_lower'], 2)}–{_fmt(c['ratio_upper'], 2)})."
        )
    return out


def _charts(result: AuditResult, k: int) -> list[dict[str, Any]]:
    out = []
    shown = [m for m in CHART_METRICS if m in result.metrics]
    for attribute, table in result.by_group.groupby("attribute", sort=False):
        visible = table[table["n"] >= k]
        hidden = table[table["n"] < k]["group"].tolist()
        svgs = []
        for metric in shown:
            rows = [
                (
                    _row_label(r, result.control),
                    float(r[metric]),
                    float(r[f"{metric}_lower"]),
                    float(r[f"{metric}_upper"]),
                )
                for _, r in visible.iterrows()
            ]
            svgs.append(interval_chart(f"{metric} by {attribute}", rows))
        out.append({"attribute": attribute, "svgs": svgs, "suppressed": hidden})
    return out


def _row_label(row: pd.Series, control: tuple[str, ...]) -> str:
    prefix = ", ".join(f"{c}={row[c]}" for c in control)
    return f"{row['group']} ({prefix})" if prefix else str(row["group"])


def _calibration(result: AuditResult, k: int) -> list[str]:
    if not result.tally.has_score or result.control:
        return []
    bins = int(result.parameters.get("calibration_bins") or 10)
    charts = []
    for attribute in result.sensitive:
        curve = calibration_curve(result.tally, attribute, edges=uniform_edges(bins))
        sizes = curve.groupby(attribute, dropna=False)["n"].sum()
        curves = []
        for group, part in curve.groupby(attribute, dropna=False, sort=True):
            if sizes.loc[group] < k:
                continue
            points = list(zip(part["mean_score"], part["fraction_positive"], strict=True))
            curves.append((str(group), points))
        charts.append(calibration_chart(f"calibration by {attribute}", curves))
    return charts


def _tally_rows(result: AuditResult, k: int) -> tuple[list[str], list[list[str]], str]:
    suppressed = suppress_small_cells(result.tally, k)
    keys = [
        *suppressed.group_columns,
        *(["label", "prediction"] if suppressed.has_prediction else ["label"]),
    ]
    frame = suppressed.cells.to_pandas()
    table = frame.groupby(keys, dropna=False)[["n", "weight"]].sum().reset_index()
    rows = [[str(v) for v in r] for r in table.itertuples(index=False)]
    return [*keys, "n", "weight"], rows, to_json(suppressed)


def render_report(result: AuditResult, *, fragment: bool = False) -> str:
    k = result.policy.suppress_below
    confidence = float(result.parameters["confidence"])
    verdicts = [
        {**{str(a): b for a, b in row.items()}, "sentence": plain_sentence(row, confidence)}
        for _, row in result.verdicts.iterrows()
    ]
    columns, tally_rows, tally_json = _tally_rows(result, k)
    comparisons = result.comparisons[
        result.comparisons["metric"].isin(["selection_rate", "fpr", "fnr"])
    ]
    comparisons = comparisons.merge(
        result.by_group[["attribute", "group", "n"]], on=["attribute", "group"], how="left"
    )
    comparisons = comparisons[comparisons["n"] >= k]
    context = {
        "fragment": fragment,
        "result": result,
        "confidence": f"{confidence:.0%}",
        "verdicts": verdicts,
        "reference_sentences": reference_sentences(result, confidence),
        "charts": _charts(result, k),
        "calibration": _calibration(result, k),
        "comparisons": comparisons.to_dict(orient="records"),
        "overall": result.overall.to_dict(orient="records"),
        "provenance": {str(a): b for a, b in result.provenance.items()},
        "parameters": {str(a): b for a, b in result.parameters.items()},
        "tally_columns": columns,
        "tally_rows": tally_rows,
        "tally_json": tally_json,
        "k": k,
        "fmt": _fmt,
    }
    return _ENV.get_template("report.html.j2").render(**context)
