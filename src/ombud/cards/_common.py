"""Pieces several documents share: per-group tables, red-team tables, governance fields.

Numbers are formatted here, once, so the same estimate reads the same in a model card,
a system card and the Annex IV file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from xml.sax.saxutils import escape as _xml_escape

from ombud.cards._document import Field, Section, Table
from ombud.cards._record import EvidenceRecord, FairnessAnalysis, SystemRecord
from ombud.text import visible


def escape(text: str) -> str:
    """XML-escaped, with control characters and bidi overrides made visible."""
    return _xml_escape(visible(text))


__all__ = [
    "KEY_METRICS",
    "bias_audit_tables",
    "fairness_tables",
    "governance_fields",
    "interval_chart",
    "interval_text",
    "redteam_rows",
    "redteam_section",
    "redteam_table",
]

#: The measures a card shows per group; the full set stays in the audit's JSON artifact.
KEY_METRICS = ("selection_rate", "tpr", "fpr", "ppv", "accuracy")

# Categories are found by their attempt count, so a category whose attempts all failed
# (no rate was measured) is listed with "no data" instead of silently left out.
_REDTEAM = re.compile(r"^redteam\.([a-z0-9_]+)\.attempts$")
_BIAS = re.compile(r"^bias_audit\.([^.]+)\.([^.]+)\.(applicants|rate|impact_ratio)$")


def number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def interval_text(estimate: float | None, lower: float | None, upper: float | None) -> str:
    if estimate is None:
        return "n/a"
    if lower is None or upper is None:
        return number(estimate)
    return f"{estimate:.3f} [{lower:.3f}, {upper:.3f}]"


def bias_audit_tables(evidence: EvidenceRecord) -> tuple[Table, ...]:
    """Rates and impact ratios of a decisions-only bias audit, one table per axis.

    Read from the evidence's flat metrics (``bias_audit.<axis>.<category>.<measure>``),
    so a card shows what was recorded and nothing it would have to recompute.
    """
    cells: dict[str, dict[str, dict[str, float | None]]] = {}
    for name, value in evidence.metrics.items():
        found = _BIAS.match(name)
        if found:
            axis, category, measure = found.groups()
            cells.setdefault(axis, {}).setdefault(category, {})[measure] = value
    word = "scoring" if evidence.parameters.get("mode") == "scoring" else "selection"
    labels = evidence.parameters.get("category_labels") or {}
    tables = []
    for axis, categories in cells.items():
        unknown = evidence.metrics.get(f"bias_audit.{axis}.unknown_count")
        rows = tuple(
            (
                str(labels.get(f"{axis}.{category}", category.replace("+", " × "))),
                "n/a" if (n := values.get("applicants")) is None else str(int(n)),
                "n/a" if (rate := values.get("rate")) is None else f"{rate:.2%}",
                "excluded"
                if values.get("impact_ratio") is None
                else number(values.get("impact_ratio")),
            )
            for category, values in categories.items()
        )
        unknown_text = "" if unknown is None else f"; unknown category: {int(unknown)}"
        tables.append(
            Table(
                title=f"By {axis}: {word} rate and impact ratio{unknown_text}",
                columns=("category", "applicants", f"{word} rate", "impact ratio"),
                rows=rows,
                source=f"evidence #{evidence.id} (bias_audit)",
            )
        )
    return tuple(tables)


def fairness_tables(analysis: FairnessAnalysis) -> tuple[Table, ...]:
    shown = [m for m in KEY_METRICS if m in analysis.metrics]
    confidence = analysis.parameters.get("confidence", 0.95)
    tables = []
    for attribute in dict.fromkeys(g.attribute for g in analysis.groups):
        # Small groups are suppressed as in the audit's own report: a card is shared widely.
        rows = tuple(
            (
                g.group,
                str(g.n),
                *(
                    "suppressed (small group)" if g.small else interval_text(*g.values[m])
                    for m in shown
                ),
            )
            for g in analysis.groups
            if g.attribute == attribute
        )
        tables.append(
            Table(
                title=f"By {attribute}: estimate [{float(confidence):.0%} interval]",
                columns=("group", "n", *shown),
                rows=rows,
                source=f"evidence #{analysis.evidence_id} (fairness_audit), fairness-audit.json",
            )
        )
    verdicts = tuple(
        (
            str(v.get("attribute", "")),
            str(v.get("rule", "")),
            interval_text(v.get("value"), v.get("lower"), v.get("upper")),
            str(v.get("bound", "")),
            str(v.get("verdict", "")),
        )
        for v in analysis.verdicts
    )
    if verdicts:
        tables.append(
            Table(
                title="Fairness verdicts",
                columns=("attribute", "rule", "value [interval]", "bound", "verdict"),
                rows=verdicts,
                source=f"evidence #{analysis.evidence_id} (fairness_audit)",
            )
        )
    return tuple(tables)


def interval_chart(analysis: FairnessAnalysis, metric: str = "selection_rate") -> tuple[str, ...]:
    """An SVG dot-and-whisker chart per attribute, drawn by hand so the file needs no
    plotting library and works offline inside HTML and PDF alike."""
    charts = []
    for attribute in dict.fromkeys(g.attribute for g in analysis.groups):
        groups = [
            g
            for g in analysis.groups
            if g.attribute == attribute and metric in g.values and not g.small
        ]
        if not groups:
            continue
        width, left, row = 560, 200, 22
        height = 30 + row * len(groups)
        scale = width - left - 20
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'role="img" aria-label="{escape(metric)} by {escape(attribute)}">',
            f'<text x="4" y="14" font-size="12">{escape(metric)} by {escape(attribute)} '
            "(0 to 1)</text>",
            f'<line x1="{left}" y1="20" x2="{left}" y2="{height - 4}" stroke="#999"/>',
            f'<line x1="{left + scale}" y1="20" x2="{left + scale}" y2="{height - 4}" '
            'stroke="#ddd"/>',
        ]
        for i, g in enumerate(groups):
            y = 32 + row * i
            estimate, lower, upper = g.values[metric]
            parts.append(f'<text x="4" y="{y + 4}" font-size="11">{escape(g.group[:30])}</text>')
            if lower is not None and upper is not None:
                parts.append(
                    f'<line x1="{left + scale * lower:.1f}" y1="{y}" '
                    f'x2="{left + scale * upper:.1f}" y2="{y}" stroke="#336" stroke-width="2"/>'
                )
            if estimate is not None:
                parts.append(
                    f'<circle cx="{left + scale * estimate:.1f}" cy="{y}" r="4" fill="#c33"/>'
                )
        parts.append("</svg>")
        charts.append("".join(parts))
    return tuple(charts)


def redteam_rows(record: SystemRecord) -> tuple[int, list[tuple[str, str, str]]] | None:
    """(evidence id, [(category, attempts, rate [interval])]) of the newest red-team run."""
    run = record.latest("redteam_run")
    if run is None:
        return None
    rows = []
    for name in sorted(run.metrics):
        match = _REDTEAM.match(name)
        if not match or match.group(1) == "overall":
            continue
        category = match.group(1)
        rows.append((category, *_redteam_values(run.metrics, category)))
    if "redteam.overall.attempts" in run.metrics:
        rows.append(("overall", *_redteam_values(run.metrics, "overall")))
    return run.id, rows


def _redteam_values(metrics: Mapping[str, float | None], category: str) -> tuple[str, str]:
    base = f"redteam.{category}"
    attempts = metrics.get(f"{base}.attempts")
    if metrics.get(f"{base}.attack_success_rate") is None:
        return ("n/a" if attempts is None else str(int(attempts)), "no data")
    rate = interval_text(
        metrics.get(f"{base}.attack_success_rate"),
        metrics.get(f"{base}.attack_success_rate.lower"),
        metrics.get(f"{base}.attack_success_rate.upper"),
    )
    return ("n/a" if attempts is None else str(int(attempts)), rate)


def _tested_text(table: Table) -> str:
    categories = [row[0] for row in table.rows if row[0] != "overall"]
    return f"attack categories tested ({len(categories)}): {', '.join(categories)}"


def redteam_table(record: SystemRecord) -> Table | None:
    found = redteam_rows(record)
    if found is None or not found[1]:
        return None
    run_id, rows = found
    return Table(
        title="Attack success rate by category: estimate [interval]",
        columns=("category", "attempts", "attack success rate"),
        rows=tuple(rows),
        source=f"evidence #{run_id} (redteam_run)",
    )


def redteam_section(record: SystemRecord, title: str) -> Section:
    """The red-team section of a model card and of a system card (one builder, so the two
    cards cannot report the same run differently); only the heading differs."""
    table = redteam_table(record)
    return Section(
        "redteam",
        title,
        (
            Field(
                "redteam.results",
                "Adversarial testing",
                _tested_text(table) if table else None,
                table.source if table else "",
                "run a red team: `ombud redteam run ... --record SYSTEM`",
            ),
        ),
        tables=(table,) if table else (),
    )


def explanation_lines(record: SystemRecord, top: int = 5) -> list[str] | None:
    """What drives the outputs, from the newest explanation evidence: its method and quality
    check, the features with the largest mean |attribution|, and a gap attribution's lead."""
    found = record.latest("explainability_report")
    if found is None:
        return None
    prefix = "explain.importance."
    importance = sorted(
        (
            (name.removeprefix(prefix), value)
            for name, value in found.metrics.items()
            if name.startswith(prefix) and value is not None
        ),
        key=lambda item: -abs(item[1]),
    )
    lines = [f"evidence #{found.id}: {found.summary}"]
    if importance:
        lines.append(
            "largest mean |attribution|: "
            + ", ".join(f"{feature} ({number(value)})" for feature, value in importance[:top])
        )
    quality = found.verdicts.get("explain.quality")
    if quality:
        lines.append(f"quality check: {quality}")
    return lines


