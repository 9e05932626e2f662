"""``ombud incident report|show|update|notify|close|list``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ombud.cli._state import emit_json, state_of
from ombud.governance import InvalidInput
from ombud.governance.incidents import ReportingClock
from ombud.services import incidents

__all__ = ["register"]

incident_app = typer.Typer(
    help="Incidents and their Art. 73 reporting clock.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
TimeOpt = Annotated[
    str | None, typer.Option(help="ISO time with zone, e.g. 2026-11-20T14:05+01:00 (default: now).")
]


def _time(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{option} '{text}' is not a time; write e.g. 2026-11-20T14:05+01:00"
        ) from None
    if value.tzinfo is None:
        raise InvalidInput(f"{option} '{text}' has no time zone; add one, e.g. +00:00")
    return value


def _duration(seconds: int) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    return f"{sign}{days}d {rest // 3600}h {rest % 3600 // 60}m"


def _clock_line(clock: ReportingClock | None) -> str:
    if clock is None:
        return "no Art. 73 report due (not marked as a serious incident)"
    state = clock.state
    left = _duration(clock.remaining_seconds)
    notified = clock.notified_at.isoformat() if clock.notified_at else None
    if state == "running":
        detail = f"{left} left"
    elif state == "overdue":
        detail = f"OVERDUE by {left.lstrip('-')}"
    elif state == "notified_in_time":
        detail = f"notified {notified}, {left} before the limit"
    else:
        detail = f"notified {notified}, {left.lstrip('-')} LATE"
    return f"report by {clock.deadline.isoformat()} ({detail}); {clock.citation}"


def _render(out: Any, i: incidents.Incident) -> None:
    out.print(f"[bold]incident {i.id}[/bold] ({i.severity}, {i.status}) {i.title}")
    out.print(f"  systems: {', '.join(i.systems)}")
    if i.description:
        out.print(f"  {i.description}")
    count = i.people_affected_count
    out.print(f"  affected: {i.affected_people or '-'}{f' ({count} people)' if count else ''}")
    out.print(f"  detected {i.detected_at.isoformat()}; aware {i.aware_at.isoformat()}")
    out.print(f"  Art. 73: {_clock_line(i.art73_clock)}")
    for duty in i.reporting_duties:
        out.print(
            f"  {duty.system_id} (role: {duty.role}): {duty.citation}: "
            f"{duty.first_step}; date rule: {duty.date_rule}",
            markup=False,
        )
    for n in i.notifications:
        out.print(f"  notified {n.authority} ({n.reference}) at {n.notified_at.isoformat()}")
    if i.findings:
        out.print(f"  findings: {', '.join(str(f) for f in i.findings)}")
    out.print("  timeline:")
    for e in i.timeline:
        out.print(f"    {e.at.isoformat()[:19]}  {e.kind:<12} {e.actor}: {e.text}")
    if i.post_incident_review:
        out.print(f"  post-incident review ({i.closed_by}): {i.post_incident_review}")


def _show(state: Any, item: incidents.Incident, as_json: bool) -> None:
    if as_json:
        emit_json(item)
    else:
        _render(state.out, item)


@incident_app.command("report")
def report_cmd(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="One line: what happened.")],
    severity: Annotated[str, typer.Option(help="critical, high, medium or low.")],
    system: Annotated[list[str], typer.Option(help="Affected system id (repeatable).")],
    description: Annotated[str, typer.Option()] = "",
    affected: Annotated[str, typer.Option(help="Who was affected, in words.")] = "",
    people_affected: Annotated[int | None, typer.Option(help="How many people.")] = None,
    serious: Annotated[
        bool, typer.Option("--serious", help="A serious incident (Art. 3(49)): starts the clock.")
    ] = False,
    death: Annotated[bool, typer.Option("--death", help="A person died (Art. 73(4)).")] = False,
    widespread: Annotated[
        bool, typer.Option("--widespread", help="Widespread infringement (Art. 73(3)).")
    ] = False,
    critical_infrastructure: Annotated[
        bool,
        typer.Option(
            "--critical-infrastructure",
            help="Serious, irreversible disruption of critical infrastructure (Art. 73(3)).",
        ),
    ] = False,
    occurred: TimeOpt = None,
    detected: TimeOpt = None,
    aware: TimeOpt = None,
    suspend: Annotated[
        bool, typer.Option("--suspend", help="Also suspend the affected deployed systems.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Report an incident; the Art. 73 clock runs from the awareness time."""
    state = state_of(ctx)
    now = dt.datetime.now(dt.UTC)
    detected_at = _time(detected, "--detected") or now
    with state.context() as context:
        actor = state.actor(context)
        item = incidents.report_incident(
            context,
            actor,
            title=title,
            description=description,
            severity=severity,
            system_ids=system,
            detected_at=detected_at,
            aware_at=_time(aware, "--aware") or max(detected_at, now),
            affected_people=affected,
            people_affected_count=people_affected,
            serious=serious,
            death=death,
            widespread_infringement=widespread,
            critical_infrastructure=critical_infrastructure,
            occurred_at=_time(occurred, "--occurred"),
            suspend=suspend,
        )
    _show(state, item, as_json)


