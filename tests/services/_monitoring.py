"""Real prediction logs for the monitoring tests: COMPAS screenings as a deployed model.

The COMPAS decile score (1..10) stands in for the model's output: ``score`` = decile / 10,
``high_risk`` = decile >= 5 (the cut ProPublica used), the label is two-year recidivism,
and each row is timed at its real screening date (2013-01-01 .. 2014-12-31).
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from ombud import datasets
from ombud.governance import SystemProfile
from ombud.services import systems, workspaces
from ombud.services.context import AppContext

MONITOR_COLUMNS: dict[str, Any] = {
    "timestamp": "screened",
    "prediction": "high_risk",
    "score": "score",
    "label": "recid",
    "sensitive": ("race",),
    "features": ("age", "priors_count", "charge"),
}


@functools.cache
def _compas() -> pd.DataFrame:
    raw = datasets.load("compas", filtered=True).frame
    race = raw["race"].astype(str)
    return pd.DataFrame(
        {
            "screened": raw["compas_screening_date"],
            "high_risk": (raw["decile_score"] >= 5).astype(int),
            "score": raw["decile_score"] / 10.0,
            "recid": raw["two_year_recid"].astype(int),
            "race": race.where(race.isin(["African-American", "Caucasian"]), "Other"),
            "age": raw["age"],
            "priors_count": raw["priors_count"],
            "charge": raw["c_charge_degree"].astype(str),
        }
    ).sort_values("screened", kind="stable", ignore_index=True)


def compas_log(start: str, end: str) -> pd.DataFrame:
    """The screenings with ``start <= date < end`` (a copy the caller may change)."""
    frame = _compas()
    keep = (frame["screened"] >= pd.Timestamp(start)) & (frame["screened"] < pd.Timestamp(end))
    return frame[keep].reset_index(drop=True).copy()


def monitored_team(context: AppContext) -> AppContext:
    """Users (olivia owns 'recid', hana owns 'other', lena leads, audrey audits) and the
    two systems with version 1.0."""
    admin = context.actor("ada")
    for name, roles in [
        ("olivia", ["owner"]),
        ("hana", ["owner"]),
        ("lena", ["rai_lead"]),
        ("audrey", ["auditor"]),
    ]:
        workspaces.add_user(context, admin, username=name, roles=roles)
    lena = context.actor("lena")
    profile = SystemProfile(
        name="Recidivism risk",
        purpose="Scores the risk of re-offending at pre-trial screening",
        owner="olivia",
        owner_team="courts",
        domain="criminal_justice",
        kind="decision_model",
        operator_role="deployer",
        automation="human_in_the_loop",
    )
    systems.register_system(context, lena, "recid", profile)
    systems.register_system(context, lena, "other", profile.with_changes({"owner": "hana"}))
    systems.add_version(context, lena, "recid", "1.0")
    systems.add_version(context, lena, "other", "1.0")
    return context
