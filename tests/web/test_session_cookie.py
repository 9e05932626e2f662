"""When the session cookie is written: on sign-in, sign-out and by the login page only.

The hole (issue #19): every answer to a cookie-less request set a fresh anonymous
``ombud_session``, so a form another site posted here (the browser withholds the
``SameSite=Lax`` cookie from it) replaced the signed-in cookie and logged the user out.
The oracle is the answer's headers: no ``Set-Cookie`` unless the session changed.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ._seed import Seeded
from .conftest import login

Login = Callable[[str], tuple[TestClient, str]]


def _cookies(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/logout"),
        ("POST", "/login"),
        ("POST", "/incidents"),
        ("POST", "/account/sessions"),
        ("GET", "/"),
        ("GET", "/systems"),
        ("GET", "/no-such-page"),
        ("GET", "/static/style.css"),
    ],
)
def test_a_cookie_less_request_gets_no_cookie(
    app_client: Callable[[], TestClient], seeded: Seeded, method: str, path: str
) -> None:
    client = app_client()
    data = {"csrf_token": "forged", "username": "mallory", "password": "x" * 12}
    response = client.request(method, path, data=data if method == "POST" else None)
    assert response.status_code in (200, 303, 403, 404), response.text
    assert _cookies(response) == []


def test_a_cross_site_post_leaves_a_signed_in_browser_signed_in(as_user: Login) -> None:
    """The browser's view: the forged post arrives without the cookie; the cookie jar
    is then whatever the answer says, and it must still hold the signed-in session."""
    lena, _ = as_user("lena")
    jar = dict(lena.cookies)
    lena.cookies.clear()  # what SameSite=Lax does to a cross-site POST
    forged = lena.post("/logout", data={"csrf_token": "guess"})
    assert forged.status_code == 403
    assert _cookies(forged) == []
    for name, value in jar.items():
        lena.cookies.set(name, value)
    assert lena.get("/").status_code == 200


def test_the_login_page_gives_a_new_browser_its_cookie_once(
    app_client: Callable[[], TestClient], seeded: Seeded
) -> None:
    client = app_client()
    first = client.get("/login")
    assert [c for c in _cookies(first) if c.startswith("ombud_session=")]
    assert _cookies(client.get("/login")) == []  # it has one now: not written again
    login(client, "lena")
    assert _cookies(client.get("/")) == []  # reading pages signed in writes nothing
    assert _cookies(client.get("/login")) == []  # nor does the login page, signed in
