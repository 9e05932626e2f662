"""Who is asking, and may they: session users for pages, bearer tokens for the API.

Every write route names its rule of governance/authorization.py and asks it about the
object in its path (``permit``) before it reads a field: an owner of another system is
refused with 403 before anything else happens. The services ask the same policy again
inside their transaction, so the web cannot bypass it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import FormData

from ombud.governance import Action, Target, authorize
from ombud.services import auth, authorization
from ombud.services.auth import web_sessions
from ombud.services.context import Actor
from ombud.web._session import CSRF_FIELD
from ombud.web._state import context_of, session_of, web_state

__all__ = [
    "ApiAuthError",
    "CsrfRefused",
    "LoginRequired",
    "api_actor",
    "checked_form",
    "page_actor",
    "permit",
    "safe_next",
    "sign_in",
    "sign_out",
]


class LoginRequired(Exception):
    """No signed-in user: pages redirect to the login form."""


class CsrfRefused(Exception):
    """A form arrived without this session's CSRF token."""


class ApiAuthError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def permit(
    request: Request,
    actor: Actor,
    action: Action,
    kind: str | None = None,
    ident: str | int | None = None,
) -> None:
    """Raise PermissionDenied unless ``actor`` may do ``action`` to the object
    ``kind``/``ident`` (or, with no object yet, to some object). Blocking: reads the
    object's owner, reviewers, assignee; call it in a thread."""
    if kind is None or ident is None:
        target = Target.unnamed()
    else:
        target = authorization.target_of(context_of(request), kind, ident)
    authorize(actor.username, actor.roles, action, target)


def page_actor(request: Request) -> Actor:
    session = session_of(request)
    if not session.username or not session.secret:
        raise LoginRequired()
    try:
        actor = web_sessions.check_session(context_of(request), session.secret)
    except web_sessions.SessionInvalid:  # signed out elsewhere, revoked, expired, disabled
        session.logout()
        raise LoginRequired() from None
    if actor.username != session.username:  # cannot happen without the signing key
        session.logout()
        raise LoginRequired()
    return actor


def safe_next(target: str) -> str:
    """Where to go after signing in: a same-site path, else the dashboard.

    "//evil.example" or "https://..." would make the login an open redirect; every way in
    (password form, OpenID Connect) passes its ``next`` through here.
    """
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def sign_in(request: Request, username: str, method: str = "password") -> None:
    """Start a signed-in session for ``username`` (already authenticated by the caller).

    Every way in (password form, OpenID Connect) goes through here, so every session is
    created, recorded and later revocable the same way. Blocking: call it in a thread.
    """
    state = web_state(request)
    agent = request.headers.get("user-agent", "")[:200]
    host = request.client.host if request.client else "?"
    secret = web_sessions.open_session(
        context_of(request),
        username,
        method=method,
        lifetime=dt.timedelta(seconds=state.settings.session_max_age_seconds),
        client=f"{host} {agent}".strip(),
    )
    session_of(request).login(username, secret)


def sign_out(request: Request) -> None:
    """End this browser's session, on the server too. Blocking: call it in a thread."""
    session = session_of(request)
    if session.secret:
        web_sessions.close_session(context_of(request), session.secret)
    session.logout()


async def checked_form(request: Request) -> FormData:
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not session_of(request).csrf_matches(sent if isinstance(sent, str) else None):
        raise CsrfRefused()
    return form


_bearer = HTTPBearer(auto_error=False, description="An API token from `ombud user token`.")


def _identity(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> auth.TokenIdentity:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiAuthError(401, "unauthenticated", "send Authorization: Bearer <API token>")
    try:
        return auth.authenticate_token(context_of(request), credentials.credentials.strip())
    except auth.AuthenticationFailed as exc:
        raise ApiAuthError(401, "unauthenticated", str(exc)) from None


def api_actor(
    scope: str, action: Action = Action.READ, kind: str | None = None, param: str = ""
) -> Callable[..., Actor]:
    """A dependency: the token's user, if the token holds ``scope`` and the user may do
    ``action`` to the object named by the path parameter ``param`` (of type ``kind``)."""

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
    ) -> Actor:
        identity = _identity(request, credentials)
        granted = identity.scopes | ({"read"} if "write" in identity.scopes else set())
        if scope not in granted:
            raise ApiAuthError(
                403,
                "insufficient_scope",
                f"this token has scope {', '.join(sorted(identity.scopes))}; "
                f"this request needs {scope}",
            )
        ident = request.path_params.get(param) if kind else None
        if kind in ("review", "finding", "incident") and not str(ident).isdigit():
            ident = None  # not an id: the path's own validation answers 422
        permit(request, identity.actor, action, kind, ident)
        return identity.actor

    return dependency
