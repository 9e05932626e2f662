"""Request limits and response headers that every route gets, whatever it forgets.

The body limit is checked on the declared length and again while the body streams,
so a chunked upload without a length cannot slip past it.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ombud.web._errors import error_body
from ombud.web._state import session_of, web_state

__all__ = ["SECURITY_HEADERS", "BodyLimit", "SessionAndHeaders"]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# The OpenAPI page (FastAPI's /docs) loads its viewer from a CDN; offline it has no use,
# so only /openapi.json is served, and it is plain JSON.


class _TooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body reader re-raises it instead of answering 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {max_bytes} bytes")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"the request body is larger than the limit of {self.max_bytes} bytes"
        response: Response
        if str(scope.get("path", "")).startswith("/api/"):
            response = JSONResponse(error_body("payload_too_large", message), status_code=413)
        else:
            response = PlainTextResponse(message, status_code=413)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


class SessionAndHeaders:
    """Stores a changed session in its cookie and adds the security headers.

    A plain ASGI middleware rather than ``BaseHTTPMiddleware``: that one runs the app in
    a task group and would wrap the body-limit error, turning a 413 into a 400.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)

        async def finishing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                session = session_of(request)
                if session.changed and not request.url.path.startswith("/api/"):
                    carrier = Response()
                    web_state(request).codec.store(request, carrier, session)
                    headers.append("set-cookie", carrier.headers["set-cookie"])
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if session.username and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, finishing_send)
