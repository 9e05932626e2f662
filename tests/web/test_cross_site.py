"""Another web site cannot end a signed-in session (issue #19, item 2).

The attack: a page on another site auto-submits a form to Ombud. The browser withholds
the ``SameSite=Lax`` session cookie from that cross-site POST, so the request reaches
Ombud cookie-less; an answer carrying a fresh anonymous cookie would replace the real
one and log the user out. The oracle is Debian's chromium itself: after the forged post,
the same browser still sees the portfolio. 127.0.0.2 is another site than 127.0.0.1.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import PASSWORD, Seeded
from ._serving import CHROMIUM, chromium_page, free_port, served

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


def _attacker(target: str) -> Starlette:
    """A site that posts a form to ``target`` as soon as it is opened."""
    page = (
        "<!doctype html><title>win a prize</title>"
        f'<form id="f" method="post" action="{target}">'
        '<input name="csrf_token" value="guess"></form>'
        "<script>document.getElementById('f').submit()</script>"
    )

    async def home(_: Request) -> HTMLResponse:
        return HTMLResponse(page)

    return Starlette(routes=[Route("/", home)])


@pytest.mark.parametrize("path", ["/logout", "/login", "/incidents"])
def test_a_form_posted_from_another_site_does_not_end_the_session(
    workspace: Workspace, settings: WebSettings, seeded: Seeded, path: str
) -> None:
    with (
        served(create_app(workspace, settings)) as base,
        served(_attacker(base + path), free_port(), host="127.0.0.2") as evil,
        chromium_page(base) as p,
    ):
        p.goto("/login")
        p.fill("input[name=username]", "lena")
        p.fill("input[name=password]", PASSWORD)
        p.click("form.card button[type=submit]")
        p.wait_for_url("**/")
        before = {c["name"]: c["value"] for c in p.context.cookies()}
        p.goto(evil)
        p.wait_for_url(lambda url: url.startswith(base))  # the forged form reached Ombud
        p.wait_for_load_state()
        # It came without the cookie: refused for its CSRF token, or (a page that needs a
        # user first) sent on to the login page, whose GET carries the cookie again.
        assert "CSRF" in p.content() or "/login?next=" in p.url
        after = {c["name"]: c["value"] for c in p.context.cookies()}
        assert after.get("ombud_session") == before["ombud_session"]
        p.goto("/")
        expect(p.locator("h1")).to_have_text("Portfolio")  # still signed in
