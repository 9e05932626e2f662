"""The default pack's explainability requirement, read from evidence an explain run records.

A lending system at tier 1 gets the pack's ``explainability_report`` requirement (tier 1
and the credit overlay), the tier's ``explanation-quality`` rule and the overlay's
``ecoa-reasons-stable`` rule. Without the evidence the requirement is insufficient; with a
real ``ombud explain reasons`` run on Boston HMDA recorded it passes, and both rules read
the recorded verdict and stability. The oracle for the rules' inputs is the evidence row
itself (the gate must pass exactly when the stored numbers meet the pack's thresholds).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression

from ombud.datasets import load
from ombud.services import evidence, gates, workspaces
from ombud.services.context import AppContext
from ombud.services.explain_runs import ModelSource, ReasonsRequest, explain_reasons_run
from ombud.services.runs import RecordTarget

from ._systems import CREDIT_ANSWERS, register_classified, screening_profile

HMDA = ["pirat", "hirat", "lvrat", "chist", "mhist", "unemp", "selfemp", "single", "afam"]
TABLE = """\
features:
  pirat: {code: R01, statement: Excessive obligations in relation to income}
  hirat: {code: R01, statement: Excessive obligations in relation to income}
  lvrat: {code: R02, statement: Value or type of collateral not sufficient}
  chist: {code: R03, statement: Delinquent past or present credit obligations}
  mhist: {code: R04, statement: Delinquent past or present mortgage obligations}
  unemp: {code: R05, statement: Temporary or irregular employment}
  selfemp: {code: R05, statement: Temporary or irregular employment}
  single: {code: R06, statement: Number of applicants}
"""


@pytest.fixture(scope="module")
def hmda(tmp_path_factory: pytest.TempPathFactory) -> ReasonsRequest:
    folder = tmp_path_factory.mktemp("hmda")
    raw = load("hmda").frame
    X = raw[HMDA].astype(np.float64)
    model = LogisticRegression(max_iter=2000).fit(X, raw["deny"].astype(int))
    X.assign(approved=(model.predict_proba(X)[:, 1] < 0.5).astype(int)).to_csv(
        folder / "hmda.csv", index=False
    )
    skops.io.dump(model, folder / "hmda.skops")
    (folder / "reasons.yaml").write_text(TABLE, encoding="utf-8")
    return ReasonsRequest(
        ModelSource(folder / "hmda.skops"),
        folder / "hmda.csv",
        decision="approved",
        reasons=folder / "reasons.yaml",
        higher_approves=False,
        protected=("afam",),
        background_size=50,
    )


@pytest.fixture
def lender(context: AppContext) -> AppContext:
    workspaces.add_user(context, context.actor("ada"), username="omar", roles=["owner"])
    profile = screening_profile(
        "omar",
        domain="lending",
        automation="fully_automated",
        affected_people=["consumers"],
    )
    register_classified(context, "omar", "mortgage", profile, CREDIT_ANSWERS)
    return context


def _checks(context: AppContext) -> dict[str, Any]:
    result = gates.check_gate(context, context.actor("omar"), "mortgage", "1.0")
    assert result.tier == 1
    return {c.id: c for c in result.checks}


def test_the_requirement_fails_without_evidence_and_passes_on_a_recorded_run(
    lender: AppContext, hmda: ReasonsRequest
) -> None:
    before = _checks(lender)
    assert before["evidence:explainability_report"].outcome == "insufficient"
    outcome = explain_reasons_run(
        hmda, RecordTarget(lender, lender.actor("omar"), "mortgage", "1.0")
    )
    assert outcome.evidence is not None
    stored = evidence.list_evidence(lender, "mortgage")[0]
    after = _checks(lender)
    assert after["evidence:explainability_report"].outcome == "pass"
    assert outcome.evidence.id in after["evidence:explainability_report"].evidence_ids
    rules = {k: v for k, v in after.items() if "explanation-quality" in k or "ecoa-reasons" in k}
    assert len(rules) == 2, sorted(after)
    assert stored.verdicts["explain.quality"] == "pass"  # linear SHAP adds up exactly
    for check in rules.values():
        assert check.outcome == "pass", check
    jaccard = stored.metrics["explain.reasons.stability_jaccard"]
    assert jaccard is not None
    assert jaccard >= 0.8


def test_an_unstable_run_fails_the_stability_rule(lender: AppContext, hmda: ReasonsRequest) -> None:
    """The rule reads the stored number: a run whose reasons do not survive another
    background sample (a background of 2 rows, drawn twice) fails it."""
    shaky = ReasonsRequest(**{**hmda.__dict__, "background_size": 2, "background": "all"})
    outcome = explain_reasons_run(
        shaky, RecordTarget(lender, lender.actor("omar"), "mortgage", "1.0")
    )
    assert outcome.evidence is not None
    jaccard = outcome.evidence.metrics["explain.reasons.stability_jaccard"]
    assert jaccard is not None
    checks = _checks(lender)
    (rule,) = [v for k, v in checks.items() if "ecoa-reasons-stable" in k]
    assert rule.outcome == ("pass" if jaccard >= 0.8 else "fail"), (jaccard, rule)
    assert jaccard < 0.8, "a 2-row background should not give stable reasons"
