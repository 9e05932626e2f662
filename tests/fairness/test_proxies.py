"""Proxy detection, checked against scikit-learn, closed forms and a planted proxy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mutual_info_score

from ombud.datasets import load_adult
from ombud.fairness.proxies import ProxyDetectionError, detect_proxies


def _theil_u(attribute: np.ndarray, feature: np.ndarray) -> float:
    """(H(A) - H(A | F)) / H(A) from the contingency table, in nats."""
    table = pd.crosstab(attribute, feature).to_numpy(dtype=float)
    p = table / table.sum()
    p_a = p.sum(axis=1)
    p_f = p.sum(axis=0)
    h_a = -np.sum(p_a * np.log(p_a))
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.where(p > 0, p * np.log(p / p_f), 0.0)
    return float((h_a + cond.sum()) / h_a)


def test_categorical_measures_match_sklearn_and_the_contingency_table() -> None:
    """Oracle: sklearn.metrics.mutual_info_score on the raw labels, and Theil's U computed
    from the contingency table by hand."""
    rng = np.random.default_rng(0)
    attribute = rng.choice(["a", "b", "c"], size=3_000)
    feature = np.where(rng.random(3_000) < 0.4, attribute, rng.choice(["a", "b", "d"], 3_000))
    X = pd.DataFrame(
        {"attr": attribute, "feature": feature, "small_int": rng.integers(0, 4, 3_000)}
    )
    report = detect_proxies(X, "attr")
    by_feature = {f.feature: f for f in report.findings}
    assert by_feature["feature"].mutual_information == pytest.approx(
        mutual_info_score(attribute, feature), rel=1e-12
    )
    assert by_feature["feature"].normalized_mutual_information == pytest.approx(
        _theil_u(attribute, feature), rel=1e-9
    )
    # A numeric feature with no more distinct values than bins is used as it is.
    assert by_feature["small_int"].mutual_information == pytest.approx(
        mutual_info_score(attribute, X["small_int"]), rel=1e-12
    )


def test_continuous_feature_is_cut_at_deciles() -> None:
    """Oracle: sklearn.metrics.mutual_info_score on pandas.qcut deciles of the same column
    (identical bins for a column without ties)."""
    rng = np.random.default_rng(1)
    attribute = rng.integers(0, 2, 5_000)
    x = rng.normal(size=5_000) + 0.8 * attribute
    report = detect_proxies(pd.DataFrame({"attr": attribute, "x": x}), "attr")
    (finding,) = report.findings
    assert finding.levels == 10
    deciles = pd.qcut(x, 10, labels=False)
    assert finding.mutual_information == pytest.approx(
        mutual_info_score(attribute, deciles), rel=1e-12
    )


def test_binary_feature_auc_and_mi_match_closed_forms() -> None:
    """Oracle: for a binary feature F and attribute A with P(A=1)=1/2, P(F=1|A=1)=0.8 and
    P(F=1|A=0)=0.3, the best one-feature AUC is (1 + 0.8 - 0.3) / 2 = 0.75, and the mutual
    information is the sum over the four cells of p log(p / (p_a p_f))."""
    rng = np.random.default_rng(2)
    n = 40_000
    attribute = rng.integers(0, 2, n)
    feature = rng.random(n) < np.where(attribute == 1, 0.8, 0.3)
    report = detect_proxies(pd.DataFrame({"a": attribute, "f": feature}), "a")
    (finding,) = report.findings
    joint = np.array([[0.5 * 0.7, 0.5 * 0.3], [0.5 * 0.2, 0.5 * 0.8]])
    expected_mi = float(np.sum(joint * np.log(joint / np.outer([0.5, 0.5], joint.sum(0)))))
    assert finding.auc == pytest.approx(0.75, abs=0.01)
    assert finding.mutual_information == pytest.approx(expected_mi, abs=0.003)
    assert finding.flagged


def test_planted_zip_proxy_is_flagged_and_independent_feature_is_not() -> None:
    """Oracle: a simulation. Each of 20 ZIP-like codes is 90% one race; income is drawn
    independently of race. The ZIP must be flagged, income must not."""
    rng = np.random.default_rng(3)
    n = 6_000
    race = rng.choice(["black", "white", "asian"], size=n, p=[0.3, 0.5, 0.2])
    home = {"black": np.arange(0, 6), "white": np.arange(6, 16), "asian": np.arange(16, 20)}
    own = np.array([rng.choice(home[r]) for r in race])
    zip_code = np.where(rng.random(n) < 0.9, own, rng.integers(0, 20, n))
    X = pd.DataFrame(
        {
            "race": race,
            "zip": zip_code.astype(str),
            "income": rng.lognormal(10, 0.5, n),
            "row_id": [f"id-{i}" for i in range(n)],
        }
    )
    report = detect_proxies(X, "race")
    assert report.findings[0].feature == "zip"
    assert report.findings[0].auc > 0.9
    assert {f.feature for f in report.flagged} == {"zip"}
    income = next(f for f in report.findings if f.feature == "income")
    assert income.auc < 0.56
    assert income.normalized_mutual_information < 0.01
    # Unique row identifiers are pooled into one level, not taken for a perfect proxy.
    row_id = next(f for f in report.findings if f.feature == "row_id")
    assert row_id.levels == 1
    assert not row_id.flagged


def test_perfect_proxy_of_a_three_valued_attribute() -> None:
    """Oracle: a one-to-one recoding of the attribute carries all of it: macro AUC 1, U = 1."""
    attribute = np.repeat(["x", "y", "z"], 200)
    X = pd.DataFrame({"a": attribute, "code": pd.Series(attribute).map({"x": 1, "y": 2, "z": 3})})
    (finding,) = detect_proxies(X, "a").findings
    assert finding.auc == pytest.approx(1.0)
    assert finding.normalized_mutual_information == pytest.approx(1.0)


def test_relationship_is_flagged_as_a_proxy_for_sex_in_adult() -> None:
    """Oracle: in Adult, relationship "Husband" / "Wife" implies sex (documented in the UCI
    attribute list); it must be flagged and ranked first, the sampling weight fnlwgt not."""
    frame = load_adult().frame
    report = detect_proxies(frame, "sex", features=["relationship", "fnlwgt", "education", "age"])
    top = report.findings[0]
    assert top.feature == "relationship"
    assert top.flagged
    assert top.auc > 0.8
    fnlwgt = next(f for f in report.findings if f.feature == "fnlwgt")
    assert not fnlwgt.flagged
    table = report.to_frame()
    assert table.loc[0, "feature"] == "relationship"
    assert table["flagged"].sum() == len(report.flagged)


def test_missing_attribute_rows_are_left_out() -> None:
    X = pd.DataFrame({"a": ["u", "v", None] * 50, "f": ["p", "q", "r"] * 50})
    (finding,) = detect_proxies(X, "a").findings
    assert finding.n == 100
    assert finding.auc == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("sensitive", "kwargs", "message"),
    [
        ("nope", {}, "no columns"),
        ("a", {"features": ["zz"]}, "no columns"),
        ("a", {"features": []}, "no features"),
        ("constant", {}, "fewer than two"),
        ("rare", {}, "only once"),
        ("a", {"bins": 1}, "bins >= 2"),
    ],
)
def test_bad_input_is_explained(sensitive: str, kwargs: dict[str, object], message: str) -> None:
    X = pd.DataFrame(
        {
            "a": ["u", "v"] * 10,
            "f": np.arange(20),
            "constant": ["k"] * 20,
            "rare": ["m"] * 19 + ["n"],
        }
    )
    with pytest.raises(ProxyDetectionError, match=message):
        detect_proxies(X, sensitive, **kwargs)  # type: ignore[arg-type]
