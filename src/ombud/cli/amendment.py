"""``ombud compliance amendment-impact``: what a catalog change does to the inventory."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ombud.cli._state import emit_json, state_of
from ombud.compliance import parse_as_of
from ombud.governance import InvalidInput
from ombud.services import amendment

__all__ = ["add_commands"]


def _html(data: dict[str, Any]) -> str:
    """A self-contained page: one row per system, escaped text only."""
    e = html.escape
    rows = []
    for s in data["systems"]:
        moved = "; ".join(f"{m['obligation']}: {m['old']} → {m['new']}" for m in s["dates_moved"])
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{e(str(cell))}</td>"
                for cell in (
                    s["system_id"],
                    f"{s['old_category']} → {s['new_category']}",
                    ", ".join(s["obligations_added"]),
                    ", ".join(s["obligations_removed"]),
                    moved,
                    ", ".join(s["gained_in_force"]),
                    ", ".join(s["missing_questions"]) or "complete",
                )
            )
            + "</tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "system",
            "category",
            "obligations added",
            "obligations removed",
            "dates moved",
            "gained and already in force",
            "questions to answer",
        )
    )
    title = f"Amendment impact: catalog {data['from']} → {data['to']} (as of {data['as_of']})"
    return (
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{e(title)}</title>'
        f"<h1>{e(title)}</h1><table border=1><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></html>\n"
    )


def impact_cmd(
    ctx: typer.Context,
    from_version: Annotated[str, typer.Option("--from", help="Catalog version now recorded.")],
    to_version: Annotated[str, typer.Option("--to", help="Catalog version to move to.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    as_html: Annotated[bool, typer.Option("--html", help="Write the report as HTML.")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the report to FILE.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Day on which 'already in force' is read (default: today)."),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="Record the new classifications (audited) and open a finding for every "
            "system that becomes prohibited or gains a duty already in force.",
        ),
    ] = False,
) -> None:
    """Reclassify every system under two catalog versions and report what changes."""
    state = state_of(ctx)
    if as_json and as_html:
        raise InvalidInput("give --json or --html, not both")
    day = parse_as_of(as_of) if as_of is not None else None
    with state.context() as context:
        if apply:
            actor = state.actor(context)
            applied = amendment.apply_amendment(context, actor, from_version, to_version, day)
            data = applied.to_dict()
        else:
            data = amendment.impact_report(context, from_version, to_version, day).to_dict()
    if as_html or as_json:
        text = _html(data) if as_html else json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if output is None:
            if as_json:
                emit_json(data)
            else:
                typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            state.out.print(f"written to {output}")
        return
    table = Table(
        "system",
        "category",
        "added",
        "removed",
        "dates moved",
        "in force now",
        "questions to answer",
        title=f"Amendment impact {data['from']} → {data['to']} (as of {data['as_of']})",
        title_justify="left",
    )
    for s in data["systems"]:
        table.add_row(
            s["system_id"],
            f"{s['old_category']} → {s['new_category']}",
            ", ".join(s["obligations_added"]),
            ", ".join(s["obligations_removed"]),
            "; ".join(f"{m['obligation']} {m['old']}→{m['new']}" for m in s["dates_moved"]),
            ", ".join(s["gained_in_force"]),
            ", ".join(s["missing_questions"]) or "complete",
        )
    state.out.print(table)
    summary = data["summary"]
    state.out.print(
        f"{summary['systems']} system(s): {summary['category_changed']} change category, "
        f"{summary['incomplete']} incomplete, {summary['needs_finding']} need a finding"
    )
    if apply:
        applied_part = data["applied"]
        state.out.print(
            f"recorded {len(applied_part['reclassified'])} classification(s) under "
            f"{data['to']}; opened {len(applied_part['findings'])} finding(s)"
        )


def add_commands(app: typer.Typer) -> None:
    app.command("amendment-impact")(impact_cmd)
