"""The system page draws the latest explanation evidence: importance and gap charts.

A real ``ombud explain gap`` run (Adult, sex) is recorded through the run service; the page
must show its card open, with server-drawn SVG bars whose values are the stored metrics
(the oracle: the evidence row the service returns), and no script.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import skops.io
from fastapi.testclient import TestClient
from sklearn.ensemble import GradientBoostingClassifier

from ombud.datasets import load
from ombud.services.context import AppContext
from ombud.services.explain_rate_gap import explain_rate_gap_run
from ombud.services.explain_requests import RateGapRequest
from ombud.services.explain_runs import GapRequest, ModelSource, explain_gap_run
from ombud.services.runs import RecordTarget
from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import PASSWORD, Seeded
from ._serving import ARTIFACTS, CHROMIUM, chromium_page, served

Login = Callable[[str], tuple[TestClient, str]]
TREE = ("sklearn.tree._tree.Tree",)


def _adult(folder: Path) -> tuple[Path, Path]:
    raw = load("adult").frame.sample(n=800, random_state=3).reset_index(drop=True)
    frame = raw[["age", "education-num", "hours-per-week"]].astype(np.float64)
    frame["married"] = (raw["marital-status"].astype(str) == "Married-civ-spouse").astype(float)
    y = raw["income"].astype(str).str.startswith(">").astype(int)
    model = GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0)
    model.fit(frame, y)
    frame["sex"] = raw["sex"].astype(str)
    frame.to_csv(folder / "adult.csv", index=False)
    skops.io.dump(model, folder / "adult.skops")
    return folder / "adult.skops", folder / "adult.csv"


def test_the_latest_explanation_card_shows_its_charts(
    as_user: Login, seeded: Seeded, context: AppContext, tmp_path: Path
) -> None:
    model, data = _adult(tmp_path)
    request = GapRequest(
        ModelSource(model, trusted_types=TREE), data, sensitive="sex", background_size=30
    )
    target = RecordTarget(context, context.actor("omar"), seeded.other_system, "1.0.0")
    recorded = explain_gap_run(request, target).evidence
    assert recorded is not None
    client, _ = as_user("lena")
    page = client.get(f"/systems/{seeded.other_system}").text
    opening = f'<details class="card" id="evidence-{recorded.id}" open>'
    assert opening in page, "the explanation card is not open on the page"
    body = page.split(opening, 1)[1].split('<details class="card"', 1)[0]
    assert body.count('class="bar-chart"') == 2  # importance, and the sex gap
    assert "<script" not in body
    assert "sex gap Male - Female" in body
    # Each bar's tooltip carries the stored value (and for the gap its stored interval).
    for feature in ("age", "education-num", "hours-per-week", "married"):
        value = recorded.metrics[f"explain.importance.{feature}"]
        assert f"<title>{feature}: {value:.4g}</title>" in body
        name = f"explain.gap.sex.{feature}.contribution"
        low, high = recorded.metrics[f"{name}.lower"], recorded.metrics[f"{name}.upper"]
        contribution = recorded.metrics[name]
        assert contribution is not None
        assert low is not None
        assert high is not None
        assert f"<title>{feature}: {contribution:.4g} [{low:.4g}, {high:.4g}]</title>" in body


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin")
def test_the_charts_render_in_chromium(
    workspace: Workspace, settings: WebSettings, seeded: Seeded, context: AppContext, tmp_path: Path
) -> None:
    """In a real browser the card is open and its bars have a drawn width and height."""
    model, data = _adult(tmp_path)
    request = GapRequest(
        ModelSource(model, trusted_types=TREE), data, sensitive="sex", background_size=30
    )
    target = RecordTarget(context, context.actor("omar"), seeded.other_system, "1.0.0")
    recorded = explain_gap_run(request, target).evidence
    assert recorded is not None
    with served(create_app(workspace, settings)) as base, chromium_page(base) as page:
        page.goto("/login")
        page.fill("input[name=username]", "lena")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.card button[type=submit]")
        page.wait_for_url("**/")
        page.goto(f"/systems/{seeded.other_system}")
        charts = page.locator(f"#evidence-{recorded.id} svg.bar-chart")
        assert charts.count() == 2
        for i in range(2):
            assert charts.nth(i).is_visible()
            bar = charts.nth(i).locator("rect").first.bounding_box()
            assert bar is not None
            assert bar["width"] > 1
            assert bar["height"] > 1
        charts.first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "explanation-card.png"), full_page=False)


def test_a_rate_gap_card_draws_each_features_share_with_its_interval(
    as_user: Login, seeded: Seeded, context: AppContext, tmp_path: Path
) -> None:
    """Oracle: the evidence row the rate-gap run service returns."""
    model, data = _adult(tmp_path)
    request = RateGapRequest(
        ModelSource(model, trusted_types=TREE), data, sensitive="sex", pairs=400, n_boot=50
    )
    target = RecordTarget(context, context.actor("omar"), seeded.other_system, "1.0.0")
    recorded = explain_rate_gap_run(request, target).evidence
    assert recorded is not None
    client, _ = as_user("lena")
    page = client.get(f"/systems/{seeded.other_system}").text
    body = page.split(f'id="evidence-{recorded.id}"', 1)[1].split('<details class="card"', 1)[0]
    assert body.count('class="bar-chart"') == 1
    gap = recorded.metrics["explain.rate_gap.sex.gap"]
    assert gap is not None
    assert f"sex selection rate gap Male - Female = {gap:.3g}" in body
    name = "explain.rate_gap.sex.married.contribution"
    share, low, high = (recorded.metrics[n] for n in (name, f"{name}.lower", f"{name}.upper"))
    assert share is not None
    assert low is not None
    assert high is not None
    assert f"<title>married: {share:.4g} [{low:.4g}, {high:.4g}]</title>" in body
