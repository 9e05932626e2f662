"""The Monitoring tab in a real browser at desktop and phone widths.

Debian's chromium (Playwright) against a real uvicorn: the charts render (every SVG has a
non-zero box, points and axis labels drawn), the page never scrolls sideways at 390 px,
even with every folded chart and table opened. Screenshots land in tests/web/artifacts/
for a person to look at. Data: a seeded SIMULATED stream
(tests/services/_monitoring.py), labelled so on the page.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from ombud.services.context import AppContext
from ombud.services.monitor_findings import check_monitor
from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ..services._monitoring import simulated_monitor
from ._seed import PASSWORD, Seeded
from ._serving import ARTIFACTS, CHROMIUM, chromium_page, served

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]
_OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
_OPEN_ALL = "document.querySelectorAll('details').forEach(d => { d.open = true; })"
_BOXES = """() => [...document.querySelectorAll('svg.ts-chart')].map(s => {
  const r = s.getBoundingClientRect(); return [s.id, r.width, r.height]; })"""


@pytest.fixture
def page(
    workspace: Workspace, settings: WebSettings, context: AppContext, seeded: Seeded
) -> Iterator[Page]:
    simulated_monitor(context, seeded.blocked_system, days=75, version="1.0.0")
    check_monitor(context, context.actor("lena"), seeded.blocked_system, name="simulated")
    with served(create_app(workspace, settings)) as base, chromium_page(base) as page:
        page.goto("/login")
        page.fill("input[name=username]", "lena")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.card button[type=submit]")
        page.wait_for_url("**/")
        yield page


@pytest.mark.parametrize("width", [1440, 390])
def test_the_monitoring_tab_renders_and_fits(page: Page, seeded: Seeded, width: int) -> None:
    p = page
    p.set_viewport_size({"width": width, "height": 900})
    p.goto(f"/systems/{seeded.blocked_system}")
    p.get_by_role("link", name="Monitoring").first.click()
    p.wait_for_url("**/monitoring")
    expect(p.locator("#simulated")).to_contain_text("SIMULATED DATA")
    expect(p.locator("#monitoring-drift svg.ts-chart").first).to_be_visible()
    p.screenshot(path=str(ARTIFACTS / f"monitoring-{width}.png"), full_page=False, timeout=120_000)
    p.locator("#monitoring-fairness").scroll_into_view_if_needed()
    p.screenshot(
        path=str(ARTIFACTS / f"monitoring-fairness-{width}.png"), full_page=False, timeout=120_000
    )
    boxes = [b for b in p.evaluate(_BOXES) if b[1] > 0]  # folded charts have no box yet
    assert len(boxes) >= 5
    assert all(w > 0.8 * min(width, 1100) * 0.5 and h > 100 for _, w, h in boxes), boxes
    assert p.locator("svg.ts-chart circle.pt").count() > 100
    assert p.locator("svg.ts-chart g.alert").count() >= 2
    assert p.evaluate(_OVERFLOW) <= 0, f"the monitoring tab scrolls sideways at {width} px"
    p.evaluate(_OPEN_ALL)
    assert p.evaluate(_OVERFLOW) <= 0, f"scrolls sideways at {width} px once opened"
    boxes = p.evaluate(_BOXES)
    assert all(w > 0 and h > 0 for _, w, h in boxes), boxes
    p.screenshot(
        path=str(ARTIFACTS / f"monitoring-{width}-open.png"), full_page=True, timeout=120_000
    )
