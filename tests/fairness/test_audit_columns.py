"""The audit's comparison and omnibus columns, at audit level, on real data (COMPAS, Adult).

Every expected number here is computed from the rows with another library, never from the
audit's own tables:

- `difference_lower/upper`: statsmodels `confint_proportions_2indep(compare="diff",
  method="newcomb")`, Newcombe's hybrid score interval, the method docs/fairness.md names;
- `ratio_lower/upper`: the same function with `compare="ratio", method="log"` (Katz's log
  interval, as documented);
- `power_at_ratio`: statsmodels `power_proportions_2indep` (normal approximation, pooled
  variance under the null, which is the model of `ombud.stats.significance`), at a group rate
  of `power_ratio` (0.8) times the reference rate;
- `mde`: the root of that statsmodels power function at 80% found by scipy's `brentq`;
- `omnibus`: scipy `chi2_contingency(correction=False)` on the groups × (success, failure)
  table of each rate.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.stats import chi2_contingency
from statsmodels.stats.proportion import confint_proportions_2indep, power_proportions_2indep

from ombud.datasets import load
from ombud.fairness import audit

TOL = 1e-9
ALPHA = 0.05
POWER_RATIO = 0.8


def _rate_rows(
    frame: pd.DataFrame, label: str, pred: str
) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Per rate metric: (success indicator, row is a trial) as boolean Series over the rows."""
    y, p = frame[label].astype(bool), frame[pred].astype(bool)
    everyone = pd.Series(True, index=frame.index)
    return {
        "selection_rate": (p, everyone),
        "prevalence": (y, everyone),
        "tpr": (p & y, y),
        "fnr": (~p & y, y),
        "fpr": (p & ~y, ~y),
        "tnr": (~p & ~y, ~y),
        "ppv": (p & y, p),
        "fdr": (p & ~y, p),
        "npv": (~p & ~y, ~p),
        "for": (~p & y, ~p),
        "accuracy": (p == y, everyone),
    }


def _counts(frame: pd.DataFrame, column: str, label: str, pred: str) -> pd.DataFrame:
    """successes and trials per (metric, group), straight from the rows."""
    out = []
    for metric, (success, trial) in _rate_rows(frame, label, pred).items():
        grouped = pd.DataFrame(
            {"g": frame[column].astype(str), "x": success & trial, "n": trial}
        ).groupby("g")
        sums = grouped[["x", "n"]].sum().astype(float)
        sums["metric"] = metric
        out.append(sums.reset_index())
    return pd.concat(out, ignore_index=True).set_index(["metric", "g"])


@functools.cache
def _compas() -> pd.DataFrame:
    frame = load("compas", filtered=True).frame.copy()
    frame["high_risk"] = (frame["decile_score"] >= 5).astype(int)
    frame["race"] = frame["race"].astype(str)
    return frame


@functools.cache
def _adult() -> pd.DataFrame:
    """Adult's test split with a decision that is not the label: the census income class
    predicted by 'over 40 hours a week or a capital gain', so every error rate is defined."""
    frame = load("adult").frame
    frame = frame[frame["split"] == "test"].copy()
    frame["rich"] = (frame["income"].astype(str) == ">50K").astype(int)
    frame["decision"] = ((frame["hours-per-week"] > 40) | (frame["capital-gain"] > 0)).astype(int)
    frame["sex"] = frame["sex"].astype(str)
    frame["race"] = frame["race"].astype(str)
    return frame


CASES = {
    "compas-race": (_compas, "race", "two_year_recid", "high_risk"),
    "adult-sex": (_adult, "sex", "rich", "decision"),
    "adult-race": (_adult, "race", "rich", "decision"),
}


@functools.cache
def _run(case: str) -> tuple[object, pd.DataFrame]:
    build, column, label, pred = CASES[case]
    frame = build()
    result = audit(frame, label=label, prediction=pred, sensitive=column, n_boot=0)
    return result, _counts(frame, column, label, pred)


def _pairs(case: str) -> pd.DataFrame:
    result, _ = _run(case)
    table: pd.DataFrame = result.comparisons  # type: ignore[attr-defined]
    assert len(table) > 0
    return table


