"""Build the app from environment variables, for uvicorn's ``--factory`` with workers.

uvicorn starts each worker by importing a factory by name, so the serve command hands
the workspace over in the environment of the worker processes it spawns. The workspace's
``[oidc]`` table (OpenID Connect sign-in) is read here too, with its client secret from
the environment; ``ombud serve`` has checked it before starting any worker.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from ombud.store import open_workspace
from ombud.web._oidc_settings import load_oidc_settings
from ombud.web.app import create_app
from ombud.web.settings import WebSettings, workspace_secret

__all__ = ["ENV_DATABASE", "ENV_SECURE", "ENV_WORKSPACE", "app_from_environment"]

ENV_WORKSPACE = "OMBUD_WEB_WORKSPACE"
ENV_DATABASE = "OMBUD_WEB_DATABASE_URL"
ENV_SECURE = "OMBUD_WEB_SECURE_COOKIES"


def app_from_environment() -> FastAPI:
    root = Path(os.environ[ENV_WORKSPACE])
    workspace = open_workspace(root, os.environ.get(ENV_DATABASE) or None)
    secure = {"always": True, "never": False}.get(os.environ.get(ENV_SECURE, "auto"))
    settings = WebSettings(
        secret_key=workspace_secret(workspace.root),
        secure_cookies=secure,
        oidc=load_oidc_settings(workspace.root, os.environ),
    )
    return create_app(workspace, settings)
