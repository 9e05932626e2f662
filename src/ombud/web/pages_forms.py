"""The forms: log in and out, vote, decide, work a finding, report an incident, run a gate.

Each handler checks the CSRF token and the route's rule of the authorization policy on
the object it names (``_permit``: 403 before any field is read), parses the fields (a field it
cannot parse is shown back next to the field, nothing saved), then calls one service;
an InvalidInput from the service is shown back at the top of the same form, with 422.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ombud.governance import Action, InvalidInput
from ombud.governance.review import Condition, parse_decision, parse_vote
from ombud.services import auth, findings, gates, incidents, reviews, supplier
from ombud.services.context import Actor
from ombud.services.evidence import Evidence
from ombud.web import _system_view
from ombud.web._render import MAX_ID, checked_id, render
from ombud.web._security import (
    checked_form,
    page_actor,
    permit,
    safe_next,
    sign_in,
    sign_out,
)
from ombud.web._state import context_of, web_state
from ombud.web.pages import finding_values, incident_form_values, review_values

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await checked_form(request)
    username, password = _text(form, "username"), form.get("password")
    target = safe_next(_text(form, "next") or "/")
    state = web_state(request)
    settings = state.settings
    trusted = state.codec.trusted_device(request, username)
    try:
        actor = await run_in_threadpool(
            lambda: auth.authenticate_password(
                context_of(request),
                username,
                password if isinstance(password, str) else "",
                settings.login_throttle,
                hasher=settings.password_hasher,
                client=request.client.host if request.client else "",
                trusted=trusted,
            )
        )
    except auth.AuthenticationFailed as exc:
        page = render(
            request,
            "login.html",
            None,
            status_code=429 if isinstance(exc, auth.LoginThrottled) else 401,
            next=target,
            error=str(exc),
            username=username,
        )
        if isinstance(exc, auth.LoginThrottled):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    await run_in_threadpool(sign_in, request, actor.username)
    response = _see(target)
    state.codec.remember_device(request, response, actor.username)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    await run_in_threadpool(sign_out, request)
    return _see("/login")


async def _actor(request: Request) -> Actor:
    return await run_in_threadpool(page_actor, request)


async def _permit(
    request: Request,
    actor: Actor,
    action: Action,
    kind: str | None = None,
    ident: str | int | None = None,
) -> None:
    await run_in_threadpool(permit, request, actor, action, kind, ident)


async def _attempt(
    request: Request,
    actor: Actor,
    call: Callable[[], Any],
    redisplay: Callable[[dict[str, str]], HTMLResponse],
    errors: dict[str, str],
) -> Any:
    """Run the service call unless a field failed; an InvalidInput becomes a form error."""
    if errors:
        return redisplay(errors)
    try:
        return await run_in_threadpool(call)
    except InvalidInput as exc:
        return redisplay({"_form": str(exc)})


def _date(form: FormData, name: str, errors: dict[str, str], required: bool = True) -> dt.date:
    raw = _text(form, name)
    if not raw and not required:
        return dt.date.min
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = "give a date as YYYY-MM-DD"
        return dt.date.min


def _moment(form: FormData, name: str, errors: dict[str, str]) -> dt.datetime:
    raw = _text(form, name)
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        errors[name] = "give a date and time as YYYY-MM-DDTHH:MM (UTC)"
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@router.post("/reviews/{review_id:int}/vote")
async def vote(request: Request, review_id: int) -> Response:
    checked_id(review_id, "review")
    actor = await _actor(request)
    form = await checked_form(request)
    await _permit(request, actor, Action.REVIEW_VOTE, "review", review_id)
    errors: dict[str, str] = {}
    rationale = _text(form, "rationale")
    choice = None
    try:
        choice = parse_vote(_text(form, "vote"))
    except InvalidInput as exc:
        errors["vote"] = str(exc)
    if not rationale:
        errors["rationale"] = "say why you vote this way; the rationale is part of the record"
    conditions: tuple[Condition, ...] = ()
    if _text(form, "condition_text"):
        due = _date(form, "condition_due", errors)
        owner = _text(form, "condition_owner")
        if not owner:
            errors["condition_owner"] = "a condition needs an owner"
        conditions = (Condition(_text(form, "condition_text"), owner, due),)

    def redisplay(found: dict[str, str]) -> HTMLResponse:
        values = review_values(request, review_id)
        values.update(errors=found, values=dict(form), form="vote")
        return render(request, "review.html", actor, status_code=422, **values)

    result = await _attempt(
        request,
        actor,
        lambda: reviews.cast_vote(
            context_of(request), actor, review_id, choice or parse_vote(""), rationale, conditions
        ),
        redisplay,
        errors,
    )
    return result if isinstance(result, Response) else _see(f"/reviews/{review_id}")


@router.post("/reviews/{review_id:int}/decide")
async def decide(request: Request, review_id: int) -> Response:
    checked_id(review_id, "review")
    actor = await _actor(request)
    form = await checked_form(request)
    await _permit(request, actor, Action.REVIEW_DECIDE, "review", review_id)
    errors: dict[str, str] = {}
    rationale = _text(form, "rationale")
    decision = None
    try:
        decision = parse_decision(_text(form, "decision"))
    except InvalidInput as exc:
        errors["decision"] = str(exc)
    if not rationale:
        errors["rationale"] = "say why; the decision's rationale is part of the record"

    def redisplay(found: dict[str, str]) -> HTMLResponse:
        values = review_values(request, review_id)
        values.update(errors=found, values=dict(form), form="decide")
        return render(request, "review.html", actor, status_code=422, **values)

    result = await _attempt(
        request,
        actor,
        lambda: reviews.decide_review(
            context_of(request),
            actor,
            review_id,
            decision or parse_decision(""),
            rationale,
            override_failed_gate="override_failed_gate" in form,
        ),
        redisplay,
        errors,
    )
    return result if isinstance(result, Response) else _see(f"/reviews/{review_id}")


def _finding_redisplay(
    request: Request, actor: Actor, finding_id: int, form: FormData, which: str
) -> Callable[[dict[str, str]], HTMLResponse]:
    def redisplay(found: dict[str, str]) -> HTMLResponse:
        values = finding_values(request, finding_id)
        values.update(errors=found, values=dict(form), form=which)
        return render(request, "finding.html", actor, status_code=422, **values)

    return redisplay


@router.post("/findings/{finding_id:int}/update")
async def update_finding(request: Request, finding_id: int) -> Response:
    checked_id(finding_id, "finding")
    actor = await _actor(request)
    form = await checked_form(request)
    await _permit(request, actor, Action.FINDING_EDIT, "finding", finding_id)
    current = await run_in_threadpool(findings.get_finding, context_of(request), finding_id)
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name in ("title", "description", "severity", "owner", "status"):
        if name in form and _text(form, name) != str(getattr(current, name) or ""):
            changes[name] = _text(form, name)
    if "title" in changes and not changes["title"]:
        errors["title"] = "a finding needs a title; say in one line what is wrong"
    if "due_date" in form and _text(form, "due_date") != current.due_date.isoformat():
        changes["due_date"] = _date(form, "due_date", errors)
    try:
        version = int(_text(form, "row_version"))
    except ValueError:
        version = current.row_version
    redisplay = _finding_redisplay(request, actor, finding_id, form, "update")
    result = await _attempt(
        request,
        actor,
        lambda: findings.update_finding(
            context_of(request), actor, finding_id, expected_version=version, **changes
        ),
        redisplay,
        errors,
    )
    return result if isinstance(result, Response) else _see(f"/findings/{finding_id}")


@router.post("/findings/{finding_id:int}/resolve")
async def resolve_finding(request: Request, finding_id: int) -> Response:
    checked_id(finding_id, "finding")
    actor = await _actor(request)
    form = await checked_form(request)
    await _permit(request, actor, Action.FINDING_WORK, "finding", finding_id)
    errors: dict[str, str] = {}
    evidence_ids: list[int] = []
    for raw in form.getlist("evidence"):
        if isinstance(raw, str) and raw.strip().isdigit() and int(raw) <= MAX_ID:
            evidence_ids.append(int(raw))
        else:
            errors["evidence"] = f"'{raw}' is not an evidence id"
    if not evidence_ids and "evidence" not in errors:
        errors["evidence"] = "tick at least one evidence record that proves the fix"
    note = _text(form, "note")
    if not note:
        errors["note"] = "say what was done to fix it"
    redisplay = _finding_redisplay(request, actor, finding_id, form, "resolve")
    result = await _attempt(
        request,
        actor,
        lambda: findings.resolve_finding(
            context_of(request), actor, finding_id, evidence_ids=evidence_ids, note=note
        ),
        redisplay,
        errors,
    )
    return result if isinstance(result, Response) else _see(f"/findings/{finding_id}")


@router.post("/incidents")
async def report_incident(request: Request) -> Response:
    actor = await _actor(request)
    form = await checked_form(request)
    await _permit(request, actor, Action.INCIDENT_REPORT)
    errors: dict[str, str] = {}
    title = _text(form, "title")
    if not title:
        errors["title"] = "say in one line what happened"
    system_ids = [s for s in form.getlist("systems") if isinstance(s, str) and s]
    if not system_ids:
        errors["systems"] = "pick at least one affected system"
    detected = _moment(form, "detected_at", errors)
    aware = _moment(form, "aware_at", errors)
    count_raw = _text(form, "people_affected_count")
    count: int | None = None
    if count_raw:
        if count_raw.isdigit() and int(count_raw) <= MAX_ID:
            count = int(count_raw)
        else:
            errors["people_affected_count"] = "a whole number, 0 or more"

    def redisplay(found: dict[str, str]) -> HTMLResponse:
        values = incident_form_values(request)
        values.update(errors=found, values={**dict(form), "systems": system_ids})
        return render(request, "incident_new.html", actor, status_code=422, **values)

    result = await _attempt(
        request,
        actor,
        lambda: incidents.report_incident(
            context_of(request),
            actor,
            title=title,
            description=_text(form, "description"),
            severity=_text(form, "severity"),
            system_ids=system_ids,
            detected_at=detected,
            aware_at=aware,
            affected_people=_text(form, "affected_people"),
            people_affected_count=count,
            serious="serious" in form,
        ),
        redisplay,
        errors,
    )
    if isinstance(result, Response):
        return result
    return _see(f"/incidents/{result.id}")


@router.post("/systems/{system_id}/evidence")
async def attach_evidence(request: Request, system_id: str) -> Response:
    """Attach a document made elsewhere (a model card, a third-party audit) as evidence.

    The upload is written under its own base name in a temporary folder and handed to the
    same service as `ombud evidence attach`; the body limit has already refused it if it
    was too large (413).
    """
    actor = await _actor(request)
    form = await checked_form(request)
    try:
        return await _attach(request, actor, system_id, form)
    finally:
        await form.close()  # removes the spooled upload, whatever happened


async def _attach(request: Request, actor: Actor, system_id: str, form: FormData) -> Response:
    await _permit(request, actor, Action.EVIDENCE_RECORD, "system", system_id)
    errors: dict[str, str] = {}
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "choose the file to attach"
    version = _text(form, "version")
    if not version:
        errors["version"] = "pick the version the evidence is about"

    def redisplay(found: dict[str, str]) -> HTMLResponse:
        values = _system_view.system_page(context_of(request), system_id, actor=actor)
        values.update(errors=found, values={k: v for k, v in form.items() if k != "file"})
        return render(request, "system.html", actor, status_code=422, **values)

    def store() -> Evidence:
        assert isinstance(upload, UploadFile)
        name = PurePath(upload.filename or "").name
        if name in ("", ".", ".."):  # never a path out of the temporary folder
            name = "upload"
        with tempfile.TemporaryDirectory(prefix="ombud-upload-") as folder:
            path = Path(folder) / name
            upload.file.seek(0)
            with path.open("wb") as target:
                shutil.copyfileobj(upload.file, target)
            return supplier.attach_evidence(
                context_of(request),
                actor,
                system_id,
                version,
                kind=_text(form, "kind"),
                file=path,
                summary=_text(form, "summary"),
            )

    result = await _attempt(request, actor, store, redisplay, errors)
    return result if isinstance(result, Response) else _see(f"/systems/{system_id}#evidence")


@router.post("/systems/{system_id}/gate")
async def run_gate(request: Request, system_id: str) -> Response:
    actor = await _actor(request)
    await checked_form(request)
    await _permit(request, actor, Action.GATE_RUN, "system", system_id)
    await run_in_threadpool(gates.check_gate, context_of(request), actor, system_id)
    return _see(f"/systems/{system_id}#gate")
