"""OpenID Connect sign-in against a provider double on loopback (see _oidc_provider.py).

The browser is the app's TestClient; the hop to the provider is real HTTP (httpx), and
so are the app's own calls to it (discovery, JWKS, token endpoint). Every refusal is
checked twice: by the page it shows and by the absence of a session afterwards.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from ombud.services.context import open_context
from ombud.services.workspaces import add_user
from ombud.store import SETTINGS_FILE, Workspace
from ombud.store.models import UserRow
from ombud.web import WebSettings, create_app
from ombud.web._factory import ENV_DATABASE, ENV_SECURE, ENV_WORKSPACE, app_from_environment
from ombud.web._oidc import (
    DEFAULT_SECRET_ENV,
    PENDING_COOKIE,
    OidcConfigError,
    OidcSettings,
    load_oidc_settings,
)

from ._oidc_provider import CLIENT_ID, CLIENT_SECRET, ProviderDouble, running_provider
from ._seed import CHEAP_HASHER
from ._serving import free_port, run_cli

SECRET = "test-secret-key-0123456789abcdef"


def _oidc(issuer: str, **changes: Any) -> OidcSettings:
    return OidcSettings(
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        display_name="Test IdP",
        **changes,
    )


@pytest.fixture(scope="module")
def _provider_server() -> Iterator[ProviderDouble]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def provider(_provider_server: ProviderDouble) -> ProviderDouble:
    _provider_server.reset()
    return _provider_server


@pytest.fixture
def settings(provider: ProviderDouble) -> WebSettings:
    """Overrides conftest's: this module's apps offer sign-in through the provider double."""
    return WebSettings(secret_key=SECRET, password_hasher=CHEAP_HASHER, oidc=_oidc(provider.issuer))


@contextmanager
def _client(workspace: Workspace, oidc: OidcSettings | None) -> Iterator[TestClient]:
    settings = WebSettings(secret_key=SECRET, password_hasher=CHEAP_HASHER, oidc=oidc)
    app = create_app(workspace, settings)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client


def _to_provider_and_back(client: TestClient, next_path: str = "/") -> str:
    """Start at /login/oidc, let the provider approve; the callback URL it sends back."""
    start = client.get("/login/oidc", params={"next": next_path})
    assert start.status_code == 302, start.text
    approved = httpx.get(start.headers["location"], follow_redirects=False)
    assert approved.status_code == 302, approved.text
    callback: str = approved.headers["location"]
    assert callback.startswith("http://testserver/login/oidc/callback?")
    return callback


def _signed_in_as(client: TestClient) -> str | None:
    """Who the browser's session belongs to, asked of a page that needs one."""
    page = client.get("/reviews")
    if page.status_code == 303:
        assert page.headers["location"].startswith("/login")
        return None
    assert page.status_code == 200, page.text
    match = re.search(r'<a href="/account">([a-z0-9-]+)</a> <small>', page.text)
    assert match, "a signed-in page names its user"
    return match.group(1)


def _user_in_header(client: TestClient, username: str) -> bool:
    page = client.get("/")
    return page.status_code == 200 and f'<a href="/account">{username}</a> <small>' in page.text


# ---- the happy path -------------------------------------------------------------------


