"""What one app instance holds (the service context, settings, templates), per request.

Each request gets its own copy of the ``AppContext`` with a fresh request id, so the
audit events of one request share an id and those of two requests never do; the copy
shares the engine and its connection pool.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field

import jinja2
from starlette.requests import Request

from ombud.services.context import AppContext
from ombud.web._cache import ChangeKeyedCache
from ombud.web._session import SessionCodec, SessionData
from ombud.web.settings import WebSettings

__all__ = ["WebState", "context_of", "session_of", "web_state"]


@dataclass(frozen=True)
class WebState:
    context: AppContext
    settings: WebSettings
    codec: SessionCodec
    templates: jinja2.Environment
    pages: ChangeKeyedCache = field(default_factory=ChangeKeyedCache)


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.ombud
    return state


def context_of(request: Request) -> AppContext:
    cached = getattr(request.state, "ombud_context", None)
    if isinstance(cached, AppContext):
        return cached
    context = dataclasses.replace(web_state(request).context, request_id=str(uuid.uuid4()))
    request.state.ombud_context = context
    return context


def session_of(request: Request) -> SessionData:
    session = getattr(request.state, "ombud_session", None)
    if isinstance(session, SessionData):
        return session
    session = web_state(request).codec.load(request)
    request.state.ombud_session = session
    return session
