"""Disparity summaries against the same summaries computed by pandas from the raw rows.

Oracle: per-group rates from pandas groupby on the rows (COMPAS and a small windowed set),
reduced by hand (difference/ratio to a reference group, within control strata).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ombud.stats
from ombud.stats import ClassificationSpec, TallyError, build_tally, classification_metrics

TOL = 1e-12


@pytest.fixture(scope="module")
def compas_tally(compas: pd.DataFrame):
    spec = ClassificationSpec(
        label="two_year_recid", prediction="predicted", groups=("race", "sex")
    )
    return build_tally(compas, spec)


def test_reference_group_within_control_strata(compas: pd.DataFrame, compas_tally):
    """Oracle: selection rates per (sex, race) from pandas, compared with Caucasian per sex."""
    ours = classification_metrics(compas_tally, "race", control="sex", metrics=["selection_rate"])
    rates = compas.groupby(["sex", "race"])["predicted"].mean()
    ref = rates.xs("Caucasian", level="race")
    expected_diff = rates - ref.reindex(rates.index.get_level_values("sex")).to_numpy()
    got = ours.compared_to("Caucasian")["selection_rate"]
    np.testing.assert_allclose(got, expected_diff.loc[got.index], atol=TOL)
    worst = ours.difference("to_reference", reference="Caucasian")["selection_rate"]
    np.testing.assert_allclose(
        worst, expected_diff.abs().groupby(level="sex").max().loc[worst.index], atol=TOL
    )
    ratio = ours.ratio("to_reference", reference="Caucasian")["selection_rate"]
    to_ref = rates / ref.reindex(rates.index.get_level_values("sex")).to_numpy()
    both = np.fmin(to_ref, 1 / to_ref)
    np.testing.assert_allclose(ratio, both.groupby(level="sex").min().loc[ratio.index], atol=TOL)
    with pytest.raises(TallyError, match="not found"):
        ours.compared_to("Martian")


def test_tidy_lists_every_group_and_metric(compas_tally):
    """Oracle: the wide table it is reshaped from (size and values)."""
    wide = classification_metrics(compas_tally, "race", metrics=["tpr", "fpr"])
    tidy = wide.tidy()
    assert list(tidy.columns) == ["race", "metric", "value", "reason"]
    assert len(tidy) == wide.by_group.size
    row = tidy[(tidy.race == "Asian") & (tidy.metric == "fpr")]
    assert row["value"].iloc[0] == wide.by_group.loc["Asian", "fpr"]


def test_windows_and_missing_groups_are_strata():
    """Oracle: pandas groupby(dropna=False) of the rows by (day, group)."""
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(["2024-01-01"] * 4 + ["2024-01-02"] * 4).date,
            "g": ["a", "b", None, "a", "a", None, "b", "b"],
            "y": [1, 0, 1, 1, 0, 0, 1, 0],
            "p": [1, 1, 0, 0, 0, 1, 1, 1],
        }
    )
    spec = ClassificationSpec("y", "p", groups=("g",), window="day")
    tally = build_tally(frame, spec)
    ours = classification_metrics(tally, "g", control="day", metrics=["selection_rate"])
    expected = frame.groupby(["day", "g"], dropna=False)["p"].mean()
    assert len(ours.by_group) == len(expected)
    np.testing.assert_allclose(
        ours.by_group["selection_rate"].to_numpy(), expected.to_numpy(), atol=TOL
    )
    by_day = classification_metrics(tally, [], control="day", metrics=["selection_rate"])
    np.testing.assert_allclose(
        by_day.overall["selection_rate"], frame.groupby("day")["p"].mean(), atol=TOL
    )


def test_public_api_is_curated():
    """Oracle: every name in __all__ resolves, and no private module name leaks into it."""
    for name in ombud.stats.__all__:
        assert hasattr(ombud.stats, name), name
        assert not name.startswith("_")
