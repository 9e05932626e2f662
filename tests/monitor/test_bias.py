"""Fairness gaps per window and rolling, and the sequential detector's error control.

Oracles: Newcombe's interval from ombud.stats on counts taken directly from the rows, and
seeded simulations for the detector's false-alarm rate and detection delay."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from tests.monitor._stream import prediction_log

from ombud.monitor import (
    MonitorSpec,
    bands_from_reference,
    bh_alarms,
    build_windows,
    fairness_gaps,
    gap_cusum,
    gap_detector,
    merge_windows,
    reference_band,
    rolling_gaps,
)
from ombud.stats.intervals import newcombe_difference_interval


def test_gap_equals_direct_counts(spec: MonitorSpec, log: pd.DataFrame) -> None:
    window = merge_windows(build_windows(log, spec).windows)
    gaps = fairness_gaps(window, spec, metrics=("selection_rate",))
    ref = spec.reference_group("sex")
    other = "m" if ref == "f" else "f"
    row = gaps[(gaps.attribute == "sex") & (gaps.group == other)]
    a, b = log[log.sex == other].pred, log[log.sex == ref].pred
    assert row.gap.item() == pytest.approx(a.mean() - b.mean())
    lo, hi = newcombe_difference_interval(a.sum(), len(a), b.sum(), len(b))
    assert row.lower.item() == pytest.approx(float(lo))
    assert row.upper.item() == pytest.approx(float(hi))


def test_one_group_window_gives_a_reason_not_a_number(spec: MonitorSpec, log: pd.DataFrame) -> None:
    ref = spec.reference_group("sex")
    only = log[log.sex == ref]
    window = merge_windows(build_windows(only, spec).windows)
    gaps = fairness_gaps(window, spec, metrics=("selection_rate",))
    row = gaps[gaps.attribute == "sex"]
    assert math.isnan(row.gap.item())
    assert row.note.item() == "only one group in this window"
    missing_ref = merge_windows(build_windows(log[log.sex != ref], spec).windows)
    note = fairness_gaps(missing_ref, spec, metrics=("tpr",))
    assert "has no rows" in note[note.attribute == "sex"].note.item()


def test_rolling_gaps_merge_trailing_windows(spec: MonitorSpec, log: pd.DataFrame) -> None:
    windows = build_windows(log, spec).windows
    rolled = rolling_gaps(windows, spec, size=3, metrics=("selection_rate",))
    last = rolled[(rolled.start == windows[-1].start) & (rolled.attribute == "age")]
    direct = fairness_gaps(merge_windows(windows[-3:]), spec, metrics=("selection_rate",))
    expected = direct[direct.attribute == "age"]
    assert last.gap.to_numpy() == pytest.approx(expected.gap.to_numpy())


N_STREAMS = 400
LOOKS = 365
ALPHA = 0.05


def _stable_streams(seed: int, p_group: float, p_ref: float, n: int = 400):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    x = rng.binomial(n, p_group, size=(N_STREAMS, LOOKS))
    xr = rng.binomial(n, p_ref, size=(N_STREAMS, LOOKS))
    # the reference frame the band comes from: 20 000 rows per group
    ref_x = rng.binomial(20_000, p_group, size=N_STREAMS)
    ref_xr = rng.binomial(20_000, p_ref, size=N_STREAMS)
    return rng, x, xr, ref_x, ref_xr, n


def test_false_alarm_rate_over_365_daily_looks_is_at_most_nominal() -> None:
    """400 seeded stable streams (selection rates 0.30 vs 0.35, 400 rows per group per day), each
    checked daily for a year against the band learned from its own simulated reference. The
    share of streams with any alarm must not exceed α = 0.05. Monte-Carlo s.e. of the estimate
    at the nominal rate: √(0.05·0.95/400) ≈ 0.011, so a detector at 0.07 would fail this test
    about 97 % of the time."""
    _, x, xr, ref_x, ref_xr, n = _stable_streams(31, 0.30, 0.35)
    alarms = 0
    trials = np.full(LOOKS, n)
    for i in range(N_STREAMS):
        band = reference_band(ref_x[i], 20_000, ref_xr[i], 20_000)
        result = gap_cusum(x[i], trials, xr[i], trials, band=band, alpha=ALPHA, horizon=LOOKS)
        alarms += result.alarm_at is not None
        assert result.looks == LOOKS
    rate = alarms / N_STREAMS
    assert rate <= ALPHA, rate


def test_false_alarms_stay_controlled_on_the_band_edge() -> None:
    """Worst case of the null: the true gap sits exactly on the band's edge every day."""
    rng = np.random.default_rng(32)
    n = 400
    trials = np.full(LOOKS, n)
    alarms = 0
    for _ in range(N_STREAMS):
        x = rng.binomial(n, 0.33, LOOKS)
        xr = rng.binomial(n, 0.30, LOOKS)
        alarms += gap_cusum(x, trials, xr, trials, band=(-0.03, 0.03)).alarm_at is not None
    assert alarms / N_STREAMS <= ALPHA


