"""Security properties of the web layer: XSS, CSRF, roles, token scopes, cookies, limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from ombud.governance import PermissionDenied
from ombud.services import auth, incidents
from ombud.services.context import AppContext
from ombud.services.evidence import list_evidence as evidence_of
from ombud.store import Workspace
from ombud.web import WebSettings, WebSettingsError, create_app

from ._seed import CHEAP_HASHER, PASSWORD, Seeded
from .conftest import csrf_of, login

Login = Callable[[str], tuple[TestClient, str]]
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>" onmouseover="alert(2)'


def _incident_form(csrf: str, system: str, **overrides: str) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    form = {
        "csrf_token": csrf,
        "title": "Wrong scores",
        "description": "Scores shifted.",
        "severity": "medium",
        "systems": system,
        "detected_at": (now - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "aware_at": (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "affected_people": "applicants",
    }
    form.update(overrides)
    return form


def _assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert '" onmouseover="alert' not in html
    assert "&lt;script&gt;alert(" in html


def test_stored_xss_in_every_text_field_is_rendered_inert(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    omar, csrf = as_user("omar")
    created = omar.post(
        "/incidents",
        data=_incident_form(
            csrf, seeded.blocked_system, title=XSS, description=XSS, affected_people=XSS
        ),
    )
    assert created.status_code == 303
    incident_page = created.headers["location"]
    lena, lena_csrf = as_user("lena")
    updated = lena.post(
        f"/findings/{seeded.finding_id}/update",
        data={"csrf_token": lena_csrf, "title": XSS, "description": XSS},
    )
    assert updated.status_code == 303
    rex, rex_csrf = as_user("rex")
    voted = rex.post(
        f"/reviews/{seeded.review_id}/vote",
        data={"csrf_token": rex_csrf, "vote": "reject", "rationale": XSS},
    )
    assert voted.status_code == 303
    for path in (
        incident_page,
        "/incidents",
        "/",
        f"/findings/{seeded.finding_id}",
        "/findings",
        f"/reviews/{seeded.review_id}",
        f"/systems/{seeded.blocked_system}",
    ):
        page = lena.get(path)
        assert page.status_code == 200
        _assert_inert(page.text)
        assert "script-src 'self'" in page.headers["content-security-policy"]
    # A field shown back after a failed form is escaped too.
    shown_back = omar.post(
        "/incidents", data=_incident_form(csrf, seeded.blocked_system, title=XSS, aware_at="x")
    )
    assert shown_back.status_code == 422
    _assert_inert(shown_back.text)


def test_forms_without_the_csrf_token_are_refused_and_save_nothing(
    as_user: Login, app_client: Callable[[], TestClient], seeded: Seeded, context: AppContext
) -> None:
    omar, csrf = as_user("omar")
    before = len(incidents.list_incidents(context))
    form = _incident_form(csrf, seeded.blocked_system)
    for token in (None, "", "forged-token", csrf_of(app_client().get("/login").text)):
        data = {k: v for k, v in form.items() if k != "csrf_token"}
        if token is not None:
            data["csrf_token"] = token
        refused = omar.post("/incidents", data=data)
        assert refused.status_code == 403
        assert "CSRF" in refused.text
    assert len(incidents.list_incidents(context)) == before
    assert omar.post("/incidents", data=form).status_code == 303
    assert len(incidents.list_incidents(context)) == before + 1


def test_login_form_needs_its_csrf_token(app_client: Callable[[], TestClient]) -> None:
    client = app_client()
    refused = client.post("/login", data={"username": "lena", "password": PASSWORD})
    assert refused.status_code == 403


def test_an_auditor_cannot_write_through_pages_or_api(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    audrey, csrf = as_user("audrey")
    before = len(incidents.list_incidents(context))
    refused = audrey.post("/incidents", data=_incident_form(csrf, seeded.blocked_system))
    assert refused.status_code == 403
    assert "auditor" in refused.text
    with pytest.raises(PermissionDenied, match="write-scope"):
        auth.issue_token(context, context.actor("audrey"), "audrey", ["write"])
    token, _ = auth.issue_token(context, context.actor("audrey"), "audrey", ["read"])
    api = audrey.post(
        f"/api/v1/systems/{seeded.other_system}/gate", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "insufficient_scope"
    assert len(incidents.list_incidents(context)) == before
    page = audrey.get(f"/reviews/{seeded.review_id}").text
    assert 'id="vote-form"' not in page  # no form offered either


def test_a_read_token_cannot_write_and_a_revoked_token_cannot_read(
    app_client: Callable[[], TestClient], seeded: Seeded, context: AppContext
) -> None:
    client = app_client()
    lena = context.actor("lena")
    read_token, info = auth.issue_token(context, lena, "lena", ["read"])
    headers = {"Authorization": f"Bearer {read_token}"}
    assert client.get("/api/v1/systems", headers=headers).status_code == 200
    write = client.post(f"/api/v1/systems/{seeded.other_system}/gate", headers=headers)
    assert write.status_code == 403
    assert write.json()["error"]["code"] == "insufficient_scope"
    auth.revoke_token(context, lena, info.id)
    gone = client.get("/api/v1/systems", headers=headers)
    assert gone.status_code == 401
    assert gone.headers["www-authenticate"] == "Bearer"
    # A session cookie is no way into the API.
    browser = app_client()
    login(browser, "lena")
    assert browser.get("/api/v1/systems").status_code == 401


def _session_cookie(response_headers: list[str]) -> str:
    found = [h for h in response_headers if h.startswith("ombud_session=")]
    assert found, "no session cookie was set"
    return found[-1].lower()


@pytest.mark.parametrize(
    ("base_url", "secure_setting", "secure"),
    [
        ("http://testserver", None, False),
        ("https://testserver", None, True),
        ("http://testserver", True, True),
    ],
)
def test_session_cookie_flags(
    workspace: Workspace, seeded: Seeded, base_url: str, secure_setting: bool | None, secure: bool
) -> None:
    settings = WebSettings(
        secret_key="k" * 32, secure_cookies=secure_setting, password_hasher=CHEAP_HASHER
    )
    with TestClient(create_app(workspace, settings), base_url=base_url) as client:
        page = client.get("/login")
        cookies = [_session_cookie(page.headers.get_list("set-cookie"))]
        if base_url.startswith("https"):  # a browser sends a Secure cookie back over https only
            response = client.post(
                "/login",
                data={"username": "lena", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
                follow_redirects=False,
            )
            assert response.status_code == 303
            cookies.append(_session_cookie(response.headers.get_list("set-cookie")))
    for cookie in cookies:
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert ("secure" in cookie.split("; ")) is secure


def test_login_is_throttled(workspace: Workspace, seeded: Seeded) -> None:
    settings = WebSettings(
        secret_key="k" * 32,
        password_hasher=CHEAP_HASHER,
        login_throttle=auth.LoginThrottle(account_free=3, base_delay=dt.timedelta(minutes=1)),
    )
    with TestClient(create_app(workspace, settings), follow_redirects=False) as client:
        csrf = csrf_of(client.get("/login").text)
        for _ in range(3):
            wrong = client.post(
                "/login", data={"username": "rex", "password": "guess", "csrf_token": csrf}
            )
            assert wrong.status_code == 401
        throttled = client.post(
            "/login", data={"username": "rex", "password": PASSWORD, "csrf_token": csrf}
        )
    assert throttled.status_code == 429
    assert "too many failed logins" in throttled.text
    assert "locked" not in throttled.text


def test_tampered_cookie_is_anonymous_and_next_cannot_leave_the_site(
    app_client: Callable[[], TestClient],
) -> None:
    client = app_client()
    login(client, "lena")
    assert client.get("/").status_code == 200
    forged = URLSafeTimedSerializer("not-the-app-key" * 3, salt="ombud-session")
    client.cookies.clear()
    client.cookies.set("ombud_session", forged.dumps({"u": "ada", "c": "x"}))
    assert client.get("/").status_code == 303  # a cookie signed with another key is nobody
    fresh = app_client()
    csrf = csrf_of(fresh.get("/login").text)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = fresh.post(
            "/login",
            data={"username": "lena", "password": PASSWORD, "csrf_token": csrf, "next": target},
        )
        assert response.headers["location"] == "/"
        csrf = csrf_of(fresh.get("/").text)
        fresh.post("/logout", data={"csrf_token": csrf})
        csrf = csrf_of(fresh.get("/login").text)


def test_oversized_bodies_are_refused_with_413(workspace: Workspace, seeded: Seeded) -> None:
    settings = WebSettings(secret_key="k" * 32, max_body_bytes=1000)
    with TestClient(create_app(workspace, settings)) as client:
        page = client.post("/incidents", content=b"x" * 5000)
        api = client.post("/api/v1/incidents", content=b"x" * 5000)

        def chunks() -> object:
            yield b"y" * 800
            yield b"y" * 800

        streamed = client.post(
            "/api/v1/incidents", content=chunks(), headers={"content-type": "application/json"}
        )
    assert page.status_code == 413
    assert api.status_code == 413
    assert api.json()["error"]["code"] == "payload_too_large"
    assert streamed.status_code == 413, streamed.text


def test_settings_refuse_a_weak_secret_and_a_zero_limit() -> None:
    with pytest.raises(WebSettingsError, match="shorter than 16"):
        WebSettings(secret_key="short")
    with pytest.raises(WebSettingsError, match="positive"):
        WebSettings(max_body_bytes=0)


def test_an_oversized_upload_is_refused_and_saves_nothing(
    workspace: Workspace, seeded: Seeded, context: AppContext
) -> None:
    settings = WebSettings(secret_key="k" * 32, max_body_bytes=4096, password_hasher=CHEAP_HASHER)
    with TestClient(create_app(workspace, settings), follow_redirects=False) as client:
        csrf = login(client, "omar")
        response = client.post(
            f"/systems/{seeded.other_system}/evidence",
            data={"csrf_token": csrf, "kind": "model_card", "version": "1.0.0"},
            files={"file": ("big.pdf", b"%PDF" + b"x" * 10_000, "application/pdf")},
        )
    assert response.status_code == 413
    assert all(e["kind"] != "model_card" for e in evidence_of(context, seeded.other_system))
