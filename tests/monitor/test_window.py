"""Windows: merge equals recompute (property test), deterministic serialisation, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.monitor._stream import prediction_log

from ombud.monitor import (
    ColumnError,
    MonitorError,
    MonitorSpec,
    NumericSummary,
    TimestampError,
    Window,
    WindowMismatchError,
    amend,
    build_windows,
    fit_spec,
    merge_windows,
    roll_up,
)


def _one_window(frame: pd.DataFrame, spec: MonitorSpec) -> Window:
    windows = build_windows(frame, spec).windows
    return merge_windows(windows)


def test_spec_round_trips_through_json(spec: MonitorSpec) -> None:
    again = MonitorSpec.from_json(spec.to_json())
    assert again == spec
    assert again.digest == spec.digest
    assert spec.reference_group("sex") in ("f", "m")


def test_daily_windows_keyed_by_utc_start(spec: MonitorSpec, log: pd.DataFrame) -> None:
    ingest = build_windows(log, spec)
    keys = [w.key for w in ingest.windows]
    assert keys == [f"2024-01-0{d}T00:00:00+00:00" for d in range(1, 8)]
    assert sum(w.n_rows for w in ingest.windows) == len(log)
    assert sum(w.n_labelled for w in ingest.windows) == len(log)
    # the Tally of each window counts exactly its rows
    for w in ingest.windows:
        assert w.outputs is not None
        assert w.outputs.n_rows == w.n_rows


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.integers(0, 6), min_size=0, max_size=4), seed=st.integers(0, 10_000))
def test_any_split_merged_equals_all_rows(
    spec: MonitorSpec, log: pd.DataFrame, cuts: list[int], seed: int
) -> None:
    """Property: split the rows into arbitrary pieces (random row subsets, each ingested into
    its own daily windows), merge every window: the summary of all rows, to float rounding.
    Oracle: the same builder run once on all rows."""
    rng = np.random.default_rng(seed)
    piece = rng.integers(0, len(cuts) + 1, size=len(log))
    everything = _one_window(log, spec)
    days: list[Window] = []
    for k in range(len(cuts) + 1):
        part = log[piece == k]
        if len(part):
            days.extend(build_windows(part, spec).windows)
    by_day: dict[str, list[Window]] = {}
    for w in days:
        by_day.setdefault(w.key, []).append(w)
    # windows of the same day from different pieces: a late batch amends the first
    daily = [_merge_same_period(ws) for ws in by_day.values()]
    assert merge_windows(daily).equals(everything, rtol=1e-9)


def _merge_same_period(windows: list[Window]) -> Window:
    """Same-day windows from disjoint row sets are amendments of one another."""
    total = windows[0]
    for w in windows[1:]:
        total = amend(total, w)
    return total


def test_merge_is_chan_stable_for_large_offsets() -> None:
    """Oracle: numpy's two-pass variance on all values. With values near 1e9 the naive
    Σx² − n·mean² formula loses every digit; the pairwise merge keeps the variance."""
    rng = np.random.default_rng(3)
    x = 1e9 + rng.normal(0, 1, 3000)
    parts = np.array_split(x, 7)
    summaries = []
    for part in parts:
        m = part.mean()
        summaries.append(
            NumericSummary(
                (len(part),), 0, len(part), m, ((part - m) ** 2).sum(), part.min(), part.max()
            )
        )
    total = summaries[0]
    for s in summaries[1:]:
        total = total.merge(s)
    assert total.variance == pytest.approx(np.var(x, ddof=1), rel=1e-6)
    assert total.mean == pytest.approx(x.mean(), rel=1e-15)


def test_serialisation_is_deterministic_and_lossless(spec: MonitorSpec, log: pd.DataFrame) -> None:
    w = build_windows(log, spec).windows[2]
    again = Window.from_json(w.to_bytes(), spec)
    assert again == w
    assert again.digest == w.digest
    assert (
        w.to_bytes()
        == build_windows(log.sample(frac=1.0, random_state=4), spec).windows[2].to_bytes()
    )


def test_row_digest_is_order_free_and_detects_a_double_count(
    spec: MonitorSpec, log: pd.DataFrame
) -> None:
    a = _one_window(log, spec)
    shuffled = _one_window(log.iloc[::-1], spec)
    assert a.rows_digest == shuffled.rows_digest
    doubled = _one_window(pd.concat([log, log.iloc[:1]]), spec)
    assert doubled.rows_digest != a.rows_digest


def test_roll_up_to_weeks_and_refuse_overlap(spec: MonitorSpec) -> None:
    frame = prediction_log(3000, seed=5, start="2024-01-01", days=21)
    days = build_windows(frame, spec).windows
    weeks = roll_up(days, "week")
    assert [w.key[:10] for w in weeks] == ["2024-01-01", "2024-01-08", "2024-01-15"]
    assert sum(w.n_rows for w in weeks) == 3000
    assert merge_windows(weeks).equals(merge_windows(days))
    with pytest.raises(WindowMismatchError, match="overlap"):
        merge_windows([days[0], days[0]])


def test_other_and_unseen_categories_are_counted(spec: MonitorSpec, log: pd.DataFrame) -> None:
    frame = log.copy()
    frame.loc[:9, "colour"] = "purple"  # never seen in the reference
    frame.loc[10:14, "colour"] = None
    window = _one_window(frame, spec)
    colour = window.features[2]
    # top_k=3 of red/green/blue/teal: teal is "other"; purple is "unseen"
    assert colour.counts[-1] == 10
    assert colour.counts[-2] == int((frame["colour"] == "teal").sum())
    assert colour.missing == 5


def test_naive_and_unsorted_timestamps_are_noted_once(spec: MonitorSpec) -> None:
    frame = prediction_log(500, seed=6, tz=None)
    ingest = build_windows(frame, spec)
    assert any("taken as UTC" in n for n in ingest.notes)
    assert any("not in 'ts' order" in n for n in ingest.notes)
    aware = build_windows(frame.assign(ts=frame["ts"].dt.tz_localize("UTC")), spec)
    assert [w.digest for w in aware.windows] == [w.digest for w in ingest.windows]


def test_duplicate_timestamps_are_rows(spec: MonitorSpec, log: pd.DataFrame) -> None:
    frame = log.assign(ts=log["ts"].iloc[0])
    (window,) = build_windows(frame, spec).windows
    assert window.n_rows == len(log)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (
            lambda f: f.assign(score=f["score"].astype(object).where(f.index != 7, "high")),
            ColumnError,
            r"column 'score', row 7: 'high' is not a numeric score",
        ),
        (
            lambda f: f.assign(score=f["score"].where(f.index != 3, 1.5)),
            ColumnError,
            r"column 'score', row 3: score 1.5",
        ),
        (lambda f: f.drop(columns=["x2"]), ColumnError, r"lacks 'x2' \(feature\)"),
        (
            lambda f: f.assign(ts=f["ts"].astype(object).where(f.index != 2, "yesterday")),
            TimestampError,
            r"column 'ts', row 2: 'yesterday'",
        ),
        (
            lambda f: f.assign(x1=f["x1"].astype(object).where(f.index != 5, "n/a")),
            ColumnError,
            r"column 'x1', row 5: 'n/a' is not a number",
        ),
        (
            lambda f: f.assign(pred=f["pred"].where(f.index != 4, 2)),
            ColumnError,
            r"column 'pred', row 4: 2 is not 0/1",
        ),
    ],
)
def test_bad_input_is_one_line_naming_column_and_row(
    spec: MonitorSpec, log: pd.DataFrame, change: object, error: type[Exception], match: str
) -> None:
    frame = change(log.head(50).copy())  # type: ignore[operator]
    with pytest.raises(error, match=match) as info:
        build_windows(frame, spec)
    assert "\n" not in str(info.value)
    assert issubclass(error, ValueError)


def test_reference_problems_are_refused(reference: pd.DataFrame) -> None:
    with pytest.raises(ColumnError, match="feature column 'nope' is absent"):
        fit_spec(reference, timestamp="ts", features=["nope"], prediction="pred")
    with pytest.raises(ColumnError, match="'empty' is all missing"):
        fit_spec(
            reference.assign(empty=np.nan), timestamp="ts", features=["empty"], prediction="pred"
        )
    with pytest.raises(MonitorError, match="threshold"):
        fit_spec(reference, timestamp="ts", score="score")


def test_all_missing_feature_in_a_window(spec: MonitorSpec, log: pd.DataFrame) -> None:
    window = _one_window(log.assign(x1=np.nan), spec)
    x1 = window.features[0]
    assert isinstance(x1, NumericSummary)
    assert x1.n == 0
    assert x1.missing == len(log)
    assert math.isnan(x1.mean)


def test_window_without_labels(spec: MonitorSpec, log: pd.DataFrame) -> None:
    window = _one_window(log.assign(label=np.nan), spec)
    assert window.labelled is None
    assert window.n_labelled == 0
    assert window.outputs is not None


def test_empty_window_is_the_zero_of_merge(spec: MonitorSpec, log: pd.DataFrame) -> None:
    from datetime import UTC, datetime

    from ombud.monitor import estimated_performance, feature_drift, measured_performance

    days = build_windows(log, spec).windows
    gap = Window.empty(spec, datetime(2024, 1, 8))
    assert gap.key == "2024-01-08T00:00:00+00:00"
    assert gap.end == datetime(2024, 1, 9, tzinfo=UTC)
    merged = merge_windows([*days, gap])
    assert merged.equals(merge_windows(days))
    assert Window.from_json(gap.to_json(), spec) == gap
    drift = feature_drift(spec.features[0], days[0].features[0], gap.features[0])
    assert math.isnan(drift["psi"].value)
    assert drift["psi"].note == "the window has no values"
    assert measured_performance(gap, spec).empty
    with pytest.raises(MonitorError, match="no rows to estimate"):
        estimated_performance(gap, spec)


def test_a_log_without_rows_builds_no_window(spec: MonitorSpec, log: pd.DataFrame) -> None:
    ingest = build_windows(log.head(0), spec)
    assert ingest.windows == ()
    assert ingest.notes == ("the prediction log has no rows; no window was built",)


def test_malformed_window_json_is_one_line(spec: MonitorSpec) -> None:
    with pytest.raises(WindowMismatchError, match="malformed window JSON"):
        Window.from_json('{"format": "ombud.monitor_window", "version": 1}', spec)


def test_text_timestamps_with_mixed_offsets_become_utc(
    spec: MonitorSpec, log: pd.DataFrame
) -> None:
    frame = log.head(4).copy()
    frame["ts"] = [
        "2024-01-01T23:30:00-02:00",  # 2024-01-02 01:30 UTC
        "2024-01-02T00:10:00+01:00",  # 2024-01-01 23:10 UTC
        "2024-01-02T12:00:00Z",
        "2024-01-01T05:00:00+00:00",
    ]
    ingest = build_windows(frame, spec)
    assert [w.n_rows for w in ingest.windows] == [2, 2]
    assert any("mix time zones" in n for n in ingest.notes)


def test_amend_refuses_another_period(spec: MonitorSpec, log: pd.DataFrame) -> None:
    days = build_windows(log, spec).windows
    with pytest.raises(WindowMismatchError, match="same spec and period"):
        amend(days[0], days[1])
