"""One whole flow on the real PostgreSQL server: log in, read, vote, decide, resolve."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ombud.services import findings, reviews
from ombud.services.context import open_context
from ombud.services.workspaces import init_workspace
from ombud.web import WebSettings, create_app

from ._seed import CHEAP_HASHER, seed
from .conftest import login


@pytest.mark.postgres
def test_review_flow_on_postgres(pg_schema_url: str, tmp_path: Path) -> None:
    workspace, _, _ = init_workspace(
        tmp_path / "ws", database_url=pg_schema_url, admin="ada", os_user="x"
    )
    context = open_context(workspace)
    try:
        seeded = seed(context, tmp_path)
        settings = WebSettings(secret_key="p" * 32, password_hasher=CHEAP_HASHER)
        with (
            TestClient(create_app(workspace, settings), follow_redirects=False) as rex,
            TestClient(create_app(workspace, settings), follow_redirects=False) as lena,
        ):
            rex_csrf, lena_csrf = login(rex, "rex"), login(lena, "lena")
            assert "Pretrial recidivism risk score" in lena.get("/").text
            assert (
                rex.post(
                    f"/reviews/{seeded.review_id}/vote",
                    data={"csrf_token": rex_csrf, "vote": "reject", "rationale": "Parity fails."},
                ).status_code
                == 303
            )
            assert (
                lena.post(
                    f"/reviews/{seeded.review_id}/decide",
                    data={"csrf_token": lena_csrf, "decision": "reject", "rationale": "No."},
                ).status_code
                == 303
            )
            omar = TestClient(create_app(workspace, settings), follow_redirects=False)
            with omar:
                omar_csrf = login(omar, "omar")
                assert (
                    omar.post(
                        f"/findings/{seeded.finding_id}/resolve",
                        data={
                            "csrf_token": omar_csrf,
                            "evidence": str(seeded.evidence_id),
                            "note": "Recalibrated.",
                        },
                    ).status_code
                    == 303
                )
            assert "Chain intact" in lena.get("/audit?verify=true").text
        assert reviews.get_review(context, seeded.review_id).decision == "reject"
        assert findings.get_finding(context, seeded.finding_id).status == "resolved"
    finally:
        context.close()
