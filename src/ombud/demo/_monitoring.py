"""Demo step: after launch. Monitors over real decision dates, and one simulated stream.

The recidivism system is monitored over the real COMPAS screening dates (Broward County,
January 2013 to December 2014): the first half of 2013 is the reference, every later day a
window, and the check reports what the real data shows, whatever it is. Then a clearly
labelled *simulated* stream (``simulated_eligibility_stream``, seeded) replays the
eligibility model on resampled Adult rows and plants one input drift and one emergent bias
from day 60, so the path alert → finding → owner is visible. Nothing simulated is
presented as real: its monitor is named ``simulated``, its report rows say so.
Every step calls the same services as ``ombud monitor init|ingest|check``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from ombud.datasets import DatasetNotFoundError, load
from ombud.demo._portfolio import VERSIONS, DemoReport
from ombud.services.context import AppContext
from ombud.services.monitor_check import MonitorSettings
from ombud.services.monitor_findings import CheckOutcome, check_monitor
from ombud.services.monitoring import ingest, init_monitor

__all__ = ["SIMULATION_SEED", "monitor_portfolio", "simulated_eligibility_stream"]

SIMULATION_SEED = 20261203
SIMULATION_START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
#: The share of the approvals of women the planted bias withdraws.
WITHDRAWN_SHARE = 0.6
#: Days of the simulated stream that form the monitor's reference.
REFERENCE_DAYS = 30
#: The day of the simulated stream from which the planted shifts apply.
SHIFT_DAY = 60
ELIGIBILITY_FEATURES = ["age", "education-num", "hours-per-week", "capital-gain"]


def _owner(context: AppContext, system_id: str) -> str:
    from ombud.services.systems import get_system

    return get_system(context, system_id).owner


def _summary(outcome: CheckOutcome, description: str, simulated: bool) -> dict[str, Any]:
    check = outcome.check
    return {
        "system_id": check.system_id,
        "monitor": check.monitor,
        "simulated": simulated,
        "description": description,
        "windows": check.windows,
        "rows": check.rows,
        "verdicts": dict(check.verdicts),
        "breaches": [b.title for b in check.breaches],
        "evidence_id": outcome.evidence.id if outcome.evidence is not None else None,
        "findings": [(f.finding_id, f.action) for f in outcome.findings],
    }


def _recidivism(context: AppContext, report: DemoReport) -> None:
    system_id = "recidivism-risk"
    frame = load("compas", filtered=True).frame
    frame = frame.assign(labelled_high_risk=(frame["decile_score"] >= 5).astype(int))
    columns = [
        "compas_screening_date",
        "labelled_high_risk",
        "two_year_recid",
        "race",
        "sex",
        "age",
        "priors_count",
        "c_charge_degree",
    ]
    frame = frame[columns].sort_values("compas_screening_date", kind="stable")
    split = pd.Timestamp("2013-07-01")
    reference = frame[frame["compas_screening_date"] < split]
    log = frame[frame["compas_screening_date"] >= split]
    owner = context.actor(_owner(context, system_id))
    init_monitor(
        context,
        owner,
        system_id,
        VERSIONS[system_id][0],
        reference,
        timestamp="compas_screening_date",
        features=["age", "priors_count", "c_charge_degree"],
        categorical=["c_charge_degree"],
        sensitive=["race", "sex"],
        prediction="labelled_high_risk",
        label="two_year_recid",
        period="day",
    )
    ingest(context, owner, system_id, log)
    # About seven screenings a day in ProPublica's sample: the default recent range (the
    # last 7 daily windows) has too few rows to test, so the check reads the last 30.
    outcome = check_monitor(context, owner, system_id, settings=MonitorSettings(recent_windows=30))
    report.monitoring.append(
        _summary(
            outcome,
            f"real COMPAS screenings: reference {len(reference):,} rows (Jan-Jun 2013), "
            f"{len(log):,} rows in daily windows to Dec 2014",
            simulated=False,
        )
    )


def simulated_eligibility_stream(
    frame: pd.DataFrame, model: Any, *, days: int = 120, rows_per_day: int = 600
) -> pd.DataFrame:
    """SIMULATED: ``days`` of serving log resampled from Adult's test rows (seeded), the
    model's real decisions on them, and from ``SHIFT_DAY`` two planted changes: applicants
    report 8 more weekly hours (input drift), and 60% of the women the model would
    approve are declined (emergent bias, as a broken upstream rule would do)."""
    rng = np.random.default_rng(SIMULATION_SEED)
    start = SIMULATION_START
    picks = rng.integers(0, len(frame), days * rows_per_day)
    stream = frame.iloc[picks].reset_index(drop=True)
    day = np.repeat(np.arange(days), rows_per_day)
    seconds = rng.integers(0, 86_400, len(stream))
    stream["served_at"] = [
        start + dt.timedelta(days=int(d), seconds=int(s)) for d, s in zip(day, seconds, strict=True)
    ]
    shifted = day >= SHIFT_DAY
    stream.loc[shifted, "hours-per-week"] = stream.loc[shifted, "hours-per-week"] + 8
    approve = model.predict(stream[ELIGIBILITY_FEATURES]).astype(int)
    women = (stream["sex"] == "Female").to_numpy()
    broken = shifted & women & (approve == 1) & (rng.random(len(stream)) < WITHDRAWN_SHARE)
    approve[broken] = 0
    return stream.assign(approved=approve, above_50k=(stream["income"] == ">50K").astype(int))


def _simulated(context: AppContext, report: DemoReport) -> None:
    system_id = "benefit-eligibility"
    adult = load("adult").frame
    train = adult[adult["split"] == "train"]
    test = adult[adult["split"] == "test"].reset_index(drop=True)
    model = HistGradientBoostingClassifier(random_state=0)
    model.fit(train[ELIGIBILITY_FEATURES], train["income"] == ">50K")
    stream = simulated_eligibility_stream(test, model)
    cut = pd.Timestamp(SIMULATION_START + dt.timedelta(days=REFERENCE_DAYS))
    reference = stream[stream["served_at"] < cut]
    log = stream[stream["served_at"] >= cut]
    owner = context.actor(_owner(context, system_id))
    columns = ["served_at", "approved", "above_50k", "sex", "race", *ELIGIBILITY_FEATURES]
    init_monitor(
        context,
        owner,
        system_id,
        VERSIONS[system_id][0],
        reference[columns],
        timestamp="served_at",
        features=ELIGIBILITY_FEATURES,
        sensitive=["sex"],
        prediction="approved",
        label="above_50k",
        period="day",
        name="simulated",
    )
    ingest(context, owner, system_id, log[columns], name="simulated")
    outcome = check_monitor(context, owner, system_id, name="simulated")
    report.monitoring.append(
        _summary(
            outcome,
            f"SIMULATED stream (simulated_eligibility_stream, seed {SIMULATION_SEED}): "
            f"{len(stream):,} resampled Adult rows over 120 days; from day {SHIFT_DAY} "
            "+8 weekly hours (drift) and 60% of the approvals of women withdrawn (bias)",
            simulated=True,
        )
    )


def monitor_portfolio(
    context: AppContext, report: DemoReport, progress: Callable[[str], None]
) -> None:
    progress("monitoring recidivism-risk over the real 2013-14 screening dates")
    try:
        _recidivism(context, report)
    except DatasetNotFoundError as exc:
        report.notes.append(f"recidivism-risk: not monitored ({exc})")
    progress("monitoring a simulated eligibility stream (planted drift and bias)")
    try:
        _simulated(context, report)
    except DatasetNotFoundError as exc:
        report.notes.append(f"benefit-eligibility: simulated stream not run ({exc})")
