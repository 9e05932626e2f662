"""Every route, every role and relationship, the expected status: the authorization
table, checked whole.

The columns are a role and, for owners, how they stand to the seeded objects: ``owner``
(omar) owns the systems, the finding and the incident the routes name; ``other_owner``
(hana) holds the same role but owns another system only. Write routes are posted with a
valid CSRF token and empty fields: a user the route lets in gets past the check and is
stopped by field validation (422, nothing saved) or finds nothing to change (303); a user
it refuses gets 403 before any field is read.

Every row names its rule of governance/authorization.py and the object it is checked
on; the expected statuses are then held against the policy itself (double entry), so a
route added without its rule, or a rule changed without the table, fails here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ombud.governance import Action, permits
from ombud.governance.authorization import GRANTS
from ombud.services import auth
from ombud.services.authorization import load_target
from ombud.services.context import AppContext
from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import Seeded
from .conftest import ROLE_USERS, csrf_of

ROLES = tuple(ROLE_USERS)
EVERYONE = dict.fromkeys(ROLES, 200)
PUBLIC = "public"  # signing in and out: no rule, anyone


def _only(allowed: tuple[str, ...], ok: int) -> dict[str, int]:
    return {role: ok if role in allowed else 403 for role in ROLES}


LEADS = ("admin", "rai_lead")
LEADS_AND_OWNER = (*LEADS, "owner")
ANY_OWNER = (*LEADS, "owner", "other_owner")


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    rule: str  # an Action value, or PUBLIC
    expected: dict[str, int]
    anonymous: int = 303
    obj: tuple[str, str | int] | None = None  # (kind, id) the rule is checked on


def page_routes(s: Seeded) -> list[Row]:
    read = Action.READ.value
    other = ("system", s.other_system)
    return [
        Row("GET", "/", read, EVERYONE),
        Row("GET", f"/systems/{s.blocked_system}", read, EVERYONE),
        Row("GET", f"/systems/{s.blocked_system}/monitoring", read, EVERYONE),
        Row("GET", "/reviews", read, EVERYONE),
        Row("GET", f"/reviews/{s.review_id}", read, EVERYONE),
        Row("GET", "/findings", read, EVERYONE),
        Row("GET", f"/findings/{s.finding_id}", read, EVERYONE),
        Row("GET", "/incidents", read, EVERYONE),
        Row("GET", "/incidents/new", read, EVERYONE),
        Row("GET", f"/incidents/{s.incident_id}", read, EVERYONE),
        Row("GET", "/audit", read, EVERYONE),
        Row("GET", "/audit?verify=true", read, EVERYONE),
        Row("GET", "/classifications", read, EVERYONE),
        Row("GET", "/login", PUBLIC, EVERYONE, 200),
        Row(
            "POST",
            f"/reviews/{s.review_id}/vote",
            Action.REVIEW_VOTE,
            _only(("reviewer",), 422),  # rex sits on this board; nobody else does
            obj=("review", s.review_id),
        ),
        Row(
            "POST",
            f"/reviews/{s.review_id}/decide",
            Action.REVIEW_DECIDE,
            _only(LEADS, 422),  # a rai_lead decides; ada, made by `init`, is one too
            obj=("review", s.review_id),
        ),
        Row(
            "POST",
            f"/findings/{s.finding_id}/update",
            Action.FINDING_EDIT,
            _only(LEADS_AND_OWNER, 303),
            obj=("finding", s.finding_id),
        ),
        Row(
            "POST",
            f"/findings/{s.finding_id}/resolve",
            Action.FINDING_WORK,
            _only(LEADS_AND_OWNER, 422),
            obj=("finding", s.finding_id),
        ),
        # No object yet: the systems named in the form are checked by the service.
        Row("POST", "/incidents", Action.INCIDENT_REPORT, _only((*ANY_OWNER, "reviewer"), 422)),
        Row(
            "POST",
            f"/systems/{s.other_system}/gate",
            Action.GATE_RUN,
            _only((*LEADS_AND_OWNER, "reviewer"), 303),
            obj=other,
        ),
        Row(
            "POST",
            f"/systems/{s.other_system}/evidence",
            Action.EVIDENCE_RECORD,
            _only(LEADS_AND_OWNER, 422),
            obj=other,
        ),
        Row(
            "POST",
            f"/systems/{s.other_system}/audits/fairness",
            Action.EVIDENCE_RECORD,
            _only(LEADS_AND_OWNER, 422),
            obj=other,
        ),
        Row(
            "POST",
            f"/systems/{s.other_system}/explanations",
            Action.EVIDENCE_RECORD,
            _only(LEADS_AND_OWNER, 422),
            obj=other,
        ),
        Row(
            "POST",
            f"/systems/{s.other_system}/versions",
            Action.SYSTEM_VERSION_ADD,
            _only(LEADS_AND_OWNER, 422),
            obj=other,
        ),
        Row("GET", "/compliance/amendment", Action.READ.value, EVERYONE),
        Row(
            "POST",
            "/compliance/amendment/apply",
            Action.CLASSIFICATION_CONFIRM,
            _only(LEADS, 422),
        ),
        Row("GET", "/systems/new", Action.SYSTEM_REGISTER, _only(ANY_OWNER, 200)),
        Row("POST", "/systems/new", Action.SYSTEM_REGISTER, _only(ANY_OWNER, 422)),
        Row(
            "GET",
            f"/systems/{s.other_system}/classify",
            Action.SYSTEM_CLASSIFY,
            _only(LEADS_AND_OWNER, 200),
            obj=other,
        ),
        Row(
            "POST",
            f"/systems/{s.other_system}/classify",
            Action.SYSTEM_CLASSIFY,
            _only(LEADS_AND_OWNER, 303),
            obj=other,
        ),
        Row(
            "POST",
            f"/classifications/{s.pending_classification}/decide",
            Action.CLASSIFICATION_CONFIRM,
            _only(LEADS, 422),
            obj=("classification", s.pending_classification),
        ),
        Row("GET", "/account", read, EVERYONE),
        # Each user's own sessions: the relationship is "the user themself".
        Row("POST", "/account/sessions", Action.USER_CREDENTIALS, dict.fromkeys(ROLES, 422)),
        Row("GET", "/systems", read, EVERYONE),
        # empty user name and password
        Row("POST", "/login", PUBLIC, dict.fromkeys(ROLES, 401), 401),
        Row("POST", "/logout", PUBLIC, dict.fromkeys(ROLES, 303)),  # last: ends the sessions
    ]


def api_routes(s: Seeded) -> list[Row]:
    base = "/api/v1"
    read = Action.READ.value
    return [
        Row("GET", f"{base}/systems", read, EVERYONE),
        Row("GET", f"{base}/systems/{s.blocked_system}", read, EVERYONE),
        Row("GET", f"{base}/systems/{s.blocked_system}/evidence", read, EVERYONE),
        Row("GET", f"{base}/systems/{s.blocked_system}/gate", read, EVERYONE),
        Row("GET", f"{base}/systems/{s.blocked_system}/coverage", read, EVERYONE),
        Row("GET", f"{base}/reviews", read, EVERYONE),
        Row("GET", f"{base}/reviews/{s.review_id}", read, EVERYONE),
        Row("GET", f"{base}/findings", read, EVERYONE),
        Row("GET", f"{base}/findings/{s.finding_id}", read, EVERYONE),
        Row("GET", f"{base}/incidents", read, EVERYONE),
        Row("GET", f"{base}/incidents/{s.incident_id}", read, EVERYONE),
        Row("GET", f"{base}/audit-log/verify", read, EVERYONE),
        Row(
            "POST",
            f"{base}/systems/{s.other_system}/gate",
            Action.GATE_RUN,
            _only((*LEADS_AND_OWNER, "reviewer"), 200),
            obj=("system", s.other_system),
        ),
        Row(
            "POST",
            f"{base}/reviews/{s.review_id}/votes",
            Action.REVIEW_VOTE,
            _only(("reviewer",), 422),
            obj=("review", s.review_id),
        ),
        Row(
            "POST",
            f"{base}/reviews/{s.review_id}/decision",
            Action.REVIEW_DECIDE,
            _only(LEADS, 422),
            obj=("review", s.review_id),
        ),
        Row(
            "POST",
            f"{base}/findings/{s.finding_id}/resolve",
            Action.FINDING_WORK,
            _only(LEADS_AND_OWNER, 422),
            obj=("finding", s.finding_id),
        ),
        Row(
            "POST",
            f"{base}/incidents",
            Action.INCIDENT_REPORT,
            _only((*ANY_OWNER, "reviewer"), 422),
        ),
    ]


def test_every_row_names_its_rule_and_agrees_with_the_policy(
    context: AppContext, seeded: Seeded
) -> None:
    """Double entry: the statuses written in the table are what the policy decides."""
    rules = {a.value for a in Action} | {PUBLIC}
    wrong = []
    for row in [*page_routes(seeded), *api_routes(seeded)]:
        if row.rule not in rules:
            wrong.append(f"{row.method} {row.path}: unknown rule {row.rule!r}")
            continue
        if row.method != "GET" and row.rule == Action.READ.value:
            wrong.append(f"{row.method} {row.path} writes but names the read rule")
        if row.rule == PUBLIC:
            continue
        action = Action(row.rule)
        for role, user in ROLE_USERS.items():
            actor = context.actor(user)
            if row.obj is None:
                allowed = any(g.role is None or g.role in actor.roles for g in GRANTS[action])
                if action is Action.USER_CREDENTIALS:
                    allowed = True  # each user acts on their own account
            else:
                with context.read() as session:
                    target = load_target(session, *row.obj)
                allowed = permits(user, actor.roles, action, target)
            if allowed != (row.expected[role] != 403):
                wrong.append(f"{role} {row.method} {row.path}: table and policy disagree")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_has_an_ownership_axis(seeded: Seeded) -> None:
    """Owner of this object and owner of another differ on every object-level write."""
    rows = [r for r in [*page_routes(seeded), *api_routes(seeded)] if r.obj is not None]
    assert len(rows) >= 10
    for row in rows:
        if row.rule in (Action.REVIEW_VOTE, Action.REVIEW_DECIDE, Action.CLASSIFICATION_CONFIRM):
            continue  # separation of duties: the owner is refused too
        assert row.expected["owner"] != 403, row.path
        assert row.expected["other_owner"] == 403, row.path


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
    for row in routes:
        method, path, expected, when_anonymous = row.method, row.path, row.expected, row.anonymous
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
    assert len(routes) * (len(ROLES) + 1) == 36 * 7  # the table is checked whole


def test_every_api_route_for_every_role(
    app_client: Callable[[], TestClient], context: AppContext, seeded: Seeded
) -> None:
    client = app_client()
    admin = context.actor("ada")
    # An auditor cannot hold a write token (issued read-only): her writes end at the scope.
    tokens = {
        role: auth.issue_token(context, admin, user, ["read" if role == "auditor" else "write"])[0]
        for role, user in ROLE_USERS.items()
    }
    wrong = []
    for row in api_routes(seeded):
        method, path, expected = row.method, row.path, row.expected
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
    listed = [(r.method, r.path.split("?")[0]) for r in page_routes(seeded)]
    listed += [(r.method, r.path) for r in api_routes(seeded)]
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
