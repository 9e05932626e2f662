"""``ombud serve``: the web interface and API over the current workspace."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ombud.cli._state import state_of
from ombud.services.context import open_context

__all__ = ["register"]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (use PostgreSQL for more than one).")
    ] = 1,
    secure_cookies: Annotated[
        str,
        typer.Option(help="auto (Secure when the request is https), always or never."),
    ] = "auto",
    proxy_headers: Annotated[
        bool, typer.Option(help="Trust X-Forwarded-Proto/For from a TLS proxy on this host.")
    ] = False,
) -> None:
    """Serve the dashboard, review board and /api/v1 (log in with `ombud user passwd`)."""
    import uvicorn  # imported here: the web stack is not loaded for other commands

    from ombud.web._factory import ENV_DATABASE, ENV_SECURE, ENV_WORKSPACE
    from ombud.web._oidc_settings import load_oidc_settings

    state = state_of(ctx)
    if secure_cookies not in ("auto", "always", "never"):
        raise typer.BadParameter("use auto, always or never", param_hint="--secure-cookies")
    workspace = state.workspace()
    # A broken [oidc] table fails here (exit 2, one line), not at somebody's first login.
    oidc = load_oidc_settings(workspace.root, state.env)
    open_context(workspace).close()  # fail here, with the CLI's message, if the schema is old
    if workers > 1 and workspace.database_url.startswith("sqlite"):
        raise typer.BadParameter(
            "several workers need PostgreSQL; SQLite serializes writers (use --workers 1)",
            param_hint="--workers",
        )
    os.environ[ENV_WORKSPACE] = str(workspace.root)
    os.environ[ENV_DATABASE] = workspace.database_url
    os.environ[ENV_SECURE] = secure_cookies
    state.out.print(f"Ombud on http://{host}:{port}/ (workspace {workspace.root}); Ctrl-C stops")
    if oidc is not None:
        state.out.print(f"OpenID Connect sign-in through {oidc.issuer} ({oidc.display_name})")
    uvicorn.run(
        "ombud.web._factory:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        forwarded_allow_ips="127.0.0.1" if proxy_headers else None,
        log_level="info",
        # A worker imports the whole stack before it answers uvicorn's health check; the
        # 5 s default kills workers on a busy host before they are up.
        timeout_worker_healthcheck=60,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
