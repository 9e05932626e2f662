"""The many-window tables equal the per-window definitions (oracle: the scalar functions, which
are themselves tested against scipy and direct counts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.monitor._stream import prediction_log

from ombud.monitor import (
    MonitorSpec,
    build_windows,
    drift_report,
    fairness_gaps,
    feature_drift,
    gap_report,
    measured_performance,
    merge_windows,
    performance_report,
)


@pytest.fixture(scope="module")
def windows(spec: MonitorSpec) -> tuple:  # type: ignore[type-arg]
    frame = prediction_log(4000, seed=7, start="2024-02-01", days=6, shift=0.3)
    frame.loc[frame.index[:40], "x2"] = np.nan
    return build_windows(frame, spec).windows


def test_drift_report_equals_feature_drift(
    spec: MonitorSpec, reference: pd.DataFrame, windows: tuple
) -> None:  # type: ignore[type-arg]
    ref = merge_windows(build_windows(reference, spec).windows)
    table = drift_report(spec, ref, windows)
    for w in windows:
        for i, feature in enumerate(spec.features):
            expected = feature_drift(feature, ref.features[i], w.features[i])
            rows = table[(table.start == w.start) & (table.feature == feature.name)]
            assert set(rows.statistic) == set(expected)
            for r in rows.itertuples():
                e = expected[str(r.statistic)]
                assert r.value == pytest.approx(e.value, abs=1e-12, nan_ok=True)
                assert r.pvalue == pytest.approx(e.pvalue, rel=1e-9, abs=1e-300, nan_ok=True)
                if e.upper is not None:
                    assert r.upper == pytest.approx(e.upper, abs=1e-12)
                if e.bound is not None:
                    assert r.bound == pytest.approx(e.bound, abs=1e-12)


def test_performance_report_equals_per_window(spec: MonitorSpec, windows: tuple) -> None:  # type: ignore[type-arg]
    table = performance_report(spec, windows)
    for w in windows:
        expected = measured_performance(w, spec)
        got = table[table.start == w.start].drop(columns="start")
        key = ["attribute", "group", "metric"]
        merged = expected.merge(got, on=key, suffixes=("", "_r"))
        assert len(merged) == len(expected) == len(got)
        assert merged.value.to_numpy() == pytest.approx(merged.value_r.to_numpy(), nan_ok=True)
        assert merged.lower.to_numpy() == pytest.approx(merged.lower_r.to_numpy(), nan_ok=True)


def test_gap_report_equals_per_window(spec: MonitorSpec, windows: tuple) -> None:  # type: ignore[type-arg]
    table = gap_report(spec, windows)
    for w in windows:
        expected = fairness_gaps(w, spec).dropna(subset=["gap"])
        got = table[table.start == w.start]
        merged = expected.merge(got, on=["attribute", "group", "metric"], suffixes=("", "_r"))
        assert len(merged) == len(expected) == len(got)
        assert merged.gap.to_numpy() == pytest.approx(merged.gap_r.to_numpy())
        assert merged.upper.to_numpy() == pytest.approx(merged.upper_r.to_numpy())


def test_estimate_report_equals_per_window(spec: MonitorSpec, windows: tuple) -> None:  # type: ignore[type-arg]
    from ombud.monitor import estimate_report, estimated_performance

    table = estimate_report(spec, windows)
    for w in windows:
        expected = estimated_performance(w, spec)
        got = table[table.start == w.start]
        merged = expected.merge(got, on=["attribute", "group", "metric"], suffixes=("", "_r"))
        assert len(merged) == len(expected) == len(got)
        for col in ("value", "lower", "upper"):
            assert merged[col].to_numpy() == pytest.approx(merged[f"{col}_r"].to_numpy())
