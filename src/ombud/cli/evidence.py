"""``ombud evidence list|show|attach``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ombud.cli._state import emit_json, state_of
from ombud.governance.supplier import (
    ATTACHABLE_KINDS,
    parse_expiry,
    parse_metric_option,
    parse_verdict_option,
)
from ombud.services import evidence as evidence_service
from ombud.services import supplier
from ombud.services.evidence import Evidence

__all__ = ["register"]

evidence_app = typer.Typer(help="Evidence recorded on system versions.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@evidence_app.command("list")
def list_cmd(
    ctx: typer.Context,
    system_id: str,
    version: Annotated[str | None, typer.Option(help="Only this version.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this evidence kind.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Evidence of one system, oldest first, with expiry."""
    state = state_of(ctx)
    with state.context() as context:
        items = evidence_service.list_evidence(context, system_id)
    items = [
        e
        for e in items
        if (version is None or e.version == version) and (kind is None or e.kind == kind)
    ]
    if as_json:
        emit_json(items)
        return
    now = dt.datetime.now(dt.UTC).isoformat()
    table = Table("id", "version", "kind", "summary", "by", "created", "expires")
    for e in items:
        expires = "never"
        if e.expires_at:
            expires = e.expires_at[:10] + (" (expired)" if e.expires_at < now else "")
        table.add_row(
            str(e.id),
            e.version,
            e.kind,
            e.summary,
            e.created_by,
            e.created_at[:10],
            expires,
        )
    state.out.print(table)


@evidence_app.command("show")
def show_cmd(ctx: typer.Context, evidence_id: int, as_json: JsonOpt = False) -> None:
    """One piece of evidence: metrics, verdicts, inputs and artifacts."""
    state = state_of(ctx)
    with state.context() as context:
        item = supplier.get_evidence(context, evidence_id)
    if as_json:
        emit_json(item)
        return
    _render(state.out, item)


def _render(out: Any, e: Evidence) -> None:
    out.print(f"[bold]evidence {e.id}[/bold] {e.kind} on {e.system_id}@{e.version}")
    out.print(f"  {e.summary}")
    out.print(f"  by {e.created_by} at {e.created_at}; expires {e.expires_at or 'never'}")
    out.print(f"  engine {e.engine} {e.engine_version}")
    for name, value in sorted(e.metrics.items()):
        out.print(f"  metric  {name} = {value}")
    for rule, verdict in sorted(e.verdicts.items()):
        out.print(f"  verdict {rule}: {verdict}")
    for artifact in e.artifacts:
        out.print(f"  artifact {artifact['name']} ({artifact['media_type']}) {artifact['sha256']}")
    for item in e.inputs:
        out.print(f"  input {item['name']} {item['sha256']}")


@evidence_app.command("attach")
def attach_cmd(
    ctx: typer.Context,
    system_id: str,
    version: Annotated[str, typer.Option(help="System version the evidence is about.")],
    kind: Annotated[str, typer.Option(help="One of: " + ", ".join(ATTACHABLE_KINDS))],
    file: Annotated[Path, typer.Option("--file", help="The document (PDF, report...).")],
    summary: Annotated[str, typer.Option(help="One line: what this shows.")] = "",
    metric: Annotated[
        list[str] | None, typer.Option(help="name=value, dotted lower-case name (repeatable).")
    ] = None,
    verdict: Annotated[
        list[str] | None, typer.Option(help="rule=pass|concern|fail|insufficient (repeatable).")
    ] = None,
    expires: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD after which it no longer counts.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Attach evidence produced elsewhere (a signed audit report, an attestation)."""
    state = state_of(ctx)
    metrics = dict(parse_metric_option(m) for m in metric or [])
    verdicts = dict(parse_verdict_option(v) for v in verdict or [])
    days = parse_expiry(expires, dt.datetime.now(dt.UTC).date()) if expires else 365
    with state.context() as context:
        item = supplier.attach_evidence(
            context,
            state.actor(context),
            system_id,
            version,
            kind=kind,
            file=file,
            summary=summary,
            metrics=metrics,
            verdicts=verdicts,
            valid_for_days=days,
        )
    if as_json:
        emit_json(item)
    else:
        state.out.print(
            f"evidence {item.id} ({kind}) attached to {system_id}@{version}; "
            f"expires {(item.expires_at or 'never')[:10]}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
