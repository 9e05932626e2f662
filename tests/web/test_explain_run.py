"""Running an explanation from the system page: the web's face of the explain run services.

The oracle for the recorded numbers is the ``ombud.explain`` library called directly on
the same rows (sampled as the service samples them) with the same background: the page
must record what the library computes, nothing of its own. Data: UCI Adult (1,000 rows);
models: XGBoost saved in its own JSON format, and a logistic regression saved by skops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
import xgboost
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sklearn.linear_model import LogisticRegression

from ombud.datasets import load
from ombud.explain import evidence_draft, explain_shap
from ombud.services import evidence
from ombud.services.context import AppContext, open_context
from ombud.store import Workspace
from ombud.web import WebSettings, create_app

from ._seed import PASSWORD, Seeded
from ._serving import ARTIFACTS, CHROMIUM, chromium_page, served

Login = Callable[[str], tuple[TestClient, str]]
FEATURES = ["age", "education-num", "capital-gain", "hours-per-week", "married"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, pd.DataFrame]:
    """Adult rows (features and sex), an XGBoost JSON model and a skops logistic model."""
    folder = tmp_path_factory.mktemp("explain-upload")
    raw = load("adult").frame.sample(n=1000, random_state=3).reset_index(drop=True)
    frame = raw[FEATURES[:4]].astype(np.float64)
    frame["married"] = (raw["marital-status"].astype(str) == "Married-civ-spouse").astype(float)
    y = raw["income"].astype(str).str.startswith(">").astype(int)
    xgb = xgboost.XGBClassifier(n_estimators=15, max_depth=3, n_jobs=1).fit(frame, y)
    xgb_path = folder / "income-xgb.json"
    xgb.save_model(xgb_path)
    logit_path = folder / "income-logit.skops"
    skops.io.dump(LogisticRegression(max_iter=2000).fit(frame, y), logit_path)
    frame["sex"] = raw["sex"].astype(str)
    data = folder / "adult.csv"
    frame.to_csv(data, index=False)
    return xgb_path, logit_path, data, frame


@pytest.fixture
def context(workspace: Workspace) -> Iterator[AppContext]:
    ctx = open_context(workspace)
    yield ctx
    ctx.close()


def _form(csrf: str, **extra: str) -> dict[str, str]:
    return {"csrf_token": csrf, "version": "1.0.0", "max_rows": "200", **extra}


def _uploads(model: Path, data: Path) -> dict[str, tuple[str, bytes, str]]:
    return {
        "model": (model.name, model.read_bytes(), "application/octet-stream"),
        "data": (data.name, data.read_bytes(), "text/csv"),
    }


def test_the_owner_explains_an_xgboost_model_and_it_is_recorded_as_the_library_computes(
    as_user: Login,
    seeded: Seeded,
    context: AppContext,
    files: tuple[Path, Path, Path, pd.DataFrame],
) -> None:
    xgb_path, _, data, frame = files
    omar, csrf = as_user("omar")
    assert 'id="explain-form"' in omar.get(f"/systems/{seeded.blocked_system}").text
    before = len(evidence.list_evidence(context, seeded.blocked_system))
    done = omar.post(
        f"/systems/{seeded.blocked_system}/explanations",
        data=_form(csrf),
        files=_uploads(xgb_path, data),
    )
    assert done.status_code == 303, done.text[:500]
    records = evidence.list_evidence(context, seeded.blocked_system)
    assert len(records) == before + 1
    recorded = records[-1]
    assert done.headers["location"] == f"/systems/{seeded.blocked_system}#evidence-{recorded.id}"
    assert (recorded.kind, recorded.created_by, recorded.version) == (
        "explainability_report",
        "omar",
        "1.0.0",
    )
    booster = xgboost.Booster()
    booster.load_model(xgb_path)
    rows = frame.sample(n=200, random_state=0).sort_index()[FEATURES]
    oracle = explain_shap(booster, rows, background=frame[FEATURES], background_size=100)
    for name, value in evidence_draft(oracle).metrics.items():
        assert recorded.metrics[name] == pytest.approx(value), name
    assert recorded.verdicts == {"explain.quality": "pass"}
    card = omar.get(done.headers["location"].split("#")[0]).text
    assert f'id="evidence-{recorded.id}"' in card


def test_a_sensitive_column_records_the_gap_between_its_groups(
    as_user: Login,
    seeded: Seeded,
    context: AppContext,
    files: tuple[Path, Path, Path, pd.DataFrame],
) -> None:
    """Oracle: the gap in mean logistic margin between men and women, with pandas."""
    _, logit_path, data, frame = files
    omar, csrf = as_user("omar")
    done = omar.post(
        f"/systems/{seeded.blocked_system}/explanations",
        data=_form(csrf, sensitive="sex", max_rows="1000"),
        files=_uploads(logit_path, data),
    )
    assert done.status_code == 303, done.text[:500]
    recorded = evidence.list_evidence(context, seeded.blocked_system)[-1]
    margin = skops.io.load(logit_path).decision_function(frame[FEATURES])
    measured = margin[frame["sex"] == "Male"].mean() - margin[frame["sex"] == "Female"].mean()
    assert recorded.metrics["explain.gap.sex.gap"] == pytest.approx(measured, abs=1e-9)


def test_an_owner_of_another_system_is_refused_before_any_field_is_read(
    as_user: Login,
    seeded: Seeded,
    context: AppContext,
    files: tuple[Path, Path, Path, pd.DataFrame],
) -> None:
    xgb_path, _, data, _ = files
    hana, csrf = as_user("hana")
    assert 'id="explain-form"' not in hana.get(f"/systems/{seeded.blocked_system}").text
    before = len(evidence.list_evidence(context, seeded.blocked_system))
    refused = hana.post(
        f"/systems/{seeded.blocked_system}/explanations",
        data=_form(csrf),
        files=_uploads(xgb_path, data),
    )
    assert refused.status_code == 403
    assert len(evidence.list_evidence(context, seeded.blocked_system)) == before


def test_a_bad_upload_is_shown_on_the_form_and_nothing_is_recorded(
    as_user: Login,
    seeded: Seeded,
    context: AppContext,
    files: tuple[Path, Path, Path, pd.DataFrame],
    tmp_path: Path,
) -> None:
    xgb_path, _, data, _ = files
    omar, csrf = as_user("omar")
    url = f"/systems/{seeded.blocked_system}/explanations"
    before = len(evidence.list_evidence(context, seeded.blocked_system))
    pickle_model = omar.post(
        url, data=_form(csrf), files={**_uploads(xgb_path, data), "model": ("m.pkl", b"x", "")}
    )
    assert pickle_model.status_code == 422
    assert 'id="error-model"' in pickle_model.text
    data_as_model = tmp_path / "model.json"
    data_as_model.write_bytes(data.read_bytes())
    wrong_kind = omar.post(url, data=_form(csrf), files=_uploads(data_as_model, data))
    assert wrong_kind.status_code == 422
    assert "expected an XGBoost model in JSON" in wrong_kind.text
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(xgb_path.read_bytes()[:300])
    broken = omar.post(url, data=_form(csrf), files=_uploads(damaged, data))
    assert broken.status_code == 422
    assert "a damaged XGBoost JSON model" in broken.text
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(data).rename(columns={"age": "years"}).to_csv(renamed, index=False)
    no_feature = omar.post(url, data=_form(csrf), files=_uploads(xgb_path, renamed))
    assert no_feature.status_code == 422
    assert "feature(s) [&#39;age&#39;]" in no_feature.text
    too_many = omar.post(url, data=_form(csrf, max_rows="99999"), files=_uploads(xgb_path, data))
    assert too_many.status_code == 422
    assert 'id="error-max_rows"' in too_many.text
    assert len(evidence.list_evidence(context, seeded.blocked_system)) == before


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin")
def test_in_chromium_the_owner_explains_and_reads_the_new_evidence_card(
    workspace: Workspace,
    settings: WebSettings,
    seeded: Seeded,
    files: tuple[Path, Path, Path, pd.DataFrame],
) -> None:
    xgb_path, _, data, _ = files
    with served(create_app(workspace, settings)) as base, chromium_page(base) as p:
        p_: Page = p
        p_.goto("/login")
        p_.fill("input[name=username]", "omar")
        p_.fill("input[name=password]", PASSWORD)
        p_.click("form.card button[type=submit]")
        p_.wait_for_url("**/")
        p_.goto(f"/systems/{seeded.blocked_system}")
        form = p_.locator("#explain-form")
        form.locator("input[name=model]").set_input_files(str(xgb_path))
        form.locator("input[name=data]").set_input_files(str(data))
        form.locator("input[name=sensitive]").fill("sex")
        form.locator("input[name=max_rows]").fill("300")
        form.locator("button[type=submit]").click()
        p_.wait_for_url("**#evidence-*")
        card = p_.locator(f"#evidence-{p_.url.rsplit('#evidence-', 1)[1]}")
        expect(card.locator("summary").first).to_contain_text("1.0.0")
        expect(card).to_contain_text("explain.gap.sex.gap")
        expect(card.locator("svg").first).to_be_visible()
        p_.screenshot(path=str(ARTIFACTS / "explain-run.png"), full_page=True)
