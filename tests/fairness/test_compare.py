"""Group-vs-reference comparisons against statsmodels and scipy on COMPAS by race.

Oracles: statsmodels proportions_ztest (pooled z), scipy.stats.fisher_exact, and
statsmodels multipletests (Holm, fdr_bh) over the same family of p-values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from ombud.datasets import load
from ombud.fairness import audit


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    data = load("compas", filtered=True).frame
    return data.assign(high=(data["decile_score"] >= 5).astype(int), race=data["race"].astype(str))


@pytest.fixture(scope="module")
def comparisons(frame: pd.DataFrame) -> pd.DataFrame:
    result = audit(
        frame,
        label="two_year_recid",
        prediction="high",
        sensitive="race",
        reference="Caucasian",
        n_boot=0,
    )
    return result.comparisons


def test_selection_rate_tests_match_statsmodels_and_scipy(
    frame: pd.DataFrame, comparisons: pd.DataFrame
) -> None:
    ref = frame[frame["race"] == "Caucasian"]["high"]
    rows = comparisons[comparisons["metric"] == "selection_rate"]
    for _, row in rows.iterrows():
        group = frame[frame["race"] == row["group"]]["high"]
        counts = np.array([group.sum(), ref.sum()])
        sizes = np.array([len(group), len(ref)])
        if row["test"] == "fisher_exact":
            table = [[counts[0], sizes[0] - counts[0]], [counts[1], sizes[1] - counts[1]]]
            expected = stats.fisher_exact(table).pvalue
        else:
            expected = proportions_ztest(counts, sizes)[1]
        assert row["p_value"] == pytest.approx(expected, rel=1e-9)


def test_small_group_gets_fisher(comparisons: pd.DataFrame) -> None:
    native = comparisons.query("group == 'Native American' and metric == 'selection_rate'")
    assert native["test"].iloc[0] == "fisher_exact"


def test_adjustments_match_statsmodels(comparisons: pd.DataFrame) -> None:
    tested = comparisons[comparisons["tested"] & comparisons["p_value"].notna()]
    holm = multipletests(tested["p_value"], method="holm")[1]
    bh = multipletests(tested["p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(tested["p_holm"], holm, rtol=1e-12)
    np.testing.assert_allclose(tested["p_bh"], bh, rtol=1e-12)
    assert comparisons.loc[~comparisons["tested"], "p_holm"].isna().all()
