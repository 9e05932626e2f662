"""Every route, every role, the expected status: the authorization table, checked whole.

Write routes are posted with a valid CSRF token and empty fields: a role the route lets
in gets past the role check and is stopped by field validation (422, nothing saved) or
finds nothing to change (303); a role it refuses gets 403 before any field is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ombud.services import auth
from ombud.services.context import AppContext
from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import Seeded
from .conftest import ROLE_USERS, csrf_of

ROLES = tuple(ROLE_USERS)
EVERYONE = dict.fromkeys(ROLES, 200)


def _only(allowed: tuple[str, ...], ok: int) -> dict[str, int]:
    return {role: ok if role in allowed else 403 for role in ROLES}


WRITERS = ("admin", "rai_lead", "owner", "reviewer")
VOTERS = ("admin", "rai_lead", "reviewer")
DECIDERS = ("admin", "rai_lead")
REGISTRARS = ("admin", "rai_lead", "owner")


def page_routes(s: Seeded) -> list[tuple[str, str, dict[str, int], int]]:
    """(method, path, status per role, status when not logged in)."""
    return [
        ("GET", "/", EVERYONE, 303),
        ("GET", f"/systems/{s.blocked_system}", EVERYONE, 303),
        ("GET", "/reviews", EVERYONE, 303),
        ("GET", f"/reviews/{s.review_id}", EVERYONE, 303),
        ("GET", "/findings", EVERYONE, 303),
        ("GET", f"/findings/{s.finding_id}", EVERYONE, 303),
        ("GET", "/incidents", EVERYONE, 303),
        ("GET", "/incidents/new", EVERYONE, 303),
        ("GET", f"/incidents/{s.incident_id}", EVERYONE, 303),
        ("GET", "/audit", EVERYONE, 303),
        ("GET", "/audit?verify=true", EVERYONE, 303),
        ("GET", "/login", EVERYONE, 200),
        ("POST", f"/reviews/{s.review_id}/vote", _only(VOTERS, 422), 303),
        ("POST", f"/reviews/{s.review_id}/decide", _only(DECIDERS, 422), 303),
        ("POST", f"/findings/{s.finding_id}/update", _only(WRITERS, 303), 303),
        ("POST", f"/findings/{s.finding_id}/resolve", _only(WRITERS, 422), 303),
        ("POST", "/incidents", _only(WRITERS, 422), 303),
        ("POST", f"/systems/{s.other_system}/gate", _only(WRITERS, 303), 303),
        ("POST", f"/systems/{s.other_system}/evidence", _only(WRITERS, 422), 303),
        ("POST", f"/systems/{s.other_system}/versions", _only(REGISTRARS, 422), 303),
        ("GET", "/systems/new", _only(REGISTRARS, 200), 303),
        ("POST", "/systems/new", _only(REGISTRARS, 422), 303),
        ("GET", f"/systems/{s.other_system}/classify", _only(REGISTRARS, 200), 303),
        ("POST", f"/systems/{s.other_system}/classify", _only(REGISTRARS, 303), 303),
        ("GET", "/account", EVERYONE, 303),
        ("POST", "/account/sessions", dict.fromkeys(ROLES, 422), 303),
        ("GET", "/systems", EVERYONE, 303),
        ("POST", "/login", dict.fromkeys(ROLES, 401), 401),  # empty user name and password
        ("POST", "/logout", dict.fromkeys(ROLES, 303), 303),  # last: it ends the sessions
    ]


def api_routes(s: Seeded) -> list[tuple[str, str, dict[str, int]]]:
    base = "/api/v1"
    return [
        ("GET", f"{base}/systems", EVERYONE),
        ("GET", f"{base}/systems/{s.blocked_system}", EVERYONE),
        ("GET", f"{base}/systems/{s.blocked_system}/evidence", EVERYONE),
        ("GET", f"{base}/systems/{s.blocked_system}/gate", EVERYONE),
        ("GET", f"{base}/systems/{s.blocked_system}/coverage", EVERYONE),
        ("GET", f"{base}/reviews", EVERYONE),
        ("GET", f"{base}/reviews/{s.review_id}", EVERYONE),
        ("GET", f"{base}/findings", EVERYONE),
        ("GET", f"{base}/findings/{s.finding_id}", EVERYONE),
        ("GET", f"{base}/incidents", EVERYONE),
        ("GET", f"{base}/incidents/{s.incident_id}", EVERYONE),
        ("GET", f"{base}/audit-log/verify", EVERYONE),
        ("POST", f"{base}/systems/{s.other_system}/gate", _only(WRITERS, 200)),
        ("POST", f"{base}/reviews/{s.review_id}/votes", _only(VOTERS, 422)),
        ("POST", f"{base}/reviews/{s.review_id}/decision", _only(DECIDERS, 422)),
        ("POST", f"{base}/findings/{s.finding_id}/resolve", _only(WRITERS, 422)),
        ("POST", f"{base}/incidents", _only(WRITERS, 422)),
    ]


def test_every_page_route_for_every_role(
    as_user: Callable[[str], tuple[TestClient, str]],
    app_client: Callable[[], TestClient],
    seeded: Seeded,
) -> None:
    sessions = {role: as_user(user) for role, user in ROLE_USERS.items()}
    anonymous = app_client()
    anonymous_csrf = csrf_of(anonymous.get("/login").text)
    wrong = []
    routes = page_routes(seeded)
    for method, path, expected, when_anonymous in routes:
        for role, (client, csrf) in sessions.items():
            data = {"csrf_token": csrf} if method == "POST" else None
            got = client.request(method, path, data=data).status_code
            if got != expected[role]:
                wrong.append(f"{role} {method} {path}: {got}, expected {expected[role]}")
        data = {"csrf_token": anonymous_csrf} if method == "POST" else None
        got = anonymous.request(method, path, data=data).status_code
        if got != when_anonymous:
            wrong.append(f"anonymous {method} {path}: {got}, expected {when_anonymous}")
    assert not wrong, "\n".join(wrong)
    assert len(routes) * (len(ROLES) + 1) == 174  # the table is checked whole


def test_every_api_route_for_every_role(
    app_client: Callable[[], TestClient], context: AppContext, seeded: Seeded
) -> None:
    client = app_client()
    admin = context.actor("ada")
    tokens = {
        role: auth.issue_token(context, admin, user, ["write"])[0]
        for role, user in ROLE_USERS.items()
    }
    wrong = []
    for method, path, expected in api_routes(seeded):
        for role, token in tokens.items():
            body = {} if method == "POST" else None
            response = client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code != expected[role]:
                wrong.append(f"{role} {method} {path}: {response.status_code} {response.text}")
            elif response.status_code >= 400:
                assert set(response.json()["error"]) >= {"code", "message"}
        bare = client.request(method, path, json={} if method == "POST" else None)
        if bare.status_code != 401:
            wrong.append(f"no token {method} {path}: {bare.status_code}")
    assert not wrong, "\n".join(wrong)


def _api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute, also inside included routers (FastAPI >= 0.16x keeps those lazily
    as included-router entries rather than copying their routes into app.routes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix, route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from _api_routes(inner.routes, prefix + getattr(context, "prefix", ""))


def test_the_matrix_names_every_route_of_the_app(
    workspace: Workspace, settings: WebSettings, seeded: Seeded
) -> None:
    """A route added without a row here would escape the authorization table."""
    listed = [(m, p.split("?")[0]) for m, p, _, _ in page_routes(seeded)]
    listed += [(m, p) for m, p, _ in api_routes(seeded)]
    app = create_app(workspace, settings)
    found = [
        (method, prefix + route.path, route)
        for prefix, route in _api_routes(list(app.routes))
        if route.path != "/api/v1/openapi.json"
        for method in sorted(route.methods)
    ]
    assert len(found) >= 40, "the route walk found too few routes to be trusted"
    missing = [
        f"{method} {path}"
        for method, path, route in found
        if not any(m == method and route.path_regex.match(p) for m, p in listed)
    ]
    assert not missing, "routes without a row in the matrix: " + ", ".join(missing)
