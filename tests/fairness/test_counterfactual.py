"""Counterfactual flip test, checked against shares computed directly from the model's rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from ombud.fairness.counterfactual import CounterfactualError, counterfactual_flip_test


def _simulated(n: int = 4_000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B"], size=n)
    x = rng.normal(size=n)
    logit = 1.5 * x + 1.2 * (group == "B") - 0.5
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"group": group, "x": x, "y": y})


class ThresholdModel:
    """Decides positive when ``column`` >= ``cut``; has only ``predict`` (0/1)."""

    def __init__(self, column: str, cut: float) -> None:
        self.column = column
        self.cut = cut

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (X[self.column].to_numpy(dtype=float) >= self.cut).astype(int)


class CodeModel:
    """Decides positive when ``column`` is one of ``accepted`` (a categorical proxy)."""

    def __init__(self, column: str, accepted: set[str]) -> None:
        self.column = column
        self.accepted = accepted

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return X[self.column].isin(self.accepted).to_numpy()


def test_model_blind_to_the_attribute_flips_nothing() -> None:
    """Oracle: a model that never reads the column cannot flip; the interval's upper bound
    is Wilson's closed form for 0 successes, z² / (n + z²)."""
    data = _simulated()
    blind = make_pipeline(
        ColumnTransformer([("x", "passthrough", ["x"])]), LogisticRegression()
    ).fit(data[["group", "x"]], data["y"])
    result = counterfactual_flip_test(blind, data[["group", "x"]], sensitive="group")
    z = stats.norm.ppf(0.975)
    for pair in result.pairs:
        assert pair.flipped == 0
        assert pair.direction == "none"
        assert pair.upper == pytest.approx(z**2 / (pair.n + z**2))
        assert pair.upper < 0.002
    assert result.max_share == 0.0


def test_logistic_model_flip_share_equals_share_between_its_two_cut_points() -> None:
    """Oracle: for a fitted logistic regression on x and the one-hot group, the decision is
    w·x + c_g + b >= 0, so changing A to B flips exactly the rows of A whose x lies between
    the two cut points -(b + c_A)/w and -(b + c_B)/w; counted here from the coefficients."""
    data = _simulated()
    model = make_pipeline(
        ColumnTransformer([("g", OneHotEncoder(), ["group"]), ("x", "passthrough", ["x"])]),
        LogisticRegression(),
    ).fit(data[["group", "x"]], data["y"])
    coef = model[-1].coef_[0]
    intercept = model[-1].intercept_[0]
    c_a, c_b, w = coef
    cut_a, cut_b = -(intercept + c_a) / w, -(intercept + c_b) / w
    result = counterfactual_flip_test(model, data[["group", "x"]], sensitive="group")
    by_pair = {(p.original, p.counterfactual): p for p in result.pairs}
    x_a = data.loc[data.group == "A", "x"]
    x_b = data.loc[data.group == "B", "x"]
    expected_a = ((x_a >= cut_b) & (x_a < cut_a)).sum()
    expected_b = ((x_b >= cut_b) & (x_b < cut_a)).sum()
    assert cut_b < cut_a  # B is favoured by the simulation
    a_to_b, b_to_a = by_pair["A", "B"], by_pair["B", "A"]
    assert a_to_b.flipped == expected_a > 0
    assert a_to_b.to_favourable == expected_a
    assert a_to_b.direction == "favourable"
    assert b_to_a.flipped == expected_b > 0
    assert b_to_a.direction == "unfavourable"
    assert a_to_b.share == pytest.approx(expected_a / len(x_a))
    assert a_to_b.lower < a_to_b.share < a_to_b.upper
    assert result.decision_source == "predict_proba"
    frame = result.to_frame()
    assert list(frame[["original", "counterfactual"]].itertuples(index=False, name=None)) == [
        ("A", "B"),
        ("B", "A"),
    ]
    assert frame["flipped"].tolist() == [expected_a, expected_b]


def test_unfavourable_positive_reverses_direction() -> None:
    """Oracle: the same counts as the threshold rule, with gain and loss swapped."""
    data = pd.DataFrame({"group": ["A", "B"] * 50, "x": np.arange(100.0)})
    model = ThresholdModel("group_score", 0.5)
    X = data.assign(group_score=(data.group == "B").astype(float))
    result = counterfactual_flip_test(
        model, X, sensitive="group", proxies=["group_score"], positive_is_favourable=False
    )
    by_pair = {(p.original, p.counterfactual): p for p in result.pairs}
    assert by_pair["A", "B"].flipped == 50
    assert by_pair["A", "B"].direction == "unfavourable"
    assert by_pair["B", "A"].direction == "favourable"
    assert result.decision_source == "predict"


