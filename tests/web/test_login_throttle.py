"""Login throttling seen from the browser: back-off instead of a lockout (issue #19).

The hole: five wrong passwords locked an account for 15 minutes, right password
included, repeatable for ever, so anyone could keep anyone out; and only existing
accounts with a password answered "locked until ...". The oracle is the owner: they
still sign in while an attacker hammers their name, and every name gets the same words.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from ombud.services import auth
from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import CHEAP_HASHER, PASSWORD, Seeded
from .conftest import csrf_of

Browser = Callable[[str], TestClient]


@pytest.fixture
def browsers(workspace: Workspace, seeded: Seeded) -> Iterator[Callable[[float], Browser]]:
    """``browsers(delay)(address)``: a new browser at an address; one app (one throttle)
    per ``delay``, the back-off's first step in seconds."""
    opened: list[TestClient] = []

    def app_with(delay: float) -> Browser:
        settings = WebSettings(
            secret_key="k" * 32,
            password_hasher=CHEAP_HASHER,
            login_throttle=auth.LoginThrottle(base_delay=dt.timedelta(seconds=delay)),
        )
        app = create_app(workspace, settings)

        def make(address: str) -> TestClient:
            client = TestClient(app, follow_redirects=False, client=(address, 40000))
            client.__enter__()
            opened.append(client)
            return client

        return make

    yield app_with
    for client in opened:
        client.__exit__(None, None, None)


def _attempt(client: TestClient, username: str, password: str) -> tuple[int, str]:
    csrf = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf}
    )
    found = re.search(r'role="alert">([^<]*)<', response.text)
    return response.status_code, found.group(1) if found else ""


def test_the_owner_signs_in_while_an_attacker_hammers_their_name(
    browsers: Callable[[float], Browser],
) -> None:
    browser = browsers(3)
    owners_laptop = browser("198.51.100.20")
    assert _attempt(owners_laptop, "rex", PASSWORD)[0] == 303
    owners_laptop.post("/logout", data={"csrf_token": csrf_of(owners_laptop.get("/").text)})
    attacker = browser("203.0.113.66")
    answers = [_attempt(attacker, "rex", f"guess {i}") for i in range(5)]
    assert answers == [(401, "wrong user name or password")] * 5
    status, text = _attempt(attacker, "rex", "guess 5")  # the name is now in back-off
    assert status == 429
    assert "too many failed logins" in text
    # A new browser elsewhere is held back too, for the back-off's delay only ...
    hotel = browser("192.0.2.44")
    status, text = _attempt(hotel, "rex", PASSWORD)
    assert status == 429
    wait = int(re.search(r"try again in (\d+) s", text).group(1))  # type: ignore[union-attr]
    assert wait <= 3  # the back-off's first step, not a 15-minute lock
    # ... while the owner's own browser passes the name's back-off at once.
    assert _attempt(owners_laptop, "rex", PASSWORD)[0] == 303
    time.sleep(wait)
    assert _attempt(hotel, "rex", PASSWORD)[0] == 303


def test_every_name_gets_the_same_answers_in_the_same_order(
    browsers: Callable[[float], Browser],
) -> None:
    """rex has a password, audrey has none, nobody does not exist: same words, same steps."""
    browser = browsers(60)  # a back-off that outlasts the test, however slow the machine
    seen = {}
    for number, name in enumerate(("rex", "audrey", "nobody")):
        client = browser(f"203.0.113.{number + 1}")
        seen[name] = [
            re.sub(r"\d+ s$", "N s", text)
            for _, text in (_attempt(client, name, "wrong password!") for _ in range(7))
        ]
    assert seen["rex"] == seen["audrey"] == seen["nobody"]
    assert "wrong user name or password" in seen["rex"]
    assert any("too many failed logins" in text for text in seen["rex"])
    assert not any("locked" in text for text in seen["rex"])


def test_a_throttled_answer_is_429_with_retry_after(
    browsers: Callable[[float], Browser],
) -> None:
    client = browsers(60)("203.0.113.99")
    for _ in range(5):
        _attempt(client, "lena", "not her password")
    csrf = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "lena", "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


def test_the_device_cookie_goes_to_the_login_form_only(
    browsers: Callable[[float], Browser],
) -> None:
    client = browsers(1)("198.51.100.30")
    csrf = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "lena", "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if "ombud_device=" in c)
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path=/login", "samesite=strict"} <= flags
    assert PASSWORD not in cookie
