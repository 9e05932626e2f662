"""What ``ombud explain ...`` prints: Rich tables, JSON and the self-contained HTML report.

Rendering only; the run service produced the :class:`ExplainReport`. The HTML page is the
engine's ``report_html`` (inline SVG, no script, no CDN), with the model and data files
named by their sha256 so a reader can tell which model the page explains.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ombud.cli._runs import show
from ombud.explain import StabilityCheck, report_html, token_report_html
from ombud.services.explain_runs import AttentionReport, ExplainReport

__all__ = ["render_attention", "render_html", "render_json", "render_table", "wording"]

#: Tokens per text printed in a terminal table (by |attribution|); JSON and HTML have all.
TABLE_TOKENS = 8

#: Rows of per-applicant reasons printed in a terminal table; JSON and HTML have more.
TABLE_APPLICANTS = 20

#: The library's keyword arguments, as the flags of these commands.
_FLAGS = (
    (
        "trust=True together with expected_sha256 set to the digest pinned on the system version",
        "--trust-model with --system/--version (whose version pins the model's sha256) or "
        "with --model-sha256 DIGEST",
    ),
    ("trust=True needs expected_sha256", "--trust-model needs --model-sha256"),
    ("pass them in trusted=[...]", "pass each with --trusted-type"),
    ("on_failure='report'", "a model-agnostic --method"),
    ("method='", "--method '"),
    ("output='", "--output '"),
    ("background_size", "--background-size"),
    ("max_evaluations", "--max-evaluations"),
    ("cutoff=", "--cutoff"),
    ("(threshold=)", "(--threshold)"),
)


def wording(message: str) -> str:
    """An engine message with its keyword arguments named as this command's flags."""
    for library, flag in _FLAGS:
        message = message.replace(library, flag)
    return message


def _f(value: float, digits: int = 4) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}g}"


def render_table(report: ExplainReport, console: Console) -> None:
    e = report.explanation
    console.print(
        f"{e.method} on {e.n_rows} rows of {report.data.name}, explaining {e.output}"
        f" (model {report.model.path}, sha256 {report.model.sha256[:12]}...)"
    )
    for note in report.notes:
        console.print(note)
    colour = (
        "green" if e.quality.passed else ("yellow" if e.quality.name.startswith("lime") else "red")
    )
    console.print(f"[{colour}]{e.quality.describe()}[/{colour}]")
    importance = Table(title="global importance: mean |attribution|")
    importance.add_column("feature")
    importance.add_column("mean |attribution|", justify="right")
    for feature, value in e.mean_abs().items():
        importance.add_row(str(feature), _f(float(value)))
    console.print(importance)
    if report.command == "lime":
        _lime_table(report, console)
    if e.tokens:
        _token_table(report, console)
    if report.gap is not None:
        gap = report.gap
        low, high = gap.gap_interval
        table = Table(
            title=f"{report.gap_attribute} gap {gap.group_a} - {gap.group_b} = {_f(gap.gap)} "
            f"[{_f(low)}, {_f(high)}] ({gap.confidence:.0%}), residual {_f(gap.residual, 2)}"
        )
        for column in ("feature", "contribution", "interval", "share", "proxy score", "proxy"):
            table.add_column(column, justify="left" if column == "feature" else "right")
        for feature, row in gap.table.iterrows():
            table.add_row(
                str(feature),
                _f(row["contribution"]),
                f"[{_f(row['lower'])}, {_f(row['upper'])}]",
                _f(row["share"], 3),
                _f(row["proxy_score"], 3),
                "likely" if row["likely_proxy"] else "",
            )
        console.print(table)
    if report.reasons is not None:
        _reasons_table(report, console)


