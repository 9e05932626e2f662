"""Rendering a page with what every page needs: the user, the CSRF token, the nav."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from ombud.governance import NotFoundError, Role
from ombud.services.context import Actor
from ombud.web._session import CSRF_FIELD
from ombud.web._state import session_of, web_state

__all__ = ["MAX_ID", "checked_id", "render"]

# Ids are 32-bit integer columns on both backends; a larger number names nothing.
MAX_ID = 2**31 - 1


def checked_id(value: int, what: str) -> int:
    if not 1 <= value <= MAX_ID:
        raise NotFoundError(f"no {what} {value}")
    return value


def render(
    request: Request, template: str, actor: Actor | None, *, status_code: int = 200, **values: Any
) -> HTMLResponse:
    state = web_state(request)
    page = state.templates.get_template(template).render(
        request=request,
        user=actor,
        roles=sorted(r.value for r in actor.roles) if actor else [],
        can_write=bool(actor and actor.roles - {Role.AUDITOR}),
        csrf=session_of(request).csrf,
        csrf_field=CSRF_FIELD,
        **values,
    )
    return HTMLResponse(page, status_code=status_code)
