"""The Shapley split of a decision-rate gap (explain/_rate_gap.py).

Oracles: the Shapley axioms (efficiency to rounding, dummy exactly, symmetry), a
brute-force Shapley value over all d! orderings (a different algorithm from the module's
subset enumeration), a simulation where only one feature differs between the groups, and
the fairness engine's own FPR gap on the same real data (UCI Adult).
"""

from __future__ import annotations

import math
from itertools import permutations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from ombud.datasets import load
from ombud.explain import BudgetExceededError, ExplainInputError, attribute_rate_gap
from ombud.fairness import audit

NUMERIC = ["age", "education-num", "hours-per-week", "capital-gain", "capital-loss"]


@pytest.fixture(scope="module")
def adult() -> tuple[pd.DataFrame, LogisticRegression]:
    frame = load("adult").frame
    frame = frame.assign(married=frame["marital-status"].str.startswith("Married").astype(int))
    features = [*NUMERIC, "married"]
    train = frame[frame["split"] == "train"]
    model = LogisticRegression(max_iter=2000).fit(train[features], train["income"] == ">50K")
    return frame[frame["split"] == "test"].reset_index(drop=True), model


def _decide(model: LogisticRegression) -> object:
    return lambda X: (model.predict_proba(X)[:, 1] >= 0.5).astype(int)


def test_the_contributions_add_up_to_the_gap_on_real_data(
    adult: tuple[pd.DataFrame, LogisticRegression],
) -> None:
    frame, model = adult
    features = [*NUMERIC, "married"]
    found = attribute_rate_gap(
        _decide(model), frame[features], frame["sex"], "Male", "Female", pairs=3000, n_boot=100
    )
    assert found.method.startswith("exact Shapley over 6 features")
    assert found.efficiency_error < 1e-12
    assert found.contribution.sum() == pytest.approx(found.gap, abs=1e-12)
    assert found.gap > 0.05  # the model selects men more often
    # The drawn rates estimate the groups' real rates (binomial standard errors).
    decided = _decide(model)(frame[features])
    for group, rate in (("Male", found.rate_a), ("Female", found.rate_b)):
        real = decided[frame["sex"] == group].mean()
        assert abs(rate - real) < 4 * math.sqrt(real * (1 - real) / found.pairs)
    top = found.table().iloc[0]
    assert top["feature"] == "married"  # married men: the known proxy path in Adult
    assert top["lower"] <= top["contribution"] <= top["upper"]


def _brute_force(
    decide: object, b: pd.DataFrame, a: pd.DataFrame, features: list[str]
) -> np.ndarray:
    """Shapley values averaged over all d! orderings, per pair then over pairs."""
    d = len(features)
    phi = np.zeros(d)
    base = np.asarray(decide(b), dtype=float)  # type: ignore[operator]
    for order in permutations(range(d)):
        hybrid = b.copy()
        before = base
        for j in order:
            hybrid[features[j]] = a[features[j]].to_numpy()
            after = np.asarray(decide(hybrid), dtype=float)  # type: ignore[operator]
            phi[j] += (after - before).mean()
            before = after
    return phi / math.factorial(d)


def test_exact_values_equal_a_brute_force_over_every_ordering() -> None:
    rng = np.random.default_rng(4)
    n = 400
    frame = pd.DataFrame(rng.normal(size=(n, 4)), columns=["x1", "x2", "x3", "x4"])
    group = np.where(rng.random(n) < 0.5, "a", "b")
    frame.loc[group == "a", "x1"] += 1.0
    frame.loc[group == "a", "x3"] -= 0.5

    def decide(X: pd.DataFrame) -> np.ndarray:
        return ((X["x1"] * X["x2"] + X["x3"] > 0.2) | (X["x4"] > 1.5)).to_numpy().astype(int)

    found = attribute_rate_gap(decide, frame, group, "a", "b", pairs=200, n_boot=0, seed=9)
    # Redraw the same pairs the module drew (same seed, same order of draws).
    draw = np.random.default_rng(9)
    rows_a, rows_b = frame[group == "a"], frame[group == "b"]
    a = rows_a.iloc[draw.integers(0, len(rows_a), 200)].reset_index(drop=True)
    b = rows_b.iloc[draw.integers(0, len(rows_b), 200)].reset_index(drop=True)
    assert found.contribution == pytest.approx(_brute_force(decide, b, a, list(frame)), abs=1e-12)


