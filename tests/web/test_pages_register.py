"""The register-a-system and classification forms: happy paths, and bad input shown back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ombud.governance import NotFoundError
from ombud.services import classification, systems
from ombud.services.context import AppContext

from ._seed import Seeded

_GOOD = {
    "id": "leave-planner",
    "name": "Leave planner",
    "purpose": "Suggests holiday rotas to team leads",
    "owner": "omar",
    "owner_team": "people-tools",
    "domain": "internal_productivity",
    "kind": "decision_model",
    "operator_role": "deployer",
    "automation": "human_in_the_loop",
    "affected_people": ["employees"],
    "deployment_regions": "EU",
}


def test_register_form_saves_the_system_and_redirects(
    as_user: Callable[[str], tuple[TestClient, str]], context: AppContext
) -> None:
    client, csrf = as_user("omar")
    assert 'href="/systems/new"' in client.get("/").text
    page = client.get("/systems/new")
    assert page.status_code == 200
    assert 'name="domain"' in page.text
    response = client.post(
        "/systems/new", data={**_GOOD, "csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/systems/leave-planner"
    saved = systems.get_system(context, "leave-planner")
    assert saved.owner == "omar"
    assert saved.affected_people == ("employees",)
    assert saved.deployment_regions == ("EU",)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "Bad Slug!"}, "id"),
        ({"id": "new"}, "id"),
        ({"purpose": ""}, "purpose"),
        ({"domain": "astrology"}, "domain"),
        ({"owner": "nobody-here"}, "owner"),
    ],
)
def test_register_form_shows_bad_fields_and_saves_nothing(
    as_user: Callable[[str], tuple[TestClient, str]],
    context: AppContext,
    change: dict[str, str],
    field: str,
) -> None:
    client, csrf = as_user("lena")
    data = {**_GOOD, **change, "csrf_token": csrf}
    response = client.post("/systems/new", data=data, follow_redirects=False)
    assert response.status_code == 422
    assert f'id="error-{field}"' in response.text
    assert 'value="Leave planner"' in response.text  # what was typed comes back
    for system_id in {"leave-planner", data["id"]}:
        with pytest.raises(NotFoundError):
            systems.get_system(context, system_id)


def test_register_refuses_a_taken_id(
    as_user: Callable[[str], tuple[TestClient, str]], seeded: Seeded
) -> None:
    client, csrf = as_user("ada")
    data = {**_GOOD, "id": seeded.other_system, "csrf_token": csrf}
    response = client.post("/systems/new", data=data)
    assert response.status_code == 422
    assert 'id="error-id"' in response.text


def test_questionnaire_prefills_and_classifies(
    as_user: Callable[[str], tuple[TestClient, str]], context: AppContext, seeded: Seeded
) -> None:
    client, csrf = as_user("lena")
    system_id = seeded.other_system
    known = classification.known_answers(context, system_id)
    system_page = client.get(f"/systems/{system_id}")
    assert f'href="/systems/{system_id}/classify"' in system_page.text
    page = client.get(f"/systems/{system_id}/classify")
    assert page.status_code == 200
    assert f'<option value="{known["domain"]}" selected>' in page.text
    before = systems.get_system(context, system_id).classification
    answers = {
        "csrf_token": csrf,
        "deployment_regions": "EU",
        "output_used_in_eu": "yes",
        "social_scoring": "yes",
    }
    response = client.post(f"/systems/{system_id}/classify", data=answers, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/systems/{system_id}#classification"
    after = systems.get_system(context, system_id).classification
    assert after
    assert after != before
    assert after.eu_category == "prohibited"  # social scoring is an Art. 5 practice
    shown = client.get(f"/systems/{system_id}").text
    assert "Prohibited" in shown or "prohibited" in shown


def test_questionnaire_shows_bad_answers_and_saves_nothing(
    as_user: Callable[[str], tuple[TestClient, str]], context: AppContext, seeded: Seeded
) -> None:
    client, csrf = as_user("omar")
    system_id = seeded.other_system
    before = systems.get_system(context, system_id).classification
    bad_bool = client.post(
        f"/systems/{system_id}/classify",
        data={"csrf_token": csrf, "social_scoring": "maybe"},
    )
    assert bad_bool.status_code == 422
    assert 'id="error-social_scoring"' in bad_bool.text
    bad_region = client.post(
        f"/systems/{system_id}/classify",
        data={"csrf_token": csrf, "deployment_regions": "not a region!"},
    )
    assert bad_region.status_code == 422
    assert 'class="form-error"' in bad_region.text
    assert systems.get_system(context, system_id).classification == before
