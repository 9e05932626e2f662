"""``ombud mitigate thresholds DATA --score S --label L --sensitive A``: remediation options.

A thin adapter like ``ombud audit fairness``: the options become a
:class:`~ombud.services.mitigation_runs.ThresholdRequest`, the run service checks a
``--system/--version`` target before reading the data, runs the engine and records the
``mitigation`` evidence; this renders a table (options, legal flags, the recommendation),
the JSON, or an HTML page with the frontier drawn as SVG. Engine errors are ``ValueError``
subclasses: the root command prints them as one line with exit code 2.
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
from ombud.fairness.mitigate import (
    MitigationInputError,
    ThresholdTradeoffs,
    Utility,
    to_html,
)
from ombud.services.fairness_runs import label_value
from ombud.services.mitigation_runs import ThresholdRequest, mitigate_thresholds

__all__ = ["app"]

app = typer.Typer(
    help="Remediation: what a fairness failure could be traded for, and what the law allows.",
    no_args_is_help=True,
)

_SHOWN = ("utility", "accuracy", "impact_ratio", "tpr_difference", "fpr_difference")
_STATUS_COLOUR = {
    "prohibited": "red",
    "disparate_treatment": "red",
    "uncertain": "yellow",
    "requires_basis": "yellow",
    "caution": "yellow",
}


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"


def _cell(value: float, interval: tuple[float, float] | None) -> str:
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:.3f}"
    if interval and all(math.isfinite(v) for v in interval):
        text += f" [{interval[0]:.3f}, {interval[1]:.3f}]"
    return text


def _render_table(result: ThresholdTradeoffs, console: Console) -> None:
    legal = result.legal
    table = Table(
        title=f"threshold options over {', '.join(result.histograms.attributes)} "
        f"({len(result.groups)} groups, {len(result.frontier)} candidate thresholds)"
    )
    for column in ("option", "kind", *_SHOWN, "law"):
        table.add_column(column, justify="left" if column in ("option", "kind", "law") else "right")
    for option in result.options:
        kind = (
            "randomised"
            if option.randomised
            else ("per group" if option.group_specific else "one for all")
        )
        name = option.name + (" ★" if option.name == legal.recommended else "")
        if not option.feasible:
            table.add_row(name, kind, *(["infeasible"] + [""] * (len(_SHOWN) - 1)), "")
            continue
        statuses = sorted({f.status for f in legal.for_option(option.name)})
        law = ", ".join(
            f"[{_STATUS_COLOUR.get(s, 'white')}]{s}[/{_STATUS_COLOUR.get(s, 'white')}]"
            for s in statuses
        )
        cells = [_cell(option.metrics[m], option.intervals.get(m)) for m in _SHOWN]
        table.add_row(name, kind, *cells, law or "-")
    console.print(table)
    flags = Table(title="legal flags (a reading to discuss with counsel, not legal advice)")
    for column in ("provision", "status", "options", "reading", "verified"):
        flags.add_column(column)
    grouped: dict[tuple[str, str], list[str]] = {}
    for flag in legal.flags:
        grouped.setdefault((flag.provision.id, flag.status), []).append(flag.option)
    for (provision_id, status), names in grouped.items():
        first = next(f for f in legal.flags if (f.provision.id, f.status) == (provision_id, status))
        provision = first.provision
        flags.add_row(
            provision.citation,
            status,
            ", ".join(names),
            first.reading,
            "yes" if provision.verified else f"no ({provision.source})",
        )
    if legal.flags:
        console.print(flags)
    for note in legal.notes:
        console.print(f"note: {note}")
    console.print(f"recommended: {legal.recommended or 'none'} ({legal.why})")


def _sensitive(text: str) -> list[str]:
    columns = [c.strip() for c in text.split(",") if c.strip()]
    if not columns:
        raise MitigationInputError("--sensitive needs at least one column name")
    return columns


@app.command("thresholds")
def thresholds(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(help="Parquet or CSV file of scored rows.")],
    score: Annotated[str, typer.Option("--score", help="Score column in [0, 1].")],
    label: Annotated[str, typer.Option("--label", help="Observed outcome column.")],
    sensitive: Annotated[
        str, typer.Option("--sensitive", help="Sensitive column(s), comma-separated.")
    ],
    pos_label: Annotated[
        str | None, typer.Option("--pos-label", help="The positive label value.")
    ] = None,
    weights: Annotated[str | None, typer.Option("--weights", help="Sample weight column.")] = None,
    bins: Annotated[
        int, typer.Option("--bins", help="Candidate thresholds: equal-width score bins.")
    ] = 100,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="TPR difference equal opportunity accepts.")
    ] = 0.05,
    gain_tp: Annotated[float, typer.Option("--gain-tp", help="Utility of a true positive.")] = 1.0,
    gain_tn: Annotated[float, typer.Option("--gain-tn", help="Utility of a true negative.")] = 1.0,
    gain_fp: Annotated[float, typer.Option("--gain-fp", help="Utility of a false positive.")] = 0.0,
    gain_fn: Annotated[float, typer.Option("--gain-fn", help="Utility of a false negative.")] = 0.0,
    domain: Annotated[
        str | None, typer.Option("--domain", help="Legal context without --system: hiring, ...")
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option("--region", help="Legal context without --system: US, DE...")
    ] = None,
    on_missing: Annotated[
        str, typer.Option("--on-missing", help="raise or drop rows with a missing value.")
    ] = "raise",
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap replicates (0: none).")] = 1000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    confidence: Annotated[float, typer.Option("--confidence")] = 0.95,
    output_format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: OutputOption = None,
    system: SystemOption = None,
    version: VersionOption = None,
) -> None:
    """Every threshold's utility and fairness gaps, the options common rules pick, and
    which of them the law allows for the system (the recommendation is the best lawful)."""
    check_output(output)
    if on_missing not in ("raise", "drop"):
        raise MitigationInputError(f"--on-missing must be raise or drop, got {on_missing!r}")
    if system is not None and (domain or region):
        raise MitigationInputError(
            "--domain/--region give a context by hand; a recorded run takes the system's own "
            "domain and regions: drop them"
        )
    request = ThresholdRequest(
        data=data,
        score=score,
        label=label,
        sensitive=_sensitive(sensitive),
        pos_label=label_value(pos_label),
        weights=weights,
        bins=bins,
        tolerance=tolerance,
        utility=Utility(tp=gain_tp, tn=gain_tn, fp=gain_fp, fn=gain_fn),
        on_missing=on_missing,
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
        domain=domain,
        regions=tuple(r.upper() for r in region or ()),
    )
    err = Console(stderr=True)
    with recording(ctx, system, version) as target, err.status(f"trading off {data.name} ..."):
        outcome = mitigate_thresholds(request, target)
    announce(outcome.evidence)
    result = outcome.result.result
    if output_format is OutputFormat.table:
        show(output, table=lambda console: _render_table(result, console))
    elif output_format is OutputFormat.json:
        show(output, text=json.dumps(result.to_dict(), indent=2, allow_nan=False))
    else:
        show(output, text=to_html(result))