def test_caller_mapping_moves_a_categorical_proxy() -> None:
    """Oracle: the model accepts only ZIP "1"; with the mapping A→"2", B→"1" every A row
    gains and every accepted B row loses, counted directly from the data."""
    rng = np.random.default_rng(3)
    group = rng.choice(["A", "B"], size=1_000)
    zip_code = np.where(rng.random(1_000) < 0.8, np.where(group == "B", "1", "2"), "3")
    X = pd.DataFrame({"group": group, "zip": zip_code})
    model = CodeModel("zip", {"1"})
    plain = counterfactual_flip_test(model, X, sensitive="group")
    assert all(p.flipped == 0 for p in plain.pairs)
    mapped = counterfactual_flip_test(
        model, X, sensitive="group", proxies={"zip": {"A": "2", "B": "1"}}
    )
    by_pair = {(p.original, p.counterfactual): p for p in mapped.pairs}
    assert by_pair["A", "B"].flipped == int((group == "A").sum())  # no A row had ZIP 1
    assert by_pair["B", "A"].flipped == int(((group == "B") & (zip_code == "1")).sum())
    by_mode = counterfactual_flip_test(model, X, sensitive="group", proxies=["zip"])
    assert [p.flipped for p in by_mode.pairs] == [p.flipped for p in mapped.pairs]
    assert "mode" in by_mode.proxy_policy


def test_numeric_proxy_moves_by_quantile_mapping() -> None:
    """Oracle: group B's incomes are group A's shifted by +10, so the quantile map sends each
    A income to itself + 10; with a cut at 50, A rows with income in [40, 50) flip."""
    base = np.arange(0, 100, dtype=np.int64)
    X = pd.DataFrame(
        {"group": ["A"] * 100 + ["B"] * 100, "income": np.concatenate([base, base + 10])}
    )
    model = ThresholdModel("income", 50)
    result = counterfactual_flip_test(model, X, sensitive="group", proxies=["income"])
    by_pair = {(p.original, p.counterfactual): p for p in result.pairs}
    assert by_pair["A", "B"].flipped == int(((base >= 40) & (base < 50)).sum()) == 10
    assert by_pair["A", "B"].direction == "favourable"
    assert by_pair["B", "A"].flipped == 10
    assert X["income"].dtype == np.int64  # the caller's frame is untouched


def test_categorical_dtype_is_kept_for_the_model() -> None:
    X = pd.DataFrame({"group": pd.Categorical(["A", "B", "C"] * 20), "x": np.zeros(60)})

    class DtypeChecking:
        def predict(self, frame: pd.DataFrame) -> np.ndarray:
            assert isinstance(frame["group"].dtype, pd.CategoricalDtype)
            return (frame["group"] == "C").to_numpy()

    result = counterfactual_flip_test(DtypeChecking(), X, sensitive="group")
    assert len(result.pairs) == 6
    shares = {(p.original, p.counterfactual): p.share for p in result.pairs}
    assert shares["A", "B"] == 0.0
    assert shares["A", "C"] == 1.0


def test_values_restrict_the_groups() -> None:
    X = pd.DataFrame({"group": ["A", "B", "C"] * 10, "x": np.zeros(30)})
    result = counterfactual_flip_test(
        ThresholdModel("x", 1.0), X, sensitive="group", values=["A", "C"]
    )
    assert {(p.original, p.counterfactual) for p in result.pairs} == {("A", "C"), ("C", "A")}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sensitive": "missing"}, "no column"),
        ({"sensitive": "group", "values": ["A", "Z"]}, "do not occur"),
        ({"sensitive": "group", "values": ["A"]}, "at least two"),
        ({"sensitive": "group", "proxies": ["nope"]}, "proxy 'nope'"),
        ({"sensitive": "group", "proxies": {"x": {"A": 1.0}}}, "no value for group 'B'"),
        ({"sensitive": "group", "confidence": 1.5}, "confidence"),
    ],
)
def test_bad_input_is_explained(kwargs: dict[str, object], message: str) -> None:
    X = pd.DataFrame({"group": ["A", "B"] * 5, "x": np.arange(10.0)})
    with pytest.raises(CounterfactualError, match=message):
        counterfactual_flip_test(ThresholdModel("x", 3.0), X, **kwargs)  # type: ignore[arg-type]


def test_multiclass_and_label_outputs_are_refused() -> None:
    X = pd.DataFrame({"group": ["A", "B", "C"] * 10, "x": np.arange(30.0)})
    multi = LogisticRegression().fit(X[["x"]], X["group"])

    class OnX:
        def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
            return np.asarray(multi.predict_proba(frame[["x"]]))

    class Labels:
        def predict(self, frame: pd.DataFrame) -> np.ndarray:
            return np.array(["good"] * len(frame))

    with pytest.raises(CounterfactualError, match="binary"):
        counterfactual_flip_test(OnX(), X, sensitive="group")
    with pytest.raises(CounterfactualError, match="labels"):
        counterfactual_flip_test(Labels(), X, sensitive="group")
    with pytest.raises(CounterfactualError, match="missing"):
        counterfactual_flip_test(Labels(), X.assign(group=[None, "A", "B"] * 10), sensitive="group")
