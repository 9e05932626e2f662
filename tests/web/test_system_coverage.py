"""The system page's obligations → evidence section.

Oracle: the coverage service (``ombud compliance coverage``, tested against the gate in
tests/services/test_coverage.py) on the same workspace; the page must show each of its
rows with the same status and the same evidence ids, and link them to the evidence cards.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ombud.services.context import AppContext
from ombud.services.coverage import system_coverage

from ._seed import Seeded

Login = Callable[[str], tuple[TestClient, str]]
_ROW = re.compile(r'<tr class="coverage-(\w+)" id="cov-([^"]+)">(.*?)</tr>', re.S)


@pytest.mark.parametrize("framework", ["eu-ai-act", "nist-ai-rmf", "iso-42001"])
def test_each_obligation_shows_its_status_and_covering_evidence(
    as_user: Login, seeded: Seeded, context: AppContext, framework: str
) -> None:
    client, _ = as_user("audrey")
    response = client.get(f"/systems/{seeded.blocked_system}?framework={framework}")
    assert response.status_code == 200
    expected = system_coverage(context, seeded.blocked_system, framework)
    assert expected.controls, "the seeded high-risk system has obligations to cover"
    shown = {item_id: (status, body) for status, item_id, body in _ROW.findall(response.text)}
    assert set(shown) == {c.item.id for c in expected.controls}
    for control in expected.controls:
        status, body = shown[control.item.id]
        assert status == control.status
        linked = {int(n) for n in re.findall(r'href="#evidence-(\d+)"', body)}
        assert linked == {use.evidence_id for use in control.evidence}
        for evidence_id in linked:
            assert f'id="evidence-{evidence_id}"' in response.text  # the link lands


def test_the_model_card_covers_the_documentation_duty(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    """The seeded model card (evidence kind model_card) must appear against some EU AI Act
    obligation, and at least one obligation of this high-risk system must still be open."""
    client, _ = as_user("lena")
    page = client.get(f"/systems/{seeded.blocked_system}").text
    rows = _ROW.findall(page)
    assert any(f'href="#evidence-{seeded.evidence_id}"' in body for _, _, body in rows)
    assert {status for status, _, _ in rows} & {"missing", "failing", "partial", "stale"}
    assert "applicable items covered" in page


def test_unknown_framework_is_a_clear_422(as_user: Login, seeded: Seeded) -> None:
    client, _ = as_user("lena")
    response = client.get(f"/systems/{seeded.blocked_system}?framework=gdpr")
    assert response.status_code == 422
    assert "unknown framework &#39;gdpr&#39;" in response.text


def test_the_api_serves_the_same_coverage_for_ci(
    app_client: Callable[[], TestClient], context: AppContext, seeded: Seeded
) -> None:
    from typing import get_args

    from ombud.compliance.control_catalogs import FRAMEWORKS
    from ombud.services import auth
    from ombud.web.api import Framework

    assert get_args(Framework) == FRAMEWORKS  # the API's choices are the shipped frameworks
    token, _ = auth.issue_token(context, context.actor("ada"), "audrey", ["read"])
    client = app_client()
    headers = {"Authorization": f"Bearer {token}"}
    got = client.get(
        f"/api/v1/systems/{seeded.blocked_system}/coverage?framework=nist-ai-rmf",
        headers=headers,
    )
    assert got.status_code == 200
    expected = system_coverage(context, seeded.blocked_system, "nist-ai-rmf").to_dict()
    body = got.json()
    assert [c["id"] for c in body["controls"]] == [c["id"] for c in expected["controls"]]
    assert [c["status"] for c in body["controls"]] == [c["status"] for c in expected["controls"]]
    assert body["counts"] == expected["counts"]
    bad = client.get(
        f"/api/v1/systems/{seeded.blocked_system}/coverage?framework=gdpr", headers=headers
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]) >= {"code", "message"}
    missing = client.get("/api/v1/systems/no-such-system/coverage", headers=headers)
    assert missing.status_code == 404
