"""The dashboard and the system page at desktop and phone widths, in a real browser.

Debian's chromium, driven by Playwright, against a real uvicorn on loopback. At 1440 and
390 px the page itself must never scroll sideways (wide tables scroll inside their own
box), with every collapsed section opened too; the tier chart has its legend and its
labels whole. Screenshots land in tests/web/artifacts/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ombud.governance import SystemProfile
from ombud.records import Verdict
from ombud.services import gates, systems
from ombud.services.context import AppContext
from ombud.services.supplier import attach_evidence
from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import PASSWORD, Seeded
from ._serving import ARTIFACTS, CHROMIUM, chromium_page, served

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]
WIDTHS = (1440, 390)
_OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
_OPEN_ALL = "document.querySelectorAll('details').forEach(d => { d.open = true; })"
# Each bar label's drawn width against its chart's: a clipped label would be wider.
_CLIPPED_LABELS = """() => [...document.querySelectorAll('svg text.bar-label')]
  .filter(t => t.getComputedTextLength() > t.ownerSVGElement.getBoundingClientRect().width)
  .map(t => t.textContent)"""


def _wide_audit(context: AppContext, seeded: Seeded, folder: Path) -> None:
    """A fairness audit as wide as a real one (long names, ~200 metrics), recorded after
    the gate ran, so the page has a stale run, verdicts to count and tables to scroll."""
    gates.check_gate(context, context.actor("lena"), seeded.blocked_system)
    report = folder / "audit.txt"
    report.write_text("audit\n", encoding="utf-8")
    metrics = {"fairness.rows": 6172.0, "fairness.overall.selection_rate": 0.4512}
    verdicts = {}
    for k, attribute in enumerate(("race", "sex", "age_cat", "race_x_sex_intersection")):
        for measure in ("selection_rate", "tpr", "fpr", "fnr", "ppv", "npv", "accuracy"):
            for how, value in (("ratio_min", 0.55 + 0.05 * k), ("difference_max", 0.12)):
                base = f"fairness.{attribute}.{measure}.{how}"
                metrics |= {base: value, f"{base}.lower": value - 0.1, f"{base}.upper": value + 0.1}
        verdicts[f"fairness.{attribute}.four_fifths"] = (Verdict.FAIL, Verdict.CONCERN)[k % 2]
        verdicts[f"fairness.{attribute}.equalized_odds_difference"] = Verdict.PASS
    attach_evidence(
        context,
        context.actor("omar"),
        seeded.blocked_system,
        "1.0.0",
        kind="fairness_audit",
        file=report,
        summary="fairness audit of race, sex, age_cat on 6172 rows",
        metrics=metrics,
        verdicts=verdicts,
    )


@pytest.fixture
def page(
    workspace: Workspace, settings: WebSettings, context: AppContext, seeded: Seeded, tmp_path: Path
) -> Iterator[Page]:
    _wide_audit(context, seeded, tmp_path)
    profile = SystemProfile.from_mapping(
        {
            "name": "Leave planner",
            "purpose": "Suggests holiday rotas to team leads",
            "owner": "omar",
            "owner_team": "people-tools",
            "domain": "internal_productivity",
            "kind": "decision_model",
            "operator_role": "deployer",
            "automation": "human_in_the_loop",
        }
    )
    systems.register_system(context, context.actor("omar"), "leave-planner", profile)
    with served(create_app(workspace, settings)) as base, chromium_page(base) as page:
        page.goto("/login")
        page.fill("input[name=username]", "lena")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.card button[type=submit]")
        page.wait_for_url("**/")
        yield page


def _no_sideways_scroll(p: Page, name: str, width: int) -> None:
    p.screenshot(path=str(ARTIFACTS / f"layout-{name}-{width}.png"), full_page=True)
    assert p.evaluate(_OVERFLOW) <= 0, f"{name} scrolls sideways at {width} px"
    p.evaluate(_OPEN_ALL)
    overflow = p.evaluate(_OVERFLOW)
    if overflow > 0:
        p.screenshot(path=str(ARTIFACTS / f"layout-{name}-{width}-open.png"), full_page=True)
    assert overflow <= 0, f"{name} scrolls sideways at {width} px once its sections are open"


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_and_the_tier_chart_explains_itself(
    page: Page, seeded: Seeded, width: int
) -> None:
    p = page
    p.set_viewport_size({"width": width, "height": 900})
    p.goto("/")
    legend = p.locator("figure.chart").filter(has_text="Systems by risk tier").locator(".legend")
    expect(legend).to_contain_text("Tier 2: high")  # the whole scale, even uncounted
    expect(p.locator("svg text.bar-label").filter(has_text="tier 1 · critical")).to_have_count(1)
    assert p.evaluate(_CLIPPED_LABELS) == []
    _no_sideways_scroll(p, "dashboard", width)

    p.goto(f"/systems/{seeded.blocked_system}")
    expect(p.locator("#decision")).to_contain_text("Latest gate")
    expect(p.locator("#gate-stale")).to_contain_text("evidence recorded after this run")
    expect(p.locator("details.card[open] table.attention").first).to_be_visible()
    assert p.evaluate(_CLIPPED_LABELS) == []
    _no_sideways_scroll(p, "system", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_system_without_version_offers_the_version_form_at_any_width(
    page: Page, width: int
) -> None:
    p = page
    p.set_viewport_size({"width": width, "height": 900})
    p.goto("/systems/leave-planner")
    expect(p.locator("#gate-no-version")).to_be_visible()
    expect(p.locator("#version-form input[name=model_sha256]")).to_be_visible()
    assert p.get_by_role("button", name="Run the gate now").count() == 0
    _no_sideways_scroll(p, "system-no-version", width)


def test_the_other_pages_fit_a_phone(page: Page, seeded: Seeded) -> None:
    p = page
    p.set_viewport_size({"width": 390, "height": 900})
    for path in (
        "/systems",
        "/systems/new",
        f"/systems/{seeded.other_system}/classify",
        "/reviews",
        f"/reviews/{seeded.review_id}",
        "/findings",
        f"/findings/{seeded.finding_id}",
        "/incidents",
        "/incidents/new",
        f"/incidents/{seeded.incident_id}",
        "/audit",
        "/account",
    ):
        p.goto(path)
        assert p.evaluate(_OVERFLOW) <= 0, f"{path} scrolls sideways at 390 px"