def _lime_table(report: ExplainReport, console: Console) -> None:
    e = report.explanation
    quality = e.quality
    if not isinstance(quality, StabilityCheck):
        return
    table = Table(title="LIME weights per row (first seed), with the row's stability")
    for column in ("row", "stability", *e.feature_names):
        table.add_column(column, justify="right")
    unstable = set(quality.unstable_rows)
    for i, weights in enumerate(e.attributions):
        label = _f(float(quality.row_scores[i]), 3) + (" UNSTABLE" if i in unstable else "")
        name = report.row_labels[i] if report.row_labels else str(i)
        table.add_row(name, label, *(_f(float(w)) for w in weights))
    console.print(table)


def _token_table(report: ExplainReport, console: Console) -> None:
    e = report.explanation
    table = Table(title=f"tokens with the largest |attribution| (top {TABLE_TOKENS} per text)")
    for column in ("text", "output", "baseline", "tokens"):
        table.add_column(column, justify="left" if column in ("text", "tokens") else "right")
    for i in range(e.n_rows):
        pairs = sorted(e.token_attributions(i), key=lambda p: -abs(p[1]))[:TABLE_TOKENS]
        name = report.row_labels[i] if report.row_labels else str(i)
        shown = ", ".join(f"{t} {v:+.3g}" for t, v in pairs)
        table.add_row(name, _f(float(e.outputs[i])), _f(float(e.base_values[i])), shown)
    console.print(table)


def _reasons_table(report: ExplainReport, console: Console) -> None:
    reasons = report.reasons
    assert reasons is not None
    console.print(
        f"{len(reasons.notices)} declined; reasons unchanged under another background for "
        f"{reasons.stability_unchanged:.0%} (mean Jaccard {reasons.stability_jaccard:.3f}); "
        f"protected attribute or proxy withheld for "
        f"{reasons.withheld['applicant'].nunique()} applicant(s)"
    )
    table = Table(title="principal reasons")
    for column in ("applicant", "rank", "code", "statement", "contribution"):
        table.add_column(column)
    shown = reasons.rows[
        reasons.rows["applicant"].isin(reasons.settings["applicants"][:TABLE_APPLICANTS])
    ]
    for _, row in shown.iterrows():
        table.add_row(
            str(row["applicant"]),
            str(row["rank"]),
            str(row["code"]),
            str(row["statement"]),
            _f(float(row["contribution"])),
        )
    console.print(table)
    if report.reason_distribution is not None:
        by_group = Table(
            title=f"share of declined applicants given each reason, by {report.gap_attribute}"
        )
        codes = [str(c) for c in report.reason_distribution.columns]
        for column in (report.gap_attribute, *codes):
            by_group.add_column(
                column, justify="left" if column == report.gap_attribute else "right"
            )
        for group, row in report.reason_distribution.iterrows():
            by_group.add_row(str(group), *(f"{float(v):.0%}" for v in row))
        console.print(by_group)
    if len(reasons.notices) > TABLE_APPLICANTS:
        console.print(f"the first {TABLE_APPLICANTS} applicants; --format json lists them all")


def report_dict(report: ExplainReport) -> dict[str, Any]:
    """The report as JSON-ready data (per-applicant reasons included: this is a local file)."""
    e = report.explanation
    out: dict[str, Any] = {
        "command": report.command,
        "model": {
            "path": report.model.path,
            "sha256": report.model.sha256,
            "format": report.model.format,
            "trusted_types": list(report.model.trusted_types),
        },
        "data": {"name": report.data.name, "sha256": report.data.sha256, "rows": report.data.rows},
        "notes": list(report.notes),
        "explanation": e.summary(),
        "rows": {
            "outputs": e.outputs.tolist(),
            "base_values": e.base_values.tolist(),
            "attributions": e.attributions.tolist(),
            "labels": list(report.row_labels) or None,
        },
    }
    if report.gap is not None:
        gap = report.gap
        out["gap"] = {
            "attribute": report.gap_attribute,
            "group_a": gap.group_a,
            "group_b": gap.group_b,
            "gap": gap.gap,
            "interval": list(gap.gap_interval),
            "confidence": gap.confidence,
            "base_term": gap.base_term,
            "residual": gap.residual,
            "likely_proxies": list(gap.likely_proxies),
            "features": json.loads(gap.table.to_json(orient="index")),
        }
    if e.tokens:
        out["texts"] = [
            {
                "label": report.row_labels[i] if report.row_labels else str(i),
                "tokens": [{"token": t, "attribution": a} for t, a in e.token_attributions(i)],
            }
            for i in range(e.n_rows)
        ]
    if report.importance is not None:
        out["importance_by_group"] = json.loads(report.importance.to_json(orient="index"))
    if report.reasons is not None:
        r = report.reasons
        out["reasons"] = {
            "rows": json.loads(r.rows.to_json(orient="records")),
            "notices": r.notices,
            "withheld": json.loads(r.withheld.to_json(orient="records")),
            "stability_unchanged": r.stability_unchanged,
            "stability_jaccard": r.stability_jaccard,
            "settings": r.settings,
        }
        if report.reason_distribution is not None:
            out["reasons"]["distribution_by_group"] = {
                "attribute": report.gap_attribute,
                "shares": json.loads(report.reason_distribution.to_json(orient="index")),
            }
    return out


