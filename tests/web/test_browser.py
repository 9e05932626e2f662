"""The main flows in a real browser: Debian's chromium driven by Playwright, against a real
uvicorn server on loopback. Screenshots of the main pages land in tests/web/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import PASSWORD, Seeded
from ._serving import ARTIFACTS, CHROMIUM, chromium_page, served

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


@pytest.fixture
def page(workspace: Workspace, settings: WebSettings) -> Iterator[Page]:
    with served(create_app(workspace, settings)) as base, chromium_page(base) as page:
        yield page


def _login(p: Page, username: str) -> None:
    p.goto("/login")
    p.fill("input[name=username]", username)
    p.fill("input[name=password]", PASSWORD)
    p.click("form.card button[type=submit]")
    p.wait_for_url("**/")


def _logout(p: Page) -> None:
    p.click("form.who button")
    p.wait_for_url("**/login")


def test_blocked_system_to_decision_to_resolved_finding(page: Page, seeded: Seeded) -> None:
    p = page
    # Log in and see the portfolio.
    _login(p, "lena")
    expect(p.locator("h1")).to_have_text("Portfolio")
    expect(p.locator("#systems")).to_contain_text("Pretrial recidivism risk score")
    p.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    # Follow the blocked system to the rule that fails.
    p.click("text=Pretrial recidivism risk score")
    expect(p.locator("#gate")).to_be_visible()
    blocking = p.locator("#gate tr.rule-insufficient, #gate tr.rule-fail").first
    expect(blocking).to_contain_text("evidence:")
    p.screenshot(path=str(ARTIFACTS / "system.png"), full_page=True)
    _logout(p)
    # A seated reviewer votes with a rationale.
    _login(p, "rex")
    p.click("text=Review board")
    p.click(f"#queue >> text=#{seeded.review_id}")
    p.select_option("#vote-form select[name=vote]", "reject")
    p.fill("#vote-form textarea[name=rationale]", "The gate lacks fairness evidence.")
    p.click("#vote-form button[type=submit]")
    expect(p.locator("#votes")).to_contain_text("The gate lacks fairness evidence.")
    p.screenshot(path=str(ARTIFACTS / "review-voted.png"), full_page=True)
    _logout(p)
    # The RAI lead decides.
    _login(p, "lena")
    p.goto(f"/reviews/{seeded.review_id}")
    p.select_option("#decide-form select[name=decision]", "reject")
    p.fill("#decide-form textarea[name=rationale]", "Rejected until the evidence is in.")
    p.click("#decide-form button[type=submit]")
    expect(p.locator("h1")).to_contain_text("decided")
    expect(p.locator("main")).to_contain_text("Rejected until the evidence is in.")
    _logout(p)
    # The owner resolves the finding, citing evidence.
    _login(p, "omar")
    p.click("nav >> text=Findings")
    p.click("#findings >> text=False-positive rates differ by race")
    p.check(f"#resolve-form input[name=evidence][value='{seeded.evidence_id}']")
    p.fill("#resolve-form textarea[name=note]", "Thresholds recalibrated per group.")
    p.click("#resolve-form button[type=submit]")
    expect(p.locator("h1 + p")).to_contain_text("resolved")
    p.screenshot(path=str(ARTIFACTS / "finding-resolved.png"), full_page=True)
