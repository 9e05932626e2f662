"""``ombud review open|show|assign|conflict|vote|decide|list|accept-risk``: the review board."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from ombud.cli._state import emit_json, state_of
from ombud.governance import InvalidInput
from ombud.governance.review import parse_condition, parse_decision, parse_vote
from ombud.services import reviews

__all__ = ["register"]

review_app = typer.Typer(help="Pre-deployment reviews and risk acceptances.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ConditionOpt = Annotated[
    list[str] | None,
    typer.Option("--condition", help="OWNER:YYYY-MM-DD:TEXT (repeatable); becomes a finding."),
]


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option} '{text}' is not a date; write YYYY-MM-DD") from None


def _print_review(state: Any, review: reviews.Review) -> None:
    out = state.out
    out.print(
        f"[bold]review #{review.id}[/] {review.system_id}@{review.version} — "
        f"{review.status}" + (f": [bold]{review.decision}[/]" if review.decision else "")
    )
    pack = review.snapshot  # the evidence pack, as frozen when the review opened
    gate = pack["gate"]
    out.print(
        f"gate at opening: {gate['outcome']} ({gate['policy']['name']} "
        f"{gate['policy']['version']}); evaluation #{review.gate_evaluation_id}"
    )
    cls = pack["classification"]
    if cls:
        out.print(
            f"classification: tier {cls['tier']} ({cls['tier_label']}), {cls['eu_category']}; "
            f"{len(cls['obligations'])} obligation(s)"
        )
    out.print(f"evidence: {len(pack['evidence'])} record(s); documents: {len(pack['documents'])}")
    q = review.quorum_status
    out.print(
        f"quorum: {q.counted}/{q.quorum} counted votes; missing capacities: "
        f"{', '.join(q.missing_capacities) or 'none'}; met: {q.met}"
    )
    table = Table(
        "reviewer", "capacity", "conflict", "vote", "rationale", title="Board", title_justify="left"
    )
    votes = {v.reviewer: v for v in review.votes}
    for seat in review.assignments:
        vote = votes.get(seat.reviewer)
        table.add_row(
            seat.reviewer,
            seat.capacity,
            seat.conflict or "",
            vote.vote if vote else "",
            vote.rationale if vote else "",
        )
    out.print(table)
    if review.decision:
        out.print(f"decided by {review.decided_by}: {review.rationale}")
        for c in review.conditions or ():
            out.print(f"  condition: {c['text']} (owner {c['owner']}, due {c['due']})")


@review_app.command("open")
def open_cmd(
    ctx: typer.Context,
    system_id: str,
    version: Annotated[str | None, typer.Option(help="Version label (default: latest).")] = None,
    policy: Annotated[str | None, typer.Option(help="Policy pack (default: in force).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open a review: runs the gate, freezes the evidence pack, moves the system to in_review."""
    state = state_of(ctx)
    with state.context() as context:
        review = reviews.open_review(context, state.actor(context), system_id, version, policy)
    if as_json:
        emit_json(review)
    else:
        _print_review(state, review)


@review_app.command("show")
def show_cmd(ctx: typer.Context, review_id: int, as_json: JsonOpt = False) -> None:
    """Show a review: evidence pack summary, board, votes, quorum, decision."""
    state = state_of(ctx)
    with state.context() as context:
        review = reviews.get_review(context, review_id)
    if as_json:
        emit_json(review)
    else:
        _print_review(state, review)


@review_app.command("assign")
def assign_cmd(
    ctx: typer.Context,
    review_id: int,
    reviewer: str,
    capacity: Annotated[
        str, typer.Option(help="board_member, domain_expert or community_representative.")
    ],
    conflict: Annotated[str | None, typer.Option(help="A declared conflict of interest.")] = None,
) -> None:
    """Seat a reviewer (reviewer or rai_lead role, not the system's owner)."""
    state = state_of(ctx)
    with state.context() as context:
        reviews.assign_reviewer(
            context, state.actor(context), review_id, reviewer, capacity, conflict=conflict
        )
    state.out.print(f"'{reviewer}' sits on review #{review_id} as {capacity}")