def render_json(report: ExplainReport) -> str:
    return json.dumps(report_dict(report), indent=2, sort_keys=True, default=str)


def render_html(report: ExplainReport) -> str:
    model = report.model
    sources = [
        ("model", f"{model.path} ({model.format}, sha256 {model.sha256})"),
        ("data", f"{report.data.name} ({report.data.rows} rows, sha256 {report.data.sha256})"),
    ]
    if report.explanation.tokens:
        return token_report_html(
            report.explanation,
            title=f"Integrated gradients: {model.path}",
            sources=sources,
            notes=report.notes,
            row_labels=report.row_labels,
        )
    return report_html(
        report.explanation,
        title=f"Explanation ({report.command}): {model.path}",
        sources=sources,
        gap=report.gap,
        gap_attribute=report.gap_attribute,
        importance=report.importance,
        reasons=report.reasons,
        notes=report.notes,
        row_labels=report.row_labels,
        reason_distribution=report.reason_distribution,
    )


def render_attention(report: AttentionReport, output_format: str, output: Path | None) -> None:
    """Attention maps as a table (rollout scores), JSON (with every layer's head-averaged
    map) or the highlighted-text HTML page; the caveat comes first in each."""
    maps = report.attention
    model = report.model
    if output_format == "html":
        sources = [
            ("model", f"{model.path} ({model.format}, sha256 {model.sha256})"),
            ("data", f"{report.data.name} ({report.data.rows} rows, sha256 {report.data.sha256})"),
        ]
        page = token_report_html(
            maps, title=f"Attention: {model.path}", sources=sources, row_labels=report.row_labels
        )
        show(output, text=page)
        return
    if output_format == "json":
        data = maps.summary()
        for i, text in enumerate(data["texts"]):
            text["label"] = report.row_labels[i] if report.row_labels else str(i)
            text["layers"] = [
                maps.head_average(i, layer).tolist() for layer in range(maps.weights[i].shape[0])
            ]
        data["model"] = {"path": model.path, "sha256": model.sha256, "format": model.format}
        data["data"] = {"name": report.data.name, "sha256": report.data.sha256}
        show(output, text=json.dumps(data, indent=2, sort_keys=True))
        return

    def table(console: Console) -> None:
        console.print(f"[yellow]{maps.caveat}[/yellow]")
        rows = Table(title=f"attention rollout: top {TABLE_TOKENS} tokens per text")
        for column in ("text", "output", "tokens (rollout score)"):
            rows.add_column(column)
        for i in range(maps.n_rows):
            scored = zip(maps.tokens[i], maps.token_scores[i], strict=True)
            pairs = sorted(scored, key=lambda p: -float(p[1]))[:TABLE_TOKENS]
            name = report.row_labels[i] if report.row_labels else str(i)
            shown = ", ".join(f"{t} {float(v):.3f}" for t, v in pairs)
            rows.add_row(name, _f(float(maps.outputs[i])), shown)
        console.print(rows)

    show(output, table=table)
