"""``ombud audit-log verify|show|export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ombud.cli._output import check_output, write_output
from ombud.cli._state import emit_json, state_of
from ombud.services import audit_log

__all__ = ["register"]

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def verify(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Prove the hash chain; exit 1 and name the first bad event if it is broken."""
    state = state_of(ctx)
    with state.context() as context:
        report = audit_log.verify_log(context)
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "events": report.events,
                "head_hash": report.head_hash,
                "first_bad_seq": report.first_bad_seq,
                "problem": report.problem,
            }
        )
    elif report.ok:
        state.out.print(f"audit log intact: {report.events} events, head {report.head_hash}")
    else:
        where = "" if report.first_bad_seq is None else f" at event #{report.first_bad_seq}"
        sys.stderr.write(f"audit log BROKEN{where}: {report.problem}\n")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("show")
def show(
    ctx: typer.Context,
    entity: Annotated[str | None, typer.Option(help="Only events about this entity id.")] = None,
    action: Annotated[str | None, typer.Option(help="Only actions starting with this.")] = None,
    limit: Annotated[int, typer.Option(help="The most recent N events.")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show recent audit events."""
    state = state_of(ctx)
    with state.context() as context:
        events = list(audit_log.iter_events(context, entity_id=entity, action=action, limit=limit))
    if as_json:
        emit_json(events)
        return
    table = Table("#", "at (UTC)", "actor", "action", "entity", "details")
    for e in events:
        details = json.dumps(e["details"], ensure_ascii=False) if e["details"] else ""
        table.add_row(
            str(e["seq"]),
            e["at"][:19],
            e["actor"],
            e["action"],
            f"{e['entity_type']}:{e['entity_id']}",
            details[:80],
        )
    state.out.print(table)


@audit_app.command("export")
def export(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option("-o", help="File (default: stdout).")] = None,
) -> None:
    """Export every event as JSON Lines, in chain order."""
    check_output(output)
    state = state_of(ctx)
    with state.context() as context:
        lines = [
            json.dumps(e, ensure_ascii=False, sort_keys=True)
            for e in audit_log.iter_events(context)
        ]
    text = "".join(line + "\n" for line in lines)
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, text)
        state.out.print(f"{len(lines)} events written to {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit-log")
