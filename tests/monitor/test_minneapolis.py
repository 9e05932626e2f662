"""Minneapolis police stops, 2017, monitored day by day: real data over its real dates.

The stops recorded on a mobile data computer (43,699 of 51,920; the others carry no search
field) are the decisions; ``personSearch`` (the person was searched) is the monitored output,
with race and gender as sensitive attributes. Reference: January to March 2017; monitored:
April to December in UTC days (the data's times are instants; a UTC day starts at 18:00 or
19:00 in Minneapolis). Oracles: the pandas path's windows for the DuckDB-built windows, and
search rates counted with pandas on the raw rows. What this shows is written up in
docs/monitoring.md ("A real year").
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from ombud.datasets import load_minneapolis_stops
from ombud.monitor import (
    MonitorSpec,
    Window,
    bands_from_reference,
    build_windows,
    build_windows_sql,
    drift_report,
    fairness_gaps,
    fit_spec,
    gap_detector,
    merge_windows,
    roll_up,
)

START = pd.Timestamp("2017-04-01", tz="UTC")


@pytest.fixture(scope="module")
def stops() -> pd.DataFrame:
    frame = load_minneapolis_stops().frame
    recorded = frame[frame["MDC"] == "MDC"].drop(columns=["idNum", "citationIssued", "MDC"])
    return recorded.reset_index(drop=True)


@pytest.fixture(scope="module")
def spec(stops: pd.DataFrame) -> MonitorSpec:
    return fit_spec(
        stops[stops["date"] < START],
        timestamp="date",
        features=["problem", "preRace", "policePrecinct", "neighborhood", "lat", "long"],
        categorical=["policePrecinct"],
        sensitive=["race", "gender"],
        prediction="personSearch",
    )


@pytest.fixture(scope="module")
def days(stops: pd.DataFrame, spec: MonitorSpec) -> tuple[Window, ...]:
    """April–December through DuckDB (a relation over the frame), checked against pandas."""
    con = duckdb.connect()
    con.register("stops", pa.Table.from_pandas(stops, preserve_index=False))
    relation = con.sql("SELECT * FROM stops WHERE date >= TIMESTAMPTZ '2017-04-01 00:00:00+00'")
    built = build_windows_sql(relation, spec, connection=con)
    want = build_windows(stops[stops["date"] >= START], spec)
    assert len(built.windows) == len(want.windows) == 276
    for a, b in zip(built.windows, want.windows, strict=True):
        assert a.rows_digest == b.rows_digest
        assert a.equals(b), a.key
    return built.windows


def _reference(stops: pd.DataFrame, spec: MonitorSpec) -> Window:
    return merge_windows(build_windows(stops[stops["date"] < START], spec).windows)


def test_search_rates_over_the_monitored_months(
    stops: pd.DataFrame, spec: MonitorSpec, days: tuple[Window, ...]
) -> None:
    """Oracle: pandas counts on the raw rows. Black people (the largest group, so the
    reference group) were searched at 21.0 %, white people at 8.4 %, Native Americans at
    30.1 %; every gap's 95 % interval excludes 0."""
    assert spec.reference_group("race") == "Black"
    rows = stops[stops["date"] >= START]
    rate = rows.groupby("race", observed=True)["personSearch"].mean()
    gaps = fairness_gaps(merge_windows(days), spec, metrics=("selection_rate",))
    race = gaps[gaps["attribute"] == "race"].set_index("group")
    for group in ("White", "Native American", "East African"):
        assert race.loc[group, "gap"] == pytest.approx(rate[group] - rate["Black"], abs=1e-12)
    assert rate["Black"] == pytest.approx(2350 / 11176)
    assert race.loc["White", "upper"] < 0 < race.loc["Native American", "lower"]
    assert race.loc["White", "gap"] == pytest.approx(-0.1258, abs=5e-5)


def test_no_gap_left_its_reference_band(
    stops: pd.DataFrame, spec: MonitorSpec, days: tuple[Window, ...]
) -> None:
    """The sequential detector over 276 daily looks (and 40 weekly ones) raises no alarm: the
    disparities were already there in January–March and did not widen beyond the band (the
    reference gap ± 2 points ± 3 of its standard errors)."""
    reference = _reference(stops, spec)
    bands = bands_from_reference(reference, spec)
    daily = gap_detector(days, spec, bands=bands, horizon=len(days))
    weeks = roll_up(days, "week")
    weekly = gap_detector(weeks, spec, bands=bands, horizon=len(weeks))
    assert daily[("race", "White", "selection_rate")].looks == 116  # days with ≥ 30 stops
    # 41 ISO weeks; the last (Monday 1 January 2018, UTC) has too few stops to be a look.
    assert (weekly[("race", "White", "selection_rate")].looks, len(weeks)) == (40, 41)
    assert all(d.alarm_at is None for d in [*daily.values(), *weekly.values()])
    low, high = bands[("race", "White", "selection_rate")]
    assert low < -0.1258 < high


def test_december_drift_is_detectable_but_small(
    stops: pd.DataFrame, spec: MonitorSpec, days: tuple[Window, ...]
) -> None:
    """The last 30 days against the reference: with ~4,000 stops every feature's shift is
    statistically detectable (p < 0.001 except the officer's perceived race, p = 0.02) yet
    small (PSI ≤ 0.051, under the usual 0.1 threshold): drift alone should not page anyone."""
    report = drift_report(spec, _reference(stops, spec), [merge_windows(days[-30:])])
    psi = report[report["statistic"] == "psi"].set_index("feature")
    assert psi["value"].max() < 0.1
    assert psi["value"].idxmax() == "neighborhood"
    assert (psi.drop(index="preRace")["pvalue"] < 1e-3).all()
    assert 0.01 < psi.loc["preRace", "pvalue"] < 0.05
