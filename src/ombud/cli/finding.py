"""``ombud finding list|show|open|update|resolve|verify|accept-risk|import``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ombud.cli._state import emit_json, state_of
from ombud.governance import InvalidInput
from ombud.services import finding_import, findings

__all__ = ["register"]

finding_app = typer.Typer(help="Findings and their remediation.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ExpectOpt = Annotated[
    int | None, typer.Option(help="Refuse if the finding changed since this row version.")
]


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option} '{text}' is not a date; write YYYY-MM-DD") from None


def _done(state: Any, item: findings.Finding, as_json: bool, message: str) -> None:
    if as_json:
        emit_json(item)
    else:
        state.out.print(message)


@finding_app.command("list")
def list_cmd(
    ctx: typer.Context,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only findings owned by this user.")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Past due, or an accepted risk that expired.")
    ] = False,
    expiring_within: Annotated[
        int | None,
        typer.Option(help="Due, or risk acceptance ending, within DAYS (or already past)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Findings, soonest due first."""
    state = state_of(ctx)
    with state.context() as context:
        items = findings.list_findings(
            context,
            system_id=system,
            status=status,
            owner=owner,
            overdue=overdue,
            expiring_within=expiring_within,
        )
    if as_json:
        emit_json(items)
        return
    table = Table("id", "system", "severity", "title", "owner", "due", "status")
    for f in items:
        due = f.due_date.isoformat() + (" OVERDUE" if f.overdue else "")
        status_text = f.status
        if f.risk_expires_on:
            status_text += f" until {f.risk_expires_on.isoformat()}"
        table.add_row(str(f.id), f.system_id, f.severity, f.title, f.owner, due, status_text)
    state.out.print(table)


@finding_app.command("show")
def show_cmd(ctx: typer.Context, finding_id: int, as_json: JsonOpt = False) -> None:
    """Everything recorded about one finding."""
    state = state_of(ctx)
    with state.context() as context:
        f = findings.get_finding(context, finding_id)
    if as_json:
        emit_json(f)
        return
    out = state.out
    shown = f.to_dict()  # dates as ISO text, as in --json
    version = f"@{f.version}" if f.version else ""
    out.print(f"[bold]finding {f.id}[/bold] ({f.severity}) {f.title}")
    out.print(f"  system {f.system_id}{version}; from {f.source_kind} {f.source_ref}")
    out.print(f"  owner {f.owner}; due {shown['due_date']}{' (OVERDUE)' if f.overdue else ''}")
    out.print(f"  status {f.status} (row version {f.row_version})")
    if f.description:
        out.print(f"  {f.description}")
    if f.resolved_by:
        out.print(
            f"  resolved by {f.resolved_by} at {shown['resolved_at']}: {f.resolution_note}; "
            f"evidence {', '.join(str(e) for e in f.fix_evidence)}"
        )
    if f.verified_by:
        out.print(f"  verified by {f.verified_by} at {shown['verified_at']}")
    if f.risk_accepted_by:
        out.print(
            f"  risk accepted by {f.risk_accepted_by} until {shown['risk_expires_on']}: "
            f"{f.risk_justification}"
        )


@finding_app.command("open")
def open_cmd(
    ctx: typer.Context,
    system_id: str,
    title: Annotated[str, typer.Option(help="One line: what is wrong.")],
    severity: Annotated[str, typer.Option(help="critical, high, medium or low.")],
    owner: Annotated[str, typer.Option(help="Workspace user who fixes it.")],
    due: Annotated[str, typer.Option(help="YYYY-MM-DD, today or later.")],
    version: Annotated[str | None, typer.Option(help="System version concerned.")] = None,
    source: Annotated[
        str, typer.Option(help="gate, audit, third_party_audit, redteam, monitoring, ...")
    ] = "manual",
    ref: Annotated[str, typer.Option(help="Id of the source record (evidence id...).")] = "",
    description: Annotated[str, typer.Option()] = "",
    as_json: JsonOpt = False,
) -> None:
    """Open a finding by hand."""
    state = state_of(ctx)
    with state.context() as context:
        draft = findings.FindingDraft(
            system_id=system_id,
            version_label=version,
            title=title,
            severity=severity,
            source_kind=source,
            source_ref=ref,
            owner=owner,
            due_date=_date(due, "--due"),
            description=description,
        )
        f = findings.open_finding(context, state.actor(context), draft)
    _done(state, f, as_json, f"finding {f.id} opened on '{system_id}', due {f.due_date}")


