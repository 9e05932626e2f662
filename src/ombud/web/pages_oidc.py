"""The OpenID Connect routes: send the browser to the provider, and take it back.

Mounted only when the workspace configures ``[oidc]`` (otherwise /login/oidc is a 404).
The provider says who someone is; Ombud decides what they may do. So a person the
provider vouches for is signed in only as an existing, active Ombud user: a login never
creates an account or grants a role, and the refusal says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from ombud.services.workspaces import list_users
from ombud.web._oidc import (
    OidcClient,
    OidcFailure,
    OidcSettings,
    PendingCodec,
    ProviderFailed,
)
from ombud.web._render import render
from ombud.web._security import safe_next, sign_in
from ombud.web._state import context_of, web_state

__all__ = ["NotAnOmbudUser", "router"]

_log = logging.getLogger("ombud.web.oidc")

router = APIRouter(include_in_schema=False)


class NotAnOmbudUser(OidcFailure):
    """The provider vouched for someone who is not an active Ombud user."""

    status = 403
    code = "not_an_ombud_user"


def oidc_of(request: Request) -> OidcClient:
    client = getattr(request.app.state, "ombud_oidc", None)
    if not isinstance(client, OidcClient):
        raise HTTPException(404)
    return client


def _pending_codec(request: Request) -> PendingCodec:
    return PendingCodec(web_state(request).settings.secret_key)


def _secure(request: Request) -> bool:
    return web_state(request).codec.secure(request)


def _redirect_uri(request: Request, settings: OidcSettings) -> str:
    return settings.redirect_uri or str(request.url_for("oidc_callback"))


def _failed(request: Request, exc: OidcFailure) -> Response:
    _log.warning("OpenID Connect sign-in failed (%s): %s", exc.code, exc.detail)
    return render(
        request,
        "error.html",
        None,
        status_code=exc.status,
        status=exc.status,
        code=exc.code,
        message=exc.message,
    )


def ombud_username(request: Request, settings: OidcSettings, claims: Mapping[str, Any]) -> str:
    """The active Ombud user the claims name, or NotAnOmbudUser saying why not."""
    claim, provider = settings.username_claim, settings.display_name
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        raise ProviderFailed(
            f"{provider} did not say which user you are: its answer has no '{claim}' claim. "
            "An admin can request it through the scopes or choose another username_claim",
            f"claim {claim!r} missing or not a string in {sorted(claims)}",
        )
    users = list_users(context_of(request))
    if settings.matches_email:
        if claims.get("email_verified") is False:
            raise NotAnOmbudUser(
                f"{provider} has not verified the email address '{value}', so it cannot "
                "name an Ombud user; verify it with your identity provider first"
            )
        found = [u for u in users if u.email and u.email.casefold() == value.casefold()]
        named, add = f"the email address '{value}'", f"`ombud user add NAME --email {value}`"
    else:
        found = [u for u in users if u.username == value]
        named, add = f"the user name '{value}'", f"`ombud user add {value} --role ...`"
    if len(found) > 1:
        raise NotAnOmbudUser(
            f"{provider} signed you in as '{value}', but several Ombud users have {named}; "
            "an Ombud admin must make it unique"
        )
    if not found:
        raise NotAnOmbudUser(
            f"{provider} signed you in as '{value}', but no Ombud user has {named}. Signing "
            "in does not create accounts: roles are granted inside Ombud, so an Ombud admin "
            f"must add you first ({add})"
        )
    user = found[0]
    if not user.active:
        raise NotAnOmbudUser(
            f"{provider} signed you in as '{value}', but the Ombud user "
            f"'{user.username}' is deactivated; only an Ombud admin can reactivate it"
        )
    return user.username


@router.get("/login/oidc")
async def oidc_start(request: Request, next: str = "/") -> Response:
    client = oidc_of(request)
    try:
        url, pending = await client.start(_redirect_uri(request, client.settings), safe_next(next))
    except OidcFailure as exc:
        return _failed(request, exc)
    response = RedirectResponse(url, status_code=302)
    _pending_codec(request).store(response, pending, secure=_secure(request))
    return response


@router.get("/login/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    client = oidc_of(request)
    codec = _pending_codec(request)
    pending = codec.load(request)
    response: Response
    try:
        claims = await client.finish(
            request.query_params, pending, _redirect_uri(request, client.settings)
        )
        username = await run_in_threadpool(ombud_username, request, client.settings, claims)
    except OidcFailure as exc:
        response = _failed(request, exc)
    else:
        await run_in_threadpool(sign_in, request, username, "oidc")
        _log.info(
            "OpenID Connect sign-in of '%s' (subject %s at %s)",
            username,
            claims.get("sub"),
            client.settings.issuer,
        )
        response = RedirectResponse(pending.next if pending else "/", status_code=303)
    codec.clear(response, secure=_secure(request))  # one use only, whatever the outcome
    return response
