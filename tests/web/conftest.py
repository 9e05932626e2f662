"""Fixtures for the web tests: a seeded workspace, an app over it, logged-in clients."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ombud.services.context import open_context
from ombud.services.workspaces import init_workspace
from ombud.store import Workspace, open_workspace
from ombud.web import WebSettings, create_app

from ._seed import CHEAP_HASHER, PASSWORD, Seeded, seed

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


@dataclass(frozen=True)
class _Template:
    folder: Path
    seeded: Seeded


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> _Template:
    """One seeded SQLite workspace per session; each test works on its own copy of it."""
    folder = tmp_path_factory.mktemp("web-template")
    workspace, _, _ = init_workspace(
        folder / "ws", database_url=f"sqlite:///{folder / 'ombud.db'}", admin="ada", os_user="x"
    )
    context = open_context(workspace)
    try:
        seeded = seed(context, folder)
    finally:
        context.close()
    return _Template(folder, seeded)


@pytest.fixture
def workspace(_seeded_template: _Template, tmp_path: Path) -> Workspace:
    """A private copy of the seeded workspace (SQLite; test_postgres_flow.py covers PostgreSQL)."""
    copy = tmp_path / "copy"
    shutil.copytree(_seeded_template.folder, copy)
    return open_workspace(copy / "ws", f"sqlite:///{copy / 'ombud.db'}")


@pytest.fixture
def seeded(_seeded_template: _Template) -> Seeded:
    return _seeded_template.seeded


@pytest.fixture
def settings() -> WebSettings:
    return WebSettings(secret_key="test-secret-key-0123456789abcdef", password_hasher=CHEAP_HASHER)


@pytest.fixture
def app_client(
    workspace: Workspace, seeded: Seeded, settings: WebSettings
) -> Iterator[Callable[[], TestClient]]:
    app = create_app(workspace, settings)
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app, base_url="http://testserver", follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token for later forms."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


#: One user per column of the authorization matrix: a role, and for owners how they stand
#: to the seeded objects (omar owns them; hana owns another system only).
ROLE_USERS = {
    "admin": "ada",
    "rai_lead": "lena",
    "owner": "omar",
    "other_owner": "hana",
    "reviewer": "rex",
    "auditor": "audrey",
}


@pytest.fixture
def as_user(app_client: Callable[[], TestClient]) -> Callable[[str], tuple[TestClient, str]]:
    def make(username: str) -> tuple[TestClient, str]:
        client = app_client()
        return client, login(client, username)

    return make
