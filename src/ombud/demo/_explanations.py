"""Demo step: why the models decide as they do, recorded as explanation evidence.

The mortgage model (logistic, Boston HMDA 1990, race left out of its features) gets the
principal reasons for each declined applicant (Regulation B, 12 CFR 1002.9(b)(2)) from the
reason-code table shipped beside this module, and its gap in denial probability between
Black and white applicants attributed to its features; the eligibility model (gradient
boosting on UCI Adult) gets its sex gap attributed. Models are saved with skops and read
back through the same safe loader and run service as ``ombud explain reasons|gap``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from ombud.datasets import DatasetNotFoundError, load
from ombud.demo._portfolio import VERSIONS, DemoReport
from ombud.explain import ExtraNotInstalledError, fit_text_head
from ombud.redteam import load_labels
from ombud.services.context import AppContext
from ombud.services.explain_runs import (
    ExplainReport,
    GapRequest,
    ModelSource,
    ReasonsRequest,
    TextIgRequest,
    explain_gap_run,
    explain_reasons_run,
    explain_text_ig_run,
)
from ombud.services.runs import RecordTarget, RunOutcome

__all__ = ["explain_portfolio"]

HMDA_FEATURES = [
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
HGB_PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
ADULT_FEATURES = ["age", "education-num", "hours-per-week", "capital-gain", "married"]


def _owner(context: AppContext, system_id: str) -> str:
    from ombud.services.systems import get_system

    return get_system(context, system_id).owner


def _summary(system_id: str, what: str, outcome: RunOutcome[ExplainReport]) -> dict[str, Any]:
    report = outcome.result
    quality = report.explanation.quality
    row: dict[str, Any] = {
        "system_id": system_id,
        "what": what,
        "evidence_id": outcome.evidence.id if outcome.evidence is not None else None,
        "quality": f"{quality.name}: {'passed' if quality.passed else 'FAILED'}",
    }
    if report.gap is not None and not report.gap.table.empty:
        table = report.gap.table.sort_values("contribution", key=abs, ascending=False)
        row["gap"] = float(report.gap.gap)
        row["leading_feature"] = str(table.index[0])
        row["leading_share"] = float(table["contribution"].iloc[0])
        row["likely_proxies"] = list(report.gap.likely_proxies)
    if report.reasons is not None:
        reasons = report.reasons
        row["declined"] = int(reasons.rows["applicant"].nunique()) if not reasons.rows.empty else 0
        row["withheld_applicants"] = (
            int(reasons.withheld["applicant"].nunique()) if not reasons.withheld.empty else 0
        )
        row["stability_unchanged"] = float(reasons.stability_unchanged)
        row["reason_features"] = sorted(
            {f for cell in reasons.rows["features"] for f in str(cell).split(", ") if f}
        )
        counts = reasons.rows.groupby("statement").size().sort_values(ascending=False)
        row["top_reasons"] = [str(s) for s in counts.index[:3]]
    return row


def _mortgage(context: AppContext, report: DemoReport, folder: Path) -> None:
    system_id = "mortgage-underwriting"
    frame = load("hmda").frame
    X = frame[HMDA_FEATURES].astype(np.float64)
    deny = frame["deny"].astype(bool).to_numpy()
    model = LogisticRegression(max_iter=2000).fit(X, deny)
    approves = (model.predict_proba(X)[:, 1] < 0.5).astype(int)
    applicants = X.assign(
        applicant=np.where(frame["afam"].astype(bool), "Black", "white"),
        model_approves=approves,
    )
    model_path = folder / "mortgage-logistic.skops"
    sio.dump(model, model_path)
    data_path = folder / "hmda-applicants.parquet"
    applicants.to_parquet(data_path, index=False)
    table = resources.files("ombud.demo") / "explain" / "hmda-reasons.yaml"
    reasons_path = folder / "hmda-reasons.yaml"
    reasons_path.write_text(table.read_text(encoding="utf-8"), encoding="utf-8")
    owner = context.actor(_owner(context, system_id))
    target = RecordTarget(context, owner, system_id, VERSIONS[system_id][0])
    source = ModelSource(model_path)
    reasons = explain_reasons_run(
        ReasonsRequest(
            model=source,
            data=data_path,
            decision="model_approves",
            reasons=reasons_path,
            declined_value="0",
            cutoff=0.0,  # log-odds 0: a denial probability of one half
            higher_approves=False,  # the model scores the log-odds of denial
            output="margin",
            sensitive="applicant",
            protected=("single",),
        ),
        target,
    )
    report.explanations.append(
        _summary(system_id, "adverse-action reasons for declined applicants", reasons)
    )
    gap = explain_gap_run(
        GapRequest(
            model=source,
            data=data_path,
            sensitive="applicant",
            groups=("Black", "white"),
            output="margin",
            ignore=("model_approves",),
        ),
        target,
    )
    report.explanations.append(_summary(system_id, "gap in the log-odds of denial by race", gap))


def _eligibility(context: AppContext, report: DemoReport, folder: Path) -> None:
    system_id = "benefit-eligibility"
    adult = load("adult").frame
    adult = adult.assign(married=adult["marital-status"].str.startswith("Married").astype(int))
    train = adult[adult["split"] == "train"]
    test = adult[adult["split"] == "test"]
    model = HistGradientBoostingClassifier(random_state=0)
    model.fit(train[ADULT_FEATURES].astype(np.float64), train["income"] == ">50K")
    model_path = folder / "eligibility-gbm.skops"
    sio.dump(model, model_path)
    data_path = folder / "adult-test.parquet"
    test[ADULT_FEATURES].astype(np.float64).assign(sex=test["sex"].to_numpy()).to_parquet(
        data_path, index=False
    )
    owner = context.actor(_owner(context, system_id))
    target = RecordTarget(context, owner, system_id, VERSIONS[system_id][0])
    gap = explain_gap_run(
        GapRequest(
            # skops does not trust scikit-learn's histogram-tree predictor by default; it is
            # scikit-learn's own class, reviewed here (the CLI's --trusted-type does the same).
            model=ModelSource(model_path, trusted_types=(HGB_PREDICTOR,)),
            data=data_path,
            sensitive="sex",
            groups=("Male", "Female"),
            max_rows=1000,
        ),
        target,
    )
    report.explanations.append(_summary(system_id, "sex gap in the model's margin", gap))


def _assistant_guard(context: AppContext, report: DemoReport, folder: Path) -> None:
    """The assistant's output check: a logistic head on all-MiniLM-L6-v2 that tells a refusal
    from an answer, fitted on the labelled responses the red-team detectors are measured on
    (real text, labelled by hand). Integrated gradients say which tokens carry each call."""
    system_id = "support-assistant"
    rows = [r for r in load_labels() if "refusal" in r.labels]
    texts = [r.response for r in rows]
    head = fit_text_head(texts, np.array([r.labels["refusal"] for r in rows]))
    model_path = folder / "refusal-head.skops"
    sio.dump(head, model_path)
    # Two refusals and two answers, the first of each in the labelled file.
    refusals = [t for t, r in zip(texts, rows, strict=True) if r.labels["refusal"]][:2]
    answers = [t for t, r in zip(texts, rows, strict=True) if not r.labels["refusal"]][:2]
    data_path = folder / "assistant-responses.csv"
    pd.DataFrame({"response": [*refusals, *answers]}).to_csv(data_path, index=False)
    owner = context.actor(_owner(context, system_id))
    target = RecordTarget(context, owner, system_id, VERSIONS[system_id][0])
    try:
        outcome = explain_text_ig_run(
            TextIgRequest(model=ModelSource(model_path), data=data_path, text_column="response"),
            target,
        )
    except ExtraNotInstalledError as exc:
        report.notes.append(f"{system_id}: text model not explained ({exc})")
        return
    summary = _summary(system_id, "refusal check: integrated gradients on responses", outcome)
    explanation = outcome.result.explanation
    tokens = explanation.tokens or ()
    values = explanation.attributions
    summary["top_tokens"] = [
        str(tokens[i][int(np.nanargmax(np.abs(values[i][: len(tokens[i])])))])
        for i in range(len(tokens))
    ]
    report.explanations.append(summary)


def explain_portfolio(
    context: AppContext, report: DemoReport, progress: Callable[[str], None]
) -> None:
    folder = report.workspace / "explanations"
    folder.mkdir(exist_ok=True)
    for system_id, step in (
        ("mortgage-underwriting", _mortgage),
        ("benefit-eligibility", _eligibility),
        ("support-assistant", _assistant_guard),
    ):
        progress(f"explaining {system_id}")
        try:
            step(context, report, folder)
        except DatasetNotFoundError as exc:
            report.notes.append(f"{system_id}: not explained ({exc})")
