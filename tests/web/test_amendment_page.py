"""The law moved, on the web: the dashboard says so, the page shows the impact, a lead applies.

The seeded systems are classified under catalog 2024.1 (see _seed.py), and catalog 2026.1
is in force on any day from its amendment on, so every classified system is outdated.
The oracle for the page's rows is the amendment service itself, which
tests/services/test_amendment.py checks against hand-worked cases.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from ombud.services import amendment, systems
from ombud.services.context import AppContext

from ._seed import Seeded

Login = Callable[[str], tuple[TestClient, str]]


def test_the_dashboard_and_the_page_name_the_systems_under_an_older_catalog(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    audrey, _ = as_user("audrey")  # an auditor reads it; applying is not offered
    currency = amendment.catalog_currency(context)
    assert currency.in_force == "2026.1"
    outdated = {o.system_id for o in currency.outdated}
    assert outdated == {seeded.blocked_system, seeded.other_system, seeded.hana_system}
    home = audrey.get("/").text
    assert 'id="law-moved"' in home
    assert f"{len(outdated)} of {currency.classified} classified systems" in home
    page = audrey.get("/compliance/amendment")
    assert page.status_code == 200
    assert "<strong>2026.1</strong>" in page.text
    for system_id in outdated:
        assert f'href="/systems/{system_id}"' in page.text
    report = amendment.impact_report(context, "2024.1", "2026.1")
    for impact in report.systems:
        for obligation in impact.diff.added_obligations:
            assert obligation in page.text
    assert 'id="apply-form"' not in page.text


def test_an_unknown_catalog_version_is_a_422_naming_the_shipped_ones(
    as_user: Login, seeded: Seeded
) -> None:
    lena, _ = as_user("lena")
    page = lena.get("/compliance/amendment?from=1999.9")
    assert page.status_code == 422
    assert (
        "catalog version &#39;1999.9&#39; (from) is unknown; shipped: 2024.1, 2026.1" in page.text
    )


def test_a_lead_applies_it_and_an_owner_may_not(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    omar, omar_csrf = as_user("omar")
    form = {"from": "2024.1", "to": "2026.1"}
    refused = omar.post("/compliance/amendment/apply", data={**form, "csrf_token": omar_csrf})
    assert refused.status_code == 403
    assert len(amendment.catalog_currency(context).outdated) == 3
    lena, csrf = as_user("lena")
    assert 'id="apply-form"' in lena.get("/compliance/amendment").text
    same = lena.post(
        "/compliance/amendment/apply", data={"from": "2026.1", "to": "2026.1", "csrf_token": csrf}
    )
    assert same.status_code == 422
    assert "two different catalog versions" in same.text
    done = lena.post("/compliance/amendment/apply", data={**form, "csrf_token": csrf})
    assert done.status_code == 303
    assert done.headers["location"] == "/compliance/amendment?from=2024.1&to=2026.1&applied=3"
    assert amendment.catalog_currency(context).outdated == ()
    latest = systems.get_system(context, seeded.blocked_system).classification
    assert latest is not None
    assert latest.catalog_version == "2026.1"
    assert 'id="law-moved"' not in lena.get("/").text