def governance_fields(record: SystemRecord, section: str) -> tuple[Field, ...]:
    cls = record.classification
    classification = (
        f"tier {cls.get('tier')} ({cls.get('tier_label', '')}); EU AI Act: {cls.get('eu_category')}"
        if cls
        else None
    )
    obligations = [
        f"{o.get('citation', '')}: {o.get('title', '')}"
        for o in ((cls or {}).get("result") or {}).get("obligations", ())
    ]
    gate = record.gate
    review = record.review
    review_text = None
    if review is not None:
        review_text = f"review #{review.id}: {review.status}" + (
            f", decision {review.decision} by {review.decided_by}: {review.rationale}"
            if review.decision
            else " (no decision yet)"
        )
    return (
        Field(
            f"{section}.risk_classification",
            "Risk classification",
            classification,
            "classification (ombud classify)",
            "classify the system: `ombud classify SYSTEM`",
        ),
        Field(
            f"{section}.obligations",
            "Obligations",
            obligations or None,
            "classification result",
            "classify the system; obligations follow from its category and role",
        ),
        Field(
            f"{section}.gate",
            "Launch gate",
            None
            if gate is None
            else f"{gate.outcome} under policy {gate.policy}"
            + (f"; blocking: {', '.join(gate.blocking)}" if gate.blocking else ""),
            "latest gate evaluation of this version",
            "run `ombud gate check SYSTEM --version V`",
        ),
        Field(
            f"{section}.review",
            "Review board decision",
            review_text,
            "latest review of this version",
            "open a review: `ombud review open SYSTEM`",
        ),
        Field(
            f"{section}.review_conditions",
            "Conditions of approval",
            (list(review.conditions) or "none") if review and review.decision else None,
            "review decision",
            "decide the review: `ombud review decide REVIEW`",
        ),
    )
