"""COMPAS loader checked against ProPublica's published sample sizes."""

from __future__ import annotations

import pandas as pd

from ombud.datasets import load_compas
from ombud.records import sha256_file


def test_unfiltered_file_has_propublica_row_count() -> None:
    """Oracle: ProPublica's compas-analysis repository, compas-scores-two-years.csv has
    7,214 defendants and 53 columns."""
    compas = load_compas()
    assert compas.frame.shape == (7_214, 53)
    assert compas.sha256 == sha256_file(compas.source)
    assert "unfiltered" in compas.description


def test_filtered_sample_has_propublica_row_count() -> None:
    """Oracle: ProPublica, "How We Analyzed the COMPAS Recidivism Algorithm" (2016) and its
    notebook, whose four filters leave 6,172 rows; re-applied here on the raw CSV too."""
    compas = load_compas(filtered=True)
    assert len(compas.frame) == 6_172
    raw = pd.read_csv(compas.source, keep_default_na=False, na_values=[""])
    kept = raw[
        (raw.days_b_screening_arrest <= 30)
        & (raw.days_b_screening_arrest >= -30)
        & (raw.is_recid != -1)
        & (raw.c_charge_degree != "O")
        & (raw.score_text != "N/A")
    ]
    assert compas.frame["id"].tolist() == kept["id"].tolist()
    assert "filtered" in compas.description


def test_filtered_sample_race_counts_match_propublica() -> None:
    """Oracle: ProPublica's notebook, value counts of race in the 6,172-row sample
    (African-American 3,175; Caucasian 2,103; Hispanic 509; Other 343; Asian 31;
    Native American 11)."""
    counts = load_compas(filtered=True).frame["race"].value_counts()
    assert counts.to_dict() == {
        "African-American": 3_175,
        "Caucasian": 2_103,
        "Hispanic": 509,
        "Other": 343,
        "Asian": 31,
        "Native American": 11,
    }


def test_label_and_dtypes() -> None:
    """Oracle: the label definition of ProPublica's two-year analysis (two_year_recid 0/1)."""
    compas = load_compas()
    assert compas.frame["two_year_recid"].dtype == bool
    assert compas.label.column == "two_year_recid"
    assert compas.label.favourable is None
    assert pd.api.types.is_datetime64_any_dtype(compas.frame["c_jail_in"])
    assert {"race", "sex"} <= set(compas.protected_attributes)
