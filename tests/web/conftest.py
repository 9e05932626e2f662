"""Fixtures for the web tests: a seeded workspace, an app over it, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ombud.services.context import AppContext
from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import CHEAP_HASHER, PASSWORD, Seeded, seed

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Web tests run on SQLite; test_postgres_flow.py runs one flow on PostgreSQL."""
    return f"sqlite:///{tmp_path / 'ombud.db'}"


@pytest.fixture
def seeded(context: AppContext, tmp_path: Path) -> Seeded:
    return seed(context, tmp_path)


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


ROLE_USERS = {
    "admin": "ada",
    "rai_lead": "lena",
    "owner": "omar",
    "reviewer": "rex",
    "auditor": "audrey",
}


@pytest.fixture
def as_user(app_client: Callable[[], TestClient]) -> Callable[[str], tuple[TestClient, str]]:
    def make(username: str) -> tuple[TestClient, str]:
        client = app_client()
        return client, login(client, username)

    return make