def test_planted_shift_is_detected_within_14_windows() -> None:
    """A selection-rate gap that widens from 0 to −0.10 at day 200 (400 rows per group/day, band
    ±0.03 around the reference gap): every one of 200 seeded streams alarms after the shift and
    within 14 windows of it; the median delay is at most 7."""
    rng = np.random.default_rng(33)
    n, start = 400, 200
    trials = np.full(LOOKS, n)
    delays = []
    for _ in range(200):
        p = np.where(np.arange(LOOKS) < start, 0.30, 0.20)
        x = rng.binomial(n, p)
        xr = rng.binomial(n, 0.30, LOOKS)
        result = gap_cusum(x, trials, xr, trials, band=(-0.03, 0.03))
        assert result.alarm_at is not None
        delays.append(result.alarm_at - start)
    assert min(delays) >= 0
    assert max(delays) <= 14
    assert float(np.median(delays)) <= 7


def test_small_windows_are_not_looks() -> None:
    x = np.array([5, 0, 50])
    n = np.array([10, 0, 100])
    result = gap_cusum(x, n, x, n, band=(-0.05, 0.05), min_count=30)
    assert result.looks == 1
    assert np.isnan(result.z_upper[0])


def test_detector_on_windows_end_to_end(spec: MonitorSpec, reference: pd.DataFrame) -> None:
    """A 30-day stream whose 'm' selection rate collapses from day 15: the detector names
    (sex, m, selection_rate) and nothing about age; BH keeps it across the family."""
    frame = prediction_log(30 * 1200, seed=41, start="2024-06-01", days=30)
    late = (frame.ts >= pd.Timestamp("2024-06-15", tz="UTC")) & (frame.sex == "m")
    frame.loc[late, "pred"] = (np.random.default_rng(1).uniform(size=late.sum()) < 0.15).astype(
        np.int64
    )
    ref_window = merge_windows(build_windows(reference, spec).windows)
    bands = bands_from_reference(ref_window, spec)
    windows = build_windows(frame, spec).windows
    found = gap_detector(windows, spec, bands=bands, horizon=365)
    alarmed = {k for k, v in found.items() if v.alarm_at is not None}
    ref_sex = spec.reference_group("sex")
    expected = ("sex", "m" if ref_sex == "f" else "f", "selection_rate")
    if ref_sex == "m":
        # the collapsing group is the reference: the other group's gap widens upwards
        expected = ("sex", "f", "selection_rate")
    assert alarmed == {expected}
    assert found[expected].alarm_at is not None
    assert 14 <= found[expected].alarm_at <= 20
    kept = bh_alarms({k: v.pvalue for k, v in found.items()}, q=0.05)
    assert set(kept) == {expected}


def test_bh_alarms_match_the_stats_adjustment() -> None:
    """Oracle: hand-computed BH on five p-values (Benjamini & Hochberg 1995 step-up)."""
    p = {"a": 0.001, "b": 0.009, "c": 0.04, "d": 0.2, "e": float("nan")}
    kept = bh_alarms(p, q=0.05)
    # m = 4 tests: adjusted a = .004, b = .018, c = .0533, d = .2
    assert set(kept) == {"a", "b"}
    assert kept["b"] == pytest.approx(0.018)
