"""The issue's "done when", literally: a new user runs the demo, follows the instructions it
prints, logs in, sees the portfolio and follows the blocked system to its reasons and its
review, in a real browser (Debian's chromium, driven by Playwright).

Oracles: the demo's own report (which system its gate blocked, what the board decided)
and the instructions `ombud demo` prints (the password is parsed from them, not copied).
The red-team step is skipped to save a minute; tests/demo covers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from ombud.cli.demo import web_hint
from ombud.demo import DemoReport, run_demo
from ombud.store import open_workspace
from ombud.web import WebSettings, create_app

from ._serving import ARTIFACTS, CHROMIUM, chromium_page, free_port, served

BLOCKED = "recidivism-risk"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoReport:
    root = tmp_path_factory.mktemp("demo-web") / "ws"
    return run_demo(root, fresh=True, os_user="tester", redteam=False)


@pytest.fixture
def served_demo(demo: DemoReport) -> Iterator[tuple[str, str]]:
    """The demo workspace behind a real uvicorn on loopback, and the hint it printed."""
    port = free_port()
    app = create_app(
        open_workspace(demo.workspace), WebSettings(secret_key="demo-browser-test-key-0123456789")
    )
    with served(app, port) as base:
        yield base, web_hint(demo.workspace, port)


@pytest.fixture
def page(served_demo: tuple[str, str]) -> Iterator[Page]:
    with chromium_page(served_demo[0]) as page:
        yield page


def test_from_the_demo_to_the_blocked_systems_reasons_and_review(
    page: Page, served_demo: tuple[str, str], demo: DemoReport
) -> None:
    base, hint = served_demo
    assert f"serve --port {base.rsplit(':', 1)[1]}" in hint
    password = re.search(r"password for each: (\S+)", hint)
    login = re.search(r"log in as (\w+)", hint)
    assert password is not None
    assert login is not None
    blocked = next(s for s in demo.systems if s.id == BLOCKED)
    name = blocked.name
    assert blocked.status == "rejected"  # the demo's board rejected it

    p = page
    p.goto("/")  # not signed in: sent to the login form
    p.wait_for_url("**/login**")
    p.fill("input[name=username]", login.group(1))
    p.fill("input[name=password]", password.group(1))
    p.click("form.card button[type=submit]")
    p.wait_for_url(f"{base}/")
    expect(p.locator("h1")).to_have_text("Portfolio")
    expect(p.locator("main")).to_contain_text(name)
    p.screenshot(path=str(ARTIFACTS / "demo-dashboard.png"), full_page=True)

    p.click(f"main >> text={name}")
    p.wait_for_url(f"**/systems/{BLOCKED}")
    failing = p.locator("#gate tr.rule-fail, #gate tr.rule-insufficient")
    expect(failing.first).to_be_visible()
    assert failing.count() >= 1
    expect(p.locator("#classification")).to_contain_text("Annex III")  # the reason, cited
    open_duty = p.locator("#coverage tr.coverage-missing, #coverage tr.coverage-failing")
    expect(open_duty.first).to_be_visible()  # obligations still without evidence
    p.screenshot(path=str(ARTIFACTS / "demo-system.png"), full_page=True)

    p.locator("#reviews a").first.click()
    p.wait_for_url("**/reviews/*")
    expect(p.locator("h1")).to_contain_text(name)
    expect(p.locator("h1")).to_contain_text("decided")
    expect(p.locator("h1 + p")).to_contain_text("Decision: reject")  # the board's word
    expect(p.locator("#votes")).not_to_be_empty()
    p.screenshot(path=str(ARTIFACTS / "demo-review.png"), full_page=True)
