"""Every error a client can cause, answered in one stable shape.

The API answers ``{"error": {"code": ..., "message": ...}}`` with the status below;
pages answer the same status with an HTML page. Domain errors of the services map as
InvalidInput 422, PermissionDenied 403, NotFoundError 404, ConflictError 409. A database
that refuses a query (a dropped table, a lost connection) is the environment, not the
request: 503 with the database's reason, logged. Anything unexpected is a 500 with no
traceback shown (it is logged by the server).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Match

from ombud.governance import (
    ConflictError,
    DomainError,
    InvalidInput,
    NotFoundError,
    PermissionDenied,
)
from ombud.services.auth import AuthenticationFailed
from ombud.web._security import ApiAuthError, CsrfRefused, LoginRequired
from ombud.web._state import web_state

__all__ = ["domain_status", "error_body", "install_error_handlers"]

_log = logging.getLogger("ombud.web")

_DOMAIN: tuple[tuple[type[DomainError], int, str], ...] = (
    (InvalidInput, 422, "invalid_input"),
    (PermissionDenied, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
)
_HTTP_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "invalid_input",
}


def domain_status(exc: DomainError) -> tuple[int, str]:
    for kind, status, code in _DOMAIN:
        if isinstance(exc, kind):
            return status, code
    return 409, "refused"  # another rule of the domain said no


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _answer(request: Request, status: int, code: str, message: str, **extra: Any) -> Response:
    if _is_api(request):
        return JSONResponse(error_body(code, message, **extra), status_code=status)
    state = web_state(request)
    page = state.templates.get_template("error.html").render(
        status=status, code=code, message=message, request=request, user=None, csrf=""
    )
    return HTMLResponse(page, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    async def on_domain(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        status, code = domain_status(exc)
        return _answer(request, status, code, str(exc))

    async def on_value(request: Request, exc: Exception) -> Response:
        # Input errors of lower layers are ValueError subclasses defined in ombud.
        if type(exc).__module__.startswith("ombud."):
            return _answer(request, 422, "invalid_input", str(exc))
        return await on_crash(request, exc)

    async def on_auth(request: Request, exc: Exception) -> Response:
        return _answer(request, 401, "unauthenticated", str(exc))

    async def on_api_auth(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiAuthError)
        response = _answer(request, exc.status, exc.code, exc.message)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    async def on_login(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return _answer(request, 401, "unauthenticated", "log in first")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)

    async def on_csrf(request: Request, exc: Exception) -> Response:
        return _answer(
            request,
            403,
            "csrf_refused",
            "this form lacks a valid CSRF token; reload the page and submit it again",
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404 and (target := _without_slash(request)):
            return RedirectResponse(target, status_code=307)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        response = _answer(request, exc.status_code, code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        first = fields[0] if fields else {"field": "", "message": "invalid request"}
        message = f"{first['field']}: {first['message']}"
        return _answer(request, 422, "invalid_input", message, fields=fields)

    async def on_database(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, sqlalchemy.exc.DBAPIError)
        _log.exception("database failure on %s %s", request.method, request.url.path)
        orig = str(exc.orig).strip().splitlines() if exc.orig is not None else []
        reason = orig[0] if orig else type(exc).__name__
        message = f"the workspace database failed ({reason}); it is damaged or unreachable"
        return _answer(request, 503, "database_unavailable", message)

    async def on_crash(request: Request, exc: Exception) -> Response:
        _log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _answer(request, 500, "internal_error", "an unexpected error; it was logged")

    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(AuthenticationFailed, on_auth)
    app.add_exception_handler(ApiAuthError, on_api_auth)
    app.add_exception_handler(LoginRequired, on_login)
    app.add_exception_handler(CsrfRefused, on_csrf)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValueError, on_value)
    for failure in (sqlalchemy.exc.OperationalError, sqlalchemy.exc.ProgrammingError):
        app.add_exception_handler(failure, on_database)
    app.add_exception_handler(Exception, on_crash)


def _quote(path: str) -> str:
    return quote(path, safe="/")


def _without_slash(request: Request) -> str | None:
    """``/systems/`` -> ``/systems`` when that is a route: a relative redirect, built from
    the path alone (never from the Host header a client sends), and never ``//host``."""
    path = request.url.path
    if request.method not in ("GET", "HEAD") or len(path) < 2 or not path.endswith("/"):
        return None
    stripped = path.rstrip("/")
    if not stripped or stripped.startswith("//") or "\\" in stripped:
        return None
    scope = {**request.scope, "path": stripped}
    if not any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
        return None
    query = request.url.query
    return quote(stripped, safe="/:@!$&'()*+,;=-._~") + (f"?{query}" if query else "")