@review_app.command("conflict")
def conflict_cmd(
    ctx: typer.Context,
    review_id: int,
    note: Annotated[str, typer.Option(help="What the conflict of interest is.")],
) -> None:
    """Declare your own conflict of interest: your vote no longer counts."""
    state = state_of(ctx)
    with state.context() as context:
        reviews.declare_conflict(context, state.actor(context), review_id, note)
    state.out.print(f"conflict of interest recorded on review #{review_id}")


@review_app.command("vote")
def vote_cmd(
    ctx: typer.Context,
    review_id: int,
    vote: Annotated[str, typer.Argument(help="approve, approve_with_conditions, reject, abstain")],
    rationale: Annotated[str, typer.Option(help="Why (required).")] = "",
    condition: ConditionOpt = None,
) -> None:
    """Cast your one vote on a review you are assigned to."""
    state = state_of(ctx)
    conditions = tuple(parse_condition(c) for c in condition or [])
    with state.context() as context:
        reviews.cast_vote(
            context, state.actor(context), review_id, parse_vote(vote), rationale, conditions
        )
    state.out.print(f"vote '{vote}' recorded on review #{review_id}")


@review_app.command("decide")
def decide_cmd(
    ctx: typer.Context,
    review_id: int,
    decision: Annotated[
        str, typer.Argument(help="approve, approve_with_conditions, reject, defer")
    ],
    rationale: Annotated[str, typer.Option(help="Why (required).")] = "",
    condition: ConditionOpt = None,
    override_failed_gate: Annotated[
        bool,
        typer.Option(
            "--override-failed-gate",
            help="Approve although the version's latest gate run did not pass (recorded).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Decide a review (rai_lead); conditions default to those of the conditional votes."""
    state = state_of(ctx)
    conditions = tuple(parse_condition(c) for c in condition) if condition else None
    with state.context() as context:
        review = reviews.decide_review(
            context,
            state.actor(context),
            review_id,
            parse_decision(decision),
            rationale,
            conditions,
            override_failed_gate=override_failed_gate,
        )
    if as_json:
        emit_json(review)
        return
    _print_review(state, review)
    for finding in review.findings:
        state.out.print(f"finding #{finding.id} opened: {finding.title}")


@review_app.command("list")
def list_cmd(
    ctx: typer.Context,
    system: Annotated[str | None, typer.Option(help="Only this system.")] = None,
    status: Annotated[str | None, typer.Option(help="open or decided.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List reviews."""
    state = state_of(ctx)
    with state.context() as context:
        items = reviews.list_reviews(context, system_id=system, status=status)
    if as_json:
        emit_json(items)
        return
    table = Table("id", "system", "version", "gate", "votes", "status", "decision")
    for r in items:
        table.add_row(
            str(r.id),
            r.system_id,
            r.version or "",
            r.gate or "",
            str(r.vote_count),
            r.status,
            r.decision or "",
        )
    state.out.print(table)


@review_app.command("accept-risk")
def accept_risk_cmd(
    ctx: typer.Context,
    system_id: str,
    justification: Annotated[str, typer.Option(help="Why the risk is acceptable (required).")],
    expires: Annotated[str, typer.Option(help="YYYY-MM-DD, after today, within a year.")],
    version: Annotated[str | None, typer.Option(help="Version label (default: latest).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Sign (rai_lead) that a version may deploy without approval and a passing gate."""
    state = state_of(ctx)
    day = _date(expires, "--expires")
    with state.context() as context:
        accepted = reviews.accept_risk(
            context, state.actor(context), system_id, version, justification, day
        )
    if as_json:
        emit_json(accepted)
    else:
        state.out.print(
            f"risk accepted for {system_id}@{accepted.version} by {accepted.signed_by} "
            f"until {accepted.expires.isoformat()}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
