"""``ombud compliance coverage|matrix|catalog``: which evidence covers which duty.

Legal and auditors ask per framework; the table is for people, JSON for tools, HTML for
a ticket or an email, and OSCAL assessment results for GRC platforms.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ombud.cli._output import check_output, write_output
from ombud.cli._state import emit_json, state_of
from ombud.cli.amendment import add_commands as add_amendment_commands
from ombud.compliance import parse_as_of
from ombud.compliance.control_catalogs import (
    FRAMEWORKS,
    CatalogError,
    CoverageReport,
    UnknownFrameworkError,
    assessment_results,
    coverage_html,
    import_oscal_catalog,
    load_control_catalog,
    with_official_text,
)
from ombud.services import coverage

__all__ = ["register"]

compliance_app = typer.Typer(
    help="Compliance catalogs (EU AI Act, NIST AI RMF, ISO/IEC 42001, sector rules) and "
    "evidence coverage.",
    no_args_is_help=True,
)

_STYLE = {
    "covered": "green",
    "partial": "yellow",
    "stale": "dark_orange",
    "missing": "red",
    "failing": "bold red",
}


class IdFrom(StrEnum):
    TITLE = "title"
    ID = "id"


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    HTML = "html"
    OSCAL = "oscal"


FrameworkOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--framework",
        help=f"Repeat for several; one of {', '.join(FRAMEWORKS)} (default: "
        f"{', '.join(coverage.MATRIX_FRAMEWORKS)}).",
    ),
]


def _frameworks(given: list[str] | None) -> tuple[str, ...]:
    chosen = tuple(given) if given else coverage.MATRIX_FRAMEWORKS
    for name in chosen:
        if name not in FRAMEWORKS:
            raise UnknownFrameworkError(
                f"unknown framework '{name}'; known: {', '.join(FRAMEWORKS)}"
            )
    return chosen


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _table(report: CoverageReport) -> Table:
    table = Table(
        "item",
        "status",
        "evidence",
        "missing kinds",
        "rules",
        "why it applies",
        title=(
            f"{report.framework} {report.catalog_version} — {report.system_id}@{report.version}: "
            f"{_percent(report.percent)} covered"
        ),
        title_justify="left",
    )
    for c in report.controls:
        evidence = ", ".join(
            f"#{u.evidence_id} {u.kind}" + ("" if u.fresh else f" ({u.note})") for u in c.evidence
        )
        table.add_row(
            f"{c.item.id} {c.item.title}",
            f"[{_STYLE[c.status]}]{c.status}[/]",
            evidence,
            ", ".join(c.missing_kinds) or ("—" if c.kinds else "no linked kind"),
            ", ".join(f"{r.id}: {r.outcome}" for r in c.rules),
            c.why,
        )
    return table


def _write(text: str, output: Path | None, state_out: typer.Context) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_output(output, text)
        state_of(state_out).out.print(f"written to {output}")


@compliance_app.command("coverage")
def coverage_cmd(
    ctx: typer.Context,
    system_id: str,
    framework: FrameworkOpt = None,
    version: Annotated[str | None, typer.Option(help="Version label (default: latest).")] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy pack (default: in force).")] = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="table, json, html or oscal.")
    ] = Format.TABLE,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Count only obligations in force on this day, YYYY-MM-DD (default: now).",
        ),
    ] = None,
) -> None:
    """Per applicable obligation or control: covering, stale and missing evidence."""
    check_output(output)
    state = state_of(ctx)
    frameworks = _frameworks(framework)
    now = None
    if as_of is not None:
        day = parse_as_of(as_of)
        now = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    with state.context() as context:
        reports = coverage.system_coverages(
            context, system_id, frameworks, version=version, policy_path=policy, now=now
        )
    title = f"Compliance coverage of {system_id}"
    if output_format is Format.TABLE:
        for report in reports:
            state.out.print(_table(report))
            if report.unresolved_cites:
                state.out.print(f"policy cites not in any catalog: {report.unresolved_cites}")
            for item in report.extra.get("upcoming_obligations", []):
                state.out.print(
                    f"upcoming: {item['id']} applies from {item['applies_from']} "
                    f"({item['days_left']} days left)"
                )
        return
    if output_format is Format.JSON:
        text = json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False) + "\n"
    elif output_format is Format.HTML:
        text = coverage_html(reports, title=title)
    else:
        text = json.dumps(assessment_results(reports, title=title), indent=2) + "\n"
    _write(text, output, ctx)


@compliance_app.command("matrix")
def matrix_cmd(
    ctx: typer.Context,
    framework: FrameworkOpt = None,
    policy: Annotated[Path | None, typer.Option(help="Policy pack (default: in force).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every system x framework: % of applicable items covered."""
    state = state_of(ctx)
    frameworks = _frameworks(framework)
    with state.context() as context:
        matrix = coverage.coverage_matrix(context, frameworks, policy_path=policy)
    if as_json:
        emit_json(matrix)
        return
    table = Table("system", "tier", "EU AI Act", *frameworks, title="Coverage (% covered)")
    for row in matrix.systems:
        if row.error is not None:
            table.add_row(row.system_id, "", "", *([row.error] + [""] * (len(frameworks) - 1)))
            continue
        cells = [
            f"{_percent(row.cells[f].percent)} of {row.cells[f].applicable}" for f in frameworks
        ]
        table.add_row(row.system_id, str(row.tier or "—"), row.eu_category or "—", *cells)
    state.out.print(table)


@compliance_app.command("catalog")
def catalog_cmd(
    ctx: typer.Context,
    framework: Annotated[str, typer.Argument(help=f"One of {', '.join(FRAMEWORKS)}.")],
    oscal: Annotated[
        Path | None,
        typer.Option(help="OSCAL catalog JSON whose statements to show beside our summaries."),
    ] = None,
    id_from: Annotated[
        IdFrom, typer.Option(help="Match OSCAL items to ours by their title or their id.")
    ] = IdFrom.TITLE,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The items of one catalog, with source and licence (and official text with --oscal)."""
    state = state_of(ctx)
    _frameworks([framework])
    catalog = load_control_catalog(framework)
    if oscal is not None:
        official = import_oscal_catalog(oscal, framework=framework, id_from=id_from.value)
        catalog = with_official_text(catalog, official)
        matched = sum(bool(item.statement) for item in catalog)
        if not matched:
            raise CatalogError(
                f"{oscal}: no item matches an id of {framework}; try --id-from "
                f"{'id' if id_from is IdFrom.TITLE else 'title'}"
            )
    if as_json:
        emit_json(
            {
                "framework": catalog.framework,
                "title": catalog.title,
                "version": catalog.version,
                "source": catalog.source,
                "license": catalog.license,
                "items": [item.to_dict() for item in catalog],
            }
        )
        return
    columns = ["id", "kind", "title", "summary"] + (["official text"] if oscal else [])
    table = Table(*columns, title=f"{catalog.title} ({catalog.version})")
    for item in catalog:
        mark = "" if item.verified else " (unverified)"
        extra = [item.statement] if oscal else []
        table.add_row(item.id, item.kind, item.title + mark, item.summary, *extra)
    state.out.print(table)
    state.out.print(f"source: {catalog.source}\nlicence: {catalog.license}")


def register(app: typer.Typer) -> None:
    add_amendment_commands(compliance_app)
    app.add_typer(compliance_app, name="compliance")
