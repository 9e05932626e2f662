"""Real prediction logs for the monitoring tests: COMPAS screenings as a deployed model.

The COMPAS decile score (1..10) stands in for the model's output: ``score`` = decile / 10,
``high_risk`` = decile >= 5 (the cut ProPublica used), the label is two-year recidivism,
and each row is timed at its real screening date (2013-01-01 .. 2014-12-31).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
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


SIMULATION_START = pd.Timestamp("2026-06-01", tz="UTC")


@functools.cache
def _simulated_stream(days: int) -> pd.DataFrame:
    """SIMULATED (seeded, tests/monitor/_stream.py): ``days`` days of a calibrated model's
    log, 400 rows a day; from day 60 two planted changes: x1 moves up by one standard
    deviation (input drift) and 60% of the positive decisions for sex 'f' are withdrawn
    (emergent bias). The first 30 days are the reference."""
    from tests.monitor._stream import prediction_log

    parts = []
    for k, (first, last) in enumerate(((0, min(days, 60)), (60, days))):
        if last <= first:
            continue
        part = prediction_log(
            400 * (last - first),
            seed=11 + k,
            start=str((SIMULATION_START + pd.Timedelta(days=first)).date()),
            days=last - first,
            shift=1.0 if first >= 60 else 0.0,
        )
        if first >= 60:
            rng = np.random.default_rng(7)
            withdrawn = (part["sex"] == "f") & (part["pred"] == 1) & (rng.random(len(part)) < 0.6)
            part.loc[withdrawn, "pred"] = 0
        parts.append(part)
    return pd.concat(parts, ignore_index=True).sort_values("ts", kind="stable", ignore_index=True)


def simulated_monitor(
    context: AppContext, system_id: str = "recid", days: int = 90, version: str = "1.0"
) -> None:
    """A monitor named 'simulated' on ``system_id``: the first 30 days of the simulated
    stream are its reference, the rest are stored as daily windows (the owner sets it up)."""
    from ombud.services import monitoring

    stream = _simulated_stream(days)
    cut = SIMULATION_START + pd.Timedelta(days=30)
    owner = context.actor(systems.get_system(context, system_id).owner)
    monitoring.init_monitor(
        context,
        owner,
        system_id,
        version,
        stream[stream["ts"] < cut],
        timestamp="ts",
        features=["x1", "x2", "colour"],
        sensitive=["sex"],
        prediction="pred",
        score="score",
        label="label",
        name="simulated",
    )
    monitoring.ingest(context, owner, system_id, stream[stream["ts"] >= cut], name="simulated")


def chart_data(html: str) -> tuple[dict[str, dict[str, list[Any]]], dict[str, list[str]]]:
    """The points of every chart of a page (chart id -> series -> [(at, value, lower,
    upper)]) and its alert markers (chart id -> [at]), read from the markup's data-*
    attributes with the standard library's HTML parser."""
    from html.parser import HTMLParser

    points: dict[str, dict[str, list[Any]]] = {}
    alerts: dict[str, list[str]] = {}

    class Reader(HTMLParser):
        chart = ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "svg" and "ts-chart" in (a.get("class") or ""):
                self.chart = a["id"] or ""
                points.setdefault(self.chart, {})
                alerts.setdefault(self.chart, [])
            elif tag == "circle" and a.get("class") == "pt":
                row = (
                    a["data-at"],
                    float(a["data-value"] or "nan"),
                    float(a["data-lower"]) if "data-lower" in a else None,
                    float(a["data-upper"]) if "data-upper" in a else None,
                )
                points[self.chart].setdefault(a["data-series"] or "", []).append(row)
            elif tag == "g" and a.get("class") == "alert":
                alerts[self.chart].append(a["data-at"] or "")

    Reader().feed(html)
    return points, alerts
