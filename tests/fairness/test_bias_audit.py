"""Decisions-only bias audits (NYC LL144 shape): rates, impact ratios, unknowns, exclusions.

Oracles, named per test: the published callback rates of Bertrand & Mullainathan (AER
2004, Table 1), Fairlearn's MetricFrame on the same rows, and direct numpy counts on a
simulated scoring tool.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate

from ombud.datasets import load
from ombud.fairness import AuditInputError, MissingColumnsError, bias_audit
from ombud.records import METRIC_NAME_PATTERN


@pytest.fixture(scope="module")
def resumes() -> pd.DataFrame:
    return load("bertrand_mullainathan").frame


def test_published_callback_rates_and_their_impact_ratio(resumes: pd.DataFrame) -> None:
    """Oracle: Table 1 of the paper, 235/2,435 white-name and 157/2,435 Black-name callbacks."""
    result = bias_audit(resumes, selected="call", race="race")
    race = result.axis("race_ethnicity").set_index("category")
    assert race.loc["w", "positives"] == 235
    assert race.loc["b", "positives"] == 157
    assert race.loc["w", "applicants"] == race.loc["b", "applicants"] == 2435
    assert race.loc["w", "rate"] == pytest.approx(0.0965, abs=5e-5)
    assert race.loc["b", "rate"] == pytest.approx(0.0645, abs=5e-5)
    assert race.loc["b", "impact_ratio"] == pytest.approx(157 / 235)
    assert race.loc["w", "impact_ratio"] == 1.0
    assert result.unknown == {"race_ethnicity": 0}


def test_rates_agree_with_fairlearn_on_every_axis(resumes: pd.DataFrame) -> None:
    """Oracle: Fairlearn's selection_rate per group, sex, race and their intersection."""
    result = bias_audit(resumes, selected="call", sex="sex", race="race")
    y = resumes["call"].astype(int)
    frame = MetricFrame(
        metrics=selection_rate,
        y_true=y,
        y_pred=y,
        sensitive_features=resumes[["sex", "race"]],
    )
    by_both = frame.by_group
    for row in result.axis("intersectional").itertuples():
        sex, race = row.category.split(" × ")
        assert row.rate == pytest.approx(by_both.loc[(sex, race)])
    for axis, column in (("sex", "sex"), ("race_ethnicity", "race")):
        single = MetricFrame(
            metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=resumes[column]
        ).by_group
        table = result.axis(axis).set_index("category")
        for category, rate in single.items():
            assert table.loc[category, "rate"] == pytest.approx(rate)
        assert table["impact_ratio"].min() == pytest.approx(single.min() / single.max())


def test_scoring_rates_count_scores_strictly_above_the_full_sample_median() -> None:
    """Oracle: numpy on a simulated scoring tool (ties at the median are not 'above')."""
    rng = np.random.default_rng(7)
    n = 3000
    sex = rng.choice(["female", "male", "Unknown"], size=n, p=[0.48, 0.48, 0.04])
    score = np.round(rng.normal(50, 10, size=n) + np.where(sex == "male", 3.0, 0.0))
    frame = pd.DataFrame({"sex": sex, "score": score})
    result = bias_audit(frame, score="score", sex="sex")
    median = float(np.median(score))
    assert result.median_score == median
    assert result.unknown == {"sex": int((sex == "Unknown").sum())}
    table = result.axis("sex").set_index("category")
    rates = {g: float((score[sex == g] > median).mean()) for g in ("female", "male")}
    assert table.loc["female", "rate"] == pytest.approx(rates["female"])
    assert table.loc["male", "rate"] == pytest.approx(rates["male"])
    assert table.loc["female", "impact_ratio"] == pytest.approx(
        rates["female"] / max(rates.values())
    )
    assert "Unknown" not in table.index


def test_unknowns_are_counted_per_axis_and_left_out_of_the_intersection() -> None:
    frame = pd.DataFrame(
        {
            "sex": ["F", "M", "F", "M", None, "F", "declined", "M"],
            "race": ["A", "A", "B", "unknown", "B", "B", "A", "A"],
            "hired": [1, 0, 1, 1, 0, 0, 1, 1],
        }
    )
    result = bias_audit(frame, selected="hired", sex="sex", race="race")
    assert result.unknown == {"sex": 2, "race_ethnicity": 1, "intersectional": 3}
    assert result.axis("intersectional")["applicants"].sum() == 5
    assert result.applicants == 8


def test_small_categories_may_be_left_out_of_the_ratios_with_a_reason() -> None:
    frame = pd.DataFrame(
        {
            "race": ["A"] * 600 + ["B"] * 390 + ["C"] * 10,
            "hired": [1, 0] * 300 + [1] * 390 + [0] * 10,
        }
    )
    with pytest.raises(AuditInputError, match="justification"):
        bias_audit(frame, selected="hired", race="race", exclude_below=0.02)
    with pytest.raises(AuditInputError, match="2%"):
        bias_audit(
            frame, selected="hired", race="race", exclude_below=0.05, exclusion_justification="x"
        )
    result = bias_audit(
        frame, selected="hired", race="race", exclude_below=0.02,
        exclusion_justification="C is 1% of applicants",
    )  # fmt: skip
    table = result.axis("race_ethnicity").set_index("category")
    assert bool(table.loc["C", "excluded"])
    assert math.isnan(table.loc["C", "impact_ratio"])
    assert table.loc["C", "applicants"] == 10  # still reported with its count and rate
    assert table.loc["C", "rate"] == 0.0
    assert table.loc["A", "impact_ratio"] == pytest.approx(0.5)  # against B's 100 %
    assert "excluded" in result.to_markdown(audit_date="2026-12-03", data_source="test")


def test_evidence_holds_measurements_and_no_accuracy_claim(resumes: pd.DataFrame) -> None:
    draft = bias_audit(resumes, selected="call", sex="sex", race="race").to_evidence()
    assert draft.kind == "bias_audit"
    assert not draft.verdicts  # the rules set no pass mark
    assert all(METRIC_NAME_PATTERN.match(name) for name in draft.metrics)
    assert draft.metrics["bias_audit.race_ethnicity.impact_ratio_min"] == pytest.approx(157 / 235)
    assert "bias_audit.intersectional.m+b.impact_ratio" in draft.metrics
    assert not any("accuracy" in name or "tpr" in name for name in draft.metrics)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sex": "sex"}, "exactly one of"),
        ({"selected": "call", "score": "call", "sex": "sex"}, "exactly one of"),
        ({"selected": "call"}, "at least one category"),
        ({"selected": "nope", "sex": "sex"}, "no column 'nope'"),
        ({"selected": "sex", "race": "race"}, "--pos-label"),
    ],
)
def test_bad_requests_say_what_to_change(
    resumes: pd.DataFrame, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises((AuditInputError, MissingColumnsError), match=message):
        bias_audit(resumes, **kwargs)


def test_a_category_column_with_only_unknowns_is_refused() -> None:
    frame = pd.DataFrame({"sex": ["unknown", None], "hired": [1, 0]})
    with pytest.raises(AuditInputError, match="every value of 'sex' is unknown"):
        bias_audit(frame, selected="hired", sex="sex")
