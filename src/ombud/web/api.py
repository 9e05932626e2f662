"""The JSON API under /api/v1, for CI and scripts; bearer tokens, scoped read or write.

Reads need a token with scope read (or write); writes need scope write and a role that
may write. Bodies are validated by pydantic (422 with the field named); everything else
is decided by the same services the CLI calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from ombud.governance import Action
from ombud.governance.review import Condition, Decision, Vote
from ombud.services import evidence, findings, gates, incidents, reviews, systems
from ombud.services.audit_log import verify_log, verify_state
from ombud.services.context import Actor
from ombud.services.coverage import system_coverage
from ombud.web._errors import error_body
from ombud.web._security import api_actor
from ombud.web._state import context_of

__all__ = ["router"]

_ERROR = {
    "description": "an error, as {error: {code, message}}",
    "content": {"application/json": {"example": error_body("not_found", "no AI system 'x'")}},
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _ERROR,
    403: _ERROR,
    404: _ERROR,
    409: _ERROR,
    413: _ERROR,
    422: _ERROR,
}
Framework = Literal["eu-ai-act", "nist-ai-rmf", "nist-ai-600-1", "iso-42001", "sector-rules"]
router = APIRouter(prefix="/api/v1", tags=["api"], responses=_RESPONSES)

# Each write names its rule of governance/authorization.py and the path parameter that
# names its object: the policy is asked about that object before the body is used.
Reader = Depends(api_actor("read"))
GateRunner = Depends(api_actor("write", Action.GATE_RUN, "system", "system_id"))
Voter = Depends(api_actor("write", Action.REVIEW_VOTE, "review", "review_id"))
Decider = Depends(api_actor("write", Action.REVIEW_DECIDE, "review", "review_id"))
FindingWorker = Depends(api_actor("write", Action.FINDING_WORK, "finding", "finding_id"))
Reporter = Depends(api_actor("write", Action.INCIDENT_REPORT))

_Text = Field(min_length=1, max_length=10_000)
# Ids are 32-bit integer columns on both backends; larger numbers are not ids (and would
# overflow SQLite's driver), so they are refused as input rather than looked up.
MAX_ID = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
ReviewId = Annotated[int, Path(ge=1, le=MAX_ID)]
FindingId = Annotated[int, Path(ge=1, le=MAX_ID)]
IncidentId = Annotated[int, Path(ge=1, le=MAX_ID)]
MAX_LIMIT = 1000
Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description="items per page (default 100, at most 1000)")
]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="items to skip (from `next`)")]


class Page(BaseModel):
    """One page of a list: ``next`` is the offset of the following page, null on the last."""

    items: list[dict[str, Any]]
    limit: int
    offset: int
    next: int | None


class _Record(Protocol):
    """A service's typed record: ``to_dict()`` is its wire shape."""

    def to_dict(self) -> dict[str, Any]: ...


def _wire(item: _Record | dict[str, Any]) -> dict[str, Any]:
    return item if isinstance(item, dict) else item.to_dict()


def _page(
    fetch: Callable[[int, int], Sequence[_Record | dict[str, Any]]], limit: int, offset: int
) -> Page:
    """Ask for one item more than the page holds: its presence says there is a next page,
    without counting the whole table."""
    items = fetch(limit + 1, offset)
    more = len(items) > limit
    return Page(
        items=[_wire(item) for item in items[:limit]],
        limit=limit,
        offset=offset,
        next=offset + limit if more else None,
    )


class ConditionIn(BaseModel):
    text: str = Field(min_length=1, max_length=1000)
    owner: str = Field(min_length=1, max_length=64)
    due: dt.date
    severity: str = Field(default="medium", max_length=20)


class VoteIn(BaseModel):
    vote: Vote
    rationale: str = _Text
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=50)


class DecisionIn(BaseModel):
    decision: Decision
    rationale: str = _Text
    #: Approve although the version's latest gate run did not pass (recorded).
    override_failed_gate: bool = False


class ResolveIn(BaseModel):
    evidence_ids: list[RowId] = Field(min_length=1, max_length=100)
    note: str = _Text
    expected_version: int | None = Field(default=None, ge=1, le=MAX_ID)


class IncidentIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    severity: str = Field(max_length=20)
    system_ids: list[str] = Field(min_length=1, max_length=100)
    detected_at: dt.datetime
    aware_at: dt.datetime
    affected_people: str = Field(default="", max_length=2000)
    people_affected_count: int | None = Field(default=None, ge=0, le=MAX_ID)
    serious: bool = False


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@router.get("/systems", summary="AI systems with their tier and EU AI Act category, by id")
def list_systems(
    request: Request,
    actor: Actor = Reader,
    status: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page:
    context = context_of(request)
    return _page(
        lambda n, skip: systems.list_systems(context, status=status, limit=n, offset=skip),
        limit,
        offset,
    )


@router.get("/systems/{system_id}", summary="One AI system with versions and classification")
def get_system(request: Request, system_id: str, actor: Actor = Reader) -> dict[str, Any]:
    return systems.get_system(context_of(request), system_id).to_dict()


@router.get("/systems/{system_id}/evidence", summary="Evidence recorded on a system, oldest first")
def list_evidence(
    request: Request,
    system_id: str,
    actor: Actor = Reader,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page:
    context = context_of(request)
    systems.get_system(context, system_id)  # unknown system -> 404, not an empty list
    return _page(
        lambda n, skip: [
            e.to_dict() for e in evidence.list_evidence(context, system_id, limit=n, offset=skip)
        ],
        limit,
        offset,
    )


@router.get("/systems/{system_id}/gate", summary="Past gate evaluations of a system, oldest first")
def list_gate_runs(
    request: Request,
    system_id: str,
    actor: Actor = Reader,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page:
    context = context_of(request)
    return _page(
        lambda n, skip: gates.list_gate_evaluations(context, system_id, limit=n, offset=skip),
        limit,
        offset,
    )


@router.get(
    "/systems/{system_id}/coverage",
    summary="Each applicable obligation or control of a framework with the evidence covering it",
)
def get_coverage(
    request: Request,
    system_id: str,
    actor: Actor = Reader,
    framework: Framework = "eu-ai-act",
    version: str | None = Query(default=None, max_length=100),
) -> dict[str, Any]:
    """The same report as `ombud compliance coverage`, for CI and dashboards elsewhere."""
    return system_coverage(context_of(request), system_id, framework, version=version).to_dict()


@router.post("/systems/{system_id}/gate", summary="Run the gate on a version (latest if omitted)")
def check_gate(
    request: Request,
    system_id: str,
    actor: Actor = GateRunner,
    version: str | None = Query(default=None, max_length=100),
) -> dict[str, Any]:
    return gates.check_gate(context_of(request), actor, system_id, version).to_dict()


@router.get("/reviews", summary="Reviews, optionally of one system or status")
def list_reviews(
    request: Request,
    actor: Actor = Reader,
    system_id: str | None = None,
    status: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page:
    context = context_of(request)
    return _page(
        lambda n, skip: reviews.list_reviews(
            context, system_id=system_id, status=status, limit=n, offset=skip
        ),
        limit,
        offset,
    )


@router.get("/reviews/{review_id}", summary="One review with its votes and evidence pack")
def get_review(request: Request, review_id: ReviewId, actor: Actor = Reader) -> dict[str, Any]:
    return reviews.get_review(context_of(request), review_id).to_dict()


@router.post("/reviews/{review_id}/votes", summary="Cast your vote on a review")
def cast_vote(request: Request, review_id: ReviewId, body: VoteIn, actor: Actor = Voter) -> Any:
    conditions = tuple(Condition(c.text, c.owner, c.due, c.severity) for c in body.conditions)
    return reviews.cast_vote(
        context_of(request), actor, review_id, body.vote, body.rationale, conditions
    ).to_dict()


@router.post("/reviews/{review_id}/decision", summary="Decide a review (a rai_lead)")
def decide(request: Request, review_id: ReviewId, body: DecisionIn, actor: Actor = Decider) -> Any:
    return reviews.decide_review(
        context_of(request),
        actor,
        review_id,
        body.decision,
        body.rationale,
        override_failed_gate=body.override_failed_gate,
    ).to_dict()


@router.get("/findings", summary="Findings by due date, filtered")
def list_findings(
    request: Request,
    actor: Actor = Reader,
    system_id: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    overdue: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page:
    context = context_of(request)
    return _page(
        lambda n, skip: findings.list_findings(
            context,
            system_id=system_id,
            status=status,
            owner=owner,
            overdue=overdue,
            limit=n,
            offset=skip,
        ),
        limit,
        offset,
    )


@router.get("/findings/{finding_id}", summary="One finding")
def get_finding(request: Request, finding_id: FindingId, actor: Actor = Reader) -> dict[str, Any]:
    return findings.get_finding(context_of(request), finding_id).to_dict()


@router.post("/findings/{finding_id}/resolve", summary="Resolve a finding, citing evidence")
def resolve_finding(
    request: Request, finding_id: FindingId, body: ResolveIn, actor: Actor = FindingWorker
) -> dict[str, Any]:
    return findings.resolve_finding(
        context_of(request),
        actor,
        finding_id,
        evidence_ids=body.evidence_ids,
        note=body.note,
        expected_version=body.expected_version,
    ).to_dict()


@router.get("/incidents", summary="Incidents with their EU AI Act Art. 73 reporting clocks")
def list_incidents(
    request: Request,
    actor: Actor = Reader,
    status: str | None = None,
    system_id: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page:
    context = context_of(request)
    return _page(
        lambda n, skip: incidents.list_incidents(
            context, status=status, system_id=system_id, limit=n, offset=skip
        ),
        limit,
        offset,
    )


@router.get("/incidents/{incident_id}", summary="One incident with its timeline")
def get_incident(
    request: Request, incident_id: IncidentId, actor: Actor = Reader
) -> dict[str, Any]:
    return incidents.get_incident(context_of(request), incident_id).to_dict()


@router.post("/incidents", status_code=201, summary="Report an incident")
def report_incident(request: Request, body: IncidentIn, actor: Actor = Reporter) -> dict[str, Any]:
    return incidents.report_incident(
        context_of(request),
        actor,
        title=body.title,
        description=body.description,
        severity=body.severity,
        system_ids=body.system_ids,
        detected_at=_aware(body.detected_at),
        aware_at=_aware(body.aware_at),
        affected_people=body.affected_people,
        people_affected_count=body.people_affected_count,
        serious=body.serious,
    ).to_dict()


@router.get("/audit-log/verify", summary="Verify the audit log's hash chain")
def verify_audit_log(
    request: Request, actor: Actor = Reader, state: bool = False
) -> dict[str, Any]:
    context = context_of(request)
    report = verify_log(context)
    records = verify_state(context) if state and report.ok else None
    return {
        "ok": report.ok and (records is None or records.ok),
        "events": report.events,
        "head_hash": report.head_hash,
        "first_bad_seq": report.first_bad_seq,
        "problem": report.problem,
        "state": None
        if records is None
        else {
            "ok": records.ok,
            "rows": records.rows,
            "problems": [
                {"key": p.key, "kind": p.kind, "seq": p.seq, "message": p.message}
                for p in records.problems
            ],
        },
    }
