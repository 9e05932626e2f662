"""Server-side sessions seen from the browser: signing out, revocation and a new password
end a session for good, even for someone holding a copy of its cookie.

The oracle is the rule itself: after the event, the same cookie reaches the login page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ombud.services import auth
from ombud.services.auth import web_sessions
from ombud.services.context import open_context
from ombud.store import Workspace
from ombud.web._session import COOKIE_NAME

from ._seed import CHEAP_HASHER
from ._serving import run_cli

Client = tuple[TestClient, str]


def _copy(client: TestClient, app_client: Callable[[], TestClient]) -> TestClient:
    """Another browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app_client()
    thief.cookies.set(COOKIE_NAME, client.cookies[COOKIE_NAME])
    return thief


def _signed_in(client: TestClient) -> bool:
    response = client.get("/")
    if response.status_code == 303:
        assert response.headers["location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def test_signing_out_makes_a_copied_cookie_worthless(
    as_user: Callable[[str], Client], app_client: Callable[[], TestClient]
) -> None:
    client, csrf = as_user("lena")
    thief = _copy(client, app_client)
    assert _signed_in(thief)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert not _signed_in(client)
    assert not _signed_in(thief)


def test_revoking_a_users_sessions_signs_out_every_browser(
    as_user: Callable[[str], Client], workspace: Workspace
) -> None:
    first, _ = as_user("lena")
    second, _ = as_user("lena")
    other, _ = as_user("rex")
    context = open_context(workspace)
    try:
        listed = web_sessions.list_sessions(context, "lena")
        assert len(listed) == 2
        assert all(s.client.startswith("testclient") for s in listed)
        web_sessions.revoke_sessions(context, context.actor("ada"), "lena")
    finally:
        context.close()
    assert not _signed_in(first)
    assert not _signed_in(second)
    assert _signed_in(other)


def test_a_new_password_signs_the_user_out(
    as_user: Callable[[str], Client], workspace: Workspace
) -> None:
    client, _ = as_user("rex")
    context = open_context(workspace)
    try:
        auth.set_password(
            context, context.actor("ada"), "rex", "another long passphrase", CHEAP_HASHER
        )
    finally:
        context.close()
    assert not _signed_in(client)


def test_a_cookie_from_before_server_sessions_is_anonymous(
    app_client: Callable[[], TestClient], as_user: Callable[[str], Client]
) -> None:
    """A validly signed cookie that names a user but no session record is not a login."""
    from itsdangerous import URLSafeTimedSerializer

    client, _ = as_user("lena")  # the app is up; forge with the test settings' key
    forged = URLSafeTimedSerializer("test-secret-key-0123456789abcdef", salt="ombud-session").dumps(
        {"u": "ada", "c": "x"}
    )
    browser = app_client()
    browser.cookies.set(COOKIE_NAME, forged)
    assert not _signed_in(browser)
    assert _signed_in(client)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code, out, err = run_cli(capsys, *args)
    return code, out + err


def test_sessions_and_signout_commands(
    as_user: Callable[[str], Client],
    workspace: Workspace,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OMBUD_WORKSPACE", "OMBUD_DATABASE_URL", "OMBUD_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    client, _ = as_user("omar")
    common = ("-w", str(workspace.root), "--db", workspace.database_url)
    code, out = _run(capsys, *common, "--as", "omar", "user", "sessions", "omar", "--json")
    assert code == 0, out
    (mine,) = json.loads(out)
    assert (mine["username"], mine["method"], mine["live"]) == ("omar", "password", True)
    # The --json shape served before sessions were typed: keys and their order, pinned.
    assert tuple(mine) == (
        "id", "username", "method", "client", "created_at", "last_seen_at", "expires_at",
        "revoked_at", "revoked_by", "live",
    )  # fmt: skip

    code, out = _run(capsys, *common, "--as", "rex", "user", "signout", "omar")
    assert code == 1
    assert out.count("\n") == 1
    assert "needs one of: admin" in out
    assert _signed_in(client)
    code, out = _run(capsys, *common, "--as", "ada", "user", "signout", "omar")
    assert (code, "1 session(s) of 'omar' ended" in out) == (0, True), out
    assert not _signed_in(client)

    code, out = _run(capsys, *common, "--as", "ada", "user", "sessions", "--all")
    assert code == 0
    assert "revoked" in out
    assert "omar" in out
    code, out = _run(capsys, *common, "--as", "ada", "user", "signout", "omar", "--session", "999")
    assert code == 2  # naming a session that does not exist is bad input
    assert "no web session 999 of 'omar'" in out


def test_the_account_page_lists_my_browsers_and_signs_out_the_others(
    as_user: Callable[[str], Client],
) -> None:
    laptop, csrf = as_user("audrey")  # an auditor may manage her own sessions
    phone, _ = as_user("audrey")
    tablet, _ = as_user("audrey")
    page = laptop.get("/account")
    assert page.status_code == 200
    ids = [int(n) for n in re.findall(r'<tr id="session-(\d+)">', page.text)]
    assert len(ids) == 3
    assert page.text.count("this browser") == 1
    one = laptop.post("/account/sessions", data={"csrf_token": csrf, "session": str(max(ids))})
    assert one.status_code == 303
    assert not _signed_in(tablet)  # the newest session was the tablet's
    assert _signed_in(phone)
    others = laptop.post("/account/sessions", data={"csrf_token": csrf, "session": "others"})
    assert others.status_code == 303
    assert not _signed_in(phone)
    assert _signed_in(laptop)
    assert re.findall(r'<tr id="session-(\d+)">', laptop.get("/account").text) == [str(min(ids))]


def test_the_account_form_refuses_bad_choices_and_others_sessions(
    as_user: Callable[[str], Client],
) -> None:
    lena, csrf = as_user("lena")
    rex, _ = as_user("rex")
    rex_id = re.findall(r'<tr id="session-(\d+)">', rex.get("/account").text)[0]
    bad = lena.post("/account/sessions", data={"csrf_token": csrf, "session": "everyone"})
    assert bad.status_code == 422
    assert "pick a session to sign out" in bad.text
    theirs = lena.post("/account/sessions", data={"csrf_token": csrf, "session": rex_id})
    assert theirs.status_code == 404  # not one of hers: it is not found among them
    assert _signed_in(rex)
    assert lena.post("/account/sessions", data={"session": "others"}).status_code == 403
