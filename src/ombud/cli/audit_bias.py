"""``ombud audit bias DATA ...``: a decisions-only bias audit (NYC LL144 shape).

A thin adapter: a :class:`BiasAuditRequest` handed to the run service (target checked
first, engine run, evidence recorded in one transaction), then a table, JSON or the
published-summary Markdown.
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ombud.cli._output import check_output
from ombud.cli._runs import OutputOption, SystemOption, VersionOption, announce, recording, show
from ombud.fairness import BiasAuditResult
from ombud.fairness.bias_audit import DEFAULT_UNKNOWN
from ombud.services.fairness_runs import BiasAuditRequest, audit_bias, bias_source_note

__all__ = ["register"]


class SummaryFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def _render(result: BiasAuditResult, console: Console) -> None:
    word = "selection" if result.mode == "selection" else "scoring"
    for axis in result.axes:
        table = Table(title=f"{axis}: {word} rates (unknown category: {result.unknown[axis]})")
        for column in ("category", "applicants", f"{word} rate [95% CI]", "impact ratio"):
            table.add_column(column, justify="left" if column == "category" else "right")
        for row in result.rates(axis):
            ratio = (
                "excluded"
                if row.excluded
                else ("n/a" if math.isnan(row.impact_ratio) else f"{row.impact_ratio:.3f}")
            )
            table.add_row(
                str(row.category),
                str(row.applicants),
                f"{row.rate:.2%} [{row.lower:.2%}, {row.upper:.2%}]",
                ratio,
            )
        console.print(table)
    if result.median_score is not None:
        console.print(f"median score of the full sample: {result.median_score:g}")


def bias(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(help="CSV or Parquet file of decisions.")],
    selected: Annotated[
        str | None, typer.Option("--selected", help="Yes/no outcome column (0/1 or --pos-label).")
    ] = None,
    score: Annotated[
        str | None, typer.Option("--score", help="Score column: rates above the median.")
    ] = None,
    sex: Annotated[str | None, typer.Option("--sex", help="Sex/gender category column.")] = None,
    race: Annotated[
        str | None, typer.Option("--race", help="Race/ethnicity category column.")
    ] = None,
    pos_label: Annotated[
        str | None, typer.Option("--pos-label", help="The value of --selected that means yes.")
    ] = None,
    unknown: Annotated[
        list[str] | None,
        typer.Option("--unknown", help="A category value meaning unknown (repeatable)."),
    ] = None,
    exclude_below: Annotated[
        float,
        typer.Option(
            "--exclude-below", help="Leave categories under this share (≤ 0.02) out of the ratios."
        ),
    ] = 0.0,
    justification: Annotated[
        str | None, typer.Option("--justification", help="Why small categories are left out.")
    ] = None,
    data_source: Annotated[
        str, typer.Option("--data-source", help="Source and explanation of the data (summary).")
    ] = "",
    output_format: Annotated[SummaryFormat, typer.Option("--format")] = SummaryFormat.table,
    output: OutputOption = None,
    system: SystemOption = None,
    version: VersionOption = None,
) -> None:
    """Selection or scoring rates and impact ratios per sex, race/ethnicity and both."""
    check_output(output)
    request = BiasAuditRequest(
        data=data,
        selected=selected,
        score=score,
        sex=sex,
        race=race,
        pos_label=pos_label,
        unknown=tuple(unknown) if unknown else DEFAULT_UNKNOWN,
        exclude_below=exclude_below,
        justification=justification,
        data_source=data_source,
    )
    with recording(ctx, system, version) as target:
        outcome = audit_bias(request, target)
    result = outcome.result
    markdown = result.to_markdown(
        audit_date=request.audit_date.isoformat(),
        data_source=bias_source_note(request, result),
    )
    if output_format is SummaryFormat.table:
        show(output, table=lambda console: _render(result, console))
    elif output_format is SummaryFormat.markdown:
        show(output, text=markdown)
    else:
        summary = {
            "mode": result.mode,
            "applicants": result.applicants,
            "unknown": result.unknown,
            "median_score": result.median_score,
            "categories": result.summary_rows(),
            "parameters": result.parameters,
        }
        show(output, text=json.dumps(summary, indent=2))
    announce(outcome.evidence)


def register(app: typer.Typer) -> None:
    app.command("bias")(bias)
