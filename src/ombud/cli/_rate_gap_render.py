"""What ``ombud explain rate-gap`` prints: a Rich table, JSON, or the engine's HTML page.

Rendering only; :mod:`ombud.services.explain_rate_gap` produced the report.
"""

from __future__ import annotations

import json
import math
from typing import Any

from rich.console import Console
from rich.table import Table

from ombud.explain import rate_gap_html
from ombud.services.explain_requests import RateGapReport

__all__ = ["rate_gap_dict", "render_rate_gap_html", "render_rate_gap_json", "render_rate_gap_table"]


def _f(value: float, digits: int = 4) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}g}"


def render_rate_gap_table(report: RateGapReport, console: Console) -> None:
    r = report.attribution.result
    console.print(
        f"{report.rate} rate gap on {report.attribute} in {report.data.name} "
        f"(model {report.model.path}, sha256 {report.model.sha256[:12]}...)"
    )
    for note in report.notes:
        console.print(note)
    colour = "green" if r.efficiency_error <= 1e-9 else "red"
    console.print(
        f"[{colour}]shares add up to the gap: |sum - gap| = {r.efficiency_error:.2g}[/{colour}]"
    )
    table = Table(
        title=f"{report.attribute} rate {r.a} = {_f(r.rate_a)}, {r.b} = {_f(r.rate_b)}; "
        f"gap {_f(r.gap)} ({r.method})"
    )
    for column in ("feature", "share of gap", f"{r.confidence:.0%} interval"):
        table.add_column(column, justify="left" if column == "feature" else "right")
    for row in r.table().to_dict("records"):
        table.add_row(
            str(row["feature"]),
            _f(float(row["contribution"])),
            f"[{_f(float(row['lower']))}, {_f(float(row['upper']))}]",
        )
    console.print(table)


def rate_gap_dict(report: RateGapReport) -> dict[str, Any]:
    r = report.attribution.result
    return {
        "command": report.command,
        "model": {
            "path": report.model.path,
            "sha256": report.model.sha256,
            "format": report.model.format,
        },
        "data": {"name": report.data.name, "sha256": report.data.sha256, "rows": report.data.rows},
        "notes": list(report.notes),
        "parameters": report.parameters(),
        "rate_gap": {
            "attribute": report.attribute,
            "a": r.a,
            "b": r.b,
            "rate_a": r.rate_a,
            "rate_b": r.rate_b,
            "gap": r.gap,
            "efficiency_error": r.efficiency_error,
            "method": r.method,
            "pairs": r.pairs,
            "seed": r.seed,
            "confidence": r.confidence,
            "features": json.loads(r.table().to_json(orient="records")),
        },
    }


def render_rate_gap_json(report: RateGapReport) -> str:
    return json.dumps(rate_gap_dict(report), indent=2, sort_keys=True, default=str)


def render_rate_gap_html(report: RateGapReport) -> str:
    model = report.model
    sources = [
        ("model", f"{model.path} ({model.format}, sha256 {model.sha256})"),
        ("data", f"{report.data.name} ({report.data.rows} rows, sha256 {report.data.sha256})"),
    ]
    return rate_gap_html(
        report.attribution.result,
        title=f"Rate gap ({report.rate}) by feature: {model.path}",
        attribute=report.attribute,
        decision=report.attribution.decision(),
        sources=sources,
        notes=report.notes,
    )
