"""Loaders of the R-package data sets, checked against the publications they come from."""

from __future__ import annotations

import pandas as pd

from ombud.datasets import (
    load_bertrand_mullainathan,
    load_german_credit,
    load_hmda,
    load_minneapolis_stops,
    load_ricci,
    load_toronto_arrests,
)


def test_bertrand_mullainathan_callback_rates() -> None:
    """Oracle: Bertrand & Mullainathan (AER 2004), Table 1: call-backs 9.65% for white names
    (235 of 2,435) vs 6.45% for Black names (157 of 2,435), ratio 1.50."""
    data = load_bertrand_mullainathan()
    calls = data.y.groupby(data.frame["race"], observed=True).agg(["sum", "count"])
    assert calls.loc["w"].tolist() == [235, 2_435]
    assert calls.loc["b"].tolist() == [157, 2_435]
    rates = calls["sum"] / calls["count"]
    assert round(100 * float(rates["w"]), 2) == 9.65
    assert round(100 * float(rates["b"]), 2) == 6.45
    assert round(float(rates["w"] / rates["b"]), 2) == 1.50


def test_hmda_denial_rates_by_race() -> None:
    """Oracle: Boston HMDA as used by Stock & Watson: denial rate 28.32% among the 339
    African-American applicants vs 9.26% among the 2,041 white applicants."""
    data = load_hmda()
    assert data.frame["deny"].dtype == "boolean"
    by_race = data.y.groupby(data.frame["afam"]).agg(["mean", "count"])
    assert int(by_race.loc[True, "count"]) == 339
    assert int(by_race.loc[False, "count"]) == 2_041
    assert round(100 * float(by_race.loc[True, "mean"]), 2) == 28.32
    assert round(100 * float(by_race.loc[False, "mean"]), 2) == 9.26


def test_ricci_pass_counts_match_supreme_court_opinion() -> None:
    """Oracle: Ricci v. DeStefano, 557 U.S. 557 (2009), opinion of the Court: lieutenant exam
    43 white / 19 Black / 15 Hispanic candidates, 25 / 6 / 3 passed; captain exam 25 / 8 / 8
    candidates, 16 / 3 / 3 passed (pass mark 70)."""
    frame = load_ricci().frame
    table = frame.groupby(["Position", "Race"], observed=True)["passed"].agg(["count", "sum"])
    assert table.loc["Lieutenant"].to_dict("index") == {
        "B": {"count": 19, "sum": 6},
        "H": {"count": 15, "sum": 3},
        "W": {"count": 43, "sum": 25},
    }
    assert table.loc["Captain"].to_dict("index") == {
        "B": {"count": 8, "sum": 3},
        "H": {"count": 8, "sum": 3},
        "W": {"count": 25, "sum": 16},
    }


def test_german_credit_shape_label_and_sex() -> None:
    """Oracle: the UCI Statlog documentation (german.doc): 1,000 instances, 700 good and 300
    bad; personal status codes A92 and A95 are the female categories."""
    data = load_german_credit()
    frame = data.frame
    assert len(frame) == 1_000
    assert frame["credit"].value_counts().to_dict() == {"good": 700, "bad": 300}
    female = frame["status_sex"].astype("str").str.startswith("female")
    assert (frame["sex"].eq("female") == female).all()
    assert frame["foreign_worker"].dtype == bool
    assert not frame["status"].astype("str").str.endswith(" ").any()


def test_carData_sets_have_documented_shapes() -> None:
    """Oracle: the carData R documentation: MplsStops "51920 observations on 14 variables",
    Arrests "5226 observations on 8 variables" (R row names not counted)."""
    stops = load_minneapolis_stops()
    arrests = load_toronto_arrests()
    assert stops.frame.shape == (51_920, 14)
    assert arrests.frame.shape == (5_226, 8)
    assert isinstance(stops.frame["date"].dtype, pd.DatetimeTZDtype)
    assert stops.frame["personSearch"].dtype == "boolean"
    # Search fields are not recorded for non-MDC stops: missing, never counted as "no".
    not_recorded = stops.frame["MDC"] == "other"
    assert stops.frame.loc[not_recorded, "personSearch"].isna().all()
    assert stops.y[not_recorded].isna().all()
    assert arrests.frame["released"].dtype == "boolean"
