"""The law moved: which systems are classified under an older catalog, what the newer one
changes for each, and (for a lead) applying it.

The web's face of ``ombud compliance amendment-impact``: the same services
(``services.amendment``) compute the report from every system's recorded answers, and
``apply`` records the new classifications and opens the findings exactly as
``--apply`` does. Reading is open to every signed-in role (an auditor needs it most);
applying is a portfolio-wide act that the authorization policy gives to leads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ombud.compliance import available_catalog_versions
from ombud.governance import Action, InvalidInput, permits
from ombud.governance.authorization import Target
from ombud.services import amendment
from ombud.services.context import Actor
from ombud.web._render import render
from ombud.web._security import checked_form, page_actor, permit
from ombud.web._state import context_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _versions(
    currency: amendment.CatalogCurrency, wanted_from: str, wanted_to: str
) -> tuple[str, str]:
    known = available_catalog_versions()
    to_version = wanted_to or currency.in_force
    from_version = wanted_from or currency.oldest_version or known[0]
    for value, what in ((from_version, "from"), (to_version, "to")):
        if value not in known:
            raise InvalidInput(
                f"catalog version '{value}' ({what}) is unknown; shipped: {', '.join(known)}"
            )
    return from_version, to_version


def _page(
    request: Request,
    actor: Actor,
    wanted_from: str,
    wanted_to: str,
    *,
    applied: str = "",
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    context = context_of(request)
    currency = amendment.catalog_currency(context)
    values: dict[str, Any] = {
        "currency": currency,
        "versions": available_catalog_versions(),
        "report": None,
        "applied": applied,
        "error": error,
        "may_apply": permits(
            actor.username, actor.roles, Action.CLASSIFICATION_CONFIRM, Target.unnamed()
        ),
    }
    try:
        from_version, to_version = _versions(currency, wanted_from, wanted_to)
    except InvalidInput as exc:
        values.update(error=str(exc), from_version=wanted_from, to_version=wanted_to)
        return render(request, "amendment.html", actor, status_code=422, **values)
    report = amendment.impact_report(context, from_version, to_version, currency.on)
    values.update(report=report, from_version=from_version, to_version=to_version)
    return render(request, "amendment.html", actor, status_code=status_code, **values)


@router.get("/compliance/amendment")
async def amendment_page(request: Request) -> Response:
    actor = await run_in_threadpool(page_actor, request)
    params = request.query_params
    return await run_in_threadpool(
        lambda: _page(
            request,
            actor,
            params.get("from", "").strip(),
            params.get("to", "").strip(),
            applied=params.get("applied", "").strip()[:10],
        )
    )


@router.post("/compliance/amendment/apply")
async def apply(request: Request) -> Response:
    actor = await run_in_threadpool(page_actor, request)
    form = await checked_form(request)
    await run_in_threadpool(permit, request, actor, Action.CLASSIFICATION_CONFIRM)
    wanted = {k: str(form.get(k) or "").strip() for k in ("from", "to")}

    def run() -> Response:
        context = context_of(request)
        try:
            if not (wanted["from"] and wanted["to"]):
                raise InvalidInput("name both catalog versions, from and to, to apply one")
            currency = amendment.catalog_currency(context)
            from_version, to_version = _versions(currency, wanted["from"], wanted["to"])
            if from_version == to_version:
                raise InvalidInput(
                    "choose two different catalog versions to apply one over the other"
                )
            done = amendment.apply_amendment(
                context, actor, from_version, to_version, dt.datetime.now(dt.UTC).date()
            )
        except InvalidInput as exc:
            return _page(
                request, actor, wanted["from"], wanted["to"], error=str(exc), status_code=422
            )
        query = urlencode(
            {"from": from_version, "to": to_version, "applied": len(done.reclassified)}
        )
        return RedirectResponse(f"/compliance/amendment?{query}", status_code=303)

    return await run_in_threadpool(run)