@incident_app.command("show")
def show_cmd(ctx: typer.Context, incident_id: int, as_json: JsonOpt = False) -> None:
    """An incident with its timeline and running Art. 73 clock."""
    state = state_of(ctx)
    with state.context() as context:
        item = incidents.get_incident(context, incident_id)
    _show(state, item, as_json)


@incident_app.command("update")
def update_cmd(
    ctx: typer.Context,
    incident_id: int,
    note: Annotated[str | None, typer.Option(help="A timeline entry.")] = None,
    severity: Annotated[str | None, typer.Option()] = None,
    description: Annotated[str | None, typer.Option()] = None,
    affected: Annotated[str | None, typer.Option()] = None,
    people_affected: Annotated[int | None, typer.Option()] = None,
    serious: Annotated[bool | None, typer.Option("--serious/--not-serious")] = None,
    death: Annotated[bool | None, typer.Option("--death/--no-death")] = None,
    widespread: Annotated[bool | None, typer.Option("--widespread/--not-widespread")] = None,
    critical_infrastructure: Annotated[
        bool | None, typer.Option("--critical-infrastructure/--no-critical-infrastructure")
    ] = None,
    link_finding: Annotated[
        list[int] | None, typer.Option(help="Link a finding id (repeatable).")
    ] = None,
    suspend: Annotated[
        bool, typer.Option("--suspend", help="Suspend the affected deployed systems.")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why suspend (with --suspend).")] = "",
    expect_version: Annotated[int | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add to the timeline, correct facts, link findings, suspend systems."""
    state = state_of(ctx)
    fields = (note, severity, description, affected, people_affected, serious, death, widespread)
    if all(v is None for v in (*fields, critical_infrastructure)) and not (link_finding or suspend):
        raise InvalidInput("nothing to update; give --note, a field, --link-finding or --suspend")
    if suspend and not reason.strip():
        raise InvalidInput("suspending needs a reason (--reason)")
    with state.context() as context:
        item = incidents.update_incident(
            context,
            state.actor(context),
            incident_id,
            note=note,
            severity=severity,
            description=description,
            affected_people=affected,
            people_affected_count=people_affected,
            serious=serious,
            death=death,
            widespread_infringement=widespread,
            critical_infrastructure=critical_infrastructure,
            expected_version=expect_version,
            link_finding_ids=link_finding or (),
            suspend_reason=reason if suspend else None,
        )
    _show(state, item, as_json)


@incident_app.command("notify")
def notify_cmd(
    ctx: typer.Context,
    incident_id: int,
    authority: Annotated[str, typer.Option(help="Who was notified.")],
    reference: Annotated[str, typer.Option(help="Their case number or your letter's id.")] = "",
    at: TimeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a report to an authority (stops the Art. 73 clock)."""
    state = state_of(ctx)
    with state.context() as context:
        item = incidents.notify_authority(
            context,
            state.actor(context),
            incident_id,
            authority=authority,
            reference=reference,
            notified_at=_time(at, "--at"),
        )
    _show(state, item, as_json)


@incident_app.command("close")
def close_cmd(
    ctx: typer.Context,
    incident_id: int,
    review: Annotated[str | None, typer.Option(help="Post-incident review text.")] = None,
    review_file: Annotated[
        Path | None, typer.Option(help="Read the post-incident review from a file.")
    ] = None,
    expect_version: Annotated[int | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Close with a post-incident review (rai_lead or admin)."""
    state = state_of(ctx)
    if review_file is not None:
        try:
            review = review_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{review_file}: cannot read the review ({exc})") from None
    with state.context() as context:
        item = incidents.close_incident(
            context,
            state.actor(context),
            incident_id,
            review=review or "",
            expected_version=expect_version,
        )
    _show(state, item, as_json)


@incident_app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="open or closed.")] = None,
    system: Annotated[str | None, typer.Option(help="Only incidents on this system.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Incidents, most recent first, with their reporting clocks."""
    state = state_of(ctx)
    with state.context() as context:
        items = incidents.list_incidents(context, status=status, system_id=system)
    if as_json:
        emit_json(items)
        return
    table = Table("id", "severity", "status", "title", "systems", "Art. 73")
    for i in items:
        clock = i.art73_clock
        if clock is None:
            when = "-"
        elif clock.state in ("running", "overdue"):
            when = f"{clock.state}: {_duration(clock.remaining_seconds)}"
        else:
            when = clock.state
        table.add_row(str(i.id), i.severity, i.status, i.title, ", ".join(i.systems), when)
    state.out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(incident_app, name="incident")
