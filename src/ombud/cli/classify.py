"""``ombud classify SYSTEM``: the questionnaire, interactively or from a file; and
``ombud classification pending|confirm|reject``: a downgrade asked for by an owner waits
for a rai_lead (see docs/classification.md)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ombud.cli._state import emit_json, state_of
from ombud.cli.render import render_classification
from ombud.compliance import (
    Question,
    QuestionType,
    load_answers_yaml,
    load_catalog,
    obligation_schedule,
    parse_as_of,
)
from ombud.services import classification

__all__ = ["register"]


def _ask(question: Question) -> Any:
    typer.echo(f"\n{question.text}\n  ({question.help})")
    if question.type == QuestionType.BOOL:
        return typer.confirm("  yes?", default=False)
    if question.type in (QuestionType.ONE_OF, QuestionType.MANY_OF):
        for i, option in enumerate(question.options, 1):
            typer.echo(f"  {i}. {option.text} [{option.id}]")
        many = question.type == QuestionType.MANY_OF
        raw = typer.prompt("  numbers, comma-separated" if many else "  number")
        picked = []
        for part in str(raw).split(","):
            part = part.strip()
            if part.isdigit() and 1 <= int(part) <= len(question.options):
                picked.append(question.options[int(part) - 1].id)
            elif part:
                picked.append(part)
        return picked if many else (picked[0] if picked else "")
    if question.type == QuestionType.NUMBER:
        return typer.prompt("  number", type=float)
    return typer.prompt("  answer")


def classify_cmd(
    ctx: typer.Context,
    system_id: str,
    answers_file: Annotated[
        Path | None, typer.Option("--answers", help="YAML file of questionnaire answers.")
    ] = None,
    catalog_version: Annotated[
        str | None, typer.Option(help="Legal catalog version (default: the newest).")
    ] = None,
    tiering: Annotated[
        Path | None, typer.Option(help="The organization's tiering policy YAML.")
    ] = None,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive",
            help="Ask unanswered questions (default: when stdin is a terminal).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Report which obligations apply on this day, YYYY-MM-DD (default: today); "
            "the catalog is still the one in force today.",
        ),
    ] = None,
) -> None:
    """Classify a system under the EU AI Act and other regimes, and assign its internal tier."""
    state = state_of(ctx)
    day = parse_as_of(as_of) if as_of is not None else date.today()
    if catalog_version is not None:
        load_catalog(catalog_version)  # an unknown version names the shipped ones, before any work
    given: dict[str, Any] = dict(load_answers_yaml(answers_file)) if answers_file else {}
    ask = sys.stdin.isatty() if interactive is None else interactive
    with state.context() as context:
        actor = state.actor(context)
        if ask:
            answers = {**classification.known_answers(context, system_id), **given}
            while pending := classification.unanswered_questions(answers, catalog_version):
                answers[pending[0].id] = _ask(pending[0])
            given = answers
        outcome = classification.classify_system(
            context,
            actor,
            system_id,
            answers=given,
            catalog_version=catalog_version,
            tiering_policy=tiering,
        )
    data = outcome.to_dict()
    data["as_of"] = day.isoformat()
    data["obligations_on"] = obligation_schedule(data["classification"]["obligations"], day)
    if as_json:
        emit_json(data)
        return
    state.out.print(f"[bold]{system_id}[/]")
    render_classification(state.out, data["classification"], data["tier"], day)
    if outcome.pending_request is not None:
        state.out.print(
            f"[yellow]PENDING: this lowers the tier or EU category of {system_id}; it is "
            f"request {outcome.pending_request} and takes effect only when a rai_lead "
            f"confirms it (`ombud classification confirm {outcome.pending_request}`). "
            "Until then the current classification applies.[/]"
        )
    if outcome.unanswered:
        state.out.print(
            "[yellow]unanswered (treated as 'no'): " + ", ".join(outcome.unanswered) + "[/]"
        )
    if outcome.diff is not None:
        lines = outcome.diff.summary_lines()
        if outcome.diff.is_empty:
            state.out.print("no change since the previous classification")
        else:
            state.out.print("changed since the previous classification:")
            for line in lines:
                state.out.print(f"  {line}", markup=False)


classification_app = typer.Typer(
    help="Pending classifications: downgrades that wait for a rai_lead.", no_args_is_help=True
)


@classification_app.command("pending")
def pending_cmd(
    ctx: typer.Context,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    status: Annotated[
        str, typer.Option(help="pending (default), confirmed, rejected, superseded or all.")
    ] = "pending",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Classification requests waiting for a rai_lead (or, with --status, decided ones)."""
    state = state_of(ctx)
    with state.context() as context:
        items = classification.list_classification_requests(
            context, system_id=system, status=None if status == "all" else status
        )
    if as_json:
        emit_json(items)
        return
    if not items:
        state.out.print(f"no {status} classification requests")
        return
    for item in items:
        state.out.print(
            f"#{item.id} {item.system_id}: {item.previous_eu_category} tier {item.previous_tier}"
            f" → {item.eu_category} tier {item.tier} ({item.status}; asked by "
            f"{item.requested_by} {item.requested_at.isoformat()[:10]})"
        )


@classification_app.command("confirm")
def confirm_cmd(
    ctx: typer.Context,
    request_id: int,
    note: Annotated[str, typer.Option(help="Why the lower classification is right.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Make a pending downgrade effective (a rai_lead or admin who did not ask for it)."""
    state = state_of(ctx)
    with state.context() as context:
        item = classification.confirm_classification(
            context, state.actor(context), request_id, note
        )
    if as_json:
        emit_json(item)
        return
    state.out.print(
        f"confirmed: {item.system_id} is now {item.eu_category} "
        f"tier {item.tier} (asked by {item.requested_by})"
    )


@classification_app.command("reject")
def reject_cmd(
    ctx: typer.Context,
    request_id: int,
    note: Annotated[str, typer.Option(help="Why the downgrade is refused (required).")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Refuse a pending downgrade; the system keeps its current classification."""
    state = state_of(ctx)
    with state.context() as context:
        item = classification.reject_classification(context, state.actor(context), request_id, note)
    if as_json:
        emit_json(item)
        return
    state.out.print(
        f"rejected: {item.system_id} keeps {item.previous_eu_category} tier {item.previous_tier}"
    )


def register(app: typer.Typer) -> None:
    app.command("classify")(classify_cmd)
    app.add_typer(classification_app, name="classification")
