"""Property test of the API against its own OpenAPI schema: whatever schemathesis generates
from the schema (valid and invalid bodies, paths, queries), the server never answers 5xx,
and every error keeps the documented ``{"error": {"code", "message"}}`` shape."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from ombud.services import auth
from ombud.services.context import AppContext
from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import Seeded


@pytest.mark.slow
def test_no_server_error_for_any_generated_request(
    workspace: Workspace, context: AppContext, seeded: Seeded, settings: WebSettings
) -> None:
    app = create_app(workspace, settings)
    token, _ = auth.issue_token(context, context.actor("lena"), "lena", ["write"])
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def no_server_error(case: Any) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.formatted_path, response.text)
            if response.status_code >= 400:
                error = response.json()["error"]
                assert isinstance(error["code"], str)
                assert isinstance(error["message"], str)

        no_server_error()
