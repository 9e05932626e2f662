"""Adding a version from the web: a system registered there can reach its gate.

Oracle: the version as ``get_system`` reads it back, and the audit log's event.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ombud.services import systems
from ombud.services.audit_log import iter_events
from ombud.services.context import AppContext

from ._seed import Seeded

Login = Callable[[str], tuple[TestClient, str]]
MODEL = hashlib.sha256(b"model weights").hexdigest()
DATA = hashlib.sha256(b"training rows").hexdigest()
_NEW = {
    "id": "leave-planner",
    "name": "Leave planner",
    "purpose": "Suggests holiday rotas to team leads",
    "owner": "omar",
    "owner_team": "people-tools",
    "domain": "internal_productivity",
    "kind": "decision_model",
    "operator_role": "deployer",
    "automation": "human_in_the_loop",
}


def _registered(client: TestClient, csrf: str) -> str:
    done = client.post("/systems/new", data={**_NEW, "csrf_token": csrf})
    assert done.status_code == 303, done.text
    return "/systems/leave-planner"


def test_a_system_without_version_offers_to_add_one_then_its_gate(
    as_user: Login, context: AppContext
) -> None:
    client, csrf = as_user("omar")
    path = _registered(client, csrf)
    page = client.get(path).text
    assert 'id="gate-no-version"' in page
    assert "Run the gate now" not in page  # it could only answer 422
    assert 'action="/systems/leave-planner/versions"' in page
    assert re.search(r'<details class="card" id="version-form" open>', page)
    response = client.post(
        f"{path}/versions",
        data={
            "csrf_token": csrf,
            "label": "1.0.0",
            "model_name": "rota-model",
            "model_sha256": MODEL.upper(),  # as some tools print it
            "data_sha256": f"sha256:{DATA}",
            "notes": "first cut",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{path}#gate"
    (version,) = systems.get_system(context, "leave-planner").versions
    assert version.label == "1.0.0"
    assert version.models == ({"name": "rota-model", "uri": "", "sha256": MODEL},)
    assert version.training_data == ({"name": "training data", "uri": "", "sha256": DATA},)
    assert version.created_by == "omar"
    events = list(iter_events(context, entity_id="leave-planner@1.0.0"))
    assert [e.action for e in events] == ["system.version.add"]
    page = client.get(path).text
    assert "Run the gate now" in page
    assert 'id="gate-no-version"' not in page
    assert client.post(f"{path}/gate", data={"csrf_token": csrf}).status_code == 303
    # A second version makes that run one of an older version, and the page says so.
    second = client.post(f"{path}/versions", data={"csrf_token": csrf, "label": "1.1.0"})
    assert second.status_code == 303
    page = client.get(path).text
    assert "not the latest version" in page
    assert re.search(r'id="gate-new-version">Version 1.1.0 was added', page)
    assert "Re-run the gate now" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"model_sha256": "abc123"}, "model_sha256", "got 6 characters"),
        ({"data_sha256": "z" * 64}, "data_sha256", "other than 0-9 and a-f"),
        ({"label": ""}, "label", "give the version a label"),
        ({"label": "v" * 101}, "label", "at most 100 characters"),
    ],
)
def test_a_bad_field_is_a_422_with_one_line_and_nothing_saved(
    as_user: Login,
    seeded: Seeded,
    context: AppContext,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    client, csrf = as_user("lena")
    before = systems.get_system(context, seeded.other_system).versions
    data = {"csrf_token": csrf, "label": "2.0.0", "model_sha256": MODEL, **fields}
    response = client.post(f"/systems/{seeded.other_system}/versions", data=data)
    assert response.status_code == 422
    error = rf'<span class="field-error" id="error-{field}">([^<]*)</span>'
    shown = re.search(error, response.text)
    assert shown, response.text
    assert message in shown.group(1)
    assert "\n" not in shown.group(1)
    assert '<details class="card" id="version-form" open>' in response.text  # shown back
    assert systems.get_system(context, seeded.other_system).versions == before


def test_a_taken_label_is_refused_beside_the_label(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    client, csrf = as_user("omar")
    response = client.post(
        f"/systems/{seeded.other_system}/versions", data={"csrf_token": csrf, "label": "1.0.0"}
    )
    assert response.status_code == 422
    assert re.search(r'id="error-label">[^<]*already has version', response.text)
    assert len(systems.get_system(context, seeded.other_system).versions) == 1


@pytest.mark.parametrize("user", ["rex", "audrey"])
def test_roles_that_may_not_add_versions_get_403_and_no_form(
    as_user: Login, seeded: Seeded, context: AppContext, user: str
) -> None:
    client, csrf = as_user(user)
    assert 'id="version-form"' not in client.get(f"/systems/{seeded.other_system}").text
    response = client.post(
        f"/systems/{seeded.other_system}/versions",
        data={"csrf_token": csrf, "label": "9.9.9", "model_sha256": MODEL},
    )
    assert response.status_code == 403
    assert "may not system.version.add" in response.text
    assert len(systems.get_system(context, seeded.other_system).versions) == 1


def test_the_service_refuses_a_label_longer_than_its_column(
    seeded: Seeded, context: AppContext
) -> None:
    from ombud.governance import InvalidInput

    with pytest.raises(InvalidInput, match="over the limit of 100"):
        systems.add_version(context, context.actor("omar"), seeded.other_system, "x" * 101)
