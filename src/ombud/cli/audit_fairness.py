"""``ombud audit fairness DATA ...``: the fairness audit engine from the command line.

A thin adapter: parse options into a :class:`FairnessAuditRequest`, hand it to the run
service (which checks a ``--system/--version`` target first, runs the engine and records the
evidence in one transaction), then render a Rich table, JSON or the HTML report. Input
mistakes raise the engine's own ``ValueError`` subclasses, which the root command turns into
one line and exit code 2.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ombud.cli._output import check_output
from ombud.cli._runs import OutputOption, SystemOption, VersionOption, announce, recording, show
from ombud.fairness import AuditInputError, AuditResult
from ombud.services.fairness_runs import FairnessAuditRequest, audit_fairness, label_value

__all__ = ["app"]

app = typer.Typer(help="Audit a model's decisions.", no_args_is_help=True)

TABLE_METRICS = ("selection_rate", "tpr", "fpr", "fnr", "ppv", "accuracy")
COLOURS = {"pass": "green", "concern": "yellow", "fail": "red", "insufficient": "blue"}


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"


def _reference(items: list[str] | None) -> dict[str, Any] | None:
    if not items:
        return None
    out: dict[str, Any] = {}
    for item in items:
        column, sep, value = item.partition("=")
        if not sep or not column:
            raise AuditInputError(f"--reference must be COLUMN=VALUE, got {item!r}")
        out[column.strip()] = value
    return out


#: The library's parameter names, as the flags a user of this command types.
_FLAGS = {
    "pos_label": "--pos-label",
    "on_missing": "--on-missing",
    "n_boot": "--n-boot",
    "min_group_size": "--min-group-size",
    "label": "--label",
    "prediction": "--pred",
    "score": "--score",
    "threshold": "--threshold",
    "sensitive": "--sensitive",
    "control": "--control",
    "weights": "--weights",
    "reference": "--reference",
    "confidence": "--confidence",
}
_PARAMETER = re.compile(r"\b(" + "|".join(_FLAGS) + r")\b(=(?:'([^']*)')?)?")


def cli_wording(message: str) -> str:
    """An engine message with its keyword arguments (``pos_label=``, ``on_missing='drop'``)
    named as this command's flags (``--pos-label``, ``--on-missing drop``), so the user
    is told what to type here rather than in Python.

    A name with an underscore is a parameter wherever it appears; a plain word ("label",
    "score") only when written as a keyword argument (``score=``).
    """

    def flag(match: re.Match[str]) -> str:
        name, equals, value = match.group(1), match.group(2), match.group(3)
        if equals is None and "_" not in name:
            return match.group(0)
        if value is not None:
            return f"{_FLAGS[name]} {value}"
        after = match.string[match.end() : match.end() + 1]
        spaced = equals is not None and after != "" and not after.isspace() and after not in ",;)"
        return _FLAGS[name] + (" " if spaced else "")

    return _PARAMETER.sub(flag, message.replace(", or multiclass=True", ""))


def _interval(row: Any, metric: str) -> str:
    value, low, up = row[metric], row[f"{metric}_lower"], row[f"{metric}_upper"]
    if not math.isfinite(value):
        return "n/a"
    if not (math.isfinite(low) and math.isfinite(up)):
        return f"{value:.3f}"
    return f"{value:.3f} [{low:.3f}, {up:.3f}]"


def _render_table(result: AuditResult, console: Console) -> None:
    metrics = [m for m in TABLE_METRICS if m in result.metrics]
    for attribute, part in result.by_group.groupby("attribute", sort=False):
        table = Table(title=f"{attribute}: metrics with {result.parameters['confidence']:.0%} CI")
        for column in ("group", *result.control, "n", *metrics):
            table.add_column(column, justify="left" if column == "group" else "right")
        for _, row in part.iterrows():
            small = " (small)" if row["small"] else ""
            cells = [f"{row['group']}{small}", *(str(row[c]) for c in result.control)]
            cells += [str(row["n"]), *(_interval(row, m) for m in metrics)]
            table.add_row(*cells)
        console.print(table)
    verdicts = Table(title="verdicts")
    for column in ("rule", "attribute", *result.control, "verdict", "value [CI]", "why"):
        verdicts.add_column(column)
    for _, row in result.verdicts.iterrows():
        colour = COLOURS.get(str(row["verdict"]), "white")
        value = "n/a" if not math.isfinite(row["value"]) else f"{row['value']:.3f}"
        if math.isfinite(row["lower"]) and math.isfinite(row["upper"]):
            value += f" [{row['lower']:.3f}, {row['upper']:.3f}]"
        verdicts.add_row(
            str(row["rule"]),
            str(row["attribute"]),
            *(str(row[c]) for c in result.control),
            f"[{colour}]{row['verdict']}[/{colour}]",
            value,
            str(row["reason"]),
        )
    console.print(verdicts)


@app.command("fairness")
def fairness(
    ctx: typer.Context,
    data: Annotated[
        Path, typer.Argument(help="Parquet or CSV file (or with --sql, table 'data').")
    ],
    label: Annotated[str, typer.Option("--label", help="Observed outcome column.")],
    sensitive: Annotated[
        str, typer.Option("--sensitive", help="Sensitive column(s), comma-separated.")
    ],
    pred: Annotated[str | None, typer.Option("--pred", help="0/1 decision column.")] = None,
    score: Annotated[str | None, typer.Option("--score", help="Score column in [0, 1].")] = None,
    threshold: Annotated[
        float | None, typer.Option("--threshold", help="Predict positive if score >= this.")
    ] = None,
    control: Annotated[
        str | None, typer.Option("--control", help="Control column(s): compare within strata.")
    ] = None,
    sql: Annotated[
        str | None, typer.Option("--sql", help="DuckDB query over the file as table 'data'.")
    ] = None,
    pos_label: Annotated[
        str | None, typer.Option("--pos-label", help="The positive label value.")
    ] = None,
    weights: Annotated[str | None, typer.Option("--weights", help="Sample weight column.")] = None,
    reference: Annotated[
        list[str] | None, typer.Option("--reference", help="COLUMN=VALUE reference group.")
    ] = None,
    on_missing: Annotated[
        str, typer.Option("--on-missing", help="raise or drop rows with a missing value.")
    ] = "raise",
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap replicates (0: none).")] = 1000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    confidence: Annotated[float, typer.Option("--confidence")] = 0.95,
    min_group_size: Annotated[int | None, typer.Option("--min-group-size")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: OutputOption = None,
    system: SystemOption = None,
    version: VersionOption = None,
) -> None:
    """Audit decisions for disparities between groups: metrics, intervals, tests, verdicts."""
    check_output(output)
    request = FairnessAuditRequest(
        data=data,
        label=label,
        sensitive=sensitive,
        prediction=pred,
        score=score,
        threshold=threshold,
        control=control,
        weights=weights,
        pos_label=label_value(pos_label),
        reference=_reference(reference),
        on_missing=on_missing,
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
        min_group_size=min_group_size,
        sql=sql,
    )
    err = Console(stderr=True)
    with recording(ctx, system, version) as target:
        try:
            with err.status(f"auditing {data.name} ..."):
                outcome = audit_fairness(request, target)
        except AuditInputError as exc:
            raise type(exc)(cli_wording(str(exc))) from None
    announce(outcome.evidence)
    result = outcome.result
    if output_format is OutputFormat.table:
        show(output, table=lambda console: _render_table(result, console))
    else:
        show(
            output,
            text=result.to_json() if output_format is OutputFormat.json else result.to_html(),
        )
