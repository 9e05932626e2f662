"""A person's own account: the browsers signed in as them, and signing those out.

Any role may manage its own sessions (an auditor too: this changes no governance record,
only who is signed in). The rules are the session service's; this page only asks.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ombud.governance import InvalidInput
from ombud.services.auth import web_sessions
from ombud.services.context import Actor
from ombud.web._render import render
from ombud.web._security import checked_form, page_actor
from ombud.web._state import context_of, session_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Viewer = Depends(page_actor)


def _values(request: Request, actor: Actor) -> dict[str, Any]:
    context = context_of(request)
    secret = session_of(request).secret
    return {
        "sessions": web_sessions.list_sessions(context, actor.username),
        "current": web_sessions.session_id(context, secret) if secret else None,
    }


@router.get("/account")
def account_page(request: Request, actor: Actor = Viewer) -> HTMLResponse:
    return render(request, "account.html", actor, **_values(request, actor))


@router.post("/account/sessions")
async def end_sessions(request: Request) -> Response:
    """``session`` = an id to end that one, or ``others`` for every other browser."""
    form = await checked_form(request)
    actor = await run_in_threadpool(page_actor, request)
    choice = form.get("session")
    context = context_of(request)

    def revoke() -> None:
        if choice == "others":
            current = web_sessions.session_id(context, session_of(request).secret or "")
            web_sessions.revoke_sessions(context, actor, actor.username, keep=current)
        elif isinstance(choice, str) and choice.isdigit() and len(choice) < 10:
            web_sessions.revoke_sessions(context, actor, actor.username, int(choice))
        else:
            raise InvalidInput("pick a session to sign out, or 'others'")

    await run_in_threadpool(revoke)
    return RedirectResponse("/account", status_code=303)
