"""The application factory: one FastAPI app over one workspace, with explicit settings.

Starlette's own trailing-slash redirect is off: it builds an absolute URL from the
request's Host header, which a client chooses; the error handlers redirect "/path/" to
"/path" with a relative Location instead (web._errors).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

import jinja2
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import FileResponse

from ombud.services import auth
from ombud.services.context import open_context
from ombud.store import Workspace
from ombud.text import visible_value
from ombud.web._errors import install_error_handlers
from ombud.web._filters import install as install_filters
from ombud.web._middleware import BodyLimit, SessionAndHeaders
from ombud.web._oidc import OidcClient
from ombud.web._session import SessionCodec
from ombud.web._state import WebState
from ombud.web.api import router as api_router
from ombud.web.pages import router as page_router
from ombud.web.pages_account import router as account_router
from ombud.web.pages_amendment import router as amendment_router
from ombud.web.pages_classifications import router as classifications_router
from ombud.web.pages_explain import router as explain_router
from ombud.web.pages_forms import router as form_router
from ombud.web.pages_oidc import router as oidc_router
from ombud.web.pages_register import router as register_router
from ombud.web.pages_runs import router as runs_router
from ombud.web.pages_versions import router as version_router
from ombud.web.settings import WebSettings

__all__ = ["create_app"]


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ombud.web", "templates"),
        autoescape=True,  # every value is escaped unless a template says otherwise (none do)
        finalize=visible_value,  # and control characters / bidi overrides are made visible
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_filters(env)
    return env


def create_app(workspace: Workspace, settings: WebSettings | None = None) -> FastAPI:
    """A web app serving ``workspace``; its database schema must be current."""
    settings = settings or WebSettings()
    context = open_context(workspace)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        context.close()

    app = FastAPI(
        title="Ombud",
        summary="Responsible AI governance: systems, evidence, gates, reviews, findings.",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
        redirect_slashes=False,
    )
    auth.prime_dummy_hash(settings.password_hasher)
    templates = _templates()
    # The login page offers single sign-on only when this app has a provider configured.
    templates.globals["oidc_display_name"] = settings.oidc.display_name if settings.oidc else ""
    app.state.ombud = WebState(context, settings, SessionCodec(settings), templates)
    install_error_handlers(app)
    app.include_router(api_router)
    if settings.oidc is not None:
        app.state.ombud_oidc = OidcClient(settings.oidc)  # caches discovery per app instance
        app.include_router(oidc_router)
    app.include_router(register_router)  # first: /systems/new is not a system id
    app.include_router(page_router)
    app.include_router(form_router)
    app.include_router(runs_router)
    app.include_router(explain_router)
    app.include_router(version_router)
    app.include_router(account_router)
    app.include_router(classifications_router)
    app.include_router(amendment_router)
    static = resources.files("ombud.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    icon = str(static.joinpath("favicon.ico"))

    async def favicon(_: Request) -> FileResponse:
        # Static like /static (a plain route, outside the API and the role table).
        return FileResponse(
            icon, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
        )

    app.add_route("/favicon.ico", favicon, methods=["GET", "HEAD"], include_in_schema=False)

    app.add_middleware(SessionAndHeaders)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
