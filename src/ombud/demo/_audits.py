"""Demo step 2: fairness audits of the portfolio with real models on real data.

Each audit goes through the same run service as ``ombud audit fairness|bias --system ...
--version ...`` and the web form, and is recorded on the version it examined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from ombud.datasets import DatasetNotFoundError, load
from ombud.demo._portfolio import VERSIONS, DemoReport
from ombud.records import InputRef
from ombud.services.context import AppContext
from ombud.services.fairness_runs import (
    BiasAuditRequest,
    FairnessAuditRequest,
    audit_bias,
    audit_fairness,
)
from ombud.services.runs import RecordTarget

__all__ = ["audit_portfolio", "audit_resume_decisions"]

AuditCase = tuple[pd.DataFrame, dict[str, Any], str]


def _recidivism() -> AuditCase:
    """COMPAS as ProPublica analysed it: the filtered sample, decile >= 5 read as high risk."""
    frame = load("compas", filtered=True).frame
    frame = frame.assign(labelled_high_risk=(frame["decile_score"] >= 5).astype(int))
    return (
        frame,
        {
            "label": "two_year_recid",
            "prediction": "labelled_high_risk",
            "sensitive": ["race", "sex"],
        },
        "COMPAS decile >= 5 vs two-year recidivism, ProPublica's 6,172-row sample",
    )


def _mortgage() -> AuditCase:
    """A logistic model on HMDA's financial features (race left out), 5-fold predictions."""
    frame = load("hmda").frame
    features = [
        "pirat",
        "hirat",
        "lvrat",
        "chist",
        "mhist",
        "phist",
        "unemp",
        "selfemp",
        "insurance",
        "condomin",
        "single",
        "hschool",
    ]
    deny = frame["deny"].astype(bool).to_numpy()
    p_deny = cross_val_predict(
        LogisticRegression(max_iter=2000),
        frame[features].astype(float),
        deny,
        cv=5,
        method="predict_proba",
    )[:, 1]
    frame = frame.assign(
        approved=(~deny).astype(int),
        model_approves=(p_deny < 0.5).astype(int),
        applicant=np.where(frame["afam"].astype(bool), "Black", "white"),
    )
    return (
        frame,
        {"label": "approved", "prediction": "model_approves", "sensitive": ["applicant"]},
        "logistic model on Boston HMDA 1990 (race excluded), out-of-fold approvals",
    )


def _eligibility() -> AuditCase:
    """Gradient boosting trained on Adult's training split, audited on its test split."""
    frame = load("adult").frame
    features = [c for c in frame.columns if c not in ("income", "split", "sex", "race", "fnlwgt")]
    categorical = {c: "category" for c in features if not pd.api.types.is_numeric_dtype(frame[c])}
    train = frame[frame["split"] == "train"]
    test = frame[frame["split"] == "test"]
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    model.fit(train[features].astype(categorical), train["income"] == ">50K")
    test = test.assign(
        over_limit=model.predict(test[features].astype(categorical)).astype(int),
        above_50k=(test["income"] == ">50K").astype(int),
    )
    return (
        test,
        {"label": "above_50k", "prediction": "over_limit", "sensitive": ["sex", "race"]},
        "gradient boosting on UCI Adult (sex and race excluded), 16,281 test rows",
    )


CASES: dict[str, Callable[[], AuditCase]] = {
    "recidivism-risk": _recidivism,
    "mortgage-underwriting": _mortgage,
    "benefit-eligibility": _eligibility,
}


def audit_portfolio(
    context: AppContext, report: DemoReport, progress: Callable[[str], None]
) -> None:
    for system_id, build in CASES.items():
        progress(f"auditing {system_id}")
        try:
            frame, columns, description = build()
        except DatasetNotFoundError as exc:
            report.notes.append(f"{system_id}: not audited ({exc})")
            continue
        owner = context.actor(_owner(context, system_id))
        request = FairnessAuditRequest(data=frame, **columns, n_boot=1000, seed=7)
        target = RecordTarget(context, owner, system_id, VERSIONS[system_id][0])
        evidence = audit_fairness(request, target).evidence
        assert evidence is not None  # a run with a target is recorded or raises
        report.audits.append(
            {
                "system_id": system_id,
                "evidence_id": evidence.id,
                "description": description,
                "verdicts": {k: str(v) for k, v in evidence.verdicts.items()},
                "metrics": {
                    k: v
                    for k, v in evidence.metrics.items()
                    if k.endswith((".ratio_min", ".difference_max"))
                },
            }
        )


def audit_resume_decisions(
    context: AppContext, report: DemoReport, progress: Callable[[str], None]
) -> None:
    """The résumé screen has decisions only (callbacks), no ground truth: a bias audit.

    The classifier audit would need the callback as both label and prediction and then
    describe a perfect classifier; the decisions-only audit claims no accuracy.
    """
    system_id = "resume-screening"
    progress(f"auditing {system_id} (decisions only)")
    try:
        dataset = load("bertrand_mullainathan")
    except DatasetNotFoundError as exc:
        report.notes.append(f"{system_id}: not audited ({exc})")
        return
    raw = dataset.frame
    frame = raw.assign(
        callback=raw["call"].astype(int),
        race=raw["race"].map({"b": "Black-sounding name", "w": "white-sounding name"}),
        sex=raw["sex"].map({"f": "female", "m": "male"}),
    )
    source = "callback decisions on 4,870 résumés (Bertrand & Mullainathan 2004)"
    request = BiasAuditRequest(
        data=frame,
        selected="callback",
        sex="sex",
        race="race",
        data_source=source,
        inputs=(InputRef(dataset.name, dataset.sha256, rows=len(frame), description=source),),
    )
    owner = context.actor(_owner(context, system_id))
    target = RecordTarget(context, owner, system_id, VERSIONS[system_id][0])
    evidence = audit_bias(request, target).evidence
    assert evidence is not None  # a run with a target is recorded or raises
    report.audits.append(
        {
            "system_id": system_id,
            "evidence_id": evidence.id,
            "description": source,
            "verdicts": {},
            "metrics": {
                k: v for k, v in evidence.metrics.items() if k.endswith(".impact_ratio_min")
            },
        }
    )


def _owner(context: AppContext, system_id: str) -> str:
    from ombud.services.systems import get_system

    return get_system(context, system_id).owner
