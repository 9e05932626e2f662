"""Adverse-action reasons: a hand-worked Reg B example, and real HMDA denials.

Oracles: the hand computation in ``test_hand_worked_example`` (a linear score, so each
factor's contribution is ``w_j (x_j - mean of the background applicants)``, the
comparison comment 9(b)(2)-5 describes), worked out on paper below; and, on HMDA, the
set of reason features, which must never contain a protected attribute or a proxy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LinearRegression

from ombud.explain import (
    ExplainInputError,
    ReasonTableError,
    adverse_action_reasons,
    load_reason_table,
    parse_reason_table,
)

FEATURES = ["income", "dti", "housing", "history", "inquiries", "sex"]
WEIGHTS = np.array([1.0, -2.0, -1.0, 0.5, -0.5, 0.8])  # the model even uses sex
TABLE = """\
features:
  income: {code: R01, statement: Income insufficient for amount of credit requested}
  dti: {code: R02, statement: Excessive obligations in relation to income}
  housing: {code: R02, statement: Excessive obligations in relation to income}
  history: {code: R03, statement: Limited credit experience}
  inquiries: {code: R04, statement: Number of recent inquiries on credit bureau report}
"""


@pytest.fixture(scope="module")
def scorecard() -> LinearRegression:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(50, 6)), columns=FEATURES)
    return LinearRegression().fit(X, X.to_numpy() @ WEIGHTS)  # exact: coef_ == WEIGHTS


def test_hand_worked_example(scorecard: LinearRegression) -> None:
    applicants = pd.DataFrame(
        [
            [5, 1, 1, 4, 0, 1],  # A1: score 4.8, approved
            [4, 1, 0, 2, 2, 0],  # A2: score 2.0, approved
            [2, 2, 1, 2, 4, 0],  # D1: score -4.0, declined
            [3, 1, 2, 0, 0, 0],  # D2: score -1.0, declined
        ],
        columns=FEATURES,
        dtype=float,
    )
    table = parse_reason_table(TABLE, "reasons.yaml", protected=["sex"])
    result = adverse_action_reasons(
        scorecard,
        applicants,
        table=table,
        cutoff=1.0,
        ids=["A1", "A2", "D1", "D2"],
        protected=["sex"],
        background_size=2,
    )
    # Background = A1 and A2 (the approved applicants at or just above the cutoff); its
    # means: income 4.5, dti 1, housing 0.5, history 3, inquiries 1, sex 0.5.
    # D1's points below the background (-w_j (x_j - mean)): income 2.5, dti 2, housing 0.5,
    # history 0.5, inquiries 1.5, sex 0.4 (withheld). By code: R01 2.5, R02 2 + 0.5 = 2.5
    # (tie with R01, broken by code), R04 1.5, R03 0.5.
    # D2: income 1.5, dti 0, housing 1.5, history 1.5, inquiries -0.5 (helped), sex 0.4.
    # By code: R01 1.5, R02 1.5, R03 1.5 (three-way tie, by code); R04 is no reason; only
    # three reasons, so sex (0.4 > 0) would have been the fourth: recorded as withheld.
    rows = result.rows
    d1 = rows[rows["applicant"] == "D1"]
    assert list(d1["code"]) == ["R01", "R02", "R04", "R03"]
    np.testing.assert_allclose(d1["contribution"], [2.5, 2.5, 1.5, 0.5], atol=1e-9)
    assert d1.iloc[1]["features"] == "dti, housing"
    d2 = rows[rows["applicant"] == "D2"]
    assert list(d2["code"]) == ["R01", "R02", "R03"]
    np.testing.assert_allclose(d2["contribution"], [1.5, 1.5, 1.5], atol=1e-9)
    assert list(result.withheld["applicant"]) == ["D2"]
    assert result.withheld.iloc[0]["feature"] == "sex"
    assert result.withheld.iloc[0]["contribution"] == pytest.approx(0.4)
    assert set(rows["applicant"]) == {"D1", "D2"}
    assert result.notices["D1"] == (
        "Principal reason(s) for our decision:\n"
        "1. Income insufficient for amount of credit requested\n"
        "2. Excessive obligations in relation to income\n"
        "3. Number of recent inquiries on credit bureau report\n"
        "4. Limited credit experience"
    )
    assert result.settings["background"] == "cutoff"
    assert result.settings["reason_table_sha256"] == table.sha256
    assert result.stability_unchanged == 1.0  # both runs use the same two applicants
    assert result.settings["stability_resampled"] is False
    assert result.settings["without_reasons"] == []
    shares = result.distribution(["f", "m"])
    assert shares.loc["f", "R04"] == 1.0
    assert shares.loc["m", "R04"] == 0.0


def test_table_that_maps_a_protected_attribute_is_refused_at_its_line() -> None:
    text = TABLE + "  sex: {code: R09, statement: Sex}\n"
    with pytest.raises(ReasonTableError, match=r"^reasons\.yaml:7: maps protected attribute"):
        parse_reason_table(text, "reasons.yaml", protected=["Sex", "race"])


def test_table_faults_are_located() -> None:
    clash = TABLE + "  extra: {code: R01, statement: Something else}\n"
    with pytest.raises(ReasonTableError, match=r"reasons\.yaml:7: code R01 already reads"):
        parse_reason_table(clash, "reasons.yaml")
    with pytest.raises(ReasonTableError, match=r"reasons\.yaml:2: the statement of 'a'"):
        parse_reason_table("features:\n  a: {code: R1}\n", "reasons.yaml")
    with pytest.raises(ReasonTableError, match="needs a 'features:' mapping"):
        parse_reason_table("- a\n", "reasons.yaml")


def test_unmapped_feature_refused(scorecard: LinearRegression) -> None:
    table = parse_reason_table(TABLE.replace("  history:", "  # history:"), "reasons.yaml")
    applicants = pd.DataFrame(np.zeros((3, 6)), columns=FEATURES)
    with pytest.raises(
        ReasonTableError, match=r"no reason code for model feature\(s\) \['history'\]"
    ):
        adverse_action_reasons(scorecard, applicants, table=table, cutoff=1.0, protected=["sex"])


HMDA_TABLE = """\
features:
  pirat: {code: R10, statement: Excessive obligations in relation to income}
  hirat: {code: R10, statement: Excessive obligations in relation to income}
  lvrat: {code: R11, statement: Value or type of collateral not sufficient}
  chist: {code: R12, statement: Delinquent past or present credit obligations with others}
  mhist: {code: R13, statement: Poor mortgage payment history}
  phist: {code: R14, statement: Public record of bankruptcy or judgment}
  unemp: {code: R15, statement: Unemployment rate in the applicant's industry}
  selfemp: {code: R16, statement: Self-employment income}
  insurance: {code: R17, statement: Denied mortgage insurance}
  condomin: {code: R18, statement: Type of property}
  single: {code: R19, statement: Single applicant}
  hschool: {code: R20, statement: Education}
"""


def test_hmda_protected_and_proxies_never_reasons(
    hmda: tuple[pd.DataFrame, pd.Series], hmda_gb: GradientBoostingClassifier, tmp_path: Path
) -> None:
    X, _ = hmda
    path = tmp_path / "hmda-reasons.yaml"
    path.write_text(HMDA_TABLE, encoding="utf-8")
    table = load_reason_table(path, protected=["afam"])
    result = adverse_action_reasons(
        hmda_gb,
        X.iloc[:600],
        table=table,
        cutoff=0.5,
        output="probability",
        higher_approves=False,  # the model scores the probability of denial
        protected=["afam"],
        proxies=["single"],
        background="all",
        background_size=50,
    )
    features = {f for cell in result.rows["features"] for f in cell.split(", ")}
    assert "afam" not in features
    assert "single" not in features
    assert not result.rows.empty
    assert result.rows.groupby("applicant").size().max() <= 4
    ranks = result.rows.groupby("applicant")["contribution"].apply(
        lambda c: bool(np.all(np.diff(c.to_numpy()) <= 1e-12))
    )
    assert ranks.all()  # reasons come in decreasing order of contribution
    assert 0.0 <= result.stability_jaccard <= 1.0
    assert result.explanation.quality.passed
    # The model uses race: afam would have been a principal reason for some applicants.
    # It is withheld from the notices and recorded, as a finding about the model.
    assert "afam" in set(result.withheld["feature"])
    assert set(result.withheld["feature"]) <= {"afam", "single"}


def test_cutoff_background_is_the_approved_applicants_nearest_the_cutoff() -> None:
    """Comment 9(b)(2)-5's first method: applicants at or slightly above the passing score.

    Oracle: the pool picked by hand from a list of scores.
    """
    from ombud.explain._reasons import _background_pool

    scores = np.array([0.1, 0.95, 0.52, 0.49, 0.5, 0.7, 0.61, 0.3])
    assert list(_background_pool(scores, 0.5, True, "cutoff", 3)) == [4, 2, 6]
    # a risk score (higher declines): approved are at or below the cutoff, nearest first
    assert list(_background_pool(scores, 0.5, False, "cutoff", 2)) == [4, 3]
    assert len(_background_pool(scores, 0.5, True, "all", 3)) == len(scores)
    with pytest.raises(ExplainInputError, match="no applicant scores at or above the cutoff"):
        _background_pool(scores, 2.0, True, "cutoff", 3)


def test_missing_table_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ReasonTableError, match=r"reasons\.yaml: cannot read"):
        load_reason_table(tmp_path / "reasons.yaml")


def test_declined_applicant_with_no_adverse_factor_is_sent_to_review(
    scorecard: LinearRegression,
) -> None:
    """A decision flagged by hand (``declined=``) on an applicant better than the background
    on every factor gets no invented reason: the notice says it needs a review by hand."""
    applicants = pd.DataFrame(
        [[4, 1, 0, 2, 2, 0], [9, 0, 0, 9, 0, 0]], columns=FEATURES, dtype=float
    )
    table = parse_reason_table(TABLE, "reasons.yaml")
    result = adverse_action_reasons(
        scorecard,
        applicants,
        table=table,
        cutoff=1.0,
        declined=[False, True],
        ids=["A", "B"],
        protected=["sex"],
        background_size=1,
    )
    assert result.rows.empty
    assert result.settings["without_reasons"] == ["B"]
    assert "review by hand" in result.notices["B"]
