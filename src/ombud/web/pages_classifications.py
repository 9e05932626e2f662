"""Pending classifications: the downgrades owners asked for, and the lead's decision.

An owner's re-classification that lowers a system's tier or EU category waits here
(docs/classification.md); a rai_lead or admin who did not ask for it confirms or rejects
it with the same service as `ombud classification confirm|reject`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ombud.governance import Action, InvalidInput
from ombud.services import classification
from ombud.services.context import Actor
from ombud.web._render import checked_id, render
from ombud.web._security import checked_form, page_actor, permit
from ombud.web._state import context_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
DECISIONS = ("confirm", "reject")


def _page(
    request: Request,
    actor: Actor,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = context_of(request)
    pending = classification.list_classification_requests(context)
    decided = [
        r
        for r in classification.list_classification_requests(context, status=None)
        if r.status != "pending"
    ][-20:]
    return render(
        request,
        "classifications.html",
        actor,
        status_code=status_code,
        pending=pending,
        decided=list(reversed(decided)),
        decisions=DECISIONS,
        errors=errors or {},
        values=values or {},
    )


@router.get("/classifications")
async def classifications(request: Request) -> Response:
    actor = await run_in_threadpool(page_actor, request)
    return await run_in_threadpool(_page, request, actor)


@router.post("/classifications/{request_id:int}/decide")
async def decide(request: Request, request_id: int) -> Response:
    checked_id(request_id, "classification request")
    actor = await run_in_threadpool(page_actor, request)
    form = await checked_form(request)
    await run_in_threadpool(
        permit, request, actor, Action.CLASSIFICATION_CONFIRM, "classification", request_id
    )
    decision = form.get("decision")
    note = form.get("note")
    note = note.strip() if isinstance(note, str) else ""
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = "choose confirm or reject"
    elif decision == "reject" and not note:
        errors["note"] = "say why the downgrade is refused"
    values = {"request": str(request_id), "note": note}

    def run() -> HTMLResponse | None:
        if errors:
            return _page(request, actor, errors, values, 422)
        context = context_of(request)
        try:
            if decision == "confirm":
                classification.confirm_classification(context, actor, request_id, note)
            else:
                classification.reject_classification(context, actor, request_id, note)
        except InvalidInput as exc:
            return _page(request, actor, {"_form": str(exc)}, values, 422)
        return None

    shown = await run_in_threadpool(run)
    return shown or RedirectResponse("/classifications", status_code=303)