def test_dummy_and_symmetry() -> None:
    rng = np.random.default_rng(1)
    n = 2000
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["x1", "x2", "unused"])
    group = np.where(np.arange(n) < n // 2, "a", "b")
    frame.loc[group == "a", ["x1", "x2"]] += 0.8  # the same shift in two symmetric features
    frame.loc[group == "a", "unused"] += 3.0  # a large shift the model never reads

    def decide(X: pd.DataFrame) -> np.ndarray:
        return (X["x1"] + X["x2"] > 1.0).to_numpy().astype(int)

    found = attribute_rate_gap(decide, frame, group, "a", "b", pairs=4000, n_boot=200)
    shares = dict(zip(found.features, found.contribution, strict=True))
    assert shares["unused"] == 0.0  # dummy: exactly, not approximately
    # Symmetric players: equal up to sampling of the pairs (their intervals overlap).
    lows = dict(zip(found.features, found.lower, strict=True))
    highs = dict(zip(found.features, found.upper, strict=True))
    assert lows["x1"] <= highs["x2"]
    assert lows["x2"] <= highs["x1"]
    assert shares["x1"] + shares["x2"] == pytest.approx(found.gap, abs=1e-12)


def test_a_gap_that_runs_through_one_feature_is_given_to_it() -> None:
    """Simulation: the groups differ only in x1; x2 and x3 are read by the model but are
    identically distributed, so their shares are zero up to the pairs' sampling error."""
    rng = np.random.default_rng(7)
    n = 6000
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["x1", "x2", "x3"])
    group = np.where(rng.random(n) < 0.5, "a", "b")
    frame.loc[group == "a", "x1"] += 1.0

    def decide(X: pd.DataFrame) -> np.ndarray:
        return (X["x1"] + 0.7 * X["x2"] - 0.4 * X["x3"] > 0.5).to_numpy().astype(int)

    found = attribute_rate_gap(decide, frame, group, "a", "b", pairs=5000, n_boot=300)
    shares = dict(zip(found.features, found.contribution, strict=True))
    assert shares["x1"] / found.gap > 0.85
    for name, low, high in zip(found.features, found.lower, found.upper, strict=True):
        if name != "x1":
            assert low <= 0.0 <= high or abs(shares[name]) < 0.02, name


def test_permutation_estimates_agree_with_the_exact_values() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    columns = [f"x{i}" for i in range(10)]  # over EXACT_FEATURES: permutations
    frame = pd.DataFrame(rng.normal(size=(n, 10)), columns=columns)
    group = np.where(rng.random(n) < 0.5, "a", "b")
    frame.loc[group == "a", "x0"] += 1.0
    frame.loc[group == "a", "x5"] += 0.5

    def decide(X: pd.DataFrame) -> np.ndarray:
        return (X["x0"] + X["x5"] + 0.3 * X["x1"] > 0.8).to_numpy().astype(int)

    sampled = attribute_rate_gap(
        decide, frame, group, "a", "b", pairs=1500, permutations=60, n_boot=0
    )
    assert sampled.method.startswith("Shapley estimated from 60 antithetic permutations")
    assert sampled.efficiency_error < 1e-12  # every permutation adds up exactly
    exact = attribute_rate_gap(
        decide, frame[["x0", "x5", "x1"]], group, "a", "b", pairs=1500, n_boot=0
    )
    # Features the rule does not read get 0 in every permutation, so the three that it
    # reads carry the same split as the exact 3-feature game (up to permutation noise).
    by_name = dict(zip(sampled.features, sampled.contribution, strict=True))
    for name, value in zip(exact.features, exact.contribution, strict=True):
        assert by_name[name] == pytest.approx(value, abs=0.02)


def test_a_condition_gives_the_fpr_gap_the_fairness_engine_measures(
    adult: tuple[pd.DataFrame, LogisticRegression],
) -> None:
    frame, model = adult
    features = [*NUMERIC, "married"]
    negative = (frame["income"] != ">50K").to_numpy()
    found = attribute_rate_gap(
        _decide(model),
        frame[features],
        frame["sex"],
        "Male",
        "Female",
        condition=negative,
        pairs=4000,
        n_boot=0,
    )
    decided = frame.assign(y=(~negative).astype(int), yhat=_decide(model)(frame[features]))
    fpr = audit(decided, label="y", prediction="yhat", sensitive="sex", n_boot=0).by_group
    rate = dict(zip(fpr["group"], fpr["fpr"], strict=True))
    real_gap = rate["Male"] - rate["Female"]
    se = math.sqrt(sum(r * (1 - r) for r in rate.values()) / found.pairs)
    assert abs(found.gap - real_gap) < 4 * se


def test_bad_input_is_one_clear_error() -> None:
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 0.0, 1.0, 0.0]})
    group = ["a", "a", "b", "b"]

    def decide(X: pd.DataFrame) -> np.ndarray:
        return (X["x"] > 1).to_numpy().astype(int)

    with pytest.raises(ExplainInputError, match="features not in the data: z"):
        attribute_rate_gap(decide, frame, group, "a", "b", features=["z"])
    with pytest.raises(ExplainInputError, match="group 'c' has no rows"):
        attribute_rate_gap(decide, frame, group, "c", "b")
    with pytest.raises(ExplainInputError, match="must return 0/1 decisions"):
        attribute_rate_gap(lambda X: X["x"].to_numpy() * 0.3, frame, group, "a", "b")
    with pytest.raises(BudgetExceededError, match="over the budget"):
        attribute_rate_gap(decide, frame, group, "a", "b", pairs=1000, max_evaluations=100)