def test_sign_in_lands_on_the_dashboard_as_the_named_user(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    client = app_client()
    login_page = client.get("/login")
    assert 'href="/login/oidc?next=/"' in login_page.text
    assert "Sign in with Test IdP" in login_page.text
    assert 'name="password"' in login_page.text  # passwords stay available

    start = client.get("/login/oidc")
    cookie = start.headers["set-cookie"]
    assert cookie.startswith(f"{PENDING_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/login/oidc" in cookie
    assert "Max-Age=600" in cookie
    asked = parse_qs(urlsplit(start.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["scope"] == ["openid email profile"]
    assert asked["redirect_uri"] == ["http://testserver/login/oidc/callback"]
    assert asked["nonce"][0]
    assert asked["state"][0]

    approved = httpx.get(start.headers["location"], follow_redirects=False)
    done = client.get(approved.headers["location"])
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/"
    assert f'{PENDING_COOKIE}=""' in done.headers.get("set-cookie", "")  # used once
    assert _user_in_header(client, "lena")
    assert _signed_in_as(client) == "lena"
    # The provider checked the verifier the app kept against the challenge it sent.
    assert provider.pkce_results == [True]
    assert provider.token_requests[0]["code_verifier"]


def test_next_is_followed_within_the_site_only(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    client = app_client()
    done = client.get(_to_provider_and_back(client, "/findings?status=open"))
    assert done.headers["location"] == "/findings?status=open"
    other = app_client()
    done = other.get(_to_provider_and_back(other, "//evil.example/steal"))
    assert done.headers["location"] == "/"


def test_discovery_is_fetched_once_per_app(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    for _ in range(2):
        client = app_client()
        assert client.get(_to_provider_and_back(client)).status_code == 303
    assert provider.discovery_hits == 1


def test_missing_claim_is_taken_from_userinfo_about_the_same_subject(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    provider.id_token_changes = {"preferred_username": None}
    provider.userinfo_claims = {"preferred_username": "lena"}
    client = app_client()
    assert client.get(_to_provider_and_back(client)).status_code == 303
    assert _user_in_header(client, "lena")


# ---- forged or stale callbacks: 400 ----------------------------------------------------


def test_state_mismatch_is_refused(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    client = app_client()
    callback = urlsplit(_to_provider_and_back(client))
    params = {k: v[0] for k, v in parse_qs(callback.query).items()}
    params["state"] = "forged-" + params["state"]
    refused = client.get(f"{callback.path}?{urlencode(params)}")
    assert refused.status_code == 400
    assert "state mismatch" in refused.text
    assert _signed_in_as(client) is None


def test_callback_without_the_pending_cookie_is_refused(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    callback = _to_provider_and_back(app_client())
    stranger = app_client()  # another browser: it never started this sign-in
    refused = stranger.get(callback)
    assert refused.status_code == 400
    assert "no sign-in in progress" in refused.text
    assert _signed_in_as(stranger) is None
    assert provider.token_requests == []  # refused before the code was spent


def test_a_callback_works_once(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    client = app_client()
    callback = _to_provider_and_back(client)
    assert client.get(callback).status_code == 303
    client.cookies.clear()
    replay = client.get(callback)
    assert replay.status_code == 400


def test_a_code_from_another_login_fails_the_providers_pkce_check(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    """A code injected into another browser's callback: its verifier does not match."""
    victim, attacker = app_client(), app_client()
    attacker_code = parse_qs(urlsplit(_to_provider_and_back(attacker)).query)["code"][0]
    victim_callback = urlsplit(_to_provider_and_back(victim))
    params = {k: v[0] for k, v in parse_qs(victim_callback.query).items()}
    params["code"] = attacker_code
    refused = victim.get(f"{victim_callback.path}?{urlencode(params)}")
    assert refused.status_code == 400
    assert "did not accept this sign-in" in refused.text
    assert provider.pkce_results == [False]
    assert _signed_in_as(victim) is None


def test_provider_error_in_the_callback_is_shown(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    provider.authorize_error = "access_denied"
    client = app_client()
    refused = client.get(_to_provider_and_back(client))
    assert refused.status_code == 400
    assert "Test IdP did not sign you in (access_denied)" in refused.text
    assert "Traceback" not in refused.text


# ---- ID tokens that must not be trusted: 502 ---------------------------------------------


def _expired() -> dict[str, Any]:
    now = int(time.time())
    return {"iat": now - 3600, "exp": now - 1800}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(lambda: {"nonce": "another-login"}, "nonce", id="wrong-nonce"),
        pytest.param(lambda: {"nonce": None}, "nonce", id="no-nonce"),
        pytest.param(lambda: {"aud": "some-other-app"}, "aud", id="wrong-audience"),
        pytest.param(lambda: {"iss": "https://idp.example"}, "iss", id="wrong-issuer"),
        pytest.param(_expired, "expired", id="expired"),
        pytest.param(
            lambda: {"iat": int(time.time()) + 3600}, "in the future", id="issued-in-future"
        ),
    ],
)
def test_id_token_with_bad_claims_is_refused(
    app_client: Callable[[], TestClient],
    provider: ProviderDouble,
    changes: Callable[[], dict[str, Any]],
    expected: str,
) -> None:
    provider.id_token_changes = changes()
    client = app_client()
    refused = client.get(_to_provider_and_back(client))
    assert refused.status_code == 502
    assert "the ID token from Test IdP was refused" in refused.text
    assert expected in refused.text
    assert _signed_in_as(client) is None


def test_id_token_signed_by_another_key_is_refused(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    provider.sign_with_foreign_key = True
    client = app_client()
    refused = client.get(_to_provider_and_back(client))
    assert refused.status_code == 502
    assert "bad_signature" in refused.text
    assert _signed_in_as(client) is None


def test_failing_token_endpoint_is_a_502(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    provider.token_status = 500
    client = app_client()
    refused = client.get(_to_provider_and_back(client))
    assert refused.status_code == 502
    assert "its token endpoint failed" in refused.text
    assert _signed_in_as(client) is None


def test_pending_cookie_is_secure_like_the_session_cookie(
    workspace: Workspace, provider: ProviderDouble
) -> None:
    settings = WebSettings(secret_key=SECRET, secure_cookies=True, oidc=_oidc(provider.issuer))
    with TestClient(create_app(workspace, settings), follow_redirects=False) as client:
        start = client.get("/login/oidc")
    assert start.status_code == 302
    pending = [c for c in start.headers.get_list("set-cookie") if c.startswith(PENDING_COOKIE)]
    assert len(pending) == 1
    assert "Secure" in pending[0]


def test_unreachable_provider_is_a_502_page(workspace: Workspace) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with _client(workspace, _oidc(nobody)) as client:
        page = client.get("/login/oidc")
    assert page.status_code == 502
    assert "Test IdP cannot be reached" in page.text
    assert "log in with your Ombud password" in page.text


# ---- who may sign in: 403 ----------------------------------------------------------------


def test_unknown_user_is_not_provisioned(
    app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    provider.user["preferred_username"] = "mallory"
    client = app_client()
    refused = client.get(_to_provider_and_back(client))
    assert refused.status_code == 403
    assert "signed you in as &#39;mallory&#39;" in refused.text
    assert "does not create accounts" in refused.text
    assert "ombud user add mallory" in refused.text
    assert _signed_in_as(client) is None


def test_deactivated_user_is_refused(
    workspace: Workspace, app_client: Callable[[], TestClient], provider: ProviderDouble
) -> None:
    context = open_context(workspace)
    try:
        with context.read() as session:  # no service deactivates users yet
            row = session.get(UserRow, "lena")
            assert row is not None
            row.active = False
    finally:
        context.close()
    client = app_client()
    refused = client.get(_to_provider_and_back(client))
    assert refused.status_code == 403
    assert "&#39;lena&#39; is deactivated" in refused.text
    assert _signed_in_as(client) is None


def _add_erin(workspace: Workspace) -> None:
    context = open_context(workspace)
    try:
        add_user(
            context,
            context.actor("ada"),
            username="erin",
            roles=["reviewer"],
            email="Erin.Example@Example.org",
        )
    finally:
        context.close()


def test_email_claim_names_the_user_with_that_address(
    workspace: Workspace, provider: ProviderDouble
) -> None:
    _add_erin(workspace)
    provider.user = {"sub": "erin-1", "email": "erin.example@example.org", "email_verified": True}
    with _client(workspace, _oidc(provider.issuer, username_claim="email")) as client:
        assert client.get(_to_provider_and_back(client)).status_code == 303
        assert _user_in_header(client, "erin")


def test_unverified_email_names_nobody(workspace: Workspace, provider: ProviderDouble) -> None:
    _add_erin(workspace)
    provider.user = {"sub": "erin-1", "email": "erin.example@example.org", "email_verified": False}
    with _client(workspace, _oidc(provider.issuer, username_claim="email")) as client:
        refused = client.get(_to_provider_and_back(client))
        assert refused.status_code == 403
        assert "has not verified the email address" in refused.text
        assert not _user_in_header(client, "erin")


# ---- not configured ------------------------------------------------------------------


def test_without_oidc_there_is_no_route_and_no_link(workspace: Workspace) -> None:
    with _client(workspace, None) as client:
        assert client.get("/login/oidc").status_code == 404
        assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404
        page = client.get("/login")
        assert page.status_code == 200
        assert "/login/oidc" not in page.text
        assert "Sign in with" not in page.text


# ---- settings in the workspace file ---------------------------------------------------

GOOD_TABLE = """
[oidc]
issuer = "https://login.example.org/realms/main"
client_id = "ombud"
"""


def _write_table(root: Path, table: str) -> Path:
    path = root / SETTINGS_FILE
    path.write_text("[workspace]\nformat = 1\n" + table, encoding="utf-8")
    return path


def test_loader_reads_the_table_with_defaults(tmp_path: Path) -> None:
    _write_table(tmp_path, GOOD_TABLE)
    loaded = load_oidc_settings(tmp_path, {DEFAULT_SECRET_ENV: " s3cret "})
    assert loaded == OidcSettings(
        issuer="https://login.example.org/realms/main", client_id="ombud", client_secret="s3cret"
    )
    assert loaded.scope == "openid email profile"
    assert loaded.username_claim == "preferred_username"
    assert "s3cret" not in repr(loaded)


def test_loader_reads_every_key(tmp_path: Path) -> None:
    _write_table(
        tmp_path,
        GOOD_TABLE
        + 'client_secret_env = "IDP_SECRET"\nscopes = ["openid", "email"]\n'
        + 'username_claim = "email"\ndisplay_name = "Example SSO"\n'
        + 'redirect_uri = "https://ombud.example.org/login/oidc/callback"\n',
    )
    loaded = load_oidc_settings(tmp_path, {"IDP_SECRET": "x"})
    assert loaded is not None
    assert (loaded.scopes, loaded.matches_email, loaded.display_name) == (
        ("openid", "email"),
        True,
        "Example SSO",
    )
    assert loaded.redirect_uri == "https://ombud.example.org/login/oidc/callback"


def test_no_table_means_no_oidc(tmp_path: Path) -> None:
    _write_table(tmp_path, "")
    assert load_oidc_settings(tmp_path, {DEFAULT_SECRET_ENV: "x"}) is None


@pytest.mark.parametrize(
    ("table", "env", "key", "fix"),
    [
        (GOOD_TABLE.replace("https://login", "http://login"), None, "issuer", "https URL"),
        (
            GOOD_TABLE.replace('"https://login.example.org/realms/main"', "42"),
            None,
            "issuer",
            "non-empty string",
        ),
        (GOOD_TABLE.replace('client_id = "ombud"', ""), None, "client_id", "add client_id"),
        (GOOD_TABLE, {}, "client_secret_env", f"{DEFAULT_SECRET_ENV} is empty or not set"),
        (GOOD_TABLE + 'client_secret = "oops"\n', None, "client_secret", "does not belong"),
        (GOOD_TABLE + 'scopes = "email profile"\n', None, "scopes", "must include 'openid'"),
        (GOOD_TABLE + 'usernme_claim = "email"\n', None, "usernme_claim", "unknown key"),
        (GOOD_TABLE + 'redirect_uri = "ftp://x"\n', None, "redirect_uri", "https URL"),
        (GOOD_TABLE + 'client_secret_env = "A-B"\n', None, "client_secret_env", "not an env"),
    ],
)
def test_bad_settings_are_one_clear_line(
    tmp_path: Path, table: str, env: dict[str, str] | None, key: str, fix: str
) -> None:
    path = _write_table(tmp_path, table)
    with pytest.raises(OidcConfigError) as raised:
        load_oidc_settings(tmp_path, {DEFAULT_SECRET_ENV: "x"} if env is None else env)
    message = str(raised.value)
    assert message.startswith(f"{path}: [oidc] {key}: ")
    assert fix in message
    assert "\n" not in message


def test_loopback_http_issuer_is_allowed_for_tests(tmp_path: Path) -> None:
    _write_table(tmp_path, GOOD_TABLE.replace("https://login.example.org", "http://127.0.0.1:9"))
    assert load_oidc_settings(tmp_path, {DEFAULT_SECRET_ENV: "x"}) is not None


def test_serve_refuses_to_start_on_bad_settings(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append(k))
    monkeypatch.delenv(DEFAULT_SECRET_ENV, raising=False)
    for name in (ENV_WORKSPACE, ENV_DATABASE, ENV_SECURE):  # serve sets them: undo afterwards
        monkeypatch.setenv(name, "")
    settings_file = workspace.root / SETTINGS_FILE
    original = settings_file.read_text(encoding="utf-8")
    settings_file.write_text(original + GOOD_TABLE, encoding="utf-8")
    common = ("-w", str(workspace.root), "--db", workspace.database_url, "serve")

    code, _, err = run_cli(capsys, *common)
    assert code == 2
    assert err.strip().splitlines() == [err.strip()]
    assert f"{settings_file}: [oidc] client_secret_env: " in err
    assert "Traceback" not in err
    assert started == []

    monkeypatch.setenv(DEFAULT_SECRET_ENV, "s3cret")
    code, out, err = run_cli(capsys, *common, "--port", "8765")
    assert (code, err) == (0, "")
    assert "OpenID Connect sign-in through https://login.example.org/realms/main" in out
    assert [k["port"] for k in started] == [8765]


def test_factory_builds_the_app_with_oidc(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file = workspace.root / SETTINGS_FILE
    settings_file.write_text(
        settings_file.read_text(encoding="utf-8") + GOOD_TABLE, encoding="utf-8"
    )
    monkeypatch.setenv(ENV_WORKSPACE, str(workspace.root))
    monkeypatch.setenv(ENV_DATABASE, workspace.database_url)
    monkeypatch.setenv(DEFAULT_SECRET_ENV, "s3cret")
    app = app_from_environment()
    with TestClient(app, follow_redirects=False) as client:
        assert "Sign in with single sign-on" in client.get("/login").text


def test_sign_ins_are_audited_whatever_the_method(
    app_client: Callable[[], TestClient], provider: ProviderDouble, workspace: Workspace
) -> None:
    """docs/web.md said both that sign-ins are audit events and that no login is recorded;
    the record is the oracle: one session.open per sign-in, naming its method."""
    from ombud.services.audit_log import iter_events

    from .conftest import login

    by_oidc = app_client()
    by_oidc.get(_to_provider_and_back(by_oidc))
    login(app_client(), "rex")
    context = open_context(workspace)
    try:
        opened = list(iter_events(context, action="session.open"))
    finally:
        context.close()
    assert [(e.actor, e.details["method"]) for e in opened] == [
        ("lena", "oidc"),
        ("rex", "password"),
    ]