@finding_app.command("update")
def update_cmd(
    ctx: typer.Context,
    finding_id: int,
    title: Annotated[str | None, typer.Option()] = None,
    description: Annotated[str | None, typer.Option()] = None,
    severity: Annotated[str | None, typer.Option(help="A lead's call.")] = None,
    owner: Annotated[str | None, typer.Option(help="A lead's call.")] = None,
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD; a lead's call.")] = None,
    status: Annotated[str | None, typer.Option(help="in_remediation, or open (reopen).")] = None,
    expect_version: ExpectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Edit a finding or move it between open and in_remediation."""
    state = state_of(ctx)
    with state.context() as context:
        f = findings.update_finding(
            context,
            state.actor(context),
            finding_id,
            title=title,
            description=description,
            severity=severity,
            owner=owner,
            due_date=_date(due, "--due") if due else None,
            status=status,
            expected_version=expect_version,
        )
    _done(state, f, as_json, f"finding {finding_id} updated (status {f.status})")


@finding_app.command("resolve")
def resolve_cmd(
    ctx: typer.Context,
    finding_id: int,
    evidence: Annotated[
        list[int] | None, typer.Option(help="Evidence id proving the fix (repeatable).")
    ] = None,
    note: Annotated[str, typer.Option(help="What was done.")] = "",
    expect_version: ExpectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Mark a finding resolved, citing evidence on the same system."""
    state = state_of(ctx)
    with state.context() as context:
        f = findings.resolve_finding(
            context,
            state.actor(context),
            finding_id,
            evidence_ids=evidence or [],
            note=note,
            expected_version=expect_version,
        )
    _done(state, f, as_json, f"finding {finding_id} resolved; awaiting verification")


@finding_app.command("verify")
def verify_cmd(
    ctx: typer.Context,
    finding_id: int,
    reject: Annotated[
        bool, typer.Option("--reject", help="The fix is not enough: back to remediation.")
    ] = False,
    note: Annotated[str, typer.Option()] = "",
    expect_version: ExpectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Confirm (or reject) the fix of a resolved finding; not by its owner or resolver."""
    state = state_of(ctx)
    with state.context() as context:
        f = findings.verify_finding(
            context,
            state.actor(context),
            finding_id,
            accept=not reject,
            note=note,
            expected_version=expect_version,
        )
    _done(state, f, as_json, f"finding {finding_id} is now {f.status}")


@finding_app.command("accept-risk")
def accept_risk_cmd(
    ctx: typer.Context,
    finding_id: int,
    justification: Annotated[str, typer.Option(help="Why the organization lives with it.")],
    expires: Annotated[str, typer.Option(help="YYYY-MM-DD, within a year.")],
    expect_version: ExpectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accept the risk of a finding until a date (rai_lead only, not its owner)."""
    state = state_of(ctx)
    with state.context() as context:
        f = findings.accept_risk(
            context,
            state.actor(context),
            finding_id,
            justification=justification,
            expires_on=_date(expires, "--expires"),
            expected_version=expect_version,
        )
    _done(state, f, as_json, f"risk of finding {finding_id} accepted until {f.risk_expires_on}")


@finding_app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The auditor's report, .csv or .json.")],
    system: Annotated[str | None, typer.Option(help="System for rows without one.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner for rows without one.")] = None,
    due_in_days: Annotated[
        int | None, typer.Option(help="Due date for rows without one: today + DAYS.")
    ] = None,
    source: Annotated[
        str, typer.Option(help="third_party_audit (default) or audit for internal audits.")
    ] = "third_party_audit",
    as_json: JsonOpt = False,
) -> None:
    """Import an auditor's findings: every row or none."""
    state = state_of(ctx)
    with state.context() as context:
        created = finding_import.import_findings(
            context,
            state.actor(context),
            file,
            system_id=system,
            owner=owner,
            due_in_days=due_in_days,
            source_kind=source,
        )
    if as_json:
        emit_json(created)
    else:
        ids = ", ".join(str(f.id) for f in created)
        state.out.print(f"imported {len(created)} finding(s) from {file.name}: {ids}")


def register(app: typer.Typer) -> None:
    app.add_typer(finding_app, name="finding")
