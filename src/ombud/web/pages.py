"""Read-only pages: dashboard, systems, review board, findings, incidents, audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import HTMLResponse

from ombud.governance import LifecycleStatus
from ombud.governance.findings import FindingSeverity, FindingStatus
from ombud.governance.incidents import IncidentSeverity
from ombud.governance.review import Decision, Vote
from ombud.services import findings, gates, incidents, reviews, systems
from ombud.services.audit_log import iter_events, verify_log, verify_state
from ombud.services.context import Actor
from ombud.services.evidence import list_evidence
from ombud.services.workspaces import list_users
from ombud.web import _monitoring_view, _system_view, _views
from ombud.web._render import checked_id, render
from ombud.web._security import page_actor
from ombud.web._state import context_of, session_of, web_state

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Viewer = Depends(page_actor)
# Rows to skip on a paginated list page (PAGE_SIZE rows a page); bounded like ids.
PageOffset = Annotated[int, Query(ge=0, le=2**31 - 1)]


@router.get("/login")
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    session = session_of(request)
    session.start()  # the only page that gives a cookie-less browser a session cookie
    return render(request, "login.html", None, next=next, error="", username=session.username)


@router.get("/")
def dashboard(request: Request, actor: Actor = Viewer) -> HTMLResponse:
    values = web_state(request).pages.get("dashboard", context_of(request), _views.dashboard)
    return render(request, "dashboard.html", actor, **values)


@router.get("/systems/{system_id}")
def system_page(
    request: Request, system_id: str, actor: Actor = Viewer, framework: str = "eu-ai-act"
) -> HTMLResponse:
    values = _system_view.system_page(context_of(request), system_id, framework, actor)
    return render(request, "system.html", actor, **values)


@router.get("/systems/{system_id}/monitoring")
def system_monitoring_page(
    request: Request,
    system_id: str,
    actor: Actor = Viewer,
    monitor: str = "",
    by: str = "",
    start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "",
) -> HTMLResponse:
    """The system page's Monitoring tab: the charts of `ombud monitor report`."""
    values = _monitoring_view.monitoring_tab(
        context_of(request), system_id, monitor, by, start, end
    )
    return render(request, "system_monitoring.html", actor, **values)


@router.get("/reviews")
def review_board(request: Request, actor: Actor = Viewer) -> HTMLResponse:
    items = reviews.list_reviews(context_of(request))
    return render(request, "reviews.html", actor, reviews=items)


def review_values(request: Request, review_id: int) -> dict[str, Any]:
    context = context_of(request)
    review = reviews.get_review(context, checked_id(review_id, "review"))
    return {
        "review": review,
        "system": systems.get_system(context, review.system_id),
        "votes_allowed": [v.value for v in Vote],
        "decisions_allowed": [d.value for d in Decision],
        "users": [u.username for u in list_users(context) if u.active],
        "errors": {},
        "values": {},
        "form": "",
    }


@router.get("/reviews/{review_id:int}")
def review_page(request: Request, review_id: int, actor: Actor = Viewer) -> HTMLResponse:
    return render(request, "review.html", actor, **review_values(request, review_id))


@router.get("/systems")
def systems_page(
    request: Request,
    actor: Actor = Viewer,
    status: str | None = None,
    gate: str | None = None,
    offset: PageOffset = 0,
) -> HTMLResponse:
    context = context_of(request)
    status, gate = status or None, gate or None
    items = systems.list_systems(
        context, status=status, gate=gate, limit=_views.PAGE_SIZE, offset=offset
    )
    outcomes = gates.latest_outcomes(context, [s.id for s in items])
    # The table's rows: each system with its latest gate outcome beside it.
    rows = [{**s.to_dict(), "gate": outcomes.get(s.id, systems.NOT_RUN)} for s in items]
    total = systems.count_systems(context, status=status, gate=gate)
    return render(
        request,
        "systems.html",
        actor,
        systems=rows,
        status_filter=status or "",
        gate_filter=gate or "",
        statuses=[s.value for s in LifecycleStatus],
        gates=list(systems.GATE_FILTERS),
        pager=_views.pager("/systems", {"status": status, "gate": gate}, offset, total),
    )


@router.get("/findings")
def findings_page(
    request: Request,
    actor: Actor = Viewer,
    status: str | None = None,
    system: str | None = None,
    overdue: bool = False,
    offset: PageOffset = 0,
) -> HTMLResponse:
    context = context_of(request)
    filters: dict[str, Any] = {
        "status": status or None,
        "system_id": system or None,
        "overdue": overdue,
    }
    items = findings.list_findings(context, **filters, limit=_views.PAGE_SIZE, offset=offset)
    total = findings.count_findings(context, **filters)
    return render(
        request,
        "findings.html",
        actor,
        findings=items,
        status_filter=status or "",
        system=system or "",
        overdue=overdue,
        statuses=[s.value for s in FindingStatus],
        pager=_views.pager(
            "/findings", {"status": status, "system": system, "overdue": overdue}, offset, total
        ),
    )


def finding_values(request: Request, finding_id: int) -> dict[str, Any]:
    context = context_of(request)
    finding = findings.get_finding(context, checked_id(finding_id, "finding"))
    return {
        "finding": finding,
        "evidence": list_evidence(context, finding.system_id),
        "severities": [s.value for s in FindingSeverity],
        "working_statuses": ["open", "in_remediation"],
        "users": [u.username for u in list_users(context) if u.active],
        "errors": {},
        "values": {},
        "form": "",
    }


@router.get("/findings/{finding_id:int}")
def finding_page(request: Request, finding_id: int, actor: Actor = Viewer) -> HTMLResponse:
    return render(request, "finding.html", actor, **finding_values(request, finding_id))


@router.get("/incidents")
def incidents_page(request: Request, actor: Actor = Viewer) -> HTMLResponse:
    items = incidents.list_incidents(context_of(request))
    return render(request, "incidents.html", actor, incidents=items)


def incident_form_values(request: Request) -> dict[str, Any]:
    return {
        "systems": [s.id for s in systems.list_systems(context_of(request))],
        "severities": [s.value for s in IncidentSeverity],
        "errors": {},
        "values": {},
    }


@router.get("/incidents/new")
def incident_form(request: Request, actor: Actor = Viewer) -> HTMLResponse:
    return render(request, "incident_new.html", actor, **incident_form_values(request))


@router.get("/incidents/{incident_id:int}")
def incident_page(request: Request, incident_id: int, actor: Actor = Viewer) -> HTMLResponse:
    item = incidents.get_incident(context_of(request), checked_id(incident_id, "incident"))
    return render(request, "incident.html", actor, incident=item)


@router.get("/audit")
def audit_page(request: Request, actor: Actor = Viewer, verify: bool = False) -> HTMLResponse:
    context = context_of(request)
    size = web_state(request).settings.audit_page_size
    events = list(iter_events(context, limit=size))
    events.reverse()
    report = verify_log(context) if verify else None
    records = verify_state(context) if report is not None and report.ok else None
    return render(request, "audit.html", actor, events=events, report=report, records=records)
