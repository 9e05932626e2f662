"""Running a fairness audit from the system page: the web's face of the run service.

The oracle for the recorded numbers is the library itself, called directly on the same
file: the page must record what ``ombud.fairness.audit`` measures, nothing of its own.
Data: ProPublica's COMPAS screening sample (the seeded recidivism system's real data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from ombud.datasets import load
from ombud.fairness import audit
from ombud.services import evidence
from ombud.services.context import AppContext, open_context
from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import PASSWORD, Seeded
from ._serving import ARTIFACTS, CHROMIUM, chromium_page, served

Login = Callable[[str], tuple[TestClient, str]]


@pytest.fixture(scope="module")
def decisions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """COMPAS decile >= 5 as the decision, two-year recidivism as the outcome."""
    frame = load("compas", filtered=True).frame
    frame = frame.assign(high_risk=(frame["decile_score"] >= 5).astype(int))
    path = tmp_path_factory.mktemp("audit-upload") / "compas.csv"
    frame[["two_year_recid", "high_risk", "race", "sex"]].to_csv(path, index=False)
    return path


@pytest.fixture
def context(workspace: Workspace) -> Iterator[AppContext]:
    ctx = open_context(workspace)
    yield ctx
    ctx.close()


def _form(csrf: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "version": "1.0.0",
        "label": "two_year_recid",
        "prediction": "high_risk",
        "sensitive": "race",
        "n_boot": "50",
        **extra,
    }


def _upload(path: Path) -> dict[str, tuple[str, bytes, str]]:
    return {"data": (path.name, path.read_bytes(), "text/csv")}


def test_the_owner_runs_an_audit_and_it_is_recorded_as_the_library_measures_it(
    as_user: Login, seeded: Seeded, context: AppContext, decisions: Path
) -> None:
    omar, csrf = as_user("omar")
    page = omar.get(f"/systems/{seeded.blocked_system}")
    assert 'id="audit-form"' in page.text
    before = len(evidence.list_evidence(context, seeded.blocked_system))
    done = omar.post(
        f"/systems/{seeded.blocked_system}/audits/fairness",
        data=_form(csrf),
        files=_upload(decisions),
    )
    assert done.status_code == 303, done.text[:500]
    records = evidence.list_evidence(context, seeded.blocked_system)
    assert len(records) == before + 1
    recorded = records[-1]
    assert done.headers["location"] == f"/systems/{seeded.blocked_system}#evidence-{recorded.id}"
    assert (recorded.kind, recorded.created_by, recorded.version) == (
        "fairness_audit",
        "omar",
        "1.0.0",
    )
    oracle = audit(
        str(decisions), label="two_year_recid", prediction="high_risk", sensitive="race", n_boot=50
    )
    ratio = oracle.ratio().query("metric == 'selection_rate'").iloc[0]["value"]
    assert recorded.metrics["fairness.race.selection_rate.ratio_min"] == pytest.approx(ratio)
    assert recorded.verdicts == {k: str(v) for k, v in oracle.to_evidence().verdicts.items()}


def test_an_owner_of_another_system_is_refused_before_any_field_is_read(
    as_user: Login, seeded: Seeded, context: AppContext, decisions: Path
) -> None:
    hana, csrf = as_user("hana")
    assert 'id="audit-form"' not in hana.get(f"/systems/{seeded.blocked_system}").text
    before = len(evidence.list_evidence(context, seeded.blocked_system))
    refused = hana.post(
        f"/systems/{seeded.blocked_system}/audits/fairness",
        data=_form(csrf),
        files=_upload(decisions),
    )
    assert refused.status_code == 403
    assert len(evidence.list_evidence(context, seeded.blocked_system)) == before


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"label": ""}, "label", "give the outcome column"),
        ({"score": "decile"}, "prediction", "not both"),
        ({"n_boot": "1000000"}, "n_boot", "from 0 to 2000"),
        ({"sensitive": " , "}, "sensitive", "comma-separated"),
    ],
)
def test_a_field_that_cannot_be_used_is_shown_back_and_nothing_is_recorded(
    as_user: Login,
    seeded: Seeded,
    context: AppContext,
    decisions: Path,
    extra: dict[str, str],
    field: str,
    message: str,
) -> None:
    omar, csrf = as_user("omar")
    before = len(evidence.list_evidence(context, seeded.blocked_system))
    shown = omar.post(
        f"/systems/{seeded.blocked_system}/audits/fairness",
        data=_form(csrf, **extra),
        files=_upload(decisions),
    )
    assert shown.status_code == 422
    assert f'id="error-{field}"' in shown.text
    assert message in shown.text
    assert len(evidence.list_evidence(context, seeded.blocked_system)) == before


def test_what_the_engine_or_the_record_refuses_is_shown_on_the_form(
    as_user: Login, seeded: Seeded, context: AppContext, decisions: Path, tmp_path: Path
) -> None:
    omar, csrf = as_user("omar")
    url = f"/systems/{seeded.blocked_system}/audits/fairness"
    before = len(evidence.list_evidence(context, seeded.blocked_system))
    no_column = omar.post(url, data=_form(csrf, sensitive="zodiac"), files=_upload(decisions))
    assert no_column.status_code == 422
    assert "zodiac" in no_column.text
    no_version = omar.post(url, data=_form(csrf, version="9.9"), files=_upload(decisions))
    assert no_version.status_code == 422
    assert "has no version &#39;9.9&#39;" in no_version.text
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not decisions")
    wrong_type = omar.post(url, data=_form(csrf), files={"data": ("notes.txt", b"x", "text/plain")})
    assert wrong_type.status_code == 422
    assert 'id="error-data"' in wrong_type.text
    assert len(evidence.list_evidence(context, seeded.blocked_system)) == before


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin")
def test_in_chromium_the_owner_audits_and_reads_the_new_evidence_card(
    workspace: Workspace, settings: WebSettings, seeded: Seeded, decisions: Path
) -> None:
    with served(create_app(workspace, settings)) as base, chromium_page(base) as p:
        p_: Page = p
        p_.goto("/login")
        p_.fill("input[name=username]", "omar")
        p_.fill("input[name=password]", PASSWORD)
        p_.click("form.card button[type=submit]")
        p_.wait_for_url("**/")
        p_.goto(f"/systems/{seeded.blocked_system}")
        form = p_.locator("#audit-form")
        form.locator("input[name=data]").set_input_files(str(decisions))
        form.locator("input[name=label]").fill("two_year_recid")
        form.locator("input[name=prediction]").fill("high_risk")
        form.locator("input[name=sensitive]").fill("race")
        form.locator("input[name=n_boot]").fill("100")
        form.locator("button[type=submit]").click()
        p_.wait_for_url("**#evidence-*")
        card = p_.locator(f"#evidence-{p_.url.rsplit('#evidence-', 1)[1]}")
        expect(card).to_have_attribute("open", "")  # its failing rules open it
        expect(card.locator("summary").first).to_contain_text("fairness audit on 1.0.0")
        expect(card).to_contain_text("fairness.race.four_fifths")
        p_.screenshot(path=str(ARTIFACTS / "audit-run.png"), full_page=True)