@pytest.mark.parametrize("case", list(CASES))
def test_difference_and_ratio_intervals_match_statsmodels(case: str) -> None:
    _, counts = _run(case)
    checked = 0
    for _, row in _pairs(case).iterrows():
        x1, n1 = counts.loc[(row["metric"], str(row["group"]))]
        x2, n2 = counts.loc[(row["metric"], str(row["reference"]))]
        assert (row["trials"], row["reference_trials"]) == (n1, n2)
        if n1 == 0 or n2 == 0:
            assert np.isnan(row["difference_lower"])
            continue
        low, upp = confint_proportions_2indep(
            x1, n1, x2, n2, method="newcomb", compare="diff", alpha=ALPHA
        )
        assert row["difference"] == pytest.approx(x1 / n1 - x2 / n2, abs=TOL)
        assert row["difference_lower"] == pytest.approx(low, abs=TOL)
        assert row["difference_upper"] == pytest.approx(upp, abs=TOL)
        if 0 < x1 < n1 and 0 < x2 < n2:  # Katz's interval needs a success and a failure
            low, upp = confint_proportions_2indep(
                x1, n1, x2, n2, method="log", compare="ratio", alpha=ALPHA
            )
            assert row["ratio_lower"] == pytest.approx(low, rel=TOL)
            assert row["ratio_upper"] == pytest.approx(upp, rel=TOL)
        checked += 1
    assert checked >= 10


def _power(diff: float, p2: float, n1: float, n2: float) -> float:
    return float(
        power_proportions_2indep(
            diff, p2, n1, ratio=n2 / n1, alpha=ALPHA, alternative="two-sided", return_results=False
        )
    )


@pytest.mark.parametrize("case", list(CASES))
def test_power_and_mde_match_statsmodels(case: str) -> None:
    checked = 0
    for _, row in _pairs(case).iterrows():
        if np.isnan(row["power_at_ratio"]):
            assert not row["tested"] or row["trials"] == 0 or row["reference_trials"] == 0
            continue
        n1, n2, p2 = row["trials"], row["reference_trials"], row["reference_value"]
        if 0 < p2 < 1:
            want = _power(p2 * POWER_RATIO - p2, p2, n1, n2)
            assert row["power_at_ratio"] == pytest.approx(want, abs=TOL)
        headroom = 1.0 - p2
        if headroom > 0 and _power(headroom, p2, n1, n2) >= 0.8:
            want = brentq(
                lambda d, p2=p2, n1=n1, n2=n2: _power(d, p2, n1, n2) - 0.8,
                1e-12,
                headroom,
                xtol=1e-13,
            )
            assert row["mde"] == pytest.approx(want, abs=1e-7)
        else:
            assert np.isnan(row["mde"])
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("case", list(CASES))
def test_omnibus_matches_scipy_chi2_contingency(case: str) -> None:
    result, counts = _run(case)
    omnibus: pd.DataFrame = result.omnibus  # type: ignore[attr-defined]
    checked = 0
    for _, row in omnibus.iterrows():
        table = counts.loc[row["metric"]]
        table = table[table["n"] > 0]
        contingency = np.column_stack([table["x"], table["n"] - table["x"]])
        assert row["groups"] == len(table)
        if (contingency.sum(axis=0) == 0).any():
            assert np.isnan(row["chi2"])
            continue
        chi2, p_value, dof, _ = chi2_contingency(contingency, correction=False)
        assert row["chi2"] == pytest.approx(chi2, rel=TOL)
        assert row["df"] == dof
        assert row["p_value"] == pytest.approx(p_value, rel=1e-7, abs=1e-300)
        checked += 1
    assert checked >= 8


def test_the_oracle_bites_on_a_perturbed_count() -> None:
    """One success moved between groups changes the Newcombe bound well beyond the tolerance."""
    _, counts = _run("compas-race")
    # The reference is the largest group, African-American.
    row = _pairs("compas-race").query("metric == 'fpr' and group == 'Caucasian'").iloc[0]
    assert row["reference"] == "African-American"
    x1, n1 = counts.loc[("fpr", "Caucasian")]
    x2, n2 = counts.loc[("fpr", "African-American")]
    low, _ = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
    assert row["difference_lower"] == pytest.approx(low, abs=TOL)  # unperturbed: equal
    low, _ = confint_proportions_2indep(x1 + 1, n1, x2, n2, method="newcomb", compare="diff")
    with pytest.raises(AssertionError):
        assert row["difference_lower"] == pytest.approx(low, abs=TOL)
