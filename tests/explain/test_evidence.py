"""Explanations as evidence: every emitted name is declared, values match the results.

Oracle: the declared templates (``evidence_names``) turned into regular expressions, and
the result objects' own numbers.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from ombud.explain import (
    EVIDENCE_KIND,
    adverse_action_reasons,
    attribute_gap,
    evidence_draft,
    evidence_names,
    explain_lime,
    explain_shap,
    group_moments,
    model_rate_gap,
    parse_reason_table,
    rate_gap_draft,
)
from ombud.records import Verdict


def _declared() -> list[re.Pattern[str]]:
    names = evidence_names()
    return [
        re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", r"[^.]+", re.escape(t)) + "$")
        for t in (*names.metrics, *names.verdicts)
    ]


def test_shap_gap_evidence(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier
) -> None:
    X, _ = hmda
    expl = explain_shap(hmda_gb, X, background=X, background_size=30)
    race = X["afam"].map({1.0: "black", 0.0: "white"})
    gap = attribute_gap(group_moments(expl, race), "black", "white")
    draft = evidence_draft(expl, gap=gap, gap_attribute="race")
    assert draft.kind == EVIDENCE_KIND == evidence_names().kind
    patterns = _declared()
    undeclared = [
        n for n in (*draft.metrics, *draft.verdicts) if not any(p.match(n) for p in patterns)
    ]
    assert undeclared == []
    assert draft.metrics["explain.shap.additivity_error"] == expl.quality.value
    assert draft.metrics["explain.gap.race.gap"] == pytest.approx(gap.gap)
    assert draft.metrics["explain.gap.race.afam.contribution"] == pytest.approx(
        gap.table.loc["afam", "contribution"]
    )
    assert draft.verdicts["explain.quality"] is Verdict.PASS
    body = json.loads(draft.artifacts[0].content)
    assert body["explanation"]["method"] == "shap.tree"


def test_reasons_evidence_carries_counts_not_applicants(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier
) -> None:
    X, _ = hmda
    lines = [f"  {f}: {{code: C{i:02d}, statement: Factor {f}}}" for i, f in enumerate(X.columns)]
    table = parse_reason_table("features:\n" + "\n".join(lines[:-1]) + "\n", "t.yaml")
    reasons = adverse_action_reasons(
        hmda_gb,
        X.iloc[:300],
        table=table,
        cutoff=0.0,
        higher_approves=False,
        protected=["afam"],
        background_size=30,
        ids=[f"applicant-{i:04d}" for i in range(300)],
    )
    draft = evidence_draft(reasons.explanation, reasons=reasons)
    patterns = _declared()
    assert [n for n in draft.metrics if not any(p.match(n) for p in patterns)] == []
    assert draft.metrics["explain.reasons.declined"] == len(reasons.notices)
    assert draft.metrics["explain.reasons.stability_jaccard"] == reasons.stability_jaccard
    assert "applicants" not in draft.parameters["reasons"]
    assert "without_reasons" not in draft.parameters["reasons"]
    assert "applicant-" not in draft.artifacts[0].content.decode()


def test_unstable_lime_is_a_concern(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier
) -> None:
    X, _ = hmda
    expl = explain_lime(
        hmda_gb, X.iloc[:1], training_data=X, num_samples=100, n_seeds=10, threshold=1.01
    )
    draft = evidence_draft(expl)
    assert draft.verdicts["explain.quality"] is Verdict.CONCERN
    assert draft.metrics["explain.lime.unstable_rows"] == 1.0


def test_rate_gap_evidence_declares_every_name_and_checks_efficiency(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier
) -> None:
    """Oracle: the library's own result (``model_rate_gap``) and the declared templates;
    the decisions are the model's ``decision_function >= 0`` recomputed with scikit-learn."""
    X, _ = hmda
    race = X["afam"].map({1.0: "black", 0.0: "white"})
    found = model_rate_gap(hmda_gb, X, race, "black", "white", pairs=300, n_boot=50)
    assert found.output == "decision_function"
    assert found.threshold == 0.0
    decided = hmda_gb.decision_function(X) >= 0
    assert decided[race == "black"].mean() > decided[race == "white"].mean()  # more denials
    draft = rate_gap_draft(found.result, attribute="race", parameters={"rate": "selection"})
    patterns = _declared()
    undeclared = [
        n for n in (*draft.metrics, *draft.verdicts) if not any(p.match(n) for p in patterns)
    ]
    assert undeclared == []
    assert draft.metrics["explain.rate_gap.race.gap"] == found.result.gap
    shares = dict(zip(found.result.features, found.result.contribution, strict=True))
    assert draft.metrics["explain.rate_gap.race.afam.contribution"] == shares["afam"]
    assert sum(shares.values()) == pytest.approx(found.result.gap, abs=1e-12)
    assert draft.verdicts["explain.quality"] is Verdict.PASS
    assert draft.parameters["rate_gap"] == {"attribute": "race", "a": "black", "b": "white"}
    body = json.loads(draft.artifacts[0].content)
    assert body["rate_gap"]["gap"] == pytest.approx(found.result.gap)
